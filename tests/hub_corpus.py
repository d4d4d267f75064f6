"""A real-world corpus: keras-hub backbones and task models at tiny configurations.

Each builder returns a freshly built model with random weights (``weights=None`` in
spirit: nothing is downloaded; the configs are tiny so the whole corpus builds in
seconds). keras_hub is an optional dependency (extra ``hub``); tests that use this
module skip cleanly only when it is not installed, which the ``test`` extra prevents.
"""

from __future__ import annotations

from typing import Any, Callable

import keras_hub

M = keras_hub.models

# Shared tiny sizes: 2 layers, 2-4 heads, hidden 8-16, vocabulary 50.
_TEXT = dict(vocabulary_size=50, num_layers=2, hidden_dim=16, intermediate_dim=32)


def bert() -> Any:
    return M.BertBackbone(**_TEXT, num_heads=2, max_sequence_length=32)


def albert() -> Any:
    return M.AlbertBackbone(
        vocabulary_size=50, num_layers=2, num_heads=2, embedding_dim=8, hidden_dim=16, intermediate_dim=32,
        max_sequence_length=32,
    )


def roberta() -> Any:
    return M.RobertaBackbone(**_TEXT, num_heads=2, max_sequence_length=32)


def distil_bert() -> Any:
    return M.DistilBertBackbone(**_TEXT, num_heads=2, max_sequence_length=32)


def electra() -> Any:
    return M.ElectraBackbone(
        vocab_size=50, num_layers=2, num_heads=2, hidden_dim=16, embedding_dim=8, intermediate_dim=32,
        max_sequence_length=32,
    )


def deberta_v3() -> Any:
    return M.DebertaV3Backbone(**_TEXT, num_heads=2, max_sequence_length=32, bucket_size=8)


def f_net() -> Any:
    return M.FNetBackbone(**_TEXT, max_sequence_length=32)


def gpt2() -> Any:
    return M.GPT2Backbone(**_TEXT, num_heads=2, max_sequence_length=32)


def gpt_neox() -> Any:
    return M.GPTNeoXBackbone(**_TEXT, num_heads=2, max_sequence_length=32)


def opt() -> Any:
    return M.OPTBackbone(**_TEXT, num_heads=2, max_sequence_length=32)


def bloom() -> Any:
    return M.BloomBackbone(**_TEXT, num_heads=2)


def falcon() -> Any:
    return M.FalconBackbone(**_TEXT, num_attention_heads=2)


def llama() -> Any:
    return M.LlamaBackbone(**_TEXT, num_query_heads=4, num_key_value_heads=2)


def llama3() -> Any:
    return M.Llama3Backbone(**_TEXT, num_query_heads=4, num_key_value_heads=2)


def mistral() -> Any:
    return M.MistralBackbone(**_TEXT, num_query_heads=4, num_key_value_heads=2, sliding_window=8)


def mixtral() -> Any:
    return M.MixtralBackbone(
        **_TEXT, num_query_heads=4, num_key_value_heads=2, num_experts=4, top_k=2, sliding_window=8
    )


def gemma() -> Any:
    return M.GemmaBackbone(**_TEXT, num_query_heads=4, num_key_value_heads=2, head_dim=4)


def qwen() -> Any:
    return M.QwenBackbone(**_TEXT, num_query_heads=4, num_key_value_heads=2)


def qwen3() -> Any:
    return M.Qwen3Backbone(**_TEXT, num_query_heads=4, num_key_value_heads=2, head_dim=4)


def qwen_moe() -> Any:
    return M.QwenMoeBackbone(
        **_TEXT, num_query_heads=4, num_key_value_heads=2, moe_intermediate_dim=8, shared_expert_intermediate_dim=16,
        num_experts=4, top_k=2,
    )


def phi3() -> Any:
    return M.Phi3Backbone(**_TEXT, num_query_heads=4, num_key_value_heads=2, max_sequence_length=32)


def t5() -> Any:
    return M.T5Backbone(**_TEXT, num_heads=2)


def bart() -> Any:
    return M.BartBackbone(**_TEXT, num_heads=2, max_sequence_length=32)


def whisper() -> Any:
    return M.WhisperBackbone(
        **_TEXT, num_heads=2, num_mels=8, max_encoder_sequence_length=16, max_decoder_sequence_length=16
    )


def xlnet() -> Any:
    return M.XLNetBackbone(**_TEXT, num_heads=2)


def vit() -> Any:
    return M.ViTBackbone(image_shape=(16, 16, 3), patch_size=4, num_layers=2, num_heads=2, hidden_dim=8, mlp_dim=16)


def deit() -> Any:
    return M.DeiTBackbone(
        image_shape=(16, 16, 3), patch_size=4, num_layers=2, num_heads=2, hidden_dim=8, intermediate_dim=16
    )


def dinov2() -> Any:
    return M.DINOV2Backbone(
        patch_size=4, num_layers=2, hidden_dim=8, num_heads=2, intermediate_dim=16, image_shape=(16, 16, 3),
        position_embedding_shape=(16, 16, 3),
    )


def resnet() -> Any:
    return M.ResNetBackbone(
        input_conv_filters=[64], input_conv_kernel_sizes=[3], stackwise_num_filters=[64, 8],
        stackwise_num_blocks=[1, 1], stackwise_num_strides=[1, 2], block_type="basic_block",
        image_shape=(32, 32, 3),
    )


def vgg() -> Any:
    return M.VGGBackbone(stackwise_num_repeats=[1, 1], stackwise_num_filters=[4, 8], image_shape=(16, 16, 3))


# ------------------------------------------------------------------ keras-hub 0.32 text, audio, multimodal (issue 21)


def gemma3() -> Any:
    """Text only (no vision encoder): query/key norms, post norms, soft-capping, sliding windows on some layers."""
    return M.Gemma3Backbone(
        vocabulary_size=50, image_size=16, num_layers=2, num_query_heads=4, num_key_value_heads=2, hidden_dim=16,
        intermediate_dim=32, head_dim=4, use_post_ffw_norm=True, use_post_attention_norm=True,
        attention_logit_soft_cap=50.0, final_logit_soft_cap=30.0, use_sliding_window_attention=True,
        sliding_window_size=4,
    )


def qwen2() -> Any:
    """Qwen2Backbone is keras-hub's alias of QwenBackbone: here with a sliding window and untied embeddings."""
    return M.Qwen2Backbone(
        **_TEXT, num_query_heads=4, num_key_value_heads=2, tie_word_embeddings=False,
        use_sliding_window_attention=True, sliding_window_size=4,
    )


def qwen3_moe() -> Any:
    return M.Qwen3MoeBackbone(
        **_TEXT, num_query_heads=4, num_key_value_heads=2, head_dim=4, moe_intermediate_dim=8, num_experts=4, top_k=2,
    )


def gpt_oss() -> Any:
    return M.GptOssBackbone(
        **_TEXT, num_query_heads=4, num_key_value_heads=2, num_experts=4, top_k=2, sliding_window=4, head_dim=4,
    )


def smollm3() -> Any:
    """SmolLMBackbone is keras-hub's alias of SmolLM3Backbone: one layer with rotary, one without (NoPE)."""
    return M.SmolLM3Backbone(
        vocabulary_size=50, hidden_dim=16, intermediate_dim=32, num_layers=2, num_attention_heads=4,
        num_key_value_heads=2, attention_bias=False, attention_dropout=0.0, rope_layer_enabled_list=[True, False],
        layer_types=["attention", "attention"], mlp_bias=False, layer_norm_epsilon=1e-5, max_position_embeddings=32,
        rope_theta=10000.0, partial_rotary_factor=1.0,
    )


def xlm_roberta() -> Any:
    return M.XLMRobertaBackbone(**_TEXT, num_heads=2, max_sequence_length=32)


def roformer_v2() -> Any:
    return M.RoformerV2Backbone(
        vocabulary_size=50, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32, head_size=8,
    )


def esm() -> Any:
    """ESM2Backbone is keras-hub's alias of ESMBackbone (rotary positions)."""
    return M.ESMBackbone(**_TEXT, num_heads=2, max_sequence_length=32)


def esm_absolute() -> Any:
    """ESM-1 style: learned absolute positions and pre-layer norms."""
    return M.ESMBackbone(
        **_TEXT, num_heads=2, max_sequence_length=32, position_embedding_type="absolute", use_pre_layer_norm=True,
    )


def t5gemma() -> Any:
    """Encoder-decoder Gemma: one sliding-window and one full layer on each side, soft-capped logits."""
    side = dict(hidden_dim=16, intermediate_dim=32, num_layers=2, num_attention_heads=4, num_key_value_heads=2,
                head_dim=4, layer_types=["sliding_attention", "full_attention"])  # fmt: skip
    return M.T5GemmaBackbone(
        vocabulary_size=50, **{f"encoder_{key}": value for key, value in side.items()},
        **{f"decoder_{key}": value for key, value in side.items()}, sliding_window=4, attn_logit_softcapping=50.0,
        final_logit_softcapping=30.0,
    )


def t5gemma2() -> Any:
    side = dict(hidden_dim=16, intermediate_dim=32, num_layers=2, num_attention_heads=4, num_key_value_heads=2,
                head_dim=4, layer_types=["sliding_attention", "full_attention"])  # fmt: skip
    return M.T5Gemma2Backbone(
        vocabulary_size=50, **{f"encoder_{key}": value for key, value in side.items()},
        **{f"decoder_{key}": value for key, value in side.items()}, sliding_window=4,
    )


def pali_gemma() -> Any:
    """A 16x16 image in 4x4 patches through a 1-layer ViT, then a 2-layer Gemma decoder."""
    return M.PaliGemmaBackbone(
        vocabulary_size=50, image_size=16, num_layers=2, num_query_heads=4, num_key_value_heads=2, hidden_dim=16,
        intermediate_dim=32, head_dim=4, vit_patch_size=4, vit_num_heads=2, vit_hidden_dim=8, vit_num_layers=1,
        vit_intermediate_dim=16,
    )


def moonshine() -> Any:
    return M.MoonshineBackbone(
        vocabulary_size=50, filter_dim=16, encoder_num_layers=1, decoder_num_layers=1, hidden_dim=16,
        intermediate_dim=32, encoder_num_heads=2, decoder_num_heads=2, max_position_embeddings=64,
    )


def edrec() -> Any:
    return M.EdRecBackbone(
        vocab_size=50, num_layers_enc=1, num_layers_dec=1, hidden_dim=16, intermediate_dim=32, num_heads=2
    )


def rwkv7() -> Any:
    return M.RWKV7Backbone(
        hidden_size=16, head_size=8, num_layers=2, vocabulary_size=50, intermediate_dim=32, gate_lora=4, mv_lora=4,
        aaa_lora=4, decay_lora=4,
    )


def qwen3_5() -> Any:
    """Text only: three gated-delta-net (linear attention) layers and one full attention layer."""
    return M.Qwen3_5Backbone(
        vocabulary_size=50, num_layers=4, num_query_heads=4, num_key_value_heads=2, head_dim=8, hidden_dim=16,
        intermediate_dim=32, linear_num_key_heads=2, linear_num_value_heads=4, linear_key_head_dim=4,
        linear_value_head_dim=4,
    )


def qwen3_5_moe() -> Any:
    return M.Qwen3_5MoeBackbone(
        vocabulary_size=50, num_layers=4, num_query_heads=4, num_key_value_heads=2, head_dim=8, hidden_dim=16,
        moe_intermediate_dim=8, shared_expert_intermediate_size=16, num_experts=4, top_k=2, linear_num_key_heads=2,
        linear_num_value_heads=4, linear_key_head_dim=4, linear_value_head_dim=4,
    )


def gemma4() -> Any:
    """Text only: five sliding layers then a global one, as the pattern of 6 gives."""
    return M.Gemma4Backbone(
        vocabulary_size=50, image_size=16, num_layers=6, num_query_heads=4, num_key_value_heads=2, hidden_dim=16,
        intermediate_dim=32, head_dim=4, sliding_window_size=4,
    )


def gemma3n() -> Any:
    """Text only (no vision or audio encoder): AltUp over 2 streams, a rank-1 Laurel block, per-layer inputs."""
    return M.Gemma3nBackbone(
        text_vocab_size=50, text_hidden_size=8, num_hidden_layers=2, pad_token_id=0, num_attention_heads=2,
        num_key_value_heads=1, head_dim=4, intermediate_size=[16, 16], hidden_activation="gelu_approximate",
        layer_types=["sliding_attention", "full_attention"], sliding_window=4, rope_theta=10000.0,
        max_position_embeddings=16, vocab_size_per_layer_input=50, hidden_size_per_layer_input=2, altup_num_inputs=2,
        laurel_rank=1,
    )


def gemma3_causal_lm() -> Any:
    """Task models of the issue-21 families: the logits come from the backbone's reversible token embedding.

    Tied for Gemma3, untied (its own reverse_embeddings) for Qwen3-MoE and GPT-OSS.
    """
    return M.Gemma3CausalLM(backbone=gemma3(), preprocessor=None)


def qwen3_moe_causal_lm() -> Any:
    return M.Qwen3MoeCausalLM(backbone=qwen3_moe(), preprocessor=None)


def gpt_oss_causal_lm() -> Any:
    return M.GptOssCausalLM(backbone=gpt_oss(), preprocessor=None)


def bert_classifier() -> Any:
    """A task model: backbone plus a head (no preprocessor: nothing to download)."""
    return M.BertTextClassifier(backbone=bert(), num_classes=3, preprocessor=None)


def gpt2_causal_lm() -> Any:
    return M.GPT2CausalLM(backbone=gpt2(), preprocessor=None)


def llama_causal_lm() -> Any:
    return M.LlamaCausalLM(backbone=llama(), preprocessor=None)


def vit_classifier() -> Any:
    return M.ViTImageClassifier(backbone=vit(), num_classes=3, preprocessor=None)


HUB_MODELS: dict[str, Callable[[], Any]] = {
    name: builder
    for name, builder in dict(globals()).items()
    if callable(builder) and getattr(builder, "__module__", None) == __name__ and not name.startswith("_")
}

# The vision backbones of issue 21 (tests/hub_vision_corpus.py) join the corpus.
from .hub_vision_corpus import VISION_MODELS  # noqa: E402

HUB_MODELS.update(VISION_MODELS)


# keras-hub 0.32's text families (issue 21) explained at one token-id input of (1, T) ...
TEXT_FAMILIES = (
    "gemma3", "qwen2", "qwen3_moe", "gpt_oss", "smollm3", "xlm_roberta", "roformer_v2", "esm",
    "esm_absolute", "t5gemma", "t5gemma2", "edrec", "qwen3_5", "qwen3_5_moe", "gemma4",
)  # fmt: skip
# ... and the multi-input ones, at these shapes (tests/test_transformers.py, tests/test_hub_layers.py)
MULTI_INPUT_SHAPES = {
    "pali_gemma": {"images": (1, 16, 16, 3), "token_ids": (1, 8), "padding_mask": (1, 8), "response_mask": (1, 8)},
    # 1024 audio samples: the smallest length the three strided convolutions leave a frame of (15, 3, 1)
    "moonshine": {
        "encoder_input_values": (1, 1024, 1), "encoder_padding_mask": (1, 1024), "decoder_token_ids": (1, 8),
        "decoder_padding_mask": (1, 8),
    },  # fmt: skip
}
