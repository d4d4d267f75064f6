"""keras-hub 0.32's text families (issue 21): each formula equals count_params() across configurations.

The corpus (tests/hub_corpus.py) exercises one configuration of each layer
(tests/test_hub_layers.py checks every hub layer of it, weight by weight,
and its mult-adds against TensorFlow's graph). Here the options the corpus
does not use: grids of heads, head sizes, biases, norms and expert counts,
each layer built by keras-hub at that configuration and checked term by term
against its weights (tests/test_hub_layers.assert_formula_matches_weights).
Mult-adds by hand for the attention variants and the top-k blocks.
"""

from __future__ import annotations

import itertools

import pytest

keras_hub = pytest.importorskip("keras_hub")

from ascii_explain.arithmetic import evaluate  # noqa: E402
from ascii_explain.layers import find_macs  # noqa: E402
from ascii_explain.layers.hub import decoder_variants, experts, roformer  # noqa: E402
from ascii_explain.read.hub import hub_config  # noqa: E402

from .test_hub_layers import assert_formula_matches_weights  # noqa: E402

GRID = list(itertools.product([1, 2], [1, 2], [2, 4]))  # (kv heads, groups, head_dim)


def _built(layer, shape):
    layer.build(shape)
    return layer


@pytest.mark.parametrize("kv, groups, head_dim", GRID)
@pytest.mark.parametrize("query_key_norm", [False, True])
def test_gemma3_attention(kv, groups, head_dim, query_key_norm):
    from keras_hub.src.models.gemma3.gemma3_attention import CachedGemma3Attention

    q = kv * groups
    layer = CachedGemma3Attention(
        head_dim=head_dim + 1, num_query_heads=q, num_key_value_heads=kv, use_query_key_norm=query_key_norm
    )
    assert_formula_matches_weights(_built(layer, (None, None, 6)))


@pytest.mark.parametrize("kv, groups, head_dim", GRID)
def test_qwen3_moe_attention(kv, groups, head_dim):
    from keras_hub.src.models.qwen3_moe.qwen3_moe_attention import Qwen3MoeAttention

    layer = Qwen3MoeAttention(num_query_heads=kv * groups, num_key_value_heads=kv, head_dim=head_dim + 1)
    assert_formula_matches_weights(_built(layer, (None, None, 6)))


@pytest.mark.parametrize("kv, groups, head_dim", GRID)
@pytest.mark.parametrize("given_head_dim", [False, True])
def test_gpt_oss_attention(kv, groups, head_dim, given_head_dim):
    from keras_hub.src.models.gpt_oss.gpt_oss_attention import GptOssAttention

    q = kv * groups
    layer = GptOssAttention(
        num_query_heads=q, num_key_value_heads=kv, head_dim=head_dim + 1 if given_head_dim else None
    )
    assert_formula_matches_weights(_built(layer, (None, None, q * head_dim)))


@pytest.mark.parametrize("kv, groups, head_dim", GRID)
@pytest.mark.parametrize("bias, rotary_factor", [(False, 1.0), (True, 0.5), (True, 0.75)])
def test_smollm3_attention_with_its_rotary_frequencies(kv, groups, head_dim, bias, rotary_factor):
    from keras_hub.src.models.smollm3.smollm3_layers import SmolLM3Attention

    q = kv * groups
    hidden = q * head_dim
    layer = SmolLM3Attention(
        hidden_size=hidden, num_attention_heads=q, num_key_value_heads=kv, attention_bias=bias,
        attention_dropout=0.0, rope_layer_enabled_list=[True], layer_types=["attention"], layer_idx=0,
        partial_rotary_factor=rotary_factor,
    )  # fmt: skip
    assert_formula_matches_weights(_built(layer, [(None, None, hidden)]))


@pytest.mark.parametrize("heads, head_size", [(1, 4), (2, 3), (3, 2)])
@pytest.mark.parametrize("use_bias", [False, True])
@pytest.mark.parametrize("out_dim", [None, 5])
def test_roformer_attention(heads, head_size, use_bias, out_dim):
    from keras_hub.src.models.roformer_v2.roformer_v2_attention import RoformerAttention

    layer = RoformerAttention(heads=heads, head_size=head_size, use_bias=use_bias, out_dim=out_dim)
    assert_formula_matches_weights(_built(layer, (None, None, 7)))


@pytest.mark.parametrize("use_rotary", [False, True])
@pytest.mark.parametrize("use_bias", [False, True])
def test_esm_attention(use_rotary, use_bias):
    from keras_hub.src.models.esm.esm_attention import EsmSelfAttention

    layer = EsmSelfAttention(heads=2, head_size=4, use_bias=use_bias, use_rotary=use_rotary)
    assert_formula_matches_weights(_built(layer, (None, None, 8)))


@pytest.mark.parametrize("experts_count, hidden, inner", [(1, 4, 3), (3, 6, 5), (8, 2, 7)])
def test_qwen3_moe_and_gpt_oss_blocks(experts_count, hidden, inner):
    from keras_hub.src.models.gpt_oss.gpt_oss_decoder import GptOssSparseMoeBlock
    from keras_hub.src.models.qwen3_moe.qwen3_moe_decoder import Qwen3SparseMoeBlock

    for block in (
        Qwen3SparseMoeBlock(hidden, inner, experts_count, top_k=1, norm_top_k_prob=True),
        GptOssSparseMoeBlock(hidden, inner, experts_count, top_k=1),
    ):
        _built(block, (None, None, hidden))
        assert_formula_matches_weights(block)
        for sublayer in block._flatten_layers(include_self=False, recursive=False):
            assert_formula_matches_weights(sublayer)  # the bank and GPT-OSS's router on their own


@pytest.mark.parametrize(
    "path",
    [
        "gemma3.gemma3_layers.RMSNormalization",
        "gpt_oss.gpt_oss_layer_norm.GptOssLayerNormalization",
        "roformer_v2.roformer_v2_attention.RoformerNorm",
        "qwen3_moe.qwen3_moe_layernorm.Qwen3MoeLayerNorm",
    ],
)
@pytest.mark.parametrize("width", [3, 16])
def test_norms(path, width):
    from ascii_explain.layers.hub import resolve

    klass = resolve("keras_hub.src.models." + path)
    assert klass is not None
    assert_formula_matches_weights(_built(klass(), (None, None, width)))
    if path.startswith("qwen3_moe"):  # built with head_dim on a full-width input, as Qwen3MoeAttention does
        assert_formula_matches_weights(_built(klass(head_dim=width + 2), (None, None, 24)))


# --------------------------------------------------------------------------- mult-adds by hand


def test_attention_macs_by_hand():
    T, h, hq, hkv, d = 128, 16, 4, 2, 4
    grouped = T * h * hq * d + 2 * T * h * hkv * d + 2 * hq * T * T * d + T * hq * d * h
    gemma3 = {"num_query_heads": hq, "num_key_value_heads": hkv, "head_dim": d}
    assert evaluate(find_macs_of("gemma3.gemma3_attention.CachedGemma3Attention")(gemma3, (1, T, h), None)) == grouped
    assert evaluate(decoder_variants.gpt_oss_attention_macs({**gemma3, "head_dim": None}, (1, T, h), None)) == grouped
    smol = {"hidden_size": h, "num_attention_heads": hq, "num_key_value_heads": hkv}
    assert evaluate(decoder_variants.smollm3_attention_macs(smol, [(1, T, h)], None)) == grouped
    assert evaluate(decoder_variants.smollm3_attention_kv(smol, [(1, T, h)])) == 2 * T * hkv * d
    # RoFormer: H heads of head_size D, out_dim 10
    ro = {"heads": 2, "head_size": 3, "out_dim": 10}
    assert evaluate(roformer.roformer_attention_macs(ro, (1, T, h), None)) == (
        3 * T * h * 6 + 2 * 2 * T * T * 3 + T * 6 * 10
    )


def find_macs_of(path):
    from ascii_explain.layers.hub import resolve

    function = find_macs(resolve("keras_hub.src.models." + path))  # type: ignore[arg-type]
    assert function is not None
    return function


def test_top_k_block_and_bank_macs_by_hand():
    T, h, i, E, k = 8, 6, 5, 4, 2
    config = {"num_experts": E, "hidden_dim": h, "intermediate_dim": i, "top_k": k}
    assert evaluate(experts.top_k_block_macs(config, (1, T, h), None)) == T * h * E + k * T * 3 * h * i
    # the bank alone: every expert on the flattened tokens, as its call() computes
    assert evaluate(experts.fused_bank_macs(config, (T, h), None)) == E * T * h * 2 * i + E * T * i * h
    assert evaluate(experts.gpt_oss_router_macs(config, (T, h), None)) == T * h * E


def test_gpt_oss_block_reads_its_config_from_the_layer():
    from keras_hub.src.models.gpt_oss.gpt_oss_decoder import GptOssSparseMoeBlock

    block = _built(GptOssSparseMoeBlock(6, 5, 4, top_k=3), (None, None, 6))
    config = hub_config(block)
    assert evaluate(experts.top_k_block_macs(config, (1, 8, 6), None)) == 8 * 6 * 4 + 3 * 8 * 3 * 6 * 5
