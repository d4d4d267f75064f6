"""Mult-adds of convolutions: Conv, DepthwiseConv, SeparableConv and ConvTranspose in 1D/2D/3D."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import product
from ..formulas._shapes import as_tuple, channels
from ..shapes import spatial_dims
from .registry import BuildShape, OutputShapeArg, known, register_macs

_base = keras.src.layers.convolutional  # Keras 3 base classes (checked on 3.15.1)


def _positions(config: Mapping[str, Any], shape: Any, rank: int) -> list[int]:
    return known(*spatial_dims(config, shape, rank))


def _spread(in_channels: int, multiplier: int) -> list[Any]:
    """Channels times depth multiplier, the multiplier left out when it is 1 (as in the parameter formulas)."""
    return [in_channels] if multiplier == 1 else [in_channels, multiplier]


@register_macs(_base.base_conv.BaseConv)
def conv_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """Conv1D/2D/3D: output positions × kernel volume × (in channels / groups) × filters.

    Seed 002's first layer, 3x3 on 28x28x1 with 32 filters: ``26*26*3*3*1*32 = 194688``.
    Each output value is a dot product of the kernel window with the input
    (``k1*..*kn*in/groups`` MACs); the bias addition is not a MAC.
    """
    kernel = as_tuple(config["kernel_size"])
    groups = int(config.get("groups", 1) or 1)
    in_channels = known(channels(config, input_shape))[0]
    per_group = str(in_channels) if groups == 1 else f"({in_channels}//{groups})"
    positions = _positions(config, output_shape, len(kernel))
    return product([*positions, *kernel, per_group, int(config["filters"])])


@register_macs(_base.base_depthwise_conv.BaseDepthwiseConv)
def depthwise_conv_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """DepthwiseConv1D/2D: output positions × kernel volume × channels × depth_multiplier.

    Each input channel is convolved with its own ``depth_multiplier`` kernels,
    so there is no sum over channels.
    """
    kernel = as_tuple(config["kernel_size"])
    in_channels = known(channels(config, input_shape))[0]
    positions = _positions(config, output_shape, len(kernel))
    return product([*positions, *kernel, *_spread(in_channels, int(config.get("depth_multiplier", 1)))])


@register_macs(_base.base_separable_conv.BaseSeparableConv)
def separable_conv_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """SeparableConv1D/2D: depthwise + pointwise.

    Depthwise: output positions × kernel volume × channels × depth_multiplier;
    pointwise (a 1x1 convolution on the depthwise output, same positions):
    output positions × channels × depth_multiplier × filters.
    """
    kernel = as_tuple(config["kernel_size"])
    in_channels = known(channels(config, input_shape))[0]
    spread = _spread(in_channels, int(config.get("depth_multiplier", 1)))
    positions = _positions(config, output_shape, len(kernel))
    depthwise = product([*positions, *kernel, *spread])
    pointwise = product([*positions, *spread, int(config["filters"])])
    return f"{depthwise} + {pointwise}"


@register_macs(_base.base_conv_transpose.BaseConvTranspose)
def conv_transpose_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """Conv1D/2D/3DTranspose: INPUT positions × kernel volume × in channels × filters.

    A transposed convolution scatters every input value through the whole
    kernel (``k1*..*kn*filters`` MACs per input value and channel), the
    convention of torchinfo and ptflops; counting output positions instead
    would include the zeros a strided transpose inserts.
    """
    kernel = as_tuple(config["kernel_size"])
    in_channels = known(channels(config, input_shape))[0]
    positions = _positions(config, input_shape, len(kernel))
    return product([*positions, *kernel, in_channels, int(config["filters"])])
