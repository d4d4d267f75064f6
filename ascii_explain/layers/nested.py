"""Formulas of layers nested in a wrapper's config (Bidirectional, TimeDistributed, RNN cells...).

A wrapper's ``get_config()`` holds each inner layer serialized as
``{"module", "class_name", "config", "registered_name", "build_config"}``
(``keras.saving.serialize_keras_object``, 3.15.1). We look the class up by
name and apply its registered formula to the inner config: the inner layer's
weights are never read, and nothing is instantiated unless the class can only
be found by deserializing it.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import keras

from .dims import NotCoveredError
from .formula import Formula, FormulaTerm
from .registry import find_formula


def layer_class(serialized: Mapping[str, Any]) -> type:
    """The class of a serialized layer: a built-in by name, else a registered custom class."""
    class_name = serialized.get("class_name", "")
    registered = serialized.get("registered_name")
    if registered:
        found = keras.saving.get_registered_object(registered)
        if isinstance(found, type):
            return found
    found = getattr(keras.layers, str(class_name), None)
    if isinstance(found, type):
        return found
    # Last resort, e.g. an unregistered custom layer passed through custom_objects.
    try:
        return type(keras.layers.deserialize(dict(serialized)))
    except Exception as error:  # Keras cannot find the class: the formula is unknown, not wrong
        raise NotCoveredError(f"the wrapped class {class_name!r} is not known to Keras here") from error


def nested_build_shape(serialized: Mapping[str, Any], default: Any) -> Any:
    """The inner layer's own build shape when its serialization recorded one, else ``default``."""
    build_config = serialized.get("build_config") or {}
    shape = build_config.get("input_shape")
    if shape is None:
        return default
    return _as_tuple(shape)


def _as_tuple(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_as_tuple(part) for part in value)
    return value


def nested_formula(serialized: Mapping[str, Any], input_shape: Any) -> Formula:
    """Apply the registered formula of a serialized inner layer; raise when it has none."""
    klass = layer_class(serialized)
    function = find_formula(klass)
    if function is None:
        raise NotCoveredError(f"no registered formula for the wrapped {klass.__name__}")
    return function(serialized.get("config", {}), nested_build_shape(serialized, input_shape))


def prefixed(formula: Formula, prefix: Optional[str]) -> list[FormulaTerm]:
    """The formula's terms, renamed ``prefix/name`` (Keras's weight path below the wrapper)."""
    if not prefix:
        return list(formula.terms)
    return [
        FormulaTerm(f"{prefix}/{term.name}", term.expression, term.trainable, term.reason) for term in formula.terms
    ]


def frozen(terms: list[FormulaTerm], serialized: Mapping[str, Any]) -> list[FormulaTerm]:
    """An inner layer saved with ``trainable=False`` contributes only non-trainable weights."""
    if serialized.get("config", {}).get("trainable", True):
        return terms
    reason = "inner layer frozen (trainable=False)"
    return [FormulaTerm(term.name, term.expression, False, term.reason or reason) for term in terms]
