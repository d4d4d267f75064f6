"""Convolutions: Conv, ConvTranspose, SeparableConv and DepthwiseConv in 1D/2D/3D."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import group, product
from ._quantization import frozen_by_lora, lora_rank, lora_terms
from ._shapes import as_tuple, channels
from .registry import BuildShape, Formula, FormulaTerm, register_formula

_base = keras.src.layers.convolutional


def _bias(config: Mapping[str, Any], count: str) -> list[FormulaTerm]:
    return [FormulaTerm("bias", count)] if config.get("use_bias", True) else []


@register_formula(_base.base_conv.BaseConv)
def conv(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Conv1D/2D/3D: kernel ``k1*..*kn*(in/groups)*filters`` + bias ``filters``.

    Mirrors ``BaseConv.build``: kernel shape
    ``kernel_size + (in_channels // groups, filters)``; with a bias,
    the count factors as ``(k1*..*kn*(in/groups)+1)*filters``.
    ``enable_lora(rank)`` freezes the kernel and adds ``lora_kernel_a``
    ``k1*..*kn*(in/groups)*rank`` and ``lora_kernel_b`` ``rank*filters``.
    """
    kernel = as_tuple(config["kernel_size"])
    filters = int(config["filters"])
    in_channels = channels(config, input_shape)
    groups = int(config.get("groups", 1) or 1)
    per_group = str(in_channels) if groups == 1 else f"({in_channels}//{groups})"
    window = product([*kernel, per_group])
    terms = [FormulaTerm("kernel", f"{window}*{filters}"), *_bias(config, str(filters))]
    compact = f"{group(f'{window}+1')}*{filters}" if len(terms) == 2 else None
    rank = lora_rank(config)
    if rank:
        # BaseConv.enable_lora: kernel frozen, a is kernel.shape[:-1] + (rank,), b is (rank, filters).
        terms = frozen_by_lora(terms, "kernel", rank) + lora_terms("lora_kernel", [window], [filters], rank)
        compact = None
    return Formula(terms, compact)


@register_formula(_base.base_conv_transpose.BaseConvTranspose)
def conv_transpose(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Conv1D/2D/3DTranspose: kernel ``k1*..*kn*filters*in`` + bias ``filters``.

    Mirrors ``BaseConvTranspose.build``: the kernel is stored as
    ``kernel_size + (filters, in_channels)``; with a bias the count factors as
    ``(k1*..*kn*in+1)*filters`` (seed 001: ``(2*2*1+1)*5 = 25``).
    """
    kernel = as_tuple(config["kernel_size"])
    filters = int(config["filters"])
    in_channels = channels(config, input_shape)
    terms = [
        FormulaTerm("kernel", product([*kernel, filters, in_channels])),
        *_bias(config, str(filters)),
    ]
    compact = None
    if len(terms) == 2:
        compact = f"({product([*kernel, in_channels])}+1)*{filters}"
    return Formula(terms, compact)


@register_formula(_base.base_separable_conv.BaseSeparableConv)
def separable_conv(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """SeparableConv1D/2D: depthwise ``k*in*m`` + pointwise ``in*m*filters`` + bias ``filters``.

    Mirrors ``BaseSeparableConv.build``: depthwise_kernel
    ``kernel_size + (in, depth_multiplier)``, pointwise_kernel
    ``(1,)*rank + (in*depth_multiplier, filters)``. Seed 004:
    ``3*3*32 + (32+1)*32 = 1344``. A depth multiplier of 1 is left out of the
    products to keep them readable.
    """
    kernel = as_tuple(config["kernel_size"])
    filters = int(config["filters"])
    multiplier = int(config.get("depth_multiplier", 1))
    in_channels = channels(config, input_shape)
    spread = [in_channels] if multiplier == 1 else [in_channels, multiplier]
    depthwise = product([*kernel, *spread])
    pointwise_in = product(spread)
    terms = [
        FormulaTerm("depthwise_kernel", depthwise),
        FormulaTerm("pointwise_kernel", f"{pointwise_in}*{filters}"),
        *_bias(config, str(filters)),
    ]
    compact = None
    if len(terms) == 3:
        compact = f"{depthwise} + ({pointwise_in}+1)*{filters}"
    return Formula(terms, compact)


@register_formula(_base.base_depthwise_conv.BaseDepthwiseConv)
def depthwise_conv(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """DepthwiseConv1D/2D: kernel ``k*in*m`` + bias ``in*m``.

    Mirrors ``BaseDepthwiseConv.build``: Keras names the depthwise weights
    ``kernel``, shape ``kernel_size + (in, depth_multiplier)``, and the bias has
    ``in*depth_multiplier`` entries, so the count factors as ``(k+1)*in*m``.
    """
    kernel = as_tuple(config["kernel_size"])
    multiplier = int(config.get("depth_multiplier", 1))
    in_channels = channels(config, input_shape)
    spread = [in_channels] if multiplier == 1 else [in_channels, multiplier]
    terms = [
        FormulaTerm("kernel", product([*kernel, *spread])),
        *_bias(config, product(spread)),
    ]
    compact = None
    if len(terms) == 2:
        compact = f"({product(kernel)}+1)*{product(spread)}"
    return Formula(terms, compact)
