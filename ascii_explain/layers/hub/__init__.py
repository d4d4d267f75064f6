"""keras-hub's layers: parameter formulas, mult-adds (MACs) and output shapes, registered lazily.

keras-hub is an optional extra (``hub``). Nothing in this package imports it at
module load: the tables below map class paths to functions, and the one
registry (``layers/registry.py``, ``register_by_path``) resolves them on its
first lookup of a class whose module starts with ``keras_hub``, so keras-hub is
only imported when the model being explained already uses it. Each class is
resolved by its module path (a class missing from the installed keras-hub is
skipped) and registered where nothing is registered for it yet, so a user's own
registration wins, before or after.

The families: ``norms`` (RMS and layer norms), ``embeddings`` (token, position,
relative; rotary and ALiBi have no weights), ``vision`` (patch and class-token
embeddings and the vision MLPs), ``moe`` (Mixtral and Qwen-MoE),
``attention`` (every cached and relative attention), ``shapes`` (output
shapes). keras-hub 0.32's text, audio and multimodal families (issue 21) have
their own modules and one table module, ``text`` (``TEXT_TABLES``):
``decoder_variants`` (Gemma3, GPT-OSS, SmolLM3), ``experts`` (Qwen3-MoE,
Qwen3.5-MoE, GPT-OSS), ``roformer`` (RoFormerV2, ESM), ``t5gemma`` (T5Gemma,
T5Gemma2, PaliGemma's ViT), ``gemma3n``, ``gemma4``, ``qwen3_5``, ``rwkv``. The vision
families' tables are in ``vision_tables``; ``detection`` (D-FINE, SAM3, DepthAnything) and
``diffusion`` (Stable Diffusion 3's scheduler and VAE attention) have their own.

Every function is pure: it reads the layer's config and the shape it
was built (or called) with, never the weights. Each docstring names the
keras-hub ``build()`` (0.32.0) it mirrors.

Facts about keras-hub 0.32.0 that shape this package:

- Many keras-hub layers cannot produce a config: ``get_config()`` raises for
  LlamaAttention (it reads a ``rope_scaling_factor`` attribute it never set),
  CachedGemmaAttention, T5MultiHeadAttention, T5LayerNorm, Gemma's
  RMSNormalization, ViT's MLP and every Mixtral/Qwen MoE layer. Others drop an
  argument (Qwen3Attention and Qwen3LayerNorm lose ``head_dim``,
  ViTPatchingAndEmbedding ``use_patch_bias``). The reader completes the
  config of every keras_hub layer with its plain public attributes
  (``read/hub.py``), so these functions get what they need.
- Layers with sublayers (attention, MoE, patch embeddings, MLPs) have a formula
  for ALL their weights and a MACs function for the WHOLE layer, as the built-in
  MultiHeadAttention has: they are single rows; a composite block sums them.
- MACs convention (the project's): one multiply-accumulate of an input by a
  weight, or of two activations in attention. Norms, embedding lookups,
  rotary and ALiBi, biases, softmax, gating products and masks: 0. Attention
  is counted in full, as Keras computes it (causal or sliding-window masks
  are applied after the scores): scores ``Hq*Tq*Tk*D`` and weighted values
  ``Hq*Tq*Tk*D`` for every query head, grouped-query attention included
  (keys and values are projected for the ``Hkv`` heads only).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

from ..formula import Formula
from ..registry import Kind, find_output_shape, parts_and_own_call, register_by_path, resolve_package, resolve_path
from . import attention, moe, vision
from .attention import (
    cached_multi_head_attention_kv,
    deberta_attention,
    deberta_attention_macs,
    decoder_attention,
    decoder_attention_kv,
    decoder_attention_macs,
    dinov2_attention,
    dinov2_attention_macs,
    falcon_bloom_attention,
    gpt_neox_attention,
    multi_head_self_attention_kv,
    multi_head_self_attention_macs,
    qwen3_attention,
    qwen_attention,
    t5_attention,
    t5_attention_kv,
    t5_attention_macs,
    whisper_attention,
    xlnet_encoder_own_weights,
    xlnet_relative_attention,
)
from .common import Config, Shape, no_weights, zero_macs
from .detection import DETECTION_TABLES
from .diffusion import DIFFUSION_TABLES
from .embeddings import (
    deberta_relative_embedding,
    position_embedding,
    token_and_position_embedding,
    xlnet_attention_mask_layer,
    xlnet_content_and_query_embedding,
)
from .moe import (
    mixtral_block,
    mixtral_block_macs,
    mixtral_experts,
    mixtral_experts_macs,
    qwen_block,
    qwen_block_macs,
    qwen_experts,
    qwen_experts_macs,
    qwen_moe_mlp,
    qwen_moe_mlp_macs,
)
from .norms import qwen3_norm, scale_norm, t5_norm
from .shapes import (
    deit_embedding_shape,
    dinov2_embedding_shape,
    dinov2_patch_shape,
    embedded_shape,
    same_shape,
    vit_embedding_shape,
)
from .text import TEXT_TABLES
from .vision import (
    deit_embeddings,
    deit_embeddings_macs,
    deit_intermediate,
    deit_intermediate_macs,
    deit_output,
    deit_output_macs,
    dinov2_embedding,
    dinov2_layer_scale,
    dinov2_mlp,
    dinov2_mlp_macs,
    dinov2_patch_embedding,
    dinov2_patch_macs,
    vit_mlp,
    vit_mlp_macs,
    vit_patching_and_embedding,
    vit_patching_macs,
)
from .vision_tables import VISION2_TABLES

_M = "keras_hub.src.models."
_L = "keras_hub.src.layers.modeling."

# class path -> parameter formula
FORMULAS: dict[str, Callable[..., Formula]] = {
    _M + "llama.llama_layernorm.LlamaLayerNorm": scale_norm,
    _M + "mistral.mistral_layer_norm.MistralLayerNormalization": scale_norm,
    _M + "mixtral.mixtral_layer_norm.MixtralLayerNormalization": scale_norm,
    _M + "qwen.qwen_layernorm.QwenLayerNorm": scale_norm,
    _M + "qwen_moe.qwen_moe_layernorm.QwenMoeLayerNorm": scale_norm,
    _M + "phi3.phi3_layernorm.Phi3LayerNorm": scale_norm,
    _M + "gemma.rms_normalization.RMSNormalization": scale_norm,
    _M + "qwen3.qwen3_layernorm.Qwen3LayerNorm": qwen3_norm,
    _M + "t5.t5_layer_norm.T5LayerNorm": t5_norm,
    _L + "position_embedding.PositionEmbedding": position_embedding,
    _L + "token_and_position_embedding.TokenAndPositionEmbedding": token_and_position_embedding,
    _L + "rotary_embedding.RotaryEmbedding": no_weights,
    _L + "alibi_bias.AlibiBias": no_weights,
    _M + "whisper.whisper_backbone.Padder": no_weights,
    _M + "xlnet.xlnet_encoder.XLNetSegmentMatrixLayer": no_weights,
    _M + "xlnet.xlnet_encoder.XLNetAttentionMaskLayer": xlnet_attention_mask_layer,
    _M + "xlnet.xlnet_content_and_query_embedding.ContentAndQueryEmbedding": xlnet_content_and_query_embedding,
    _M + "deberta_v3.relative_embedding.RelativeEmbedding": deberta_relative_embedding,
    _M + "vit.vit_layers.ViTPatchingAndEmbedding": vit_patching_and_embedding,
    _M + "deit.deit_layers.DeiTEmbeddings": deit_embeddings,
    _M + "dinov2.dinov2_layers.DINOV2PatchEmbedding": dinov2_patch_embedding,
    _M + "dinov2.dinov2_layers.DINOV2Embedding": dinov2_embedding,
    _M + "dinov2.dinov2_layers.DINOV2LayerScale": dinov2_layer_scale,
    _M + "vit.vit_layers.MLP": vit_mlp,
    _M + "deit.deit_layers.DeiTIntermediate": deit_intermediate,
    _M + "deit.deit_layers.DeiTOutput": deit_output,
    _M + "dinov2.dinov2_layers.DINOV2MLP": dinov2_mlp,
    _M + "qwen_moe.qwen_moe_decoder.QwenMoeMLP": qwen_moe_mlp,
    _M + "mixtral.mixtral_decoder.MixtralMoeExperts": mixtral_experts,
    _M + "mixtral.mixtral_decoder.MixtralSparseMoeBlock": mixtral_block,
    _M + "qwen_moe.qwen_moe_decoder.QwenMoeExperts": qwen_experts,
    _M + "qwen_moe.qwen_moe_decoder.QwenSparseMoeBlock": qwen_block,
    _M + "llama.llama_attention.LlamaAttention": decoder_attention,
    _M + "mistral.mistral_attention.CachedMistralAttention": decoder_attention,
    _M + "mixtral.mixtral_attention.CachedMixtralAttention": decoder_attention,
    _M + "gemma.gemma_attention.CachedGemmaAttention": decoder_attention,
    _M + "phi3.phi3_attention.Phi3Attention": decoder_attention,
    _M + "qwen.qwen_attention.QwenAttention": qwen_attention,
    _M + "qwen_moe.qwen_moe_attention.QwenMoeAttention": qwen_attention,
    _M + "qwen3.qwen3_attention.Qwen3Attention": qwen3_attention,
    _M + "falcon.falcon_attention.FalconAttention": falcon_bloom_attention,
    _M + "bloom.bloom_attention.BloomAttention": falcon_bloom_attention,
    _M + "gpt_neo_x.gpt_neo_x_attention.GPTNeoXAttention": gpt_neox_attention,
    _M + "deberta_v3.disentangled_self_attention.DisentangledSelfAttention": deberta_attention,
    _M + "t5.t5_multi_head_attention.T5MultiHeadAttention": t5_attention,
    _M + "whisper.whisper_cached_multi_head_attention.WhisperCachedMultiHeadAttention": whisper_attention,
    _M + "xlnet.relative_attention.TwoStreamRelativeAttention": xlnet_relative_attention,
    _M + "dinov2.dinov2_layers.DINOV2Attention": dinov2_attention,
}

_ZERO_MACS = (
    "llama.llama_layernorm.LlamaLayerNorm",
    "mistral.mistral_layer_norm.MistralLayerNormalization",
    "mixtral.mixtral_layer_norm.MixtralLayerNormalization",
    "qwen.qwen_layernorm.QwenLayerNorm",
    "qwen_moe.qwen_moe_layernorm.QwenMoeLayerNorm",
    "phi3.phi3_layernorm.Phi3LayerNorm",
    "gemma.rms_normalization.RMSNormalization",
    "qwen3.qwen3_layernorm.Qwen3LayerNorm",
    "t5.t5_layer_norm.T5LayerNorm",
    "whisper.whisper_backbone.Padder",
    "xlnet.xlnet_encoder.XLNetSegmentMatrixLayer",
    "xlnet.xlnet_encoder.XLNetAttentionMaskLayer",
    "xlnet.xlnet_content_and_query_embedding.ContentAndQueryEmbedding",
    "deberta_v3.relative_embedding.RelativeEmbedding",
    "dinov2.dinov2_layers.DINOV2LayerScale",
)

# class path -> MACs function (the whole layer, sublayers included)
MACS: dict[str, Callable[[Config, Any, Any], str]] = {
    **{_M + path: zero_macs for path in _ZERO_MACS},
    _L + "position_embedding.PositionEmbedding": zero_macs,
    _L + "token_and_position_embedding.TokenAndPositionEmbedding": zero_macs,
    _L + "rotary_embedding.RotaryEmbedding": zero_macs,
    _L + "alibi_bias.AlibiBias": zero_macs,
    _M + "vit.vit_layers.ViTPatchingAndEmbedding": vit_patching_macs,
    _M + "deit.deit_layers.DeiTEmbeddings": deit_embeddings_macs,
    _M + "dinov2.dinov2_layers.DINOV2PatchEmbedding": dinov2_patch_macs,
    _M + "dinov2.dinov2_layers.DINOV2Embedding": dinov2_patch_macs,
    _M + "vit.vit_layers.MLP": vit_mlp_macs,
    _M + "deit.deit_layers.DeiTIntermediate": deit_intermediate_macs,
    _M + "deit.deit_layers.DeiTOutput": deit_output_macs,
    _M + "dinov2.dinov2_layers.DINOV2MLP": dinov2_mlp_macs,
    _M + "qwen_moe.qwen_moe_decoder.QwenMoeMLP": qwen_moe_mlp_macs,
    _M + "mixtral.mixtral_decoder.MixtralMoeExperts": mixtral_experts_macs,
    _M + "mixtral.mixtral_decoder.MixtralSparseMoeBlock": mixtral_block_macs,
    _M + "qwen_moe.qwen_moe_decoder.QwenMoeExperts": qwen_experts_macs,
    _M + "qwen_moe.qwen_moe_decoder.QwenSparseMoeBlock": qwen_block_macs,
    _M + "llama.llama_attention.LlamaAttention": decoder_attention_macs,
    _M + "mistral.mistral_attention.CachedMistralAttention": decoder_attention_macs,
    _M + "mixtral.mixtral_attention.CachedMixtralAttention": decoder_attention_macs,
    _M + "gemma.gemma_attention.CachedGemmaAttention": decoder_attention_macs,
    _M + "phi3.phi3_attention.Phi3Attention": decoder_attention_macs,
    _M + "qwen.qwen_attention.QwenAttention": decoder_attention_macs,
    _M + "qwen_moe.qwen_moe_attention.QwenMoeAttention": decoder_attention_macs,
    _M + "qwen3.qwen3_attention.Qwen3Attention": decoder_attention_macs,
    _M + "falcon.falcon_attention.FalconAttention": multi_head_self_attention_macs,
    _M + "bloom.bloom_attention.BloomAttention": multi_head_self_attention_macs,
    _M + "gpt_neo_x.gpt_neo_x_attention.GPTNeoXAttention": multi_head_self_attention_macs,
    _M + "deberta_v3.disentangled_self_attention.DisentangledSelfAttention": deberta_attention_macs,
    _M + "t5.t5_multi_head_attention.T5MultiHeadAttention": t5_attention_macs,
    _M + "dinov2.dinov2_layers.DINOV2Attention": dinov2_attention_macs,
    # An MHA subclass whose build() takes one shape and adds a relative-position
    # stream: MultiHeadAttention's function (found through the MRO) would misread it. Its
    # EinsumDense parts plus its own call's traced products instead (build/costs.py own_macs).
    _M + "xlnet.relative_attention.TwoStreamRelativeAttention": parts_and_own_call("TwoStreamRelativeAttention"),
}

# class path -> backward mult-adds (input-grad, weight-grad, internal; layers/backward.py), beside each
# family's forward function. A class with a forward count of 0 needs none (build/training_macs.py);
# DeBERTa's attention and the routed experts have none: unknown.
_BACKWARD_OF_FORWARD: dict[Callable[..., str], Callable[..., Any]] = {
    decoder_attention_macs: attention.decoder_attention_backward_macs,
    multi_head_self_attention_macs: attention.multi_head_self_attention_backward_macs,
    t5_attention_macs: attention.t5_attention_backward_macs,
    dinov2_attention_macs: attention.dinov2_attention_backward_macs,
    vit_patching_macs: vision.vit_patching_backward_macs,
    deit_embeddings_macs: vision.deit_embeddings_backward_macs,
    dinov2_patch_macs: vision.dinov2_patch_backward_macs,
    vit_mlp_macs: vision.vit_mlp_backward_macs,
    deit_intermediate_macs: vision.deit_intermediate_backward_macs,
    deit_output_macs: vision.deit_output_backward_macs,
    dinov2_mlp_macs: vision.dinov2_mlp_backward_macs,
    qwen_moe_mlp_macs: moe.qwen_moe_mlp_backward_macs,
}
BACKWARD_MACS: dict[str, Callable[..., Any]] = {
    path: _BACKWARD_OF_FORWARD[function] for path, function in MACS.items() if function in _BACKWARD_OF_FORWARD
}

# class path -> output shape from (config, build shape), batch axis included
OUTPUT_SHAPES: dict[str, Callable[[Config, Shape], tuple[Any, ...]]] = {
    **{_M + path: same_shape for path in _ZERO_MACS[:9]},
    _L + "token_and_position_embedding.TokenAndPositionEmbedding": embedded_shape,
    _L + "position_embedding.PositionEmbedding": same_shape,
    _M + "vit.vit_layers.ViTPatchingAndEmbedding": vit_embedding_shape,
    _M + "deit.deit_layers.DeiTEmbeddings": deit_embedding_shape,
    _M + "dinov2.dinov2_layers.DINOV2Embedding": dinov2_embedding_shape,
    _M + "dinov2.dinov2_layers.DINOV2PatchEmbedding": dinov2_patch_shape,
    **{
        _M + path: same_shape
        for path in (
            "vit.vit_layers.MLP",
            "dinov2.dinov2_layers.DINOV2MLP",
            "dinov2.dinov2_layers.DINOV2LayerScale",
            "llama.llama_attention.LlamaAttention",
            "phi3.phi3_attention.Phi3Attention",
            "falcon.falcon_attention.FalconAttention",
            "gpt_neo_x.gpt_neo_x_attention.GPTNeoXAttention",
        )
    },
}


# class path -> the key and value elements one sample caches (decoder attention only; see read/hub.py)
KV_CACHE: dict[str, Callable[[Config, Any], Optional[str]]] = {
    **{
        _M + path: decoder_attention_kv
        for path in (
            "llama.llama_attention.LlamaAttention",
            "mistral.mistral_attention.CachedMistralAttention",
            "mixtral.mixtral_attention.CachedMixtralAttention",
            "gemma.gemma_attention.CachedGemmaAttention",
            "phi3.phi3_attention.Phi3Attention",
            "qwen.qwen_attention.QwenAttention",
            "qwen_moe.qwen_moe_attention.QwenMoeAttention",
            "qwen3.qwen3_attention.Qwen3Attention",
        )
    },
    _M + "falcon.falcon_attention.FalconAttention": multi_head_self_attention_kv,
    _M + "bloom.bloom_attention.BloomAttention": multi_head_self_attention_kv,
    _M + "gpt_neo_x.gpt_neo_x_attention.GPTNeoXAttention": multi_head_self_attention_kv,
    _L + "cached_multi_head_attention.CachedMultiHeadAttention": cached_multi_head_attention_kv,
    _M + "t5.t5_multi_head_attention.T5MultiHeadAttention": t5_attention_kv,
}

# class path -> the formula of the weights a composite layer creates itself
OWN_WEIGHTS: dict[str, Callable[[Config, Any], Formula]] = {
    _M + "xlnet.xlnet_encoder.XLNetEncoder": xlnet_encoder_own_weights,
}

# The tables go to the one registry (``layers/registry.py``) by class path: it
# resolves them on the first lookup of a keras_hub class, so importing this
# package imports no keras-hub.
PACKAGE = "keras_hub"
TABLES: tuple[tuple[Kind, Mapping[str, Callable[..., Any]]], ...] = (
    ("formula", FORMULAS),
    ("macs", MACS),
    ("backward_macs", BACKWARD_MACS),
    ("kv_cache", KV_CACHE),
    ("own_weights", OWN_WEIGHTS),
    ("output_shape", OUTPUT_SHAPES),
    # keras-hub 0.32's text, audio and multimodal families (issue 21): hub/text.py
    *TEXT_TABLES,
    # the vision families of issue 21: hub/vision_tables.py
    *VISION2_TABLES,
    # D-FINE's decoder constants, SAM3's sine positions: hub/detection.py
    *DETECTION_TABLES,
    # Stable Diffusion 3's scheduler: hub/diffusion.py
    *DIFFUSION_TABLES,
)
for _kind, _table in TABLES:
    register_by_path(PACKAGE, _kind, _table)

# The class at a table's path, or None when the installed keras-hub lacks it.
resolve = resolve_path


def register() -> list[type]:
    """Resolve the tables now rather than on the first lookup: the keras-hub classes that got a function.

    [] without keras-hub. A class that already has a function of a kind (a
    user registered one first) keeps it.
    """
    return resolve_package(PACKAGE)


def output_shape_function(layer_class: type) -> Optional[Callable[[Config, Shape], tuple[Any, ...]]]:
    """The output-shape function of ``layer_class`` or its nearest listed base, or None."""
    return find_output_shape(layer_class)
