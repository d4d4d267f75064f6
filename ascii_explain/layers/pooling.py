"""Max and average pooling: output-shape arithmetic.

Parameters and mult-adds of pooling are 0 by convention and come from the
table of weightless layers (``weightless.py``); only the shape arithmetic is
the family's own.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import keras

from .dims import as_tuple, per_axis, spatial_dims
from .registry import register_shape
from .shape_arithmetic import ShapeFormula, described, shape_formula


@register_shape(keras.src.layers.pooling.base_pooling.BasePooling)
def pooling_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
    """Max/average pooling: valid ``floor((n-p)/s)+1``, same ``ceil(n/s)``; the stride defaults to the pool size.

    Mirrors Keras's ``compute_pooling_output_shape`` (same is written there as
    ``floor((n-1)/s)+1``, which equals ``ceil(n/s)``).
    """
    pool = as_tuple(config["pool_size"])
    rank = len(pool)
    strides = per_axis(config.get("strides") or pool, rank)
    padding = str(config.get("padding", "valid")).lower()
    kind = padding + described("stride", strides)
    dims = spatial_dims(config, input_shape, rank)

    def axis(i: int, n: int) -> str:
        if padding == "valid":
            return f"floor(({n}-{pool[i]})/{strides[i]})+1"
        return f"ceil({n}/{strides[i]})"

    return shape_formula(kind, dims, axis)
