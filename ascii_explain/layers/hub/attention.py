"""keras-hub's attention layers: grouped-query decoders, Falcon/Bloom/GPT-NeoX, DeBERTa, T5, Whisper, XLNet, DINOv2.

Each formula counts ALL the layer's weights (terms named by the weight's path
below the layer, ``query/kernel``) and each MACs function the WHOLE layer,
projections included, so a composite block never adds these sublayers again.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

from ..backward import attention_backward_of
from ..dims import UnknownDimensionError
from ..formula import Formula, FormulaTerm
from .common import (
    Config,
    Shape,
    dense_terms,
    last_axis,
    positions,
    prefixed,
    product_of,
)

# --------------------------------------------------------------------------- attention


def attention_products(tq: int, tk: int, q_heads: int, head_dim: int, value_dim: Optional[int] = None) -> list[str]:
    """Scores ``Hq*Tq*Tk*D`` and weighted values ``Hq*Tq*Tk*Dv``: the attention's own products.

    Every query head scores every key (grouped-query attention shares the
    key/value heads, it does not skip the products); masks apply afterwards.
    """
    value_dim = head_dim if value_dim is None else value_dim
    return [f"{q_heads}*{tq}*{tk}*{head_dim}", f"{q_heads}*{tq}*{tk}*{value_dim}"]


def _decoder_dims(
    config: Config, input_shape: Shape, head_dim_key: Optional[str] = "head_dim"
) -> tuple[int, int, int, int]:
    """(hidden, query heads, key/value heads, head_dim); head_dim defaults to hidden // query heads."""
    hidden = last_axis(input_shape)
    q_heads, kv_heads = int(config["num_query_heads"]), int(config["num_key_value_heads"])
    head_dim = config.get(head_dim_key) if head_dim_key else None
    return hidden, q_heads, kv_heads, int(head_dim) if head_dim else hidden // q_heads


def _gqa_terms(hidden: int, q_heads: int, kv_heads: int, head_dim: int, qkv_bias: bool) -> list[FormulaTerm]:
    """query ``hidden*Hq*D``, key and value ``hidden*Hkv*D`` (biased with ``qkv_bias``), output ``Hq*D*hidden``."""
    return (
        dense_terms("query", [hidden], [q_heads, head_dim], qkv_bias)
        + dense_terms("key", [hidden], [kv_heads, head_dim], qkv_bias)
        + dense_terms("value", [hidden], [kv_heads, head_dim], qkv_bias)
        + dense_terms("attention_output", [q_heads, head_dim], [hidden], False)
    )


def _gqa_macs(tokens: int, hidden: int, q_heads: int, kv_heads: int, head_dim: int) -> str:
    """Self-attention over T tokens: projections + scores + weighted values + output."""
    parts = [
        f"{tokens}*{hidden}*{q_heads}*{head_dim}",
        f"{tokens}*{hidden}*{kv_heads}*{head_dim}",
        f"{tokens}*{hidden}*{kv_heads}*{head_dim}",
        *attention_products(tokens, tokens, q_heads, head_dim),
        f"{tokens}*{q_heads}*{head_dim}*{hidden}",
    ]
    return " + ".join(parts)


def decoder_attention(config: Config, input_shape: Shape) -> Formula:
    """Grouped-query attention of Llama, Mistral, Mixtral, Gemma and Phi-3: four bias-free EinsumDense.

    Mirrors LlamaAttention / CachedMistralAttention / CachedMixtralAttention
    / CachedGemmaAttention / Phi3Attention.build: query ``hidden*Hq*D``, key
    and value ``hidden*Hkv*D``, attention_output ``Hq*D*hidden``; ``D`` is
    ``head_dim`` when the config has it (Gemma, Mistral) else
    ``hidden // num_query_heads``. Gemma lays its kernels out head-first
    (``Hq x hidden x D``): the same count.
    """
    hidden, q_heads, kv_heads, head_dim = _decoder_dims(config, input_shape)
    return Formula(_gqa_terms(hidden, q_heads, kv_heads, head_dim, False))


def qwen_attention(config: Config, input_shape: Shape) -> Formula:
    """QwenAttention / QwenMoeAttention: the decoder attention with biases on query, key and value (``bias_axes``)."""
    hidden, q_heads, kv_heads, head_dim = _decoder_dims(config, input_shape)
    return Formula(_gqa_terms(hidden, q_heads, kv_heads, head_dim, True))


def qwen3_attention(config: Config, input_shape: Shape) -> Formula:
    """Qwen3Attention: the bias-free decoder attention plus RMS norms of ``head_dim`` on queries and keys.

    Mirrors Qwen3Attention.build: query_dense_layernorm/scale and
    key_dense_layernorm/scale have ``head_dim`` entries. get_config() omits
    ``head_dim``; :func:`hub_config` supplies it (the attribute build() set).
    """
    hidden, q_heads, kv_heads, head_dim = _decoder_dims(config, input_shape)
    terms = _gqa_terms(hidden, q_heads, kv_heads, head_dim, False)
    norms = [
        FormulaTerm("query_dense_layernorm/scale", str(head_dim)),
        FormulaTerm("key_dense_layernorm/scale", str(head_dim)),
    ]
    return Formula(terms[:1] + norms[:1] + terms[1:2] + norms[1:] + terms[2:])


def decoder_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """Decoder self-attention over T tokens (no cache): ``T*h*Hq*D + 2*T*h*Hkv*D + 2*Hq*T*T*D + T*Hq*D*h``.

    Rotary, q/k norms, the scale, soft-capping and masks are element-wise: 0.
    """
    hidden, q_heads, kv_heads, head_dim = _decoder_dims(config, input_shape)
    return _gqa_macs(positions(input_shape), hidden, q_heads, kv_heads, head_dim)


def _mha_dense_output_terms(config: Config, input_shape: Shape, heads_key: str = "num_heads") -> tuple[int, int, int]:
    """(hidden, heads, head_dim = hidden // heads) of a self-attention layer with ``num_heads``."""
    hidden = last_axis(input_shape)
    heads = int(config[heads_key])
    return hidden, heads, hidden // heads


def falcon_bloom_attention(config: Config, input_shape: Shape) -> Formula:
    """FalconAttention / BloomAttention: q/k/v EinsumDense ``hidden*H*D`` + bias, Dense ``hidden*hidden`` + bias.

    Mirrors FalconAttention.build and BloomAttention.build (``bias_axes="nh"``,
    ``D = hidden // num_heads``). The sublayers are named
    query_dense/key_dense/value_dense/output_dense.
    """
    hidden, heads, head_dim = _mha_dense_output_terms(config, input_shape)
    terms = []
    for name in ("query_dense", "key_dense", "value_dense"):
        terms += dense_terms(name, [hidden], [heads, head_dim], True)
    terms += dense_terms("output_dense", [hidden], [hidden], True)
    return Formula(terms)


def multi_head_self_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """Self-attention with H heads of ``D = hidden // H`` and a ``hidden x hidden`` output:

    ``3*T*h*H*D + 2*H*T*T*D + T*h*h`` (Falcon, Bloom — ALiBi is an added bias — and GPT-NeoX,
    whose fused query_key_value projection is the same ``3*H*D`` columns; rotary on part of each head is 0).
    """
    hidden, heads, head_dim = _mha_dense_output_terms(config, input_shape)
    tokens = positions(input_shape)
    parts = [
        f"3*{tokens}*{hidden}*{heads}*{head_dim}",
        *attention_products(tokens, tokens, heads, head_dim),
        f"{tokens}*{hidden}*{hidden}",
    ]
    return " + ".join(parts)


def gpt_neox_attention(config: Config, input_shape: Shape) -> Formula:
    """GPTNeoXAttention: query_key_value ``hidden*H*3D`` + bias ``H*3D``; attention_output ``hidden*hidden`` + bias.

    Mirrors GPTNeoXAttention.build (``D = hidden_dim // num_heads``).
    """
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    head_dim = hidden // heads
    return Formula(
        [
            FormulaTerm("query_key_value/kernel", f"{hidden}*{heads}*3*{head_dim}"),
            FormulaTerm("query_key_value/bias", f"{heads}*3*{head_dim}"),
            *dense_terms("attention_output", [hidden], [hidden], True),
        ]
    )


def deberta_attention(config: Config, input_shape: Shape) -> Formula:
    """DisentangledSelfAttention: q/k/v EinsumDense ``hidden*H*D`` + bias, attention_output ``hidden*hidden`` + bias.

    Mirrors DisentangledSelfAttention.build (``D = hidden_dim // num_heads``).
    """
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    head_dim = hidden // heads
    terms = []
    for name in ("query", "key", "value"):
        terms += dense_terms(name, [hidden], [heads, head_dim], True)
    terms += dense_terms("attention_output", [hidden], [hidden], True)
    return Formula(terms)


def deberta_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DisentangledSelfAttention: content and position projections, three score matrices, values, output.

    With T tokens and P = ``2*bucket_size`` relative embeddings (the
    RelativeEmbedding table, one copy per sample): q/k/v ``3*T*h*H*D``; the
    relative embeddings through the query and key projections ``2*P*h*H*D``;
    scores content-to-content ``H*T*T*D``, content-to-position ``H*T*P*D``,
    position-to-content ``H*P*T*D`` (gathered to T x T afterwards: no
    products); weighted values ``H*T*T*D``; output ``T*h*h``.
    """
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    head_dim = hidden // heads
    tokens = positions(input_shape)
    relative = 2 * int(config["bucket_size"])
    parts = [
        f"3*{tokens}*{hidden}*{heads}*{head_dim}",
        f"2*{relative}*{hidden}*{heads}*{head_dim}",
        f"{heads}*{tokens}*{tokens}*{head_dim}",
        f"{heads}*{tokens}*{relative}*{head_dim}",
        f"{heads}*{relative}*{tokens}*{head_dim}",
        f"{heads}*{tokens}*{tokens}*{head_dim}",
        f"{tokens}*{hidden}*{hidden}",
    ]
    return " + ".join(parts)


def t5_attention(config: Config, input_shape: Shape) -> Formula:
    """T5MultiHeadAttention: four bias-free Dense and, with ``use_relative_attention_bias``, the bucket table.

    Mirrors T5MultiHeadAttention.__init__/build: query/key/value_projector
    ``hidden x inner`` (``inner = num_heads*key_value_dim``),
    output_projector ``inner x hidden``; relative_attention_bias
    (its variable is named ``embeddings``) ``relative_attention_buckets x num_heads``.
    """
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    inner = heads * int(config["key_value_dim"])
    terms = []
    if config.get("use_relative_attention_bias", False):
        terms.append(FormulaTerm("embeddings", product_of([config["relative_attention_buckets"], heads])))
    for name in ("query_projector", "key_projector", "value_projector"):
        terms += dense_terms(name, [hidden], [inner], False)
    terms += dense_terms("output_projector", [inner], [hidden], False)
    return Formula(terms)


def t5_attention_macs(
    config: Config, input_shape: Any, output_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None
) -> str:
    """T5MultiHeadAttention: ``Tq*h*inner + 2*Tk*h*inner + 2*H*Tq*Tk*Dkv + Tq*inner*h``.

    build() sees only the query (hidden_states) shape. Self-attention has
    ``Tk = Tq``. For cross-attention (keras-hub names it ``cross_attention``)
    Tk is the encoder's length: pass ``{"hidden_states": ..., "key_value_states": ...}``
    call shapes; with only the build shape it is unknown. The relative
    position bias is a lookup: 0.
    """
    if call_shapes and call_shapes.get("hidden_states"):
        input_shape = call_shapes
    if isinstance(input_shape, Mapping):
        query = input_shape["hidden_states"]
        keys = input_shape.get("key_value_states") or query
    else:
        if str(config.get("name", "")).startswith("cross_attention"):
            raise UnknownDimensionError("the encoder length of T5 cross-attention is not in its build shape")
        query = keys = input_shape
    hidden, heads, kv_dim = int(config["hidden_dim"]), int(config["num_heads"]), int(config["key_value_dim"])
    inner = heads * kv_dim
    tq, tk = positions(query), positions(keys)
    parts = [
        f"{tq}*{hidden}*{inner}",
        f"2*{tk}*{int(keys[-1])}*{inner}",
        *attention_products(tq, tk, heads, kv_dim),
        f"{tq}*{inner}*{hidden}",
    ]
    return " + ".join(parts)


def _builtin_mha_formula() -> Callable[..., Formula]:
    """The registered MultiHeadAttention formula (quantization and LoRA aware), looked up, not copied."""
    import keras

    from ..registry import find_formula

    function = find_formula(keras.layers.MultiHeadAttention)
    assert function is not None
    return function


def whisper_attention(config: Config, input_shape: Any, sublayers: Optional[Mapping[str, Any]] = None) -> Formula:
    """WhisperCachedMultiHeadAttention: MultiHeadAttention without the key's bias.

    Mirrors WhisperCachedMultiHeadAttention.build: the key EinsumDense is built
    with ``bias_axes=None`` while query, value and attention_output keep
    theirs when ``use_bias``. Everything else is MultiHeadAttention's formula.
    """
    formula = _builtin_mha_formula()(config, input_shape, sublayers=sublayers)
    return Formula([term for term in formula.terms if term.name != "key/bias"])


def xlnet_relative_attention(config: Config, input_shape: Shape) -> Formula:
    """TwoStreamRelativeAttention: five bias-free EinsumDense ``hidden*H*key_dim``.

    Mirrors TwoStreamRelativeAttention.build: query, key, value, encoding
    (the relative-position projection) and attention_output — whose kernel
    is laid out ``hidden x H x value_dim`` (it contracts H and D): the same
    count. ``use_bias`` is forced off by build().
    """
    hidden, heads, key_dim = last_axis(input_shape), int(config["num_heads"]), int(config["key_dim"])
    value_dim = int(config.get("value_dim") or key_dim)
    return Formula(
        dense_terms("query", [hidden], [heads, key_dim], False)
        + dense_terms("key", [hidden], [heads, key_dim], False)
        + dense_terms("value", [hidden], [heads, value_dim], False)
        + dense_terms("attention_output", [hidden], [heads, value_dim], False)
        + dense_terms("encoding", [hidden], [heads, key_dim], False)
    )


def dinov2_attention(config: Config, input_shape: Shape) -> Formula:
    """DINOV2Attention: a MultiHeadAttention ``attention``, ``key_dim = hidden_dim // num_heads``, with biases."""
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    key_dim = hidden // heads
    width = last_axis(input_shape)
    terms = (
        dense_terms("query", [width], [heads, key_dim], True)
        + dense_terms("key", [width], [heads, key_dim], True)
        + dense_terms("value", [width], [heads, key_dim], True)
        + dense_terms("attention_output", [heads, key_dim], [width], True)
    )
    return Formula(prefixed("attention", terms))


def dinov2_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DINOV2Attention: MultiHeadAttention's self-attention count, ``3*T*h*H*K + 2*H*T*T*K + T*H*K*h``."""
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    key_dim = hidden // heads
    width, tokens = last_axis(input_shape), positions(input_shape)
    parts = [f"3*{tokens}*{width}*{heads}*{key_dim}", *attention_products(tokens, tokens, heads, key_dim)]
    parts.append(f"{tokens}*{heads}*{key_dim}*{width}")
    return " + ".join(parts)


def xlnet_encoder_own_weights(config: Config, input_shape: Any) -> Formula:
    """XLNetEncoder's own weights (a composite layer: its sublayers are explained by theirs)."""
    return Formula(xlnet_encoder_own_terms(config))


def xlnet_encoder_own_terms(config: Config) -> list[FormulaTerm]:
    """XLNetEncoder's OWN weights (its sublayers are explained by theirs): the composition's "own" part.

    Mirrors XLNetEncoder.build: content_attention_bias, positional_attention_bias
    and segment_attention_bias ``(num_heads, head_dim)`` each, segment_encoding
    ``(2, num_heads, head_dim)``; ``head_dim = hidden_dim // num_heads``.
    """
    heads = int(config["num_heads"])
    head_dim = int(config["hidden_dim"]) // heads
    names = ("content_attention_bias", "positional_attention_bias", "segment_attention_bias")
    terms = [FormulaTerm(name, f"{heads}*{head_dim}") for name in names]
    return [*terms, FormulaTerm("segment_encoding", f"2*{heads}*{head_dim}")]


# --------------------------------------------------------------------------- key/value caches
# (config, the shapes the MACs function receives) -> elements of keys and values
# ONE sample keeps for the keys the layer attends to; None when it keeps none.


def _key_positions(input_shape: Any) -> int:
    """Tk: the positions of the keys (MultiHeadAttention's value_shape, T5's key_value_states, else the input)."""
    if isinstance(input_shape, Mapping):
        for key in ("value_shape", "key_value_states", "query_shape", "hidden_states"):
            if input_shape.get(key):
                return positions(input_shape[key])
        raise UnknownDimensionError(f"no key shape among {sorted(input_shape)}")
    return positions(input_shape)


def decoder_attention_kv(config: Config, input_shape: Any) -> str:
    """Grouped-query decoders cache keys and values of the ``Hkv`` heads: ``2*Tk*Hkv*D``."""
    _, _, kv_heads, head_dim = _decoder_dims(config, input_shape)
    return f"2*{_key_positions(input_shape)}*{kv_heads}*{head_dim}"


def multi_head_self_attention_kv(config: Config, input_shape: Any) -> str:
    """Falcon, Bloom and GPT-NeoX cache every head: ``2*Tk*H*D`` with ``D = hidden // H``."""
    _, heads, head_dim = _mha_dense_output_terms(config, input_shape)
    return f"2*{_key_positions(input_shape)}*{heads}*{head_dim}"


def cached_multi_head_attention_kv(config: Config, input_shape: Any) -> str:
    """CachedMultiHeadAttention (GPT-2, OPT, BART, Whisper): keys ``Tk*H*key_dim`` + values ``Tk*H*value_dim``.

    Its cache is ``(batch, 2, Tk, H, key_dim)`` (value_dim defaults to key_dim).
    """
    heads, key_dim = int(config["num_heads"]), int(config["key_dim"])
    value_dim = int(config.get("value_dim") or key_dim)
    keys = _key_positions(input_shape)
    if value_dim == key_dim:
        return f"2*{keys}*{heads}*{key_dim}"
    return f"{keys}*{heads}*{key_dim} + {keys}*{heads}*{value_dim}"


def t5_attention_kv(config: Config, input_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None) -> Optional[str]:
    """T5MultiHeadAttention in the decoder (``is_decoder``): ``2*Tk*H*key_value_dim``; the encoder's keeps none."""
    if not config.get("is_decoder", False):
        return None
    if call_shapes and call_shapes.get("hidden_states"):
        input_shape = call_shapes
    heads, kv_dim = int(config["num_heads"]), int(config["key_value_dim"])
    return f"2*{_key_positions(input_shape)}*{heads}*{kv_dim}"


# ------------------------------------------------------------ backward mult-adds

# Every count above reads "input projections + score and value products + output projection"
# (DeBERTa's has four products and a projection of its relative-embedding table: not covered here).
decoder_attention_backward_macs = attention_backward_of(decoder_attention_macs)
multi_head_self_attention_backward_macs = attention_backward_of(multi_head_self_attention_macs)
t5_attention_backward_macs = attention_backward_of(t5_attention_macs)
dinov2_attention_backward_macs = attention_backward_of(dinov2_attention_macs)
