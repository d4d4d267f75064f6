"""Merging layers: Dot's mult-adds.

Add, Concatenate, Dot and the other merging layers create no weights and the
element-wise ones do 0 MACs (``weightless.py``); Dot multiplies activations
by activations, so it has a mult-add function of its own.
"""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import product
from .backward import BackwardMacs
from .dims import known
from .formula import BuildShape
from .registry import OutputShapeArg, register_backward_macs, register_macs


@register_macs(keras.layers.Dot)
def dot_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """Dot: x's size × y's size without the contracted axis.

    A batched dot product of (T, d) and (U, d) along d computes T×U sums of d
    products: ``T*d*U``. (With ``normalize=True`` the l2 normalization is
    element-wise and not counted.)
    """
    x_shape, y_shape = input_shape
    axes = config["axes"]
    y_axis = axes[1] if isinstance(axes, (list, tuple)) else axes
    y_axis = int(y_axis) % len(y_shape)
    x_dims = known(*x_shape[1:])
    y_dims = known(*(dim for index, dim in enumerate(y_shape) if index not in (0, y_axis)))
    return product([*x_dims, *y_dims])


@register_backward_macs(keras.layers.Dot)
def dot_backward_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> BackwardMacs:
    """Dot: a product of two inputs; each input's gradient is the output's gradient times the other, forward each."""
    forward = dot_macs(config, input_shape, output_shape)
    return BackwardMacs(input_grad=f"2*{forward}", weight_grad="0")
