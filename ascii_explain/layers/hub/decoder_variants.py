"""Grouped-query decoder attention variants of keras-hub 0.32: Gemma3, Qwen3-MoE, GPT-OSS, SmolLM3.

Each is the decoder attention of ``attention.py`` (query ``hidden*Hq*D``, key
and value ``hidden*Hkv*D``, output ``Hq*D*hidden``) with one family's
additions, read from its build():

- Gemma3: RMS norms of ``head_dim`` on queries and keys (``use_query_key_norm``);
  soft-capping and sliding windows change no weight and no product (Keras
  computes every score, then caps and masks them).
- Qwen3-MoE: Qwen3's attention (norms of ``head_dim``), no biases.
- GPT-OSS: biases on all four projections and one learned ``sinks`` logit per
  query head (concatenated to the scores: no product).
- SmolLM3: Dense projections (bias with ``attention_bias``) and a bias-free
  EinsumDense output; ``D = hidden_size // num_attention_heads``; a rotary
  layer that stores its ``inv_freq`` as a non-trainable weight.

MACs: projections + scores ``Hq*T*T*D`` + weighted values ``Hq*T*T*D`` (the
project's convention, ``attention.decoder_attention_macs``).
"""

from __future__ import annotations

from typing import Any

from ..formula import Formula, FormulaTerm
from .attention import _gqa_macs, _gqa_terms, _key_positions, decoder_attention_macs
from .common import Config, Shape, dense_terms, last_axis, positions

ROTARY_REASON = "created with trainable=False by keras-hub (the rotary frequencies, fixed)"


def gemma3_attention(config: Config, input_shape: Shape) -> Formula:
    """CachedGemma3Attention: the bias-free decoder attention, with ``query_norm``/``key_norm`` of ``head_dim``.

    Mirrors CachedGemma3Attention.build: query ``Hq x hidden x D``, key and
    value ``Hkv x hidden x D``, attention_output ``Hq x D x hidden``; with
    ``use_query_key_norm`` the two RMSNormalization are built on the
    projections' output, so their ``scale`` has ``head_dim`` entries.
    """
    hidden, q_heads, kv_heads, head_dim = last_axis(input_shape), *_heads(config)
    terms = _gqa_terms(hidden, q_heads, kv_heads, head_dim, False)
    if config.get("use_query_key_norm", False):
        terms += [FormulaTerm("query_norm/scale", str(head_dim)), FormulaTerm("key_norm/scale", str(head_dim))]
    return Formula(terms)


def _heads(config: Config) -> tuple[int, int, int]:
    """(query heads, key/value heads, head_dim) of an attention whose config names all three."""
    return int(config["num_query_heads"]), int(config["num_key_value_heads"]), int(config["head_dim"])


def gpt_oss_attention(config: Config, input_shape: Shape) -> Formula:
    """GptOssAttention: four biased EinsumDense and ``sinks`` of ``num_query_heads``.

    Mirrors GptOssAttention.build: query ``hidden*Hq*D`` + ``Hq*D``, key and
    value ``hidden*Hkv*D`` + ``Hkv*D``, attention_output ``Hq*D*hidden`` +
    ``hidden`` (``bias_axes="m"``), sinks ``(Hq,)``; ``D`` is ``head_dim``
    when given, else ``hidden // Hq``.
    """
    hidden, q_heads, kv_heads, head_dim = _gpt_oss_dims(config, input_shape)
    terms = _gqa_terms(hidden, q_heads, kv_heads, head_dim, True)
    terms.append(FormulaTerm("attention_output/bias", str(hidden)))
    terms.append(FormulaTerm("sinks", str(q_heads)))
    return Formula(terms)


def _gpt_oss_dims(config: Config, input_shape: Shape) -> tuple[int, int, int, int]:
    hidden = last_axis(input_shape)
    q_heads, kv_heads = int(config["num_query_heads"]), int(config["num_key_value_heads"])
    head_dim = config.get("head_dim")
    return hidden, q_heads, kv_heads, int(head_dim) if head_dim else hidden // q_heads


def gpt_oss_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """GptOssAttention: the decoder attention's count; the sinks join the scores without a product."""
    return _gqa_macs(positions(input_shape), *_gpt_oss_dims(config, input_shape))


def gpt_oss_attention_kv(config: Config, input_shape: Any) -> str:
    """GptOssAttention caches keys and values of its ``Hkv`` heads: ``2*Tk*Hkv*D``."""
    _, _, kv_heads, head_dim = _gpt_oss_dims(config, _first_shape(input_shape))
    return f"2*{_key_positions(_first_shape(input_shape))}*{kv_heads}*{head_dim}"


def gemma3_attention_kv(config: Config, input_shape: Any) -> str:
    """CachedGemma3Attention caches keys and values of its ``Hkv`` heads of ``head_dim``: ``2*Tk*Hkv*D``."""
    _, kv_heads, head_dim = _heads(config)
    return f"2*{_key_positions(input_shape)}*{kv_heads}*{head_dim}"


# --------------------------------------------------------------------------- SmolLM3


def _first_shape(input_shape: Any) -> Shape:
    """SmolLM3Attention.build receives ``[hidden_states_shape, ...]``; every other layer one shape."""
    if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
        return input_shape[0]
    return input_shape  # type: ignore[no-any-return]


def _smollm3_dims(config: Config) -> tuple[int, int, int, int]:
    """(hidden, query heads, key/value heads, head_dim = hidden_size // num_attention_heads)."""
    hidden, q_heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    return hidden, q_heads, int(config["num_key_value_heads"]), hidden // q_heads


def smollm3_attention(config: Config, input_shape: Any) -> Formula:
    """SmolLM3Attention: q/k/v_proj Dense (bias with ``attention_bias``), o_proj a bias-free EinsumDense.

    Mirrors SmolLM3Attention.__init__/build: q_proj ``hidden x Hq*D``, k_proj
    and v_proj ``hidden x Hkv*D``, o_proj ``Hq x D x hidden``; plus its
    rotary layer's ``inv_freq`` (:func:`smollm3_rotary`), created in
    __init__ even in the layers that never apply rotary (NoPE).
    """
    hidden, q_heads, kv_heads, head_dim = _smollm3_dims(config)
    bias = bool(config.get("attention_bias", False))
    width = last_axis(_first_shape(input_shape))
    terms = (
        dense_terms("q_proj", [width], [q_heads * head_dim], bias)
        + dense_terms("k_proj", [width], [kv_heads * head_dim], bias)
        + dense_terms("v_proj", [width], [kv_heads * head_dim], bias)
        + dense_terms("o_proj", [q_heads, head_dim], [hidden], False)
    )
    rotary = smollm3_rotary({"head_dim": head_dim, **config}, None).terms
    terms += [FormulaTerm(f"rotary_emb/{term.name}", term.expression, term.trainable, term.reason) for term in rotary]
    return Formula(terms)


def smollm3_rotary(config: Config, input_shape: Any) -> Formula:
    """SmolLM3RotaryEmbedding: ``inv_freq`` of ``ceil(int(head_dim*partial_rotary_factor)/2)``, not trained.

    Counted inside :func:`smollm3_attention`, not registered for the class: keras-hub
    never builds the rotary layer (it is applied without a build), so its own row
    would be an unbuilt one whatever its formula, while the weight exists from __init__.

    Mirrors SmolLM3RotaryEmbedding.__init__ and smollm3_utils.rope_init:
    ``arange(0, int(head_dim * partial_rotary_factor), 2)``, with
    ``head_dim = hidden_size // num_attention_heads``.
    """
    head_dim = int(config.get("head_dim") or int(config["hidden_size"]) // int(config["num_attention_heads"]))
    rotary_dim = int(head_dim * float(config.get("partial_rotary_factor", 1.0)))
    frequencies = (rotary_dim + 1) // 2
    return Formula([FormulaTerm("inv_freq", str(frequencies), False, ROTARY_REASON)])


def smollm3_attention_macs(config: Config, input_shape: Any, output_shape: Any) -> str:
    """SmolLM3Attention: projections + scores + weighted values + output; rotary's frequency outer product is 0."""
    _, q_heads, kv_heads, head_dim = _smollm3_dims(config)
    shape = _first_shape(input_shape)
    return _gqa_macs(positions(shape), last_axis(shape), q_heads, kv_heads, head_dim)


def smollm3_attention_kv(config: Config, input_shape: Any) -> str:
    """SmolLM3Attention caches keys and values of its ``Hkv`` heads: ``2*Tk*Hkv*D``."""
    _, _, kv_heads, head_dim = _smollm3_dims(config)
    return f"2*{_key_positions(_first_shape(input_shape))}*{kv_heads}*{head_dim}"


__all__ = [
    "decoder_attention_macs",
    "gemma3_attention",
    "gemma3_attention_kv",
    "gpt_oss_attention",
    "gpt_oss_attention_kv",
    "gpt_oss_attention_macs",
    "smollm3_attention",
    "smollm3_attention_kv",
    "smollm3_attention_macs",
    "smollm3_rotary",
]


def moonshine_rotary(config: Config, input_shape: Any) -> Formula:
    """MoonshineRotaryEmbedding: ``inv_freq`` of ``int(head_dim*partial_rotary_factor)//2``, not trained.

    Mirrors MoonshineRotaryEmbedding.build (the rotary dimension rounded down
    to even, halved). Registered because the RotaryEmbedding base's formula
    (no weights) would otherwise be inherited.
    """
    rotary_dim = int(int(config["head_dim"]) * float(config.get("partial_rotary_factor", 0.62)))
    return Formula([FormulaTerm("inv_freq", str((rotary_dim // 2 * 2) // 2), False, ROTARY_REASON)])
