"""keras-hub's layers (ascii_explain.hub_layers): formulas against Keras's weights, mult-adds against TF's graph.

Parameters: every layer of the tiny corpus (tests/hub_corpus.py) whose class
has a hub formula — sublayers of blocks included — must give count_params(),
with one term per weight, named by the weight's path below the layer and of
the weight's size and trainable flag. Varied configurations (hypothesis) cover
the options the corpus does not use.

Mult-adds: an independent count, the contractions (MatMul, BatchMatMul,
Einsum with a summed index, Conv2D) of TensorFlow's graph of the forward pass at a concrete
sequence length, equals the sum of our per-layer functions over the model at
that length (a layer with its own MACs function counts whole; any other sums
its sublayers), with per-layer shapes from ascii_explain.call_shapes.
"""

from __future__ import annotations

import functools
import os
import re
import warnings

import keras
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

keras_hub = pytest.importorskip("keras_hub")

from ascii_explain.arithmetic import evaluate  # noqa: E402
from ascii_explain.layers import UnknownDimensionError, find_formula, find_macs, find_own_weights  # noqa: E402
from ascii_explain.layers import hub as H  # noqa: E402
from ascii_explain.layers.formula import wants_call_shapes  # noqa: E402
from ascii_explain.layers.hub import attention as hub_attention  # noqa: E402
from ascii_explain.layers.hub import moe as hub_moe  # noqa: E402
from ascii_explain.layers.hub import norms as hub_norms  # noqa: E402
from ascii_explain.read.call_shapes import concrete_call_shapes  # noqa: E402
from ascii_explain.read.hub import hub_config  # noqa: E402

from . import hub_corpus, hub_vision_corpus  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REGISTERED = H.register()


def _table(kind):
    """Every registered hub table of ``kind`` merged (hub/__init__.py's and the family tables it registers)."""
    merged: dict[str, object] = {}
    for table_kind, table in H.TABLES:
        if table_kind == kind:
            merged.update(table)
    return merged


FORMULA_PATHS, MACS_PATHS = _table("formula"), _table("macs")
HUB_FORMULAS = set(FORMULA_PATHS.values())
SEQUENCE = 8


@functools.cache
def corpus_model(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hub_corpus.HUB_MODELS[name]()


def all_layers(model):
    return list(model._flatten_layers(include_self=False, recursive=True))


def build_shape(layer):
    config = layer.get_build_config() or {}
    if "shapes_dict" in config:
        return dict(config["shapes_dict"])
    return config.get("input_shape")


def apply_formula(layer, function=None):
    function = function or find_formula(type(layer))
    config = hub_config(layer)
    if "sublayers" in function.__code__.co_varnames[: function.__code__.co_argcount]:
        subs = {sub.name: hub_config(sub) for sub in layer._flatten_layers(include_self=False, recursive=False)}
        return function(config, build_shape(layer), sublayers=subs)
    return function(config, build_shape(layer))


def assert_formula_matches_weights(layer):
    """The formula's value is count_params(); its terms are the weights, one to one, by path suffix."""
    formula = apply_formula(layer)
    assert evaluate(formula.expression) == sum(evaluate(term.expression) for term in formula.terms)
    assert formula.value() == layer.count_params(), (type(layer).__name__, layer.name, formula.expression)
    weights = {id(w): w for w in layer.weights}.values()
    unmatched = list(weights)
    for term in formula.terms:
        matches = [w for w in unmatched if w.path == term.name or w.path.endswith("/" + term.name)]
        assert len(matches) == 1, (type(layer).__name__, term.name, [w.path for w in unmatched])
        (weight,) = matches
        size = 1
        for dim in weight.shape:
            size *= int(dim)
        assert evaluate(term.expression) == size, (term.name, term.expression, weight.shape)
        if layer.trainable:  # a frozen layer (Whisper's sinusoidal positions) reports none trainable
            assert term.trainable == bool(weight.trainable), term.name
        unmatched = [w for w in unmatched if w is not weight]  # by identity: a variable's == is element-wise
    assert not unmatched, [w.path for w in unmatched]


def assert_own_weights_match(layer, function):
    """A composite's own-weights formula: one term per weight it creates itself, of that weight's size and flag."""
    inner = {id(w) for sub in layer._flatten_layers(include_self=False, recursive=True) for w in sub.weights}
    own = {w.name: w for w in layer.weights if id(w) not in inner}
    formula = function(hub_config(layer), build_shape(layer))
    assert sorted(term.name for term in formula.terms) == sorted(own), (layer.name, sorted(own))
    for term in formula.terms:
        assert evaluate(term.expression) == int(keras.ops.size(own[term.name])), (layer.name, term.name)
        assert term.trainable == bool(own[term.name].trainable), (layer.name, term.name)


# --------------------------------------------------------------------------- registration


PARTS_AND_OWN_CALL_PATHS = (H._M + "xlnet.relative_attention.TwoStreamRelativeAttention",)


def test_every_listed_class_exists_and_registers():
    for _, table in H.TABLES:
        for path in table:
            assert H.resolve(path) is not None, path
    classes = {H.resolve(path) for kind, table in H.TABLES if kind != "output_shape" for path in table}
    assert set(REGISTERED) == classes
    for path in FORMULA_PATHS:
        assert find_formula(H.resolve(path)) in HUB_FORMULAS  # type: ignore[arg-type,operator]
    for path in MACS_PATHS:
        if path in PARTS_AND_OWN_CALL_PATHS:  # the entry stops the MRO walk: no function, parts + own call
            assert find_macs(H.resolve(path)) is None  # type: ignore[arg-type]
            continue
        assert find_macs(H.resolve(path)) is not None  # type: ignore[arg-type]


def test_hub_config_reads_attributes_where_get_config_fails():
    attention = corpus_model("llama").get_layer("transformer_layer_0")._self_attention_layer
    with pytest.raises(AttributeError):  # keras-hub 0.32.0 bug: rope_scaling_factor never set
        attention.get_config()
    config = hub_config(attention)
    assert config["num_query_heads"] == 4 and config["num_key_value_heads"] == 2
    qwen3_norm = corpus_model("qwen3").get_layer("transformer_layer_0")._self_attention_layer._query_dense_layer_norm
    assert "head_dim" not in qwen3_norm.get_config()
    assert hub_config(qwen3_norm)["head_dim"] == 4


# --------------------------------------------------------------------------- parameters over the corpus


@pytest.mark.parametrize("name", sorted(hub_corpus.HUB_MODELS))
def test_formulas_equal_count_params_over_corpus(name):
    checked = 0
    for layer in all_layers(corpus_model(name)):
        function = find_formula(type(layer))
        is_hub = type(layer).__module__.startswith("keras_hub") and not isinstance(layer, keras.Model)
        if function is None or not (function in HUB_FORMULAS or is_hub):
            continue
        if not layer.built:  # Bloom's AlibiBias: created, never called; no weights either way
            assert apply_formula(layer, function).value() == 0 if build_shape(layer) else True
            continue
        assert_formula_matches_weights(layer)
        checked += 1
    for layer in all_layers(corpus_model(name)):  # composites: the weights they create themselves
        own_function = find_own_weights(type(layer))
        if own_function is not None and layer.built and type(layer).__module__.startswith("keras_hub"):
            assert_own_weights_match(layer, own_function)
            checked += 1
    model = corpus_model(name)
    if any(
        type(layer).__module__.startswith("keras_hub.src.models." + name.split("_")[0]) for layer in all_layers(model)
    ):
        assert checked or name in ("resnet", "vgg", *hub_vision_corpus.COMPOSITE_FAMILIES)


def test_every_hub_formula_is_exercised_by_the_corpus():
    seen = set()
    for name in hub_corpus.HUB_MODELS:
        for layer in all_layers(corpus_model(name)):
            if layer.built and find_formula(type(layer)) in HUB_FORMULAS:
                seen.add(type(layer))
    # Never built in the corpus: Bloom's AlibiBias; RWKV-7's TimeShift, built only by a traced call
    # (tests/test_hub_text_layers.py checks its rows through explain(..., input_shape=...)); MobileNetV5's
    # LayerScale2d, which the tiny config does not use (tests/test_hub_vision.py builds it on its own).
    unbuilt = {
        H.resolve(H._L + "alibi_bias.AlibiBias"),
        H.resolve(H._M + "rwkv7.rwkv7_layer.TimeShift"),
        H.resolve(H._M + "mobilenetv5.mobilenetv5_layers.LayerScale2d"),
    }
    expected = {H.resolve(path) for path in FORMULA_PATHS} - unbuilt
    # subclasses registered through a base (LlamaRotaryEmbedding) count for the base
    covered = {klass for klass in expected if any(issubclass(s, klass) for s in seen)}  # type: ignore[arg-type]
    assert covered == expected, expected - covered


def test_xlnet_encoder_own_weights():
    encoder = next(layer for layer in all_layers(corpus_model("xlnet")) if type(layer).__name__ == "XLNetEncoder")
    sublayer_ids = {id(w) for sub in encoder._flatten_layers(include_self=False, recursive=True) for w in sub.weights}
    own = [w for w in encoder.weights if id(w) not in sublayer_ids]
    terms = hub_attention.xlnet_encoder_own_terms(hub_config(encoder))
    assert sorted(t.name for t in terms) == sorted(w.name for w in own)
    sizes = {w.name: int(keras.ops.size(w)) for w in own}
    assert all(evaluate(t.expression) == sizes[t.name] for t in terms)


def test_qwen3_norm_without_head_dim_is_refused_not_guessed():
    with pytest.raises(LookupError):
        hub_norms.qwen3_norm({"name": "query_dense_layernorm"}, (None, None, 16))
    assert hub_norms.qwen3_norm({"name": "post_attention_layernorm"}, (None, None, 16)).value() == 16


# --------------------------------------------------------------------------- parameters over varied configs


def _built(layer, shape):
    layer.build(shape)
    return layer


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kv=st.sampled_from([1, 2, 4]),
    groups=st.sampled_from([1, 2]),
    head_dim=st.sampled_from([2, 4, 6]),
    family=st.sampled_from(["llama", "mistral", "mixtral", "phi3", "qwen", "qwen_moe", "qwen3", "gemma"]),
)
def test_decoder_attention_formula_varied(kv, groups, head_dim, family):
    q = kv * groups
    hidden = q * head_dim
    from keras_hub.src.models.gemma.gemma_attention import CachedGemmaAttention
    from keras_hub.src.models.llama.llama_attention import LlamaAttention
    from keras_hub.src.models.mistral.mistral_attention import CachedMistralAttention
    from keras_hub.src.models.mixtral.mixtral_attention import CachedMixtralAttention
    from keras_hub.src.models.phi3.phi3_attention import Phi3Attention
    from keras_hub.src.models.qwen.qwen_attention import QwenAttention
    from keras_hub.src.models.qwen3.qwen3_attention import Qwen3Attention
    from keras_hub.src.models.qwen_moe.qwen_moe_attention import QwenMoeAttention

    make = {
        "llama": lambda: LlamaAttention(num_query_heads=q, num_key_value_heads=kv),
        "mistral": lambda: CachedMistralAttention(num_query_heads=q, num_key_value_heads=kv, head_dim=head_dim + 1),
        "mixtral": lambda: CachedMixtralAttention(num_query_heads=q, num_key_value_heads=kv),
        "phi3": lambda: Phi3Attention(num_query_heads=q, num_key_value_heads=kv),
        "qwen": lambda: QwenAttention(num_query_heads=q, num_key_value_heads=kv),
        "qwen_moe": lambda: QwenMoeAttention(num_query_heads=q, num_key_value_heads=kv),
        "qwen3": lambda: Qwen3Attention(num_query_heads=q, num_key_value_heads=kv, head_dim=head_dim + 1),
        "gemma": lambda: CachedGemmaAttention(head_dim=head_dim + 1, num_query_heads=q, num_key_value_heads=kv),
    }[family]
    assert_formula_matches_weights(_built(make(), (None, None, hidden)))


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: keras_hub.layers.TokenAndPositionEmbedding(30, 12, 6, tie_weights=False), (None, None)),
        (lambda: keras_hub.layers.TokenAndPositionEmbedding(30, 12, 6), (None, None)),
        (lambda: keras_hub.layers.PositionEmbedding(9), (None, None, 5)),
        (lambda: keras_hub.layers.ReversibleEmbedding(30, 6, tie_weights=False), (None, None)),
        (lambda: keras_hub.layers.RotaryEmbedding(), (None, None, 4, 8)),
        (lambda: keras_hub.layers.AlibiBias(), (None, 2, 5, 5)),
    ],
)
def test_modeling_layers_varied(make, shape):
    assert_formula_matches_weights(_built(make(), shape))


def test_vision_embeddings_varied():
    from keras_hub.src.models.deit.deit_layers import DeiTEmbeddings
    from keras_hub.src.models.dinov2.dinov2_layers import DINOV2Embedding
    from keras_hub.src.models.vit.vit_layers import ViTPatchingAndEmbedding

    for layer, shape in [
        (ViTPatchingAndEmbedding((12, 8), (4, 4), 6, 2, use_class_token=False, use_patch_bias=False), (None, 12, 8, 2)),
        (ViTPatchingAndEmbedding((12, 8), (4, 2), 6, 2), (None, 12, 8, 2)),
        (DeiTEmbeddings((12, 8), (4, 4), 6, 2, use_mask_token=True), (None, 12, 8, 2)),
        (
            DINOV2Embedding(
                hidden_dim=6,
                patch_size=4,
                image_shape=(12, 8),
                num_register_tokens=3,
                use_mask_token=False,
                position_embedding_shape=(8, 8),
            ),
            (None, 12, 8, 2),
        ),
    ]:
        assert_formula_matches_weights(_built(layer, shape))
        expected = layer.compute_output_shape(shape) if hasattr(layer, "compute_output_shape") else None
        function = H.output_shape_function(type(layer))
        assert function is not None
        ours = function(hub_config(layer), (1, *shape[1:]))
        # Traced through call(): keras-hub's own DINOV2Embedding.compute_output_shape
        # assumes a square image (patch_num**2 from the height), 13 tokens here instead of 10.
        symbolic = keras.Operation.compute_output_spec(layer, keras.KerasTensor((1, *shape[1:]))).shape
        assert tuple(ours) == tuple(symbolic), (type(layer).__name__, ours, symbolic, expected)


def test_moe_varied_and_active_parameters():
    from keras_hub.src.models.mixtral.mixtral_decoder import MixtralSparseMoeBlock
    from keras_hub.src.models.qwen_moe.qwen_moe_decoder import QwenSparseMoeBlock

    mixtral = _built(MixtralSparseMoeBlock(hidden_dim=6, intermediate_dim=10, num_experts=5, top_k=3), (None, None, 6))
    assert_formula_matches_weights(mixtral)
    # per token: the router and three of the five experts (3 kernels each)
    assert evaluate(hub_moe.moe_active_params(hub_config(mixtral))) == 6 * 5 + 3 * (6 * 10 + 6 * 10 + 10 * 6)
    qwen = _built(
        QwenSparseMoeBlock(
            hidden_dim=6,
            moe_intermediate_dim=4,
            shared_expert_intermediate_dim=7,
            num_experts=5,
            top_k=2,
            norm_top_k_prob=True,
        ),
        (None, None, 6),
    )
    assert_formula_matches_weights(qwen)
    assert evaluate(hub_moe.moe_active_params(hub_config(qwen))) == 6 * 5 + 2 * 3 * 6 * 4 + 3 * 6 * 7 + 6


def test_t5_attention_without_relative_bias():
    from keras_hub.src.models.t5.t5_multi_head_attention import T5MultiHeadAttention

    layer = T5MultiHeadAttention(is_decoder=True, hidden_dim=12, key_value_dim=5, num_heads=3, dropout=0.0)
    layer(keras.ops.zeros((1, 5, 12)))  # build() leaves the projections to the first call; it returns a None
    assert_formula_matches_weights(layer)


# --------------------------------------------------------------------------- mult-adds


def graph_contraction_macs(function, specs):
    """Mult-adds of every MatMul, BatchMatMul, Einsum and Conv2D in TF's graph of ``function`` at ``specs``."""
    import tensorflow as tf

    graph = tf.function(function).get_concrete_function(specs).graph
    total = 0
    for op in graph.get_operations():
        if op.type == "MatMul":
            a, b = (tuple(t.shape) for t in op.inputs)
            m, k = (a[1], a[0]) if op.get_attr("transpose_a") else a
            n = b[0] if op.get_attr("transpose_b") else b[1]
            if k == 1 and m * n > 1:  # an outer product (Moonshine's rotary "i,j->ij" becomes a MatMul): see below
                continue
            total += m * k * n
        elif op.type.startswith("BatchMatMul"):
            a, b = (tuple(t.shape) for t in op.inputs)
            batch = 1
            for dim in a[:-2] if len(a) >= len(b) else b[:-2]:
                batch *= dim
            m, k = (a[-1], a[-2]) if op.get_attr("adj_x") else (a[-2], a[-1])
            n = b[-2] if op.get_attr("adj_y") else b[-1]
            if k == 1 and m * n > 1:
                # Nothing summed: an outer product written as a matmul (SmolLM3's rotary
                # frequencies x positions), element-wise products like the einsum case below.
                # (A 1x1 by 1x1 product, the first step of Qwen3.5's triangular solve, counts one.)
                continue
            total += batch * m * k * n
        elif op.type == "Einsum":
            equation = op.get_attr("equation").decode()
            operands, output = equation.split("->")
            operands = operands.split(",")
            if "..." in equation:
                # Broadcast axes are kept in the output: only a summed letter makes a contraction.
                assert "..." in output, equation
                letters = "".join(operands).replace("...", "")
                assert set(letters) <= set(output), equation  # a contraction over ellipsis axes: not counted here
                continue
            if set("".join(operands)) <= set(output):
                # No summed index: an outer product (rotary's positions x frequencies),
                # element-wise products, not multiply-accumulates.
                continue
            sizes = {}
            for letters, tensor in zip(operands, op.inputs, strict=True):
                for letter, dim in zip(letters, tensor.shape, strict=True):
                    sizes[letter] = int(dim)
            product = 1
            for size in sizes.values():
                product *= size
            total += product
        elif op.type == "DepthwiseConv2dNative":
            output, kernel = tuple(op.outputs[0].shape), tuple(op.inputs[1].shape)
            elements = 1
            for dim in output:
                elements *= dim
            total += elements * kernel[0] * kernel[1]  # each output channel sees one input channel
        elif op.type == "Conv2D":
            output, kernel = tuple(op.outputs[0].shape), tuple(op.inputs[1].shape)
            elements = 1
            for dim in output:
                elements *= dim
            total += elements * kernel[0] * kernel[1] * kernel[2]
    return total


def _shape_arguments(layer, record):
    """What the layer's MACs function receives: T5 attention takes its call's named shapes (cross-attention)."""
    if type(layer).__name__ == "T5MultiHeadAttention":
        return dict(record.arguments)
    return record.build_style(layer)


def composed_macs(layer, records, unknown, dense_moe=False):
    """Our mult-adds of ``layer`` at the recorded shapes: its own function, else the sum of its sublayers.

    ``dense_moe``: count a sparse MoE block with every expert (``top_k = num_experts``), as keras-hub computes it.
    """
    record = records.get(id(layer))
    if record is None:  # never called in this forward
        return 0
    function = find_macs(type(layer))
    if function is not None:
        config = hub_config(layer)
        if dense_moe and "top_k" in config and "num_experts" in config:
            config["top_k"] = config["num_experts"]
        keywords = {"call_shapes": dict(record.arguments)} if wants_call_shapes(function) else {}
        return record.calls * evaluate(function(config, _shape_arguments(layer, record), record.output, **keywords))
    subs = layer._flatten_layers(include_self=False, recursive=False)
    if not subs:
        unknown.add(type(layer).__name__)
        return 0
    return sum(composed_macs(sub, records, unknown, dense_moe) for sub in subs)


def _text_specs(model, length):
    return {key: (1, length) for key in model._inputs_struct}


MACS_MODELS = {
    # name: input shapes at a concrete length (batch 1)
    "llama": None,
    "llama3": None,
    "mistral": None,
    "gemma": None,
    "qwen": None,
    "qwen3": None,
    "phi3": None,
    "gpt2": None,
    "gpt_neox": None,
    "opt": None,
    "falcon": None,
    "bloom": None,
    "bert": None,
    "roberta": None,
    "distil_bert": None,
    "albert": None,
    "electra": None,
    "deberta_v3": None,
    "bart": None,
    "t5": None,
    "vit": (1, 16, 16, 3),
    "deit": (1, 16, 16, 3),
    "dinov2": (1, 16, 16, 3),
    # cross-attention over 8 encoder frames (16 mel frames, stride-2 convolution) from 5 decoder tokens
    "whisper": {"encoder_features": (1, 16, 8), "decoder_token_ids": (1, 5), "decoder_padding_mask": (1, 5)},
    # sparse MoE blocks counted with every expert (keras-hub's dense computation); top-k below
    "mixtral": None,
    "qwen_moe": None,
    # keras-hub 0.32's text families (issue 21); Qwen3-MoE and GPT-OSS counted with every expert
    **{
        name: None
        for name in hub_corpus.TEXT_FAMILIES
    },  # fmt: skip
    **hub_corpus.MULTI_INPUT_SHAPES,
}


def assert_macs_equal_graph(name, shapes):
    import tensorflow as tf

    model = corpus_model(name)
    records = concrete_call_shapes(model, shapes)
    unknown: set[str] = set()
    dense = name in ("mixtral", "qwen_moe", "qwen3_moe", "gpt_oss", "qwen3_5_moe")
    top = model._flatten_layers(include_self=False, recursive=False)
    ours = sum(composed_macs(layer, records, unknown, dense) for layer in top)
    assert not unknown, unknown
    if isinstance(shapes, dict):
        specs = {key: tf.TensorSpec(shape, model._inputs_struct[key].dtype) for key, shape in shapes.items()}
    else:
        specs = tf.TensorSpec(shapes, "float32")
    assert ours == graph_contraction_macs(lambda inputs: model(inputs), specs)


@pytest.mark.parametrize("name", sorted(MACS_MODELS))
def test_macs_equal_tf_graph_contractions(name):
    model = corpus_model(name)
    assert_macs_equal_graph(name, MACS_MODELS[name] or _text_specs(model, SEQUENCE))


@pytest.mark.parametrize(("name", "length"), [("llama", 128), ("gemma", 128), ("mixtral", 128), ("gpt2", 32)])
def test_macs_equal_tf_graph_at_long_sequence(name, length):
    """The acceptance's lengths (GPT-2's tiny corpus model has 32 positions): T*T terms dominate there."""
    assert_macs_equal_graph(name, _text_specs(corpus_model(name), length))


def test_mixtral_macs_at_top_k_and_dense():
    """keras-hub runs every expert; the graph's count is the dense one, ours is top-k, both by hand."""
    import tensorflow as tf

    model = corpus_model("mixtral")
    records = concrete_call_shapes(model, _text_specs(model, SEQUENCE))
    block = model.get_layer("transformer_layer_0")._sparse_moe_block
    record = records[id(block)]
    T, h, i, E, k = SEQUENCE, 16, 32, 4, 2
    ours = evaluate(hub_moe.mixtral_block_macs(hub_config(block), record.build_style(block), record.output))
    assert ours == T * h * E + k * T * 3 * h * i
    dense = graph_contraction_macs(lambda x: block(x)[0], tf.TensorSpec((1, T, h), "float32"))
    experts = block.expert_bank
    experts_macs = evaluate(
        hub_moe.mixtral_experts_macs(hub_config(experts), records[id(experts)].build_style(experts), None)
    )
    assert dense == T * h * E + experts_macs == T * h * E + E * T * 3 * h * i


def test_qwen_moe_block_macs_at_top_k_by_hand():
    model = corpus_model("qwen_moe")
    records = concrete_call_shapes(model, _text_specs(model, SEQUENCE))
    block = next(layer for layer in all_layers(model) if type(layer).__name__ == "QwenSparseMoeBlock")
    record = records[id(block)]
    T, h, i, shared, E, k = SEQUENCE, 16, 8, 16, 4, 2
    ours = evaluate(hub_moe.qwen_block_macs(hub_config(block), record.build_style(block), record.output))
    assert ours == T * h * E + k * T * (h * 2 * i + i * h) + T * 3 * h * shared + T * h


def test_llama_attention_macs_by_hand_at_128():
    """Grouped-query attention at T=128: Hq=4 query heads, Hkv=2 key/value heads, D=4, hidden 16."""
    attention = corpus_model("llama").get_layer("transformer_layer_0")._self_attention_layer
    T, h, hq, hkv, d = 128, 16, 4, 2, 4
    expected = T * h * hq * d + 2 * T * h * hkv * d + 2 * hq * T * T * d + T * hq * d * h
    assert evaluate(hub_attention.decoder_attention_macs(hub_config(attention), (1, T, h), (1, T, h))) == expected
    with pytest.raises(UnknownDimensionError):
        hub_attention.decoder_attention_macs(hub_config(attention), (None, None, h), None)


def test_t5_cross_attention_needs_the_encoder_length():
    model = corpus_model("t5")
    layer = next(layer for layer in all_layers(model) if layer.name == "cross_attention")
    with pytest.raises(UnknownDimensionError):
        hub_attention.t5_attention_macs(hub_config(layer), (1, 8, 16), None)
    shapes = {"hidden_states": (1, 8, 16), "key_value_states": (1, 5, 16)}
    assert evaluate(hub_attention.t5_attention_macs(hub_config(layer), shapes, None)) == (
        8 * 16 * 16 + 2 * 5 * 16 * 16 + 2 * 2 * 8 * 5 * 8 + 8 * 16 * 16
    )


def test_call_shapes_leave_the_model_unchanged():
    model = corpus_model("gpt2")
    nodes = {id(layer): len(layer._inbound_nodes) for layer in all_layers(model)}
    weights = len(model.weights)
    records = concrete_call_shapes(model, _text_specs(model, 12))
    assert all("call" not in vars(layer) for layer in all_layers(model))
    assert {id(layer): len(layer._inbound_nodes) for layer in all_layers(model)} == nodes
    assert len(model.weights) == weights
    attention = model.get_layer("transformer_layer_0")._self_attention_layer
    assert records[id(attention)].build_style(attention) == {"query_shape": (1, 12, 16), "value_shape": (1, 12, 16)}
    assert re.fullmatch(r"\(1, 12, 16\)", str(records[id(attention)].output))
