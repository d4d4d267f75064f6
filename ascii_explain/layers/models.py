"""A model used as a layer (a Sequential stem inside ConvNeXt, a Functional block inside another)."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from .formula import BuildShape, Formula, FormulaTerm
from .nested import frozen, nested_formula, prefixed
from .registry import register_formula


@register_formula(keras.Sequential, keras.src.models.functional.Functional)
def nested_model(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """A nested model: the sum of its layers' formulas, each term named ``layer_name/weight``.

    A Sequential or Functional model creates no weights of its own; its
    ``get_config()["layers"]`` lists each layer once (a shared layer once too)
    with the ``build_config`` it was built with (3.15.1), so each inner
    formula gets its own build shape. A layer saved with ``trainable=False``
    counts as non-trainable.
    """
    terms: list[FormulaTerm] = []
    parts = []
    for serialized in config["layers"]:
        inner = nested_formula(serialized, None)
        if not inner.terms:
            continue
        name = serialized.get("config", {}).get("name") or serialized.get("name")
        terms += frozen(prefixed(inner, name), serialized)
        parts.append(inner.expression)
    return Formula(terms, " + ".join(parts) if parts else None)
