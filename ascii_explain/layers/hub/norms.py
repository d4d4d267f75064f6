"""keras-hub's RMS and layer norms (Llama, Mistral, Mixtral, Qwen, Qwen3, Phi-3, Gemma, T5): one scale each, 0 MACs."""

from __future__ import annotations

from ..formula import Formula, FormulaTerm
from .common import (
    Config,
    Shape,
    last_axis,
)

# --------------------------------------------------------------------------- norms


def scale_norm(config: Config, input_shape: Shape) -> Formula:
    """RMS norms of the decoder families: one ``scale`` of the input's last axis.

    Mirrors the identical build() of LlamaLayerNorm, MistralLayerNormalization,
    MixtralLayerNormalization, QwenLayerNorm, QwenMoeLayerNorm, Phi3LayerNorm
    and Gemma's RMSNormalization: ``add_weight("scale", shape=(input_shape[-1],))``.
    """
    return Formula([FormulaTerm("scale", str(last_axis(input_shape)))])


def qwen3_norm(config: Config, input_shape: Shape) -> Formula:
    """Qwen3LayerNorm: ``scale`` of ``head_dim`` when given, else of the input's last axis.

    Mirrors Qwen3LayerNorm.build. Qwen3Attention builds its query/key norms
    with ``head_dim`` on the hidden-width input shape, and the layer's
    get_config() omits ``head_dim``: read it with :func:`hub_config` (the
    attribute). Without it those two norms cannot be told apart from a
    full-width norm, so their names (given by Qwen3Attention) are refused.
    """
    head_dim = config.get("head_dim")
    if head_dim:
        return Formula([FormulaTerm("scale", str(int(head_dim)))])
    if str(config.get("name", "")) in ("query_dense_layernorm", "key_dense_layernorm"):
        raise LookupError("Qwen3LayerNorm built with head_dim, which its get_config() omits (use hub_config)")
    return scale_norm(config, input_shape)


def t5_norm(config: Config, input_shape: Shape) -> Formula:
    """T5LayerNorm: one ``weight`` of the input's last axis (T5LayerNorm.build)."""
    return Formula([FormulaTerm("weight", str(last_axis(input_shape)))])
