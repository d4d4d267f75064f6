"""Convolutions: Conv, ConvTranspose, SeparableConv and DepthwiseConv in 1D/2D/3D.

Parameters, mult-adds and output-shape arithmetic side by side; each function
reads the layer's config and shapes only.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import keras

from ..arithmetic import group, product
from .backward import BackwardMacs, contraction_backward
from .dims import as_tuple, channels, known, per_axis, spatial_dims
from .formula import BuildShape, Formula, FormulaTerm
from .quantization import frozen_by_lora, lora_rank, lora_terms
from .registry import OutputShapeArg, register_backward_macs, register_formula, register_macs, register_shape
from .shape_arithmetic import ShapeFormula, described, shape_formula, window

_base = keras.src.layers.convolutional  # Keras 3 base classes (checked on 3.15.1)

# ---------------------------------------------------------------- parameters


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


# ----------------------------------------------------------------- mult-adds


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


# ------------------------------------------------------------ backward mult-adds

# A convolution (plain, grouped, dilated, strided) is one contraction of input windows with the kernel:
# each forward product x*w into y has one product dy*w into dx and one dy*x into dw. A transposed
# convolution scatters each input value through the kernel, the same products read the other way.
# So input-grad = weight-grad = forward (counted in products, not in the zeros a framework's
# strided input gradient may multiply: XLA's lhs-dilated convolution, tests/test_training_macs_jax.py).
conv_backward_macs = register_backward_macs(_base.base_conv.BaseConv)(contraction_backward(conv_macs))
depthwise_conv_backward_macs = register_backward_macs(_base.base_depthwise_conv.BaseDepthwiseConv)(
    contraction_backward(depthwise_conv_macs)
)
conv_transpose_backward_macs = register_backward_macs(_base.base_conv_transpose.BaseConvTranspose)(
    contraction_backward(conv_transpose_macs)
)


@register_backward_macs(_base.base_separable_conv.BaseSeparableConv)
def separable_conv_backward_macs(
    config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg
) -> BackwardMacs:
    """SeparableConv1D/2D: two contractions, depthwise then pointwise.

    input-grad: the depthwise part's (into the layer's input); weight-grad:
    both parts' (depthwise_kernel, pointwise_kernel); internal: the pointwise
    part's input gradient (into the depthwise output), which either needs.
    """
    depthwise, pointwise = separable_conv_macs(config, input_shape, output_shape).split(" + ")
    return BackwardMacs(input_grad=depthwise, weight_grad=f"{depthwise} + {pointwise}", internal=pointwise)


# ------------------------------------------------------------- output shapes


@register_shape(
    _base.base_conv.BaseConv,
    _base.base_depthwise_conv.BaseDepthwiseConv,
    _base.base_separable_conv.BaseSeparableConv,
)
def conv_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
    """Convolution (also depthwise, separable): valid ``floor((n-k)/s)+1``; same, causal ``ceil(n/s)``.

    With dilation d the kernel spans ``d*(k-1)+1`` inputs, so valid reads
    ``floor((n-d*(k-1)-1)/s)+1``, as in Keras's ``compute_conv_output_shape``.
    """
    kernel = as_tuple(config["kernel_size"])
    rank = len(kernel)
    strides = per_axis(config.get("strides", 1), rank)
    dilation = per_axis(config.get("dilation_rate", 1), rank)
    padding = str(config.get("padding", "valid")).lower()
    kind = padding + described("stride", strides) + described("dilation", dilation)
    dims = spatial_dims(config, input_shape, rank)

    def axis(i: int, n: int) -> str:
        if padding == "valid":
            span = str(kernel[i]) if dilation[i] == 1 else f"{dilation[i]}*({kernel[i]}-1)-1"
            return f"floor(({n}-{span})/{strides[i]})+1"
        return f"ceil({n}/{strides[i]})"

    return shape_formula(kind, dims, axis)


@register_shape(_base.base_conv_transpose.BaseConvTranspose)
def conv_transpose_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
    """Transposed convolution: valid ``(n-1)*s+k``, same ``n*s``.

    Keras (``_get_output_shape_given_tf_padding``): with the effective kernel
    ``k = d*(k-1)+1``, valid gives ``(n-1)*s+k+op`` where ``op`` is the
    ``output_padding`` or, when None, ``max(k,s)-k`` (so ``(n-1)*s+max(k,s)``
    when the stride exceeds the kernel); same gives ``n*s`` without
    ``output_padding`` and ``(n-1)*s+k%2+op`` with it.
    """
    kernel = as_tuple(config["kernel_size"])
    rank = len(kernel)
    strides = per_axis(config.get("strides", 1), rank)
    dilation = per_axis(config.get("dilation_rate", 1), rank)
    output_padding = config.get("output_padding")
    extra = None if output_padding is None else per_axis(output_padding, rank)
    padding = str(config.get("padding", "valid")).lower()
    kind = "transpose " + padding + described("stride", strides) + described("dilation", dilation)
    dims = spatial_dims(config, input_shape, rank)

    def axis(i: int, n: int) -> str:
        k, s = window(kernel[i], dilation[i]), strides[i]
        effective = dilation[i] * (kernel[i] - 1) + 1
        if padding == "valid":
            if extra is not None:
                return f"({n}-1)*{s}+{k}+{extra[i]}"
            return f"({n}-1)*{s}+{k}" if s <= effective else f"({n}-1)*{s}+max({k},{s})"
        if extra is None:
            return f"{n}*{s}"
        return f"({n}-1)*{s}+{k}%2+{extra[i]}"

    return shape_formula(kind, dims, axis)
