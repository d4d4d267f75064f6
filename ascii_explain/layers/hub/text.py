"""keras-hub 0.32's text, audio and multimodal families added for issue 21: their tables of class path -> function.

Registered from ``hub/__init__.py`` with the other tables (``TEXT_TABLES``),
through the one registry's ``register_by_path``. The functions live in their
family modules (``decoder_variants``, ``experts``, ``roformer``); norms and
rotary layers reuse ``norms``, ``common`` and ``attention``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..registry import Kind
from .attention import decoder_attention_kv, decoder_attention_macs, qwen3_attention
from .common import no_weights, zero_macs
from .decoder_variants import (
    gemma3_attention,
    gemma3_attention_kv,
    gpt_oss_attention,
    gpt_oss_attention_kv,
    gpt_oss_attention_macs,
    moonshine_rotary,
    smollm3_attention,
    smollm3_attention_kv,
    smollm3_attention_macs,
)
from .experts import (
    fused_bank_macs,
    gpt_oss_block,
    gpt_oss_experts,
    gpt_oss_router,
    gpt_oss_router_macs,
    qwen3_5_moe_block,
    qwen3_5_moe_block_macs,
    qwen3_moe_block,
    qwen3_moe_experts,
    top_k_block_macs,
)
from .gemma3n import (
    gemma3n_altup_own_weights,
    gemma3n_attention,
    gemma3n_attention_kv,
    gemma3n_attention_macs,
    gemma3n_norm,
)
from .gemma4 import (
    gemma4_decoder_block_macs,
    gemma4_decoder_own_weights,
    gemma4_text_attention,
    gemma4_text_attention_kv,
    gemma4_text_attention_macs,
)
from .norms import qwen3_norm, scale_norm
from .qwen3_5 import (
    gated_delta_net,
    gated_delta_net_macs,
    qwen3_5_attention,
    qwen3_5_attention_kv,
    qwen3_5_attention_macs,
)
from .roformer import roformer_attention, roformer_attention_macs
from .rwkv import rwkv7_channel_mix_own_weights, rwkv7_time_mix_own_weights
from .shapes import same_shape
from .t5gemma import (
    pali_gemma_vit_attention,
    pali_gemma_vit_attention_macs,
    t5gemma2_attention,
    t5gemma2_merged_attention_kv,
    t5gemma2_merged_attention_macs,
    t5gemma_attention,
    t5gemma_attention_kv,
    t5gemma_attention_macs,
)

_M = "keras_hub.src.models."

# RMS norms whose build() adds one ``scale`` of the input's last axis (0 MACs, shape kept).
_SCALE_NORMS = (
    "gemma3.gemma3_layers.RMSNormalization",
    "gpt_oss.gpt_oss_layer_norm.GptOssLayerNormalization",
    "roformer_v2.roformer_v2_attention.RoformerNorm",
    "edrec.edrec_layers.EdRecRMSNormalization",
    "gemma4.gemma4_layers.RMSNormalization",
)
# Layers without weights and without a multiply-accumulate (rotary position layers).
_WEIGHTLESS = (
    "roformer_v2.roformer_v2_attention.RoformrPositionalEmbedding",
    "gemma4.gemma4_layers.Gemma4VNorm",  # RMS normalisation without a scale
    "moonshine.moonshine_backbone.Arange",  # positions for the rotary layers
    "moonshine.moonshine_backbone.ComputeAttentionMask",
    "rwkv7.rwkv7_layer.TimeShift",  # the previous token's features: data movement
)

TEXT_FORMULAS: dict[str, Callable[..., Any]] = {
    **{_M + path: scale_norm for path in _SCALE_NORMS},
    **{_M + path: no_weights for path in _WEIGHTLESS},
    _M + "qwen3_moe.qwen3_moe_layernorm.Qwen3MoeLayerNorm": qwen3_norm,
    _M + "gemma3.gemma3_attention.CachedGemma3Attention": gemma3_attention,
    _M + "qwen3_moe.qwen3_moe_attention.Qwen3MoeAttention": qwen3_attention,
    _M + "gpt_oss.gpt_oss_attention.GptOssAttention": gpt_oss_attention,
    _M + "smollm3.smollm3_layers.SmolLM3Attention": smollm3_attention,
    _M + "qwen3_moe.qwen3_moe_decoder.Qwen3MoeExperts": qwen3_moe_experts,
    _M + "qwen3_moe.qwen3_moe_decoder.Qwen3SparseMoeBlock": qwen3_moe_block,
    _M + "gpt_oss.gpt_oss_decoder.GptOssExperts": gpt_oss_experts,
    _M + "gpt_oss.gpt_oss_decoder.GptOssTopKRouter": gpt_oss_router,
    _M + "gpt_oss.gpt_oss_decoder.GptOssSparseMoeBlock": gpt_oss_block,
    _M + "roformer_v2.roformer_v2_attention.RoformerAttention": roformer_attention,
    _M + "t5gemma.t5gemma_attention.T5GemmaAttention": t5gemma_attention,
    _M + "pali_gemma.pali_gemma_vit.PaliGemmaVitAttention": pali_gemma_vit_attention,
    _M + "t5gemma2.t5gemma2_attention.T5Gemma2Attention": t5gemma2_attention,
    _M + "t5gemma2.t5gemma2_attention.T5Gemma2MergedAttention": t5gemma2_attention,
    _M + "gemma4.gemma4_attention.Gemma4TextAttention": gemma4_text_attention,
    _M + "qwen3_5.qwen3_5_layers.Qwen3_5LayerNorm": qwen3_norm,
    _M + "qwen3_5.qwen3_5_layers.Qwen3_5RMSNormGated": qwen3_norm,
    _M + "qwen3_5.qwen3_5_attention.Qwen3_5Attention": qwen3_5_attention,
    _M + "qwen3_5.qwen3_5_gated_delta_net.Qwen3_5GatedDeltaNet": gated_delta_net,
    _M + "qwen3_5_moe.qwen3_5_moe_decoder.Qwen3_5MoeExperts": qwen3_moe_experts,
    _M + "qwen3_5_moe.qwen3_5_moe_decoder.Qwen3_5MoeSparseMoeBlock": qwen3_5_moe_block,
    _M + "moonshine.moonshine_layers.MoonshineRotaryEmbedding": moonshine_rotary,
    _M + "gemma3n.rms_normalization.Gemma3nRMSNorm": gemma3n_norm,
    _M + "gemma3n.gemma3n_attention.Gemma3nTextAttention": gemma3n_attention,
}

TEXT_MACS: dict[str, Callable[..., Any]] = {
    **{_M + path: zero_macs for path in (*_SCALE_NORMS, *_WEIGHTLESS)},
    _M + "qwen3_moe.qwen3_moe_layernorm.Qwen3MoeLayerNorm": zero_macs,
    _M + "gemma3.gemma3_attention.CachedGemma3Attention": decoder_attention_macs,
    _M + "qwen3_moe.qwen3_moe_attention.Qwen3MoeAttention": decoder_attention_macs,
    _M + "gpt_oss.gpt_oss_attention.GptOssAttention": gpt_oss_attention_macs,
    _M + "smollm3.smollm3_layers.SmolLM3Attention": smollm3_attention_macs,
    _M + "qwen3_moe.qwen3_moe_decoder.Qwen3MoeExperts": fused_bank_macs,
    _M + "qwen3_moe.qwen3_moe_decoder.Qwen3SparseMoeBlock": top_k_block_macs,
    _M + "gpt_oss.gpt_oss_decoder.GptOssExperts": fused_bank_macs,
    _M + "gpt_oss.gpt_oss_decoder.GptOssTopKRouter": gpt_oss_router_macs,
    _M + "gpt_oss.gpt_oss_decoder.GptOssSparseMoeBlock": top_k_block_macs,
    _M + "roformer_v2.roformer_v2_attention.RoformerAttention": roformer_attention_macs,
    _M + "t5gemma.t5gemma_attention.T5GemmaAttention": t5gemma_attention_macs,
    _M + "pali_gemma.pali_gemma_vit.PaliGemmaVitAttention": pali_gemma_vit_attention_macs,
    _M + "t5gemma2.t5gemma2_attention.T5Gemma2Attention": t5gemma_attention_macs,
    _M + "t5gemma2.t5gemma2_attention.T5Gemma2MergedAttention": t5gemma2_merged_attention_macs,
    _M + "gemma4.gemma4_attention.Gemma4TextAttention": gemma4_text_attention_macs,
    # the block multiplies its FFN kernels itself (gemma4.py): its own count, not its sublayers' sum
    _M + "gemma4.gemma4_decoder_block.Gemma4TextDecoderBlock": gemma4_decoder_block_macs,
    _M + "qwen3_5.qwen3_5_layers.Qwen3_5LayerNorm": zero_macs,
    _M + "qwen3_5.qwen3_5_layers.Qwen3_5RMSNormGated": zero_macs,
    _M + "qwen3_5.qwen3_5_attention.Qwen3_5Attention": qwen3_5_attention_macs,
    _M + "qwen3_5.qwen3_5_gated_delta_net.Qwen3_5GatedDeltaNet": gated_delta_net_macs,
    _M + "qwen3_5_moe.qwen3_5_moe_decoder.Qwen3_5MoeExperts": fused_bank_macs,
    _M + "qwen3_5_moe.qwen3_5_moe_decoder.Qwen3_5MoeSparseMoeBlock": qwen3_5_moe_block_macs,
    _M + "moonshine.moonshine_layers.MoonshineRotaryEmbedding": zero_macs,
    # RWKV7TimeMix has no function: its sublayers' sum plus its own call's traced products (rwkv.py)
    # AltUp's predict/correct products run in its decoder block's call: the block's own traced part (gemma3n.py)
    _M + "gemma3n.rms_normalization.Gemma3nRMSNorm": zero_macs,
    _M + "gemma3n.gemma3n_attention.Gemma3nTextAttention": gemma3n_attention_macs,
}

TEXT_KV_CACHE: dict[str, Callable[..., Any]] = {
    _M + "gemma3.gemma3_attention.CachedGemma3Attention": gemma3_attention_kv,
    _M + "qwen3_moe.qwen3_moe_attention.Qwen3MoeAttention": decoder_attention_kv,
    _M + "gpt_oss.gpt_oss_attention.GptOssAttention": gpt_oss_attention_kv,
    _M + "smollm3.smollm3_layers.SmolLM3Attention": smollm3_attention_kv,
    _M + "t5gemma.t5gemma_attention.T5GemmaAttention": t5gemma_attention_kv,
    _M + "t5gemma2.t5gemma2_attention.T5Gemma2Attention": gemma3_attention_kv,
    _M + "t5gemma2.t5gemma2_attention.T5Gemma2MergedAttention": t5gemma2_merged_attention_kv,
    _M + "gemma4.gemma4_attention.Gemma4TextAttention": gemma4_text_attention_kv,
    _M + "qwen3_5.qwen3_5_attention.Qwen3_5Attention": qwen3_5_attention_kv,
    _M + "gemma3n.gemma3n_attention.Gemma3nTextAttention": gemma3n_attention_kv,
}

# class path -> the weights a composite layer creates itself
TEXT_OWN_WEIGHTS: dict[str, Callable[..., Any]] = {
    _M + "gemma4.gemma4_decoder_block.Gemma4TextDecoderBlock": gemma4_decoder_own_weights,
    _M + "rwkv7.rwkv7_layer.RWKV7TimeMix": rwkv7_time_mix_own_weights,
    _M + "rwkv7.rwkv7_layer.RWKV7ChannelMix": rwkv7_channel_mix_own_weights,
    _M + "gemma3n.gemma3n_text_layers.Gemma3nTextAltUp": gemma3n_altup_own_weights,
}

TEXT_OUTPUT_SHAPES: dict[str, Callable[..., Any]] = {
    **{_M + path: same_shape for path in (*_SCALE_NORMS, "qwen3_moe.qwen3_moe_layernorm.Qwen3MoeLayerNorm")},
}

TEXT_TABLES: tuple[tuple[Kind, Mapping[str, Callable[..., Any]]], ...] = (
    ("formula", TEXT_FORMULAS),
    ("macs", TEXT_MACS),
    ("kv_cache", TEXT_KV_CACHE),
    ("own_weights", TEXT_OWN_WEIGHTS),
    ("output_shape", TEXT_OUTPUT_SHAPES),
)
