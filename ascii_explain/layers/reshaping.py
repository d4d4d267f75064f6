"""ZeroPadding, Cropping and UpSampling in 1D/2D/3D: output-shape arithmetic, and UpSampling's mult-adds.

They create no weights (their parameter formula comes from ``weightless.py``);
zero padding and cropping are data movement, 0 MACs by the same table.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import keras

from .dims import per_axis, spatial_dims
from .formula import BuildShape
from .registry import OutputShapeArg, ShapeFunction, classes_named, register_macs, register_shape
from .shape_arithmetic import ShapeFormula, shape_formula

# ------------------------------------------------------------- output shapes


def _pairs(value: Any, rank: int) -> list[tuple[int, int]]:
    """ZeroPadding/Cropping configs: an int, a (before, after) pair, or one pair per axis."""
    if isinstance(value, int):
        return [(value, value)] * rank
    items = list(value)
    if rank == 1 and len(items) == 2 and all(isinstance(item, int) for item in items):
        return [(int(items[0]), int(items[1]))]
    pairs = []
    for item in items:
        pairs.append((item, item) if isinstance(item, int) else (int(item[0]), int(item[1])))
    return pairs


def _padding_shape(rank: int) -> ShapeFunction:
    def padding_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
        """Zero padding: ``n+before+after`` on each spatial axis."""
        pairs = _pairs(config["padding"], rank)
        return shape_formula(
            "pad", spatial_dims(config, input_shape, rank), lambda i, n: f"{n}+{pairs[i][0]}+{pairs[i][1]}"
        )

    return padding_shape


def _cropping_shape(rank: int) -> ShapeFunction:
    def cropping_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
        """Cropping: ``n-before-after`` on each spatial axis."""
        pairs = _pairs(config["cropping"], rank)
        dims = spatial_dims(config, input_shape, rank)
        return shape_formula("crop", dims, lambda i, n: f"{n}-{pairs[i][0]}-{pairs[i][1]}")

    return cropping_shape


def _upsampling_shape(rank: int) -> ShapeFunction:
    def upsampling_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
        """Upsampling: ``n*size`` on each spatial axis (each row/column repeated ``size`` times)."""
        sizes = per_axis(config["size"], rank)
        return shape_formula("upsample", spatial_dims(config, input_shape, rank), lambda i, n: f"{n}*{sizes[i]}")

    return upsampling_shape


for _name, _factory in (
    ("ZeroPadding", _padding_shape),
    ("Cropping", _cropping_shape),
    ("UpSampling", _upsampling_shape),
):
    for _rank in (1, 2, 3):
        # Names missing from the installed Keras are skipped.
        register_shape(*classes_named(keras.layers, [f"{_name}{_rank}D"]))(_factory(_rank))


# ----------------------------------------------------------------- mult-adds


@register_macs(keras.layers.UpSampling1D, keras.layers.UpSampling2D, keras.layers.UpSampling3D)
def upsampling_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """UpSampling: 0 with every interpolation.

    ``"nearest"`` (the only mode of 1D/3D) repeats values. The others (bilinear, bicubic, ...) take a
    fixed weighted sum of neighbours, as average pooling does: no learned product, 0 by the same
    convention (README, "Mult-adds and memory"), which is also what its traced call counts (a
    ``ResizeBilinear`` is not a contraction, ``read/traced_macs.py``).
    """
    return "0"
