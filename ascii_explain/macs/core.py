"""Mult-adds of Dense, EinsumDense and Dot, and the layers that do no multiply-accumulate."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import product
from ..class_lookup import classes_named
from .registry import BuildShape, OutputShapeArg, known, register_macs


@register_macs(keras.layers.Dense)
def dense_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """Dense: leading positions × in × units.

    Keras's Dense multiplies only the last axis by the kernel, once per
    position of the other axes: on a (7, 5) input, 3 units cost ``7*5*3 = 105``;
    on a flat (27,) input, ``27*5 = 135`` for 5 units. The bias is not a MAC.
    """
    dims = known(*input_shape[1:])
    return product([*dims, int(config["units"])])


@register_macs(keras.layers.EinsumDense)
def einsum_dense_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """EinsumDense: the product of the sizes of every index in the equation, batch excluded.

    An einsum of input and kernel does one multiply-accumulate per combination
    of all its indices (kept and summed). Every kernel index is an input or an
    output index, so the sizes come from the two shapes. Equations with
    ``...`` are not covered (unknown MACs).
    """
    equation = str(config["equation"])
    inputs, rest = equation.split(",")
    output = rest.split("->")[1]
    if "." in equation:
        raise ValueError("EinsumDense equations with '...' are not covered")
    sizes: dict[str, Any] = {}
    for letters, shape in ((inputs, input_shape), (output, output_shape)):
        for letter, dim in zip(letters, shape, strict=False):
            sizes.setdefault(letter, dim)
    batch = inputs[0]
    ordered = [letter for letter in dict.fromkeys(inputs + output) if letter != batch]
    return product(known(*(sizes[letter] for letter in ordered)))


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


def zero_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """No multiply-accumulate: element-wise work, data movement, lookups, pooling or normalization: 0."""
    return "0"


# Layers whose work is element-wise, data movement, a table lookup (Embedding),
# max/average pooling, or normalization's per-element scale and shift. The
# README's convention counts all of these as 0 MACs. Lambda, Resizing and the
# random augmentation layers are deliberately absent: their cost is unknown.
ZERO_MACS_LAYER_NAMES = (
    "InputLayer",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "PReLU",
    "Softmax",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "ActivityRegularization",
    "Flatten",
    "Reshape",
    "Permute",
    "RepeatVector",
    "Identity",
    "Masking",
    "Embedding",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Rescaling",
    "CenterCrop",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "RMSNormalization",
    "UnitNormalization",
    "Normalization",
)

register_macs(*classes_named(keras.layers, ZERO_MACS_LAYER_NAMES))(zero_macs)


@register_macs(keras.layers.UpSampling1D, keras.layers.UpSampling2D, keras.layers.UpSampling3D)
def upsampling_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """UpSampling with ``interpolation="nearest"`` (the only mode of 1D/3D) repeats values: 0.

    Other interpolations (bilinear, ...) weigh neighbours; they are not covered (unknown MACs).
    """
    interpolation = config.get("interpolation", "nearest")
    if interpolation != "nearest":
        raise ValueError(f"UpSampling with interpolation={interpolation!r} is not covered")
    return "0"
