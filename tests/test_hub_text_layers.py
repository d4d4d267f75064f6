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

import numpy as np
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


# --------------------------------------------------------------------------- more families


def _corpus_layers(name, class_name):
    from .test_hub_layers import all_layers, corpus_model

    return [layer for layer in all_layers(corpus_model(name)) if type(layer).__name__ == class_name]


def _own_weights(layer):
    inner = {id(w) for sub in layer._flatten_layers(include_self=False, recursive=True) for w in sub.weights}
    return [w for w in layer.weights if id(w) not in inner]


@pytest.mark.parametrize(
    "name, class_name, count",
    [
        ("rwkv7", "RWKV7TimeMix", 2),
        ("rwkv7", "RWKV7ChannelMix", 2),
        ("gemma4", "Gemma4TextDecoderBlock", 6),
        ("gemma3n", "Gemma3nTextAltUp", 2),
    ],
)
def test_own_weights_of_composites(name, class_name, count):
    """The weights a composite creates itself, one term each, of the weight's size and trainable flag."""
    from ascii_explain.layers import find_own_weights
    from ascii_explain.read.hub import hub_config

    from .test_hub_layers import build_shape

    layers = _corpus_layers(name, class_name)
    assert len(layers) == count
    for layer in layers:
        function = find_own_weights(type(layer))
        assert function is not None
        formula = function(hub_config(layer), build_shape(layer))
        own = {w.name: w for w in _own_weights(layer)}
        assert sorted(t.name for t in formula.terms) == sorted(own), (layer.name, sorted(own))
        for term in formula.terms:
            size = 1
            for dim in own[term.name].shape:
                size *= int(dim)
            assert evaluate(term.expression) == size, term.name
            assert term.trainable == own[term.name].trainable, term.name


@pytest.mark.parametrize("add_v_first", [False, True])
@pytest.mark.parametrize("ranks", [(4, 2, 3, 5), (8, 8, 8, 8)])
def test_rwkv7_time_mix_own_weights_varied(add_v_first, ranks):
    from keras_hub.src.models.rwkv7.rwkv7_layer import RWKV7TimeMix

    from ascii_explain.layers.hub import rwkv

    gate, mv, aaa, decay = ranks
    layer = RWKV7TimeMix(24, 8, gate, mv, aaa, decay, add_v_first=add_v_first)
    layer.build([None, None, 24])
    formula = rwkv.rwkv7_time_mix_own_weights(hub_config(layer), [None, None, 24])
    assert formula.value() == sum(int(np.prod(w.shape)) for w in _own_weights(layer))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"is_kv_shared_layer": True},
        {"attention_k_eq_v": True, "num_global_key_value_heads": 1},
        {"attention_k_eq_v": True, "use_sliding_window_attention": True},  # k_eq_v only on global layers
    ],
)
@pytest.mark.parametrize("kv, groups, head_dim", GRID[:4])
def test_gemma4_text_attention(options, kv, groups, head_dim):
    from keras_hub.src.models.gemma4.gemma4_attention import Gemma4TextAttention

    layer = Gemma4TextAttention(head_dim=head_dim * 2, num_query_heads=kv * groups, num_key_value_heads=kv, **options)
    assert_formula_matches_weights(_built(layer, (None, None, 6)))


@pytest.mark.parametrize("kv, groups, head_dim", GRID)
def test_qwen3_5_attention(kv, groups, head_dim):
    from keras_hub.src.models.qwen3_5.qwen3_5_attention import Qwen3_5Attention

    layer = Qwen3_5Attention(num_query_heads=kv * groups, num_key_value_heads=kv, head_dim=head_dim * 2)
    assert_formula_matches_weights(_built(layer, (None, None, 6)))


@pytest.mark.parametrize("heads", [(1, 1), (2, 4), (3, 3)])
@pytest.mark.parametrize("dims, kernel", [((2, 2), 2), ((4, 3), 4)])
def test_qwen3_5_gated_delta_net(heads, dims, kernel):
    from keras_hub.src.models.qwen3_5.qwen3_5_gated_delta_net import Qwen3_5GatedDeltaNet

    layer = Qwen3_5GatedDeltaNet(10, heads[0], heads[1], dims[0], dims[1], linear_conv_kernel_dim=kernel)
    assert_formula_matches_weights(_built(layer, (None, None, 10)))


@pytest.mark.parametrize("experts_count, inner, shared", [(1, 3, 2), (4, 5, 7)])
def test_qwen3_5_moe_block(experts_count, inner, shared):
    from keras_hub.src.models.qwen3_5_moe.qwen3_5_moe_decoder import Qwen3_5MoeSparseMoeBlock

    block = Qwen3_5MoeSparseMoeBlock(6, inner, shared, experts_count, top_k=1)
    assert_formula_matches_weights(_built(block, (None, None, 6)))
    T = 8
    assert evaluate(experts.qwen3_5_moe_block_macs(hub_config(block), (1, T, 6), None)) == (
        T * 6 * experts_count + 1 * T * 3 * 6 * inner + T * 3 * 6 * shared + T * 6
    )


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("widths", [(8, 8), (8, 12)])
def test_t5gemma_self_and_cross_attention(bias, widths):
    from keras_hub.src.models.t5gemma.t5gemma_attention import T5GemmaAttention

    from ascii_explain.layers.hub import t5gemma

    hidden, encoder = widths
    common = dict(hidden_size=hidden, num_attention_heads=4, num_key_value_heads=2, query_pre_attn_scalar=1.0,
                  attention_bias=bias, head_dim=3, initializer_range=0.02)  # fmt: skip
    self_attention = T5GemmaAttention(attention_type="self", **common)
    assert_formula_matches_weights(_built(self_attention, (None, None, hidden)))
    cross = T5GemmaAttention(attention_type="cross", cross_attention_hidden_size=encoder, **common)
    shapes = [(None, None, hidden), (None, None, encoder)]
    assert_formula_matches_weights(_built(cross, shapes))
    Tq, Tk = 5, 7
    macs = t5gemma.t5gemma_attention_macs(hub_config(cross), [(1, Tq, hidden), (1, Tk, encoder)], None)
    assert evaluate(macs) == Tq * hidden * 4 * 3 + 2 * Tk * encoder * 2 * 3 + 2 * 4 * Tq * Tk * 3 + Tq * 4 * 3 * hidden


def test_t5gemma2_merged_attention_macs_need_the_encoder_length():
    from ascii_explain.layers import UnknownDimensionError
    from ascii_explain.layers.hub import t5gemma

    config = {"num_query_heads": 4, "num_key_value_heads": 2, "head_dim": 4}
    with pytest.raises(UnknownDimensionError):
        t5gemma.t5gemma2_merged_attention_macs(config, (1, 5, 16), None)
    shapes = {"inputs": (1, 5, 16), "encoder_hidden_states": (1, 7, 16)}
    assert evaluate(t5gemma.t5gemma2_merged_attention_macs(config, (1, 5, 16), None, call_shapes=shapes)) == (
        5 * 16 * 4 * 4 + 2 * 12 * 16 * 2 * 4 + 2 * 4 * 5 * 12 * 4 + 5 * 4 * 4 * 16
    )


@pytest.mark.parametrize("hidden, heads", [(8, 2), (12, 3)])
def test_pali_gemma_vit_attention(hidden, heads):
    from keras_hub.src.models.pali_gemma.pali_gemma_vit import PaliGemmaVitAttention

    from ascii_explain.layers import UnknownDimensionError
    from ascii_explain.layers.hub import t5gemma

    layer = _built(PaliGemmaVitAttention(hidden, heads), (None, None, hidden))
    assert_formula_matches_weights(layer)
    T = 16
    assert evaluate(t5gemma.pali_gemma_vit_attention_macs(hub_config(layer), (1, T, hidden), None)) == (
        4 * T * hidden * hidden + 2 * heads * T * T * (hidden // heads)
    )
    with pytest.raises(UnknownDimensionError):  # its encoder block builds it with no shape at all
        t5gemma.pali_gemma_vit_attention_macs(hub_config(layer), None, None)


@pytest.mark.parametrize("head_dim, factor", [(8, 0.62), (16, 0.5), (6, 1.0)])
def test_moonshine_rotary_frequencies(head_dim, factor):
    from keras_hub.src.models.moonshine.moonshine_layers import MoonshineRotaryEmbedding

    layer = MoonshineRotaryEmbedding(head_dim=head_dim, partial_rotary_factor=factor)
    assert_formula_matches_weights(_built(layer, (None,)))


@pytest.mark.parametrize("width", [3, 16])
def test_edrec_and_gemma4_norms(width):
    from keras_hub.src.models.edrec.edrec_layers import EdRecRMSNormalization
    from keras_hub.src.models.gemma4.gemma4_layers import RMSNormalization

    for klass in (EdRecRMSNormalization, RMSNormalization):
        assert_formula_matches_weights(_built(klass(), (None, None, width)))


# --------------------------------------------------------------------------- through explain()

# Explained with no fallback row and Keras's totals, and mult-adds known everywhere: the blocks whose call
# computes more than their sublayers (RWKV7TimeMix, Gemma3n's decoder block calling AltUp's predict/correct)
# add their own traced products (build/costs.py own_macs).
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_gemma3n_mult_adds_known_and_equal_to_tf_graph():
    """Gemma3n at T=8: every row known; the total is TF's graph, plus the Laurel blocks' right projections.

    ``linear_right`` is a Dense on one feature (laurel rank 1): ``T*1*C`` = 64 per block by the Dense
    formula, where the graph helper skips every contracted-size-1 MatMul as an outer product.
    AltUp's own products run in the block's call: the second modality-router call (128) and
    predict's ``(T, C, n) x (T, n, n)`` coefficients (8*8*2*2 = 256), 384 per block.
    """
    import tensorflow as tf

    from ascii_explain import explain

    from .test_hub_layers import corpus_model, graph_contraction_macs

    model = corpus_model("gemma3n")
    e = explain(model, input_shape=(1, 8), expand_nested=True)  # one (1, T) for every input
    assert e.totals_match and not e.mismatches and not e.internal_errors
    assert not e.fallbacks, [(r.name, r.class_name, r.fallback_parts) for r in e.fallbacks]
    assert not e.macs_unknown, [(r.name, r.macs_note) for r in e.macs_unknown]
    blocks = [r for r in e.layers if r.class_name == "Gemma3nTextDecoderBlock"]
    assert {r.name for r in blocks} == {"decoder_block_0", "decoder_block_1"}
    assert all(("(own call)", "384") in r.macs_parts for r in blocks)
    specs = {t.name: tf.TensorSpec((1, 8), t.dtype) for t in model.inputs}
    assert e.total_macs == graph_contraction_macs(lambda inputs: model(inputs), specs) + 2 * 8 * 1 * 8
    for record in e.layers:
        assert evaluate(record.formula) == record.params, (record.name, record.formula)


@pytest.mark.parametrize("kv, groups, head_dim", GRID)
@pytest.mark.parametrize("bias", [False, True])
def test_gemma3n_attention(kv, groups, head_dim, bias):
    from keras_hub.src.models.gemma3n.gemma3n_attention import Gemma3nTextAttention

    layer = Gemma3nTextAttention(
        hidden_size=6, num_attention_heads=kv * groups, num_key_value_heads=kv, head_dim=head_dim + 1,
        attention_dropout=0.0, attention_bias=bias, rms_norm_eps=1e-6,
    )  # fmt: skip
    assert_formula_matches_weights(_built(layer, (None, None, 6)))
    T, q, d = 8, kv * groups, head_dim + 1
    macs = find_macs_of("gemma3n.gemma3n_attention.Gemma3nTextAttention")(hub_config(layer), (1, T, 6), None)
    assert evaluate(macs) == (
        T * 6 * q * d + 2 * T * 6 * kv * d + 2 * q * T * T * d + T * q * d * 6
    )


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_rwkv7_time_shift_and_channel_mix_rows():
    """TimeShift (no weight, 0 MACs) and the channel mix's Dense pair at T=8: key 16->32 and value 32->16."""
    from ascii_explain import explain

    from .test_hub_layers import corpus_model

    model = corpus_model("rwkv7")
    layers = [layer for layer in model._flatten_layers(include_self=False) if type(layer).__name__ == "TimeShift"]
    assert len(layers) == 4 and not any(layer.built for layer in layers)
    e = explain(model, input_shape=(1, 8), expand_nested=True)
    shifts = [r for r in e.layers if r.class_name == "TimeShift"]
    # keras-hub builds TimeShift only in a real call: explain's traced forward builds it and its facts are
    # read before the model is put back as it was (issue 20, read/untouched.py): rows with shapes, not unbuilt
    assert len(shifts) == 4 and all(r.state != "unbuilt" and r.params == 0 for r in shifts)
    assert all(r.output_shape == (1, 8, 16) and r.macs == 0 for r in shifts)
    assert not any(layer.built for layer in layers)  # unbuilt again afterwards, as Keras left them
    mixes = [r for r in e.layers if r.class_name == "RWKV7ChannelMix"]
    assert [r.macs for r in mixes] == [8 * 16 * 32 + 8 * 32 * 16] * 2


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("T", [5, 8])
def test_xlnet_two_stream_attention_macs_known_and_equal_to_tf_graph(T):
    """TwoStreamRelativeAttention: MultiHeadAttention's function would misread it (registry parts_and_own_call).

    Its four EinsumDense projections plus its own call's content, position and segment products, traced.
    """
    import tensorflow as tf

    from ascii_explain import explain

    from .test_hub_layers import corpus_model, graph_contraction_macs

    model = corpus_model("xlnet")
    e = explain(model, input_shape={t.name: (1, T) for t in model.inputs}, expand_nested=True)
    assert not e.macs_unknown, [(r.name, r.macs_note) for r in e.macs_unknown]
    attention = [r for r in e.layers if r.class_name == "TwoStreamRelativeAttention"]
    # more than its query/key/value/output projections (T*16*16 each): its own products are counted
    assert attention and all(r.macs > 4 * T * 16 * 16 for r in attention)
    specs = {t.name: tf.TensorSpec((1, T), t.dtype) for t in model.inputs}
    assert e.total_macs == graph_contraction_macs(lambda inputs: model(inputs), specs)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("T", [3, 8])
def test_rwkv7_time_mix_macs_by_hand_and_equal_to_tf_graph(T):
    """RWKV7TimeMix: its four Dense sublayers plus its own call's products, traced (build/costs.py own_macs).

    Own: the low-rank decay, in-context rate and gate pairs ``T*(C*r + r*C)`` each (the value pair too
    with ``add_v_first``, every layer but the first), and per token the delta rule's ``state @ a`` and
    ``state @ r`` (``H*N*N`` each; ``@ b`` and ``v @ k`` are outer products: nothing summed, 0).
    """
    import tensorflow as tf

    from ascii_explain import explain

    from .test_hub_layers import corpus_model, graph_contraction_macs

    model = corpus_model("rwkv7")
    e = explain(model, input_shape=(1, T))
    C, H, N, lora = 16, 2, 8, 4
    dense = 4 * T * C * C
    own = 3 * T * 2 * C * lora + T * 2 * H * N * N
    mixes = [r.macs for r in explain(model, input_shape=(1, T), expand_nested=True).layers
             if r.class_name == "RWKV7TimeMix"]  # fmt: skip
    assert mixes == [dense + own, dense + own + T * 2 * C * lora]
    assert not e.macs_unknown
    specs = {key: tf.TensorSpec((1, T), model._inputs_struct[key].dtype) for key in model._inputs_struct}
    assert e.total_macs == graph_contraction_macs(lambda inputs: model(inputs), specs)


@pytest.mark.filterwarnings("ignore::UserWarning")
# SmolLM3's attention and block take the cache through **kwargs: read/hub.py reads it from their source.
@pytest.mark.parametrize("name", ["gemma3", "qwen3_moe", "gpt_oss", "gemma4", "qwen3_5", "smollm3"])
def test_kv_cache_of_the_new_decoders(name):
    """``2 x attention layers x T x kv-heads x head_dim x 4 bytes``: 2 kv heads of 4 (Qwen3.5: 8) in every corpus model.

    Gemma4's six layers all attend; Qwen3.5's one full-attention layer of four caches keys (delta nets keep a state).
    """
    from ascii_explain import explain

    from .test_hub_layers import corpus_model

    layers, head_dim = {"gemma4": (6, 4), "qwen3_5": (1, 8)}.get(name, (2, 4))
    T = 16
    e = explain(corpus_model(name), input_shape=(1, T))
    assert e.kv_cache_bytes == 2 * layers * T * 2 * head_dim * 4


def test_gated_delta_net_macs_pad_to_whole_chunks():
    """keras-hub pads the sequence to chunks of 64: T=8 and T=64 cost one chunk, T=65 two (by hand)."""
    from ascii_explain.layers.hub import qwen3_5

    config = {"key_dim": 8, "value_dim": 16, "num_v_heads": 4, "conv_kernel_size": 4, "head_k_dim": 2, "head_v_dim": 4}
    L, H, dk, dv, h = 64, 4, 2, 4, 16
    solve = sum(i * i for i in range(1, L))
    per_chunk = H * (L * L * dk + solve + L * L * dv + L * L * dk) + H * (L * L * dk + 3 * L * dk * dv + L * L * dv)

    def expected(T):
        projections = T * h * (2 * 8 + 16) + T * h * 16 + 2 * T * h * 4 + (2 * 8 + 16) * T * 4 + T * 16 * h
        return projections + -(-T // L) * per_chunk

    for T in (8, 64, 65):
        assert evaluate(qwen3_5.gated_delta_net_macs(config, (1, T, h), None)) == expected(T)


def test_gemma4_block_macs_follow_its_attention_and_ffn():
    """Gemma4TextDecoderBlock counts its FFN matmuls itself; a shared layer has no key/value projections."""
    from ascii_explain.layers.hub import gemma4

    T, h, F, q, kv, d = 8, 16, 32, 4, 2, 4
    config = {"num_query_heads": q, "num_key_value_heads": kv, "head_dim": d, "intermediate_dim": F,
              "actual_intermediate_dim": F}  # fmt: skip
    attention = T * h * q * d + 2 * T * h * kv * d + 2 * q * T * T * d + T * q * d * h
    assert evaluate(gemma4.gemma4_decoder_block_macs(config, (1, T, h), None)) == attention + 3 * T * h * F
    shared = {**config, "is_kv_shared_layer": True, "hidden_size_per_layer_input": 2}
    assert evaluate(gemma4.gemma4_decoder_block_macs(shared, (1, T, h), None)) == (
        attention - 2 * T * h * kv * d + 3 * T * h * F + 2 * T * h * 2
    )
