"""SpectralNormalization: the wrapped layer's weights plus one power-iteration vector."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import group
from .dims import channels
from .einsum_equation import einsum_shapes
from .formula import BuildShape, Formula, FormulaTerm
from .nested import frozen, layer_class, nested_build_shape, nested_formula
from .registry import register_formula

_conv = keras.src.layers.convolutional

VECTOR_REASON = "power-iteration estimate of the kernel's top singular vector, updated by the forward pass"


def kernel_columns(serialized: Mapping[str, Any], input_shape: Any) -> int:
    """The last axis of the wrapped layer's ``kernel`` (or ``embeddings``), from its config.

    SpectralNormalization works on ``layer.kernel`` reshaped to
    ``(-1, kernel.shape[-1])``; the last axis is the units of a Dense, the
    filters of a Conv, the input channels of a ConvTranspose (its kernel is
    ``(..., filters, in)``), the depth multiplier of a DepthwiseConv and the
    output_dim of an Embedding.
    """
    klass = layer_class(serialized)
    config = serialized.get("config", {})
    shape = nested_build_shape(serialized, input_shape)
    if issubclass(klass, keras.layers.Dense):
        return int(config["units"])
    if issubclass(klass, keras.layers.EinsumDense):
        return einsum_shapes(config["equation"], config.get("bias_axes"), shape, config["output_shape"]).kernel[-1]
    if issubclass(klass, _conv.base_conv_transpose.BaseConvTranspose):
        return channels(config, shape)
    if issubclass(klass, _conv.base_depthwise_conv.BaseDepthwiseConv):
        return int(config.get("depth_multiplier", 1))
    if issubclass(klass, _conv.base_conv.BaseConv):
        return int(config["filters"])
    if issubclass(klass, keras.layers.Embedding):
        return int(config["output_dim"])
    raise NotImplementedError(f"SpectralNormalization over {klass.__name__}: kernel shape not mirrored")


@register_formula(keras.layers.SpectralNormalization)
def spectral_normalization(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """SpectralNormalization: the wrapped layer's formula + ``vector_u`` ``(1, kernel.shape[-1])``.

    Mirrors ``SpectralNormalization.build``: the wrapped layer is built on the
    same input; ``vector_u`` is non-trainable (updated by power iteration in
    the forward pass).
    """
    inner_config = config["layer"]
    inner = nested_formula(inner_config, input_shape)
    columns = kernel_columns(inner_config, input_shape)
    terms = frozen(list(inner.terms), inner_config)
    terms.append(FormulaTerm("vector_u", str(columns), trainable=False, reason=VECTOR_REASON))
    return Formula(terms, f"{group(inner.expression)} + {columns}")
