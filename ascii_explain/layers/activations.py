"""PReLU: the one activation layer with weights (its MACs are 0: an element-wise product)."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import product
from .formula import BuildShape, Formula, FormulaTerm
from .registry import register_formula, register_macs
from .weightless import zero_macs


@register_formula(keras.layers.PReLU)
def prelu(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """PReLU: one ``alpha`` per input unit, shared (size 1) along ``shared_axes``.

    Mirrors ``PReLU.build``: ``alpha`` has shape ``input_shape[1:]`` with each
    axis in ``shared_axes`` (counted with the batch axis as 0) set to 1.
    """
    shape = list(input_shape[1:])  # type: ignore[index]
    shared = config.get("shared_axes") or []
    if isinstance(shared, int):
        shared = [shared]
    # A shared axis may be unknown (None) in the build shape: it becomes 1 first.
    for axis in shared:
        shape[int(axis) - 1] = 1
    return Formula([FormulaTerm("alpha", product(int(size) for size in shape))])


# PReLU's slope is an element-wise product, not a multiply-accumulate (README convention).
register_macs(keras.layers.PReLU)(zero_macs)
