"""The registry of parameter formulas, one small pure function per layer family.

A formula function takes the layer's config (``layer.get_config()``) and the
shape it was built with, and returns a :class:`Formula`: named terms after
Keras's weight names, and optionally a compact factored expression such as
``(3*3*3+1)*2``. It never looks at the layer's weights: that is the point —
the weights are what we check the formula against.

Lookup walks ``type(layer).__mro__`` so a user's subclass of ``Dense`` is
explained by the Dense formula unless it registers its own.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

from ..arithmetic import evaluate, total
from ..class_lookup import Counterpart, nearest

# What a formula receives as its input shape: the single shape the layer was
# built with (batch axis included, as Keras passes it to ``build``), or, for
# layers whose ``build`` takes several shapes (attention: query, value, key),
# a mapping from ``build``'s argument name to each shape.
# Typed as Any: formula authors index it freely, and the tests check the results.
BuildShape = Any


@dataclass(frozen=True)
class FormulaTerm:
    """A term before evaluation: Keras's weight name and its arithmetic."""

    name: str
    expression: str
    trainable: bool = True
    # For a non-trainable term: why Keras does not train it, shown in the totals.
    reason: str = ""


@dataclass(frozen=True)
class Formula:
    """The result of a formula function."""

    terms: Sequence[FormulaTerm] = field(default_factory=tuple)
    # A factored form of the sum of the terms, e.g. "(27+1)*5" for
    # "27*5 + 5". It must evaluate to the same number; tests check it does.
    compact: Optional[str] = None

    @property
    def expression(self) -> str:
        """The expression we print as the layer's ``.formula``."""
        return self.compact or total(term.expression for term in self.terms)

    def value(self) -> int:
        return evaluate(self.expression)


FormulaFunction = Callable[[Mapping[str, Any], BuildShape], Formula]

_REGISTRY: dict[type, FormulaFunction] = {}


def register_formula(*layer_classes: type) -> Callable[[FormulaFunction], FormulaFunction]:
    """Register ``function`` as the parameter formula for ``layer_classes``.

    Use it for your own layers::

        from ascii_explain import register_formula, Formula, FormulaTerm

        @register_formula(MyLayer)
        def my_layer(config, input_shape):
            units, last = config["units"], input_shape[-1]
            return Formula([FormulaTerm("w", f"{last}*{units}")])

    The function receives ``layer.get_config()`` and the shape the layer was
    built with (batch axis first), and returns named terms. Registering a class
    that already has a formula replaces it. A layer built from Keras
    sublayers may also declare a keyword argument ``sublayers``: it then
    receives ``{sublayer.name: sublayer.get_config()}`` for the layer's direct
    sublayers (used by the attention formulas to see quantized or LoRA
    projections).
    """

    def decorator(function: FormulaFunction) -> FormulaFunction:
        for layer_class in layer_classes:
            _REGISTRY[layer_class] = function
        return function

    return decorator


# The optional keyword a formula may declare to receive its sublayers' configs
# (``{sublayer.name: sublayer.get_config()}``). Only layers that build Keras
# sublayers need it: after ``model.quantize()`` or ``sublayer.enable_lora()``,
# MultiHeadAttention's own config still says float32 while its query/key/
# value/output EinsumDense sublayers hold int8 kernels and scales (3.15.1).
SUBLAYERS_KEYWORD = "sublayers"


def wants_sublayers(function: FormulaFunction) -> bool:
    """True when ``function`` declares the ``sublayers`` keyword."""
    try:
        return _declares_sublayers(function)
    except TypeError:  # an unhashable callable: read its signature every time
        return _declares_sublayers.__wrapped__(function)


# inspect.signature costs as much as the rest of a formula; a function's
# signature does not change, so it is read once per function.
@functools.lru_cache(maxsize=1024)
def _declares_sublayers(function: FormulaFunction) -> bool:
    try:
        return SUBLAYERS_KEYWORD in inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins or C callables have no signature
        return False


def unregister_formula(layer_class: type) -> None:
    """Remove a formula registered for exactly ``layer_class`` (not its bases)."""
    _REGISTRY.pop(layer_class, None)


def find_formula(layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[FormulaFunction]:
    """The formula for the nearest class in ``layer_class``'s MRO, or None.

    ``counterpart`` maps a class of the MRO to a class whose formula stands in
    for it (introspect's, for Keras 2 ``tf_keras`` classes; see class_lookup).
    """
    return nearest(_REGISTRY, layer_class, counterpart)


def registered_classes() -> list[type]:
    return list(_REGISTRY)
