"""T5Gemma's attention (self and cross) and PaliGemma's ViT attention: projections, scores, weighted values.

T5GemmaAttention subclasses CachedGemmaAttention but builds on ``(hidden
states, key/value states)`` for cross-attention (``attention_type="cross"``)
and adds biases with ``attention_bias``; PaliGemmaVitAttention is CLIP's:
four biased Dense ``hidden x hidden`` and two matmuls per head.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..dims import UnknownDimensionError
from ..formula import Formula, FormulaTerm
from .attention import attention_products
from .common import Config, Shape, dense_terms, last_axis, positions


def _query_and_keys(input_shape: Any) -> tuple[Shape, Shape]:
    """(query shape, key/value shape): a cross-attention builds on both, a self-attention on one."""
    if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
        query, keys = input_shape[0], input_shape[-1]
        return query, keys
    return input_shape, input_shape


def t5gemma_attention(config: Config, input_shape: Any) -> Formula:
    """T5GemmaAttention: query ``hidden*Hq*D``, key and value ``kv_width*Hkv*D``, output ``Hq*D*hidden``.

    Mirrors T5GemmaAttention.build: every EinsumDense has a bias
    (``Hq*D``, ``Hkv*D``, ``Hkv*D``, ``hidden``) when ``attention_bias``;
    key and value are built on the encoder's states in cross-attention.
    """
    query, keys = _query_and_keys(input_shape)
    hidden, width = last_axis(query), last_axis(keys)
    q_heads, kv_heads, head_dim = int(config["num_query_heads"]), int(config["num_key_value_heads"]), int(
        config["head_dim"]
    )
    bias = bool(config.get("attention_bias", False))
    return Formula(
        dense_terms("query", [hidden], [q_heads, head_dim], bias)
        + dense_terms("key", [width], [kv_heads, head_dim], bias)
        + dense_terms("value", [width], [kv_heads, head_dim], bias)
        + dense_terms("attention_output", [q_heads, head_dim], [hidden], bias)
    )


def t5gemma_attention_macs(config: Config, input_shape: Any, output_shape: Any) -> str:
    """``Tq*h*Hq*D + 2*Tk*w*Hkv*D + 2*Hq*Tq*Tk*D + Tq*Hq*D*h``: Tk is the encoder's length in cross-attention."""
    query, keys = _query_and_keys(input_shape)
    hidden, width = last_axis(query), last_axis(keys)
    q_heads, kv_heads, head_dim = int(config["num_query_heads"]), int(config["num_key_value_heads"]), int(
        config["head_dim"]
    )
    tq, tk = positions(query), positions(keys)
    parts = [
        f"{tq}*{hidden}*{q_heads}*{head_dim}",
        f"2*{tk}*{width}*{kv_heads}*{head_dim}",
        *attention_products(tq, tk, q_heads, head_dim),
        f"{tq}*{q_heads}*{head_dim}*{hidden}",
    ]
    return " + ".join(parts)


def t5gemma_attention_kv(config: Config, input_shape: Any) -> str:
    """The decoder's T5GemmaAttention caches keys and values of its ``Hkv`` heads over Tk: ``2*Tk*Hkv*D``."""
    _, keys = _query_and_keys(input_shape)
    return f"2*{positions(keys)}*{int(config['num_key_value_heads'])}*{int(config['head_dim'])}"


def t5gemma2_merged_attention_kv(
    config: Config, input_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None
) -> str:
    """T5Gemma2MergedAttention caches the keys and values of both streams it attends over: its
    ``(self_attention_cache, cross_attention_cache)``, ``2*(Td + Te)*Hkv*D`` (keras-hub 0.32 call()).

    The lengths come from the call's ``inputs`` and ``encoder_hidden_states`` or a two-shape build
    ``[decoder, encoder]`` (Gemma3's one-shape function would read that list as one shape).
    """
    decoder, encoder = _query_and_keys(input_shape)
    if call_shapes and call_shapes.get("inputs") and call_shapes.get("encoder_hidden_states"):
        decoder, encoder = call_shapes["inputs"], call_shapes["encoder_hidden_states"]
    elif encoder is decoder:
        raise UnknownDimensionError("the encoder length of T5Gemma2's merged attention is not in its build shape")
    keys = f"({positions(decoder)} + {positions(encoder)})"
    return f"2*{keys}*{int(config['num_key_value_heads'])}*{int(config['head_dim'])}"


def pali_gemma_vit_attention(config: Config, input_shape: Shape) -> Formula:
    """PaliGemmaVitAttention: query/key/value/out_proj, each a biased Dense ``hidden_dim x hidden_dim``.

    Mirrors PaliGemmaVitAttention.__init__/build (built on ``hidden_dim``, whatever the input).
    """
    hidden = int(config["hidden_dim"])
    terms = []
    for name in ("query_proj", "key_proj", "value_proj", "out_proj"):
        terms += dense_terms(name, [hidden], [hidden], True)
    return Formula(terms)


def pali_gemma_vit_attention_macs(config: Config, input_shape: Optional[Shape], output_shape: Any) -> str:
    """``4*T*h*h + 2*H*T*T*D`` with ``D = hidden_dim // num_heads`` (scores and weighted values by matmul)."""
    if not input_shape:  # PaliGemmaVitEncoderBlock builds it with no shape: the tokens are known only from a call
        raise UnknownDimensionError("PaliGemmaVitAttention was built without a shape: its token count is unknown")
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    tokens = positions(input_shape)
    return " + ".join([f"4*{tokens}*{hidden}*{hidden}", *attention_products(tokens, tokens, heads, hidden // heads)])


# --------------------------------------------------------------------------- T5Gemma2


def _norm_terms(config: Config) -> list[FormulaTerm]:
    """query_norm/key_norm ``scale`` of ``head_dim`` when ``use_query_key_norm`` (built on the projections' output)."""
    if not config.get("use_query_key_norm", False):
        return []
    head_dim = str(int(config["head_dim"]))
    return [FormulaTerm("query_norm/scale", head_dim), FormulaTerm("key_norm/scale", head_dim)]


def t5gemma2_attention(config: Config, input_shape: Any) -> Formula:
    """T5Gemma2Attention and T5Gemma2MergedAttention: T5Gemma's projections on the decoder's states + q/k norms.

    Mirrors T5Gemma2Attention.build and T5Gemma2MergedAttention.build: the
    merged layer projects the encoder's states with the same key and value
    EinsumDense, so it has the weights of a self-attention.
    """
    query, _ = _query_and_keys(input_shape)
    return Formula([*t5gemma_attention(config, query).terms, *_norm_terms(config)])


def t5gemma2_merged_attention_macs(
    config: Config, input_shape: Any, output_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None
) -> str:
    """T5Gemma2MergedAttention over Td decoder and Te encoder positions, one attention over the ``Td + Te`` keys.

    ``Td*h*Hq*D`` (queries) + ``2*(Td + Te)*h*Hkv*D`` (keys and values of
    both, by the shared projections) + ``2*Hq*Td*(Td + Te)*D`` + ``Td*Hq*D*h``.
    The encoder's length comes from the call's ``inputs`` and ``encoder_hidden_states``
    (``explain(..., input_shape=...)``) or a two-shape build.
    """
    decoder, encoder = _query_and_keys(input_shape)
    if call_shapes and call_shapes.get("inputs") and call_shapes.get("encoder_hidden_states"):
        decoder, encoder = call_shapes["inputs"], call_shapes["encoder_hidden_states"]
    elif encoder is decoder:
        raise UnknownDimensionError("the encoder length of T5Gemma2's merged attention is not in its build shape")
    hidden = last_axis(decoder)
    q_heads, kv_heads, head_dim = int(config["num_query_heads"]), int(config["num_key_value_heads"]), int(
        config["head_dim"]
    )
    td, te = positions(decoder), positions(encoder)
    keys = f"({td} + {te})"
    parts = [
        f"{td}*{hidden}*{q_heads}*{head_dim}",
        f"2*{keys}*{hidden}*{kv_heads}*{head_dim}",
        f"2*{q_heads}*{td}*{keys}*{head_dim}",
        f"{td}*{q_heads}*{head_dim}*{hidden}",
    ]
    return " + ".join(parts)
