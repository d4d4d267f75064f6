"""Transformers explained to the last weight (issue 14): keras-hub backbones through ``explain()``.

Over the keras-hub corpus at tiny configs (tests/hub_corpus.py):

- no row falls back to weight shapes (wholly or in part) for a keras-hub or Keras class, and the totals equal Keras's;
- with ``input_shape``, no row's mult-adds are unknown;
- the mult-adds equal an independent count, the contractions in TensorFlow's graph of the forward
  pass (tests/test_hub_layers.graph_contraction_macs), for Llama (grouped-query), Gemma, GPT-2 and
  Mixtral (top-k, by hand from the dense graph count) at 128 tokens;
- ``kv_cache_bytes`` is ``2 x layers x sequence x kv-heads x head-dim x dtype bytes``;
- the model is not changed by ``input_shape`` (weights, built flags, graph nodes).
"""

from __future__ import annotations

import functools
import re
import warnings

import keras
import numpy as np
import pytest

keras_hub = pytest.importorskip("keras_hub")

from ascii_explain import explain  # noqa: E402
from ascii_explain.arithmetic import evaluate  # noqa: E402
from ascii_explain.read.input_shapes import InputShapeError  # noqa: E402

from . import hub_corpus, hub_vision_corpus  # noqa: E402
from .test_hub_layers import graph_contraction_macs  # noqa: E402

SEQUENCE = 8
IMAGE = (1, 16, 16, 3)

# name -> input_shape at a concrete length: text backbones take one (1, T) for every input.
ARCHITECTURES = {
    "bert": (1, SEQUENCE),
    "roberta": (1, SEQUENCE),
    "distil_bert": (1, SEQUENCE),
    "albert": (1, SEQUENCE),
    "electra": (1, SEQUENCE),
    "deberta_v3": (1, SEQUENCE),
    "f_net": (1, SEQUENCE),
    "gpt2": (1, SEQUENCE),
    "gpt_neox": (1, SEQUENCE),
    "opt": (1, SEQUENCE),
    "bloom": (1, SEQUENCE),
    "falcon": (1, SEQUENCE),
    "llama": (1, SEQUENCE),
    "llama3": (1, SEQUENCE),
    "mistral": (1, SEQUENCE),
    "mixtral": (1, SEQUENCE),
    "gemma": (1, SEQUENCE),
    "qwen": (1, SEQUENCE),
    "qwen3": (1, SEQUENCE),
    "qwen_moe": (1, SEQUENCE),
    "phi3": (1, SEQUENCE),
    "t5": (1, SEQUENCE),
    "bart": (1, SEQUENCE),
    "whisper": {"encoder_features": (1, 16, 8), "decoder_token_ids": (1, 5), "decoder_padding_mask": (1, 5)},
    "vit": IMAGE,
    "deit": IMAGE,
    "dinov2": IMAGE,
    # keras-hub 0.32's text families (issue 21)
    **{
        name: (1, SEQUENCE)
        for name in hub_corpus.TEXT_FAMILIES
    },  # fmt: skip
    **hub_corpus.MULTI_INPUT_SHAPES,
    "gpt2_causal_lm": (1, SEQUENCE),
    "gemma3_causal_lm": (1, SEQUENCE),
    "qwen3_moe_causal_lm": (1, SEQUENCE),
    "gpt_oss_causal_lm": (1, SEQUENCE),
    "llama_causal_lm": (1, SEQUENCE),
    "bert_classifier": (1, SEQUENCE),
    "vit_classifier": IMAGE,
    # issue 21's vision backbones whose mult-adds are all known (tests/hub_vision_corpus.py says why the rest are not)
    **{name: hub_vision_corpus.VISION_INPUT_SHAPES[name] for name in hub_vision_corpus.MACS_KNOWN},
}


@functools.cache
def corpus_model(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hub_corpus.HUB_MODELS[name]()


@functools.cache
def explained(name, expand=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return explain(corpus_model(name), input_shape=ARCHITECTURES[name], expand_nested=expand)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_no_fallback_no_unknown_macs_and_keras_totals(name):
    e = explained(name)
    assert e.totals_match, (e.total_params, e.keras_total_params)
    assert not e.mismatches, [(r.name, r.params, r.keras_params) for r in e.mismatches]
    assert not e.fallbacks, [(r.name, r.class_name, r.fallback_parts) for r in e.fallbacks]
    assert not e.macs_unknown, [(r.name, r.macs_note) for r in e.macs_unknown]
    assert e.total_macs > 0
    for record in e.layers:  # every printed expression evaluates to the printed number
        assert evaluate(record.formula) == record.params, (record.name, record.formula)
        if record.macs is not None:
            assert evaluate(record.macs_formula or "0") == record.macs, (record.name, record.macs_formula)


@pytest.mark.parametrize("name", ["llama", "gpt2", "vit", "mixtral", "t5"])
def test_expanded_rows_agree_and_sum_to_their_composite(name):
    e = explained(name, expand=True)
    assert e.totals_match and not e.mismatches and not e.fallbacks
    for index, record in enumerate(e.layers):
        inner = [r for r in e.layers[index + 1 :] if r.parent.endswith(record.name) and r.depth == record.depth + 1]
        if inner and record.depth == 0 and any(term.detail for term in record.term_list):
            assert record.params == sum(r.params for r in inner), record.name
            assert record.macs == sum(r.macs * max(r.calls, 1) for r in inner if r.macs), record.name


def test_thirteen_or_more_architectures():
    families = {name.split("_causal_lm")[0].split("_classifier")[0] for name in ARCHITECTURES}
    assert len(families) >= 12


# ------------------------------------------------------------------ the collapsed composite row


def test_decoder_block_row_names_its_parts():
    block = explained("llama").layer("transformer_layer_0")
    terms = {term.name: term for term in block.term_list}
    assert list(terms) == ["self_attention", "norms", "feedforward"]
    h, hq, hkv, d, inner = 16, 4, 2, 4, 32
    assert terms["self_attention"].count == h * hq * d + 2 * h * hkv * d + hq * d * h
    assert (
        terms["self_attention"].detail
        == f"query {h}*{hq}*{d} + key {h}*{hkv}*{d} + value {h}*{hkv}*{d} + attention_output {hq}*{d}*{h}"
    )
    assert terms["feedforward"].count == 3 * h * inner
    assert terms["norms"].count == 2 * h
    assert block.source == "formula" and not block.fallback_parts
    text = explained("llama").render(width=160)
    assert re.search(r"self_attention 768 \(query 16\*4\*4 \+ key 16\*2\*4 \+ value 16\*2\*4 \+", text)
    assert terms["feedforward"].detail == "intermediate_dense 16*32 + gate_dense 16*32 + output_dense 32*16"


def test_a_custom_sublayer_without_formula_is_the_only_marked_part():
    class Scale(keras.layers.Layer):  # no formula registered, and a size nothing names: counted from its shape
        def build(self, shape):
            self.gamma = self.add_weight(shape=(shape[-1] + 3,), name="gamma")

        def call(self, x):
            return x * keras.ops.mean(self.gamma)

    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(8, name="dense")
            self.scale = Scale(name="scale")
            self.bias = None

        def build(self, shape):
            self.dense.build(shape)
            self.scale.build((*shape[:-1], 8))
            self.bias = self.add_weight(shape=(13,), name="own_bias")  # 13: no config value or shape

        def call(self, x):
            return self.scale(self.dense(x)) + keras.ops.mean(self.bias)

    inputs = keras.Input((5, 4))
    model = keras.Model(inputs, Block(name="block")(inputs))
    e = explain(model)
    record = e.layer("block")
    assert record.source == "formula"
    assert record.fallback_parts == ("scale", "own_bias")
    assert {t.name: t.count for t in record.term_list} == {"dense": 4 * 8 + 8, "scale": 8 + 3, "own_bias": 13}
    assert record.params == model.count_params()
    assert record.macs == 5 * 4 * 8  # the Dense; scale's traced call multiplies element-wise only
    assert e.fallbacks == [record]
    assert "only scale, own_bias" in e.render(width=120)


# ------------------------------------------------------------------ input_shape


def test_input_shape_leaves_the_model_unchanged():
    model = corpus_model("gpt2")
    layers = list(model._flatten_layers(include_self=True, recursive=True))
    before: dict = {
        "weights": [keras.ops.convert_to_numpy(w) for w in model.weights],
        "built": [layer.built for layer in layers],
        "nodes": [len(layer._inbound_nodes) for layer in layers],
        "build_configs": [layer.get_build_config() for layer in layers if not isinstance(layer, keras.Model)],
        "count": len(layers),
        "shapes": [tuple(tensor.shape) for tensor in model.inputs],
    }
    e = explain(model, input_shape=(1, 12))
    assert e.input_shapes == [(1, 12), (1, 12)]
    layers_after = list(model._flatten_layers(include_self=True, recursive=True))
    assert len(layers_after) == before["count"]
    assert all(
        np.array_equal(a, keras.ops.convert_to_numpy(b)) for a, b in zip(before["weights"], model.weights, strict=True)
    )
    assert [layer.built for layer in layers_after] == before["built"]
    assert [len(layer._inbound_nodes) for layer in layers_after] == before["nodes"]
    assert [layer.get_build_config() for layer in layers_after if not isinstance(layer, keras.Model)] == before[
        "build_configs"
    ]
    assert [tuple(tensor.shape) for tensor in model.inputs] == before["shapes"]
    assert all("call" not in vars(layer) for layer in layers_after)


def test_input_shape_forms_agree():
    model = corpus_model("llama")
    one = explain(model, input_shape=(1, 8))
    by_name = explain(model, input_shape={"token_ids": (1, 8), "padding_mask": (1, 8)})
    as_list = explain(model, input_shape=[(1, 8), (1, 8)])
    assert one.total_macs == by_name.total_macs == as_list.total_macs > 0
    assert explain(model).macs_unknown  # without it the sequence axis is None


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ((1, 8, 3), r"\(rank 3\) does not fit"),
        ({"tokens": (1, 8)}, r"not inputs of"),
        ({"token_ids": (1, 8)}, r"no shape for the input"),
        ((0, 8), r"positive size"),
        ((1, None), r"positive size"),
        ([(1, 8)], r"1 shapes for the 2 inputs"),
        ("1,8", r"must be a shape"),
    ],
)
def test_bad_input_shape_is_one_clear_line(given, message):
    with pytest.raises(InputShapeError, match=message) as raised:
        explain(corpus_model("llama"), input_shape=given)
    assert "\n" not in str(raised.value)


def test_input_shape_must_match_a_fixed_axis():
    with pytest.raises(InputShapeError, match=r"where the model fixes 16"):
        explain(corpus_model("vit"), input_shape=(1, 32, 16, 3))


def test_batch_size_follows_the_input_shape():
    e = explain(corpus_model("llama"), input_shape=(3, 8))
    one = explain(corpus_model("llama"), input_shape=(1, 8))
    assert e.batch_size == 3 and e.total_macs == one.total_macs  # mult-adds stay per sample
    assert one.kv_cache_bytes is not None and e.kv_cache_bytes == 3 * one.kv_cache_bytes


# ------------------------------------------------------------------ mult-adds against an independent count


def _graph_macs(model, length):
    import tensorflow as tf

    specs = {key: tf.TensorSpec((1, length), model._inputs_struct[key].dtype) for key in model._inputs_struct}
    return graph_contraction_macs(lambda inputs: model(inputs), specs)


def _llm(name, **extra):
    config = dict(hub_corpus._TEXT, **extra)
    return {
        "llama": lambda: keras_hub.models.LlamaBackbone(**config, num_query_heads=4, num_key_value_heads=2),
        "gemma": lambda: keras_hub.models.GemmaBackbone(**config, num_query_heads=4, num_key_value_heads=2, head_dim=4),
        "gpt2": lambda: keras_hub.models.GPT2Backbone(**config, num_heads=2, max_sequence_length=128),
    }[name]()


@pytest.mark.parametrize("name", ["llama", "gemma", "gpt2"])
def test_macs_at_128_equal_the_tf_graph(name):
    model = _llm(name)
    e = explain(model, input_shape=(1, 128))
    assert not e.macs_unknown
    assert e.total_macs == _graph_macs(model, 128)


def test_mixtral_macs_at_128_are_top_k_of_the_dense_graph():
    """keras-hub runs every expert and zeroes the unrouted ones; we count the top-k a sparse run computes.

    Per block, the graph has ``E*T*3*h*i`` expert products where top-k has ``k*T*3*h*i``.
    """
    model = corpus_model("mixtral")
    T, h, i, E, k, layers = 128, 16, 32, 4, 2, 2
    e = explain(model, input_shape=(1, T))
    assert not e.macs_unknown
    assert e.total_macs == _graph_macs(model, T) - layers * (E - k) * T * 3 * h * i


# ------------------------------------------------------------------ key/value cache


@pytest.mark.parametrize(
    ("name", "layers", "kv_heads", "head_dim"),
    [("llama", 2, 2, 4), ("gemma", 2, 2, 4), ("mixtral", 2, 2, 4), ("qwen3", 2, 2, 4), ("gpt2", 2, 2, 8)],
)
def test_kv_cache_bytes(name, layers, kv_heads, head_dim):
    T = 24 if name != "gpt2" else 16
    model = corpus_model(name)
    e = explain(model, input_shape=(1, T))
    dtype_bytes = 4  # float32 variables
    assert e.kv_cache_bytes == 2 * layers * T * kv_heads * head_dim * dtype_bytes
    assert e.to_dict()["costs"]["kv_cache_bytes"] == e.kv_cache_bytes
    assert "Key/value cache: " in e.render(width=200)


def test_kv_cache_counts_decoders_only():
    assert explained("bert").kv_cache_bytes is None  # an encoder keeps no cache
    assert explained("vit").kv_cache_bytes is None
    # Whisper: the encoder's attention is the cached class too, but only the decoder keeps keys and values:
    # self-attention over the 5 decoder tokens and cross-attention over the 8 encoder frames, 2 heads of 8.
    whisper = explained("whisper")
    assert whisper.kv_cache_bytes == 2 * (2 * 5 * 2 * 8 + 2 * 8 * 2 * 8) * 4
    no_shape = explain(corpus_model("llama"))
    assert no_shape.kv_cache_bytes is None and no_shape.kv_cache_layers
    # issue 24: without input_shape the cache is a polynomial in the sequence length (tests/test_sequence_length.py)
    assert "Key/value cache: 128*T bytes per sample at sequence length T" in no_shape.render(width=200)


# ------------------------------------------------------------------ readability


def _deep_llama(layers):
    return keras_hub.models.LlamaBackbone(
        vocabulary_size=50,
        num_layers=layers,
        hidden_dim=16,
        intermediate_dim=32,
        num_query_heads=4,
        num_key_value_heads=2,
    )


def test_identical_blocks_are_drawn_once_with_a_count():
    e = explain(_deep_llama(12), input_shape=(1, 16))
    text = e.render(width=140)
    row = next(line for line in text.splitlines() if "LlamaTransformerDec" in line)
    assert re.search(r"12 × 2,336 +94\.5%  transformer_layer_0 … transformer_layer_11$", row), row
    assert text.count("LlamaTransformerDec") == 1
    assert "12 identical blocks (class, config apart from the name, shapes)" in text
    # the next layer reads the last block; totals are the whole model's
    assert "sequence_output_layernorm" in text and f"Total params: {e.keras_total_params:,}" in text
    expanded = e.render(width=140, expand_repeats=True)
    assert expanded.count("LlamaTransformerDec") == 12 and "identical blocks" not in expanded
    assert explain(_deep_llama(3), input_shape=(1, 16), expand_repeats=True).render().count("LlamaTransf") == 3
    # narrower: the run's name keeps both ends whole, the last name shortened to its number
    assert "transformer_layer_0 … 11" in e.render(width=100)
    assert "transformer_layer_0...11" in e.render(width=100, ascii_only=True)


def test_blocks_that_differ_are_not_merged():
    class Block(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.first_dense = keras.layers.Dense(units)
            self.second_dense = keras.layers.Dense(8)
            self.norm = keras.layers.LayerNormalization()

        def build(self, shape):
            self.first_dense.build(shape)
            self.second_dense.build((*shape[:-1], self.units))
            self.norm.build((*shape[:-1], 8))

        def call(self, x):
            return self.norm(self.second_dense(self.first_dense(x)))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    inputs = keras.Input((8,))
    x = Block(4, name="a")(inputs)
    x = Block(4, name="b")(x)
    x = Block(6, name="c")(x)  # another width: a different block
    model = keras.Model(inputs, Block(6, name="d")(x))
    text = explain(model).render(width=120)
    assert "2 × " in text and text.count("2 identical blocks") == 2
    assert "a … b" in text and "c … d" in text


def test_long_names_take_the_headers_padding_before_being_cut():
    inputs = keras.Input((4,))
    name = "a_rather_long_layer_name_that_needs_room_x"
    model = keras.Model(inputs, keras.layers.Dense(3, name=name)(inputs))
    text = explain(model).render(width=100)
    assert name in text and "~" not in text
    assert text.splitlines()[0].split() == ["OP", "DIMS", "NEURONS", "PARAMS", "%", "LAYER"]  # the short headers
    short = keras.Model(inputs, keras.layers.Dense(3, name="short")(inputs))
    assert "WEIGHTS(N)" in explain(short).render(width=100)  # no long name: the full headers


# ------------------------------------------------------------------ the golden tiny Llama


def tiny_llama():
    """The README's Llama: 2 decoder blocks, hidden 16, 4 query heads and 2 key/value heads of 4, FFN 32."""
    keras.backend.clear_session()
    return keras_hub.models.LlamaBackbone(
        vocabulary_size=50,
        num_layers=2,
        hidden_dim=16,
        intermediate_dim=32,
        num_query_heads=4,
        num_key_value_heads=2,
        name="tiny_llama",
    )


def test_tiny_llama_golden(golden):
    model = tiny_llama()
    e = explain(model, input_shape=(1, 16))
    text = e.render(width=100)
    golden("llama_tiny_t16_w100.txt", text)
    expanded = explain(model, input_shape=(1, 16), expand_nested=True).render(width=100)
    golden("llama_tiny_t16_expanded_w100.txt", expanded)
    T, h, hq, hkv, d, inner, vocab = 16, 16, 4, 2, 4, 32, 50
    attention = T * h * hq * d + 2 * T * h * hkv * d + 2 * hq * T * T * d + T * hq * d * h
    block = attention + 3 * T * h * inner
    assert e.total_macs == 2 * block  # the embedding lookup and the norms: 0
    assert (
        e.total_params
        == model.count_params()
        == 2 * vocab * h + 2 * (h * hq * d + 2 * h * hkv * d + hq * d * h + 3 * h * inner + 2 * h) + h
    )
    assert e.kv_cache_bytes == 2 * 2 * T * hkv * d * 4
    assert f"Mult-adds: {2 * block:,} per sample" in text
    assert f"2 × {block and e.layer('transformer_layer_0').params:,}" in text
    # every expression printed evaluates to the number after it
    for line in (text + expanded).splitlines():
        for expression, value in re.findall(r"(?:params|macs)\s+[^=]*?([\d*+() ]+) = ([\d,]+)$", line):
            if expression.strip() and re.fullmatch(r"[\d*+() ]+", expression.strip()):
                # named terms ("embeddings 50*16 + reverse_embeddings 16*50 = 1600"): the whole sum, names dropped
                whole = line.split(" = ")[-2].split("params", 1)[-1].split("macs", 1)[-1]
                if re.search(r"[A-Za-z]", whole):
                    expression = re.sub(r"[A-Za-z_][\w/]*", "", whole)
                assert evaluate(expression.strip()) == int(value.replace(",", "")), line
