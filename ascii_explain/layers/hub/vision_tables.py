"""The tables of keras-hub's vision families (issue 21): class path -> function, registered in ``hub/__init__.py``.

Kept apart from ``hub/__init__.py``'s tables (the text families' helper edits
those): the same kinds, the same lazy registration by class path through
``layers/registry.py``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..formula import Formula
from ..registry import Kind
from .common import Config, not_covered, zero_macs
from .vision_attention import (
    dinov3_attention_macs,
    flux_rope_attention_macs,
    mit_attention_macs,
    swin_block_macs,
    swin_window_attention_own,
)
from .vision_parts import (
    channel_gamma,
    contrastive_head_macs,
    dinov3_embedding_own,
    hgnetv2_affine,
    hidden_dim_scale,
    logit_scale_head,
    parseq_decoder_own,
    random_frequency_embedding,
    siglip_head,
)
from .vitdet import add_positional_embedding, add_relative_positional_embedding, windowed_encoder_macs

_M = "keras_hub.src.models."

VISION2_FORMULAS: dict[str, Callable[..., Formula]] = {
    _M + "hgnetv2.hgnetv2_layers.HGNetV2LearnableAffineBlock": hgnetv2_affine,
    _M + "dinov3.dinov3_layers.DINOV3LayerScale": hidden_dim_scale,
    _M + "clip.clip_layers.CLIPHead": logit_scale_head,
    _M + "metaclip_2.metaclip_2_layers.MetaCLIP2Head": logit_scale_head,
    _M + "siglip.siglip_layers.SigLIPHead": siglip_head,
    _M + "vit_det.vit_layers.AddPositionalEmbedding": add_positional_embedding,
    _M + "vit_det.vit_layers.AddRelativePositionalEmbedding": add_relative_positional_embedding,
    _M + "sam.sam_layers.RandomFrequencyPositionalEmbeddings": random_frequency_embedding,
    _M + "mobilenetv5.mobilenetv5_layers.RmsNorm2d": channel_gamma,
    _M + "mobilenetv5.mobilenetv5_layers.LayerScale2d": channel_gamma,
}

# Weightless layers that multiply nothing: drop paths (identity at inference),
# token poolers (a gather), DINOv3's rotary tables (sines and cosines).
_ZERO_MACS = (
    "hgnetv2.hgnetv2_layers.HGNetV2LearnableAffineBlock",
    "dinov3.dinov3_layers.DINOV3LayerScale",
    "dinov3.dinov3_layers.DINOV3DropPath",
    "dinov3.dinov3_layers.DINOV3RopePositionEmbedding",
    "swin_transformer.swin_transformer_layers.DropPath",
    "mit.mit_layers.DropPath",
    "mobilenetv5.mobilenetv5_layers.DropPath",
    "clip.clip_layers.CLIPVisionPooler",
    "clip.clip_layers.CLIPTextPooler",
    "metaclip_2.metaclip_2_layers.MetaCLIP2VisionPooler",
    "metaclip_2.metaclip_2_layers.MetaCLIP2TextPooler",
    "vit_det.vit_layers.AddPositionalEmbedding",
    "depth_anything.depth_anything_layers.DepthAnythingTokenToImage",
    "mobilenetv5.mobilenetv5_layers.RmsNorm2d",
    "mobilenetv5.mobilenetv5_layers.LayerScale2d",
    # Flux: sinusoidal timestep and rotary tables (outer products, no summed index), the rotary transform
    "flux.flux_maths.TimestepEmbedding",
    "flux.flux_maths.RotaryPositionalEmbedding",
    "flux.flux_maths.ApplyRoPE",
)

VISION2_MACS: dict[str, Callable[..., str]] = {
    **{_M + path: zero_macs for path in _ZERO_MACS},
    # keras-hub's own RMS norm (Flux's QKNorm): a scale, 0
    "keras_hub.src.layers.modeling.rms_normalization.RMSNormalization": zero_macs,
    _M + "flux.flux_maths.FluxRoPEAttention": flux_rope_attention_macs,
    _M + "clip.clip_layers.CLIPHead": contrastive_head_macs,
    _M + "metaclip_2.metaclip_2_layers.MetaCLIP2Head": contrastive_head_macs,
    _M + "siglip.siglip_layers.SigLIPHead": contrastive_head_macs,
    _M + "dinov3.dinov3_layers.DINOV3Attention": dinov3_attention_macs,
    _M + "mit.mit_layers.SegFormerMultiheadAttention": mit_attention_macs,
    _M + "swin_transformer.swin_transformer_layers.SwinTransformerBlock": swin_block_macs,
    _M + "vit_det.vit_layers.WindowedTransformerEncoder": windowed_encoder_macs,
    # Its windows are folded into the batch axis, which a per-sample count cannot
    # split: SwinTransformerBlock counts it whole.
    _M + "swin_transformer.swin_transformer_layers.WindowAttention": not_covered(
        "WindowAttention (counted by its SwinTransformerBlock)"
    ),
    # The same for ViTDet: windows and heads folded into the batch axis.
    _M + "vit_det.vit_layers.MultiHeadAttentionWithRelativePE": not_covered(
        "MultiHeadAttentionWithRelativePE (counted by its WindowedTransformerEncoder)"
    ),
    _M + "vit_det.vit_layers.AddRelativePositionalEmbedding": not_covered(
        "AddRelativePositionalEmbedding (counted by its WindowedTransformerEncoder)"
    ),
    # Its Conv2D parts would sum to the projections only, missing q @ k and weights @ v:
    # unknown rather than short until it has a whole-layer function.
}

VISION2_OWN_WEIGHTS: dict[str, Callable[[Config, Any], Formula]] = {
    _M + "dinov3.dinov3_layers.DINOV3Embedding": dinov3_embedding_own,
    _M + "swin_transformer.swin_transformer_layers.WindowAttention": swin_window_attention_own,
    _M + "parseq.parseq_decoder.PARSeqDecoder": parseq_decoder_own,
}

VISION2_TABLES: tuple[tuple[Kind, Mapping[str, Callable[..., Any]]], ...] = (
    ("formula", VISION2_FORMULAS),
    ("macs", VISION2_MACS),
    ("own_weights", VISION2_OWN_WEIGHTS),
)
