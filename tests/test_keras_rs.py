"""keras-rs's layers (issue 21, "Proof"): each formula equals count_params() across configurations, each
mult-add count equals the trace of the layer's own call, the backward counts equal the contractions of
TensorFlow's gradient graph, and recommender models built as keras-rs's examples build them are
explained with totals equal to Keras's and mult-adds known.

keras-rs needs Python 3.11 or later; on 3.10 (which this project supports) the extras do not install
it, and this module is skipped, saying so.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

if sys.version_info < (3, 11):
    pytest.skip("keras-rs needs Python 3.11+ (its Requires-Python); not installed on 3.10", allow_module_level=True)

import keras  # noqa: E402
import keras_rs  # noqa: E402
import numpy as np  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ascii_explain import explain  # noqa: E402
from ascii_explain.arithmetic import evaluate  # noqa: E402
from ascii_explain.layers import NotCoveredError, UnknownDimensionError  # noqa: E402
from ascii_explain.layers import rs as R  # noqa: E402
from ascii_explain.read.traced_macs import trace_first_call  # noqa: E402

from .helpers import assert_record_consistent, model_state  # noqa: E402
from .rs_corpus import CORPUS, VOCABULARIES  # noqa: E402

FEW = settings(max_examples=15, deadline=None)
RS_CLASS_NAMES = {"FeatureCross", "DotInteraction", "DistributedEmbedding", "BruteForceRetrieval"}


def _record(model: keras.Model, layer: keras.layers.Layer, **options):
    record = explain(model, **options).layer(layer.name)
    assert record.state == "formula" and record.source == "formula", (record.state, record.notes)
    assert_record_consistent(record)  # formula evaluates to the count; the terms add up; Keras agrees
    return record


def _traced(layer: keras.layers.Layer) -> int:
    traced = trace_first_call(layer)
    assert traced.note == "", traced
    return traced.macs


def _assert_terms_are_the_weights(record, layer: keras.layers.Layer) -> None:
    """Each term names one of the layer's weights (by its path below the layer) and has its size."""
    prefix = layer.name + "/"  # update_candidates() creates its variables outside the layer's name scope
    sizes = {w.path.removeprefix(prefix): int(np.prod(w.shape)) for w in layer.weights}
    assert {term.name: term.count for term in record.term_list} == sizes


def graph_contractions(function, specs) -> int:
    """The mult-adds of every MatMul and BatchMatMul in TensorFlow's graph of ``function`` (an independent count)."""
    import tensorflow as tf

    graph = tf.function(function).get_concrete_function(*specs).graph
    total = 0
    for op in graph.get_operations():
        if op.type == "MatMul":
            a, b = (tuple(t.shape) for t in op.inputs)
            m, k = (a[1], a[0]) if op.get_attr("transpose_a") else a
            n = b[0] if op.get_attr("transpose_b") else b[1]
            total += m * k * n
        elif op.type.startswith("BatchMatMul"):
            a, b = (tuple(t.shape) for t in op.inputs)
            batch = int(np.prod(a[:-2] if len(a) >= len(b) else b[:-2]))
            m, k = (a[-1], a[-2]) if op.get_attr("adj_x") else (a[-2], a[-1])
            n = b[-2] if op.get_attr("adj_y") else b[-1]
            total += batch * m * k * n
    return total


def backward_contractions(layer, shapes, call) -> tuple[int, int]:
    """(forward, backward) contractions of one sample: the graph of ``call`` and of its gradient into the
    inputs and the layer's trainable weights."""
    import tensorflow as tf

    specs = [tf.TensorSpec((1, *shape)) for shape in shapes]

    def forward(*inputs):
        return call(*inputs)

    def step(*inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(tf.nest.flatten(call(*inputs))[0])
        return tape.gradient(loss, [*inputs, *layer.trainable_variables])

    ahead = graph_contractions(forward, specs)
    return ahead, graph_contractions(step, specs) - ahead


def _backward_total(record) -> int:
    assert len(record.backward_terms) == 3, record.backward_note
    return sum(evaluate(term) for term in record.backward_terms)


# ----------------------------------------------------------------------------------- FeatureCross


@FEW
@given(
    width=st.integers(1, 10),
    projection=st.one_of(st.none(), st.integers(1, 6)),
    use_bias=st.booleans(),
    diag_scale=st.sampled_from([0.0, 0.5]),
    positions=st.sampled_from([(), (3,)]),
    two_inputs=st.booleans(),
)
def test_feature_cross_formula_and_mult_adds(width, projection, use_bias, diag_scale, positions, two_inputs):
    shape = (*positions, width)
    layer = keras_rs.layers.FeatureCross(projection_dim=projection, use_bias=use_bias, diag_scale=diag_scale)
    x0 = keras.Input(shape)
    x = keras.Input(shape)
    out = layer(x0, x) if two_inputs else layer(x0)
    model = keras.Model([x0, x] if two_inputs else x0, out)
    record = _record(model, layer)
    _assert_terms_are_the_weights(record, layer)
    assert record.macs_source == "formula" and record.macs == _traced(layer)
    assert R.feature_cross_output_shape(layer.get_config(), (None, *shape)) == (None, *shape) == tuple(out.shape)


@pytest.mark.parametrize("projection, positions", [(None, ()), (3, ()), (2, (4,))])
def test_feature_cross_backward_equals_the_gradient_graph(projection, positions):
    shape = (*positions, 6)
    layer = keras_rs.layers.FeatureCross(projection_dim=projection, diag_scale=0.5)
    x0, x = keras.Input(shape), keras.Input(shape)
    record = _record(keras.Model([x0, x], layer(x0, x)), layer, training=True)
    forward, backward = backward_contractions(layer, [shape, shape], layer)
    assert record.macs == forward
    assert _backward_total(record) == backward == 2 * forward  # each contraction: input-grad + weight-grad


@pytest.mark.filterwarnings("ignore:Layer InputLayer does not have a `quantize`")
@pytest.mark.parametrize("change", ["int8", "int4", "lora"])
@pytest.mark.parametrize("projection", [None, 3])
def test_feature_cross_counts_its_quantized_or_lora_projections(change, projection):
    """The projections' own configs (the reader's sublayers) say what quantize() or enable_lora() did."""
    x0 = keras.Input((8,))
    layer = keras_rs.layers.FeatureCross(projection_dim=projection)
    model = keras.Model(x0, layer(x0))
    if change == "lora":
        layer.dense.enable_lora(2)
    else:
        model.quantize(change)
    record = _record(model, layer)
    _assert_terms_are_the_weights(record, layer)


def test_feature_cross_only_built_has_no_weights_until_its_first_call():
    layer = keras_rs.layers.FeatureCross(projection_dim=2)
    layer.build((None, 6))  # creates the Dense projections, leaves them unbuilt (keras-rs 0.4.0)
    (record,) = explain(layer).layers
    assert record.state == "formula" and record.params == 0 == layer.count_params() and record.matches
    layer(keras.ops.zeros((1, 6)))
    (record,) = explain(layer).layers
    assert record.params == 6 * 2 + 2 * 6 + 6 == layer.count_params()


def test_feature_cross_functions_on_facts():
    # width 6, low rank 2, bias: down_proj_dense/kernel 6*2 = 12, dense/kernel 2*6 = 12, dense/bias 6 -> 30
    formula = R.feature_cross({"projection_dim": 2, "use_bias": True}, (None, 6))
    assert {t.name: t.expression for t in formula.terms} == {
        "down_proj_dense/kernel": "6*2", "dense/kernel": "2*6", "dense/bias": "6",
    }  # fmt: skip
    assert formula.value() == 30
    # full rank, width 5: (5+1)*5 = 30
    full = R.feature_cross({"projection_dim": None, "use_bias": True}, (None, 5))
    assert full.expression == "(5+1)*5" and evaluate(full.expression) == 30
    # 3 positions of width 6, rank 2: 3*6*2 + 3*2*6 = 72; backward: input 36, weights 72, internal 36
    config, shape = {"projection_dim": 2}, (None, 3, 6)
    assert evaluate(R.feature_cross_macs(config, shape, shape)) == 72
    backward = R.feature_cross_backward_macs(config, shape, shape)
    assert [evaluate(term) for term in backward] == [36, 72, 36]
    with pytest.raises(UnknownDimensionError):
        R.feature_cross_macs(config, (None, None, 6), None)


# --------------------------------------------------------------------------------- DotInteraction


@FEW
@given(
    features=st.integers(2, 6),  # one feature has no pairs: keras-rs takes an empty index list, which fails
    width=st.integers(1, 8),
    self_interaction=st.booleans(),
    skip_gather=st.booleans(),
)
def test_dot_interaction_mult_adds_and_output_shape(features, width, self_interaction, skip_gather):
    layer = keras_rs.layers.DotInteraction(self_interaction=self_interaction, skip_gather=skip_gather)
    inputs = [keras.Input((width,)) for _ in range(features)]
    out = layer(inputs)
    record = _record(keras.Model(inputs, out), layer)
    assert record.params == 0 == layer.count_params()
    # width 1: each pair is one product, nothing summed -- an outer product, 0 by the convention (README)
    assert record.macs == (features * features * width if width > 1 or features == 1 else 0) == _traced(layer)
    shapes = [(None, width)] * features
    assert R.dot_interaction_output_shape(layer.get_config(), shapes) == tuple(out.shape)
    assert tuple(out.shape) == tuple(layer.compute_output_shape(shapes))


@pytest.mark.parametrize("features, width", [(2, 3), (4, 5)])
def test_dot_interaction_backward_equals_the_gradient_graph(features, width):
    layer = keras_rs.layers.DotInteraction(self_interaction=True)
    inputs = [keras.Input((width,)) for _ in range(features)]
    record = _record(keras.Model(inputs, layer(inputs)), layer, training=True)
    forward, backward = backward_contractions(layer, [(width,)] * features, lambda *xs: layer(list(xs)))
    assert record.macs == forward == features * features * width
    assert _backward_total(record) == backward == 2 * forward  # the Gram matrix: one product per operand


def test_dot_interaction_functions_on_facts():
    shapes = [(None, 4)] * 3
    assert R.dot_interaction_macs({}, shapes, None) == "3*3*4"  # F*F*D = 36
    assert evaluate(R.dot_interaction_backward_macs({}, shapes, None).input_grad) == 72
    # 3 features: 3*(3-1)//2 = 3 pairs; with the diagonal 3*(3+1)//2 = 6; skip_gather keeps 3*3 = 9
    assert [R.dot_interaction_output_shape(c, shapes)[1] for c in
            ({}, {"self_interaction": True}, {"skip_gather": True})] == [3, 6, 9]  # fmt: skip


# --------------------------------------------------------------------------- DistributedEmbedding

_TABLES = st.lists(
    st.tuples(st.integers(2, 30), st.integers(1, 6), st.integers(1, 2), st.sampled_from(["mean", "sum", "sqrtn"])),
    min_size=1,
    max_size=3,
)


@FEW
@given(tables=_TABLES, bag=st.sampled_from([None, 3]))
def test_distributed_embedding_is_one_table_per_table_config(tables, bag):
    """On this CPU/TensorFlow machine each table is an EmbedReduce (a keras Embedding) named after it."""
    features, inputs = {}, {}
    for index, (vocabulary, dim, uses, combiner) in enumerate(tables):
        table = keras_rs.layers.TableConfig(f"table_{index}", vocabulary, dim, combiner=combiner)
        for use in range(uses):  # features sharing a table share its variable
            name = f"f{index}_{use}"
            input_shape = (None,) if bag is None else (None, bag)
            features[name] = keras_rs.layers.FeatureConfig(name, table, input_shape, (None, dim))
            inputs[name] = keras.Input(input_shape[1:], dtype="int32", name=name)
    layer = keras_rs.layers.DistributedEmbedding(features)
    outputs = layer(inputs)
    model = keras.Model(inputs, list(outputs.values()))
    record = _record(model, layer)
    _assert_terms_are_the_weights(record, layer)
    assert record.params == sum(vocabulary * dim for vocabulary, dim, _, _ in tables)
    assert record.macs == 0 == _traced(layer)  # lookups and the combiner's weighted mean: no contraction


@pytest.mark.parametrize("combiner", ["mean", "sum", "sqrtn"])
def test_embed_reduce_is_an_embedding_and_its_reduction_multiplies_nothing(combiner):
    """EmbedReduce (what DistributedEmbedding builds per table) is explained by keras's Embedding formula;
    its weighted reduction over the bag is element-wise work and a sum, 0 MACs, forward and backward."""
    layer = keras_rs.layers.EmbedReduce(11, 3, combiner=combiner)
    ids = keras.Input((4,), dtype="int32")
    record = _record(keras.Model(ids, layer(ids)), layer, training=True)
    assert record.terms == {"embeddings": "11*3"} and record.macs == 0 == _traced(layer)
    assert all(evaluate(term) == 0 for term in record.backward_terms)


def test_distributed_embedding_backward_multiplies_nothing():
    table = keras_rs.layers.TableConfig("t", 9, 3)
    layer = keras_rs.layers.DistributedEmbedding({"f": keras_rs.layers.FeatureConfig("f", table, (None, 2), (None, 3))})
    ids = {"f": keras.Input((2,), dtype="int32", name="f")}
    record = _record(keras.Model(ids, layer(ids)["f"]), layer, training=True)
    assert record.backward_terms == ("0", "0", "0")
    assert backward_contractions(layer, [], lambda: layer({"f": keras.ops.zeros((1, 2), "int32")})) == (0, 0)


def test_distributed_embedding_functions_on_facts():
    tables = [{"name": "a", "vocabulary_size": 10, "embedding_dim": 3, "placement": "auto"},
              {"name": "b", "vocabulary_size": 7, "embedding_dim": 2, "placement": "default_device"}]  # fmt: skip
    formula = R.distributed_embedding({"tables": tables}, {})
    assert [(t.name, t.expression) for t in formula.terms] == [("a/embeddings", "10*3"), ("b/embeddings", "7*2")]
    with pytest.raises(NotCoveredError):  # "auto" resolved to SparseCore (a TPU) is not covered
        R.distributed_embedding({"tables": tables, "resolved_placements": {"a": "sparsecore"}}, {})
    with pytest.raises(NotCoveredError):
        R.distributed_embedding({"tables": [{**tables[0], "placement": "sparsecore"}]}, {})


# ----------------------------------------------------------------------------- retrieval layers


@FEW
@given(candidates=st.integers(1, 20), width=st.integers(1, 6), with_ids=st.booleans(), data=st.data())
def test_brute_force_retrieval_formula_and_mult_adds(candidates, width, with_ids, data):
    k = data.draw(st.integers(1, candidates))
    values = np.random.default_rng(candidates).normal(size=(candidates, width)).astype("float32")
    ids = np.arange(candidates) * 7 if with_ids else None
    layer = keras_rs.layers.BruteForceRetrieval(values, ids, k=k)
    query = keras.Input((width,))
    record = _record(keras.Model(query, layer(query)), layer)
    _assert_terms_are_the_weights(record, layer)
    assert record.trainable_params == 0 and record.non_trainable_params == layer.count_params()
    # width 1: an outer product (0), but for one score alone
    assert record.macs == (candidates * width if width > 1 or candidates == 1 else 0) == _traced(layer)


def test_brute_force_retrieval_backward_equals_the_gradient_graph():
    layer = keras_rs.layers.BruteForceRetrieval(np.ones((9, 4), "float32"), k=2)
    query = keras.Input((4,))
    record = _record(keras.Model(query, layer(query)), layer, training=True)
    forward, backward = backward_contractions(layer, [(4,)], layer)
    assert record.macs == forward == 9 * 4
    assert _backward_total(record) == backward == 9 * 4  # into the query only: the candidates never train


def test_brute_force_retrieval_functions_on_facts():
    config = {"num_candidates": 12, "candidate_width": 4, "has_candidate_ids": True}
    formula = R.brute_force_retrieval(config, (None, 4))
    assert [(t.name, t.expression, t.trainable) for t in formula.terms] == [
        ("candidate_embeddings", "12*4", False), ("candidate_ids", "12", False),
    ]  # fmt: skip
    assert formula.terms[0].detail == "candidates 12 * query 4"
    # built by update_candidates() alone: no call shape, the candidates' own width; MACs unknown
    assert R.brute_force_retrieval(config, None).value() == 12 * 4 + 12
    with pytest.raises(UnknownDimensionError):
        R.brute_force_retrieval_macs(config, None, None)
    assert R.brute_force_retrieval({"num_candidates": 0}, (None, 4)).value() == 0


def test_weightless_retrieval_layers_have_zero_mult_adds():
    logits, labels = keras.Input((6,)), keras.Input((6,))
    ids, probability = keras.Input((6,), dtype="int32"), keras.Input((6,))
    mined = keras_rs.layers.HardNegativeMining(2)
    hits = keras_rs.layers.RemoveAccidentalHits()
    correction = keras_rs.layers.SamplingProbabilityCorrection()
    out = [*mined(logits, labels), hits(labels, logits, ids), correction(logits, probability)]
    model = keras.Model([logits, labels, ids, probability], out)
    for layer in (mined, hits, correction):
        record = _record(model, layer)
        assert record.params == 0 and record.macs == 0 == _traced(layer)


# ------------------------------------------------------------------------------------ the corpus

# Mult-adds per sample, by hand (the embedding width is 4; 4 categorical features concatenate to 16):
EXPECTED_MACS = {
    # cross 16*4 + 4*16, deep 16*8 + 8*4, output 4*1
    "dcn": 16 * 4 + 4 * 16 + 16 * 8 + 8 * 4 + 4,
    # crosses 16*16, 16*4 + 4*16, 16*2 + 2*16; deep 16*8 + 8*8; logit 24*1
    "dcn_stacked": 16 * 16 + (16 * 4 + 4 * 16) + (16 * 2 + 2 * 16) + 16 * 8 + 8 * 8 + 24,
    # bottom 5*8 + 8*4; 5 features of width 4: 5*5*4; top: 10 pairs + 4 = 14 -> 14*8 + 8*4; logit 4
    "dlrm": 5 * 8 + 8 * 4 + 5 * 5 * 4 + 14 * 8 + 8 * 4 + 4,
    # bottom 5*8 + 8*4; 4 features (with the diagonal: 10 pairs): 4*4*4; top 14*8 + 8*4; output 4
    "dlrm_distributed": 5 * 8 + 8 * 4 + 4 * 4 * 4 + 14 * 8 + 8 * 4 + 4,
    # the towers' projections 8*4 each, retrieval of 15 candidates of width 4 (the subclassed model traced
    # at its build shape gives the retrieval its query's shape: read/subclassed_shapes.py)
    "two_tower": 8 * 4 + 8 * 4 + 15 * 4,
    # projections 8*4 twice, the score 4, retrieval of 15 candidates of width 4
    "two_tower_functional": 8 * 4 + 8 * 4 + 4 + 15 * 4,
}


@pytest.fixture(scope="module")
def corpus():
    return {name: build() for name, build in CORPUS.items()}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_models_are_explained_with_keras_totals_and_known_mult_adds(corpus, name):
    model = corpus[name]
    before = model_state(model)
    e = explain(model)
    assert model_state(model) == before  # explain only reads
    assert e.total_params == e.keras_total_params == model.count_params()
    assert not (e.fallbacks or e.inferred or e.mismatches or e.internal_errors), str(e)
    rs_rows = [r for r in e.layers if r.class_name in RS_CLASS_NAMES]
    assert rs_rows and all(r.state == "formula" for r in rs_rows)
    for record in e.layers:
        assert_record_consistent(record)
    unknown = [r.name for r in e.macs_unknown]
    assert unknown == []
    assert e.total_macs == EXPECTED_MACS[name]


FUNCTIONAL_SHAPES = {
    "dcn_stacked": {n: (1,) for n in VOCABULARIES},
    "dlrm": {"dense_features": (1, 5), **{n: (1,) for n in VOCABULARIES}},
    "two_tower_functional": {"user": (1,), "item": (1,)},
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_SHAPES))
def test_corpus_traced_forward_agrees_with_every_registered_count(corpus, name):
    model = corpus[name]
    before = model_state(model)
    e = explain(model, input_shape=FUNCTIONAL_SHAPES[name], training=True)
    assert model_state(model) == before
    checked = [r for r in e.layers if r.traced_macs is not None]
    assert {r.class_name for r in checked} & RS_CLASS_NAMES
    assert not [(r.name, r.macs, r.traced_macs) for r in checked if r.macs_disagree]
    assert e.total_macs == EXPECTED_MACS[name] and not e.macs_unknown
    rs_rows = [r for r in e.layers if r.class_name in RS_CLASS_NAMES]
    assert all(len(r.backward_terms) == 3 for r in rs_rows), [(r.name, r.backward_note) for r in rs_rows]


def test_distributed_embedding_rows_count_shared_tables_once(corpus):
    record = explain(corpus["dlrm_distributed"]).layer("embeddings")
    # movie_table 21*4 and user_table 13*4 (user_id and user_history share it)
    assert {t.name: t.expression for t in record.term_list} == {
        "movie_table/embeddings": "21*4", "user_table/embeddings": "13*4",
    }  # fmt: skip


def test_keras_rs_is_imported_only_for_a_model_that_uses_it(corpus, tmp_path):
    """A plain model never imports keras-rs (its tables are resolved on the first look-up of a keras_rs
    class); explain(path) imports it when the saved config names its classes (Keras imports only its
    own and keras-hub's modules from a config) and builds the model without weight values. One
    process for both: a fresh interpreter is what tells whether keras_rs was imported."""
    model = corpus["dlrm"]
    path = tmp_path / "dlrm.keras"
    model.save(path)
    code = (
        "import sys, keras\n"
        "from ascii_explain import explain\n"
        "plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n"
        "str(explain(plain, input_shape=(1, 4)))\n"
        "print('keras_rs' in sys.modules)\n"
        f"e = explain({str(path)!r})\n"
        "print(e.total_params, e.total_macs, len(e.fallbacks) + len(e.internal_errors), 'keras_rs' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == ["False", str(model.count_params()), str(EXPECTED_MACS["dlrm"]), "0", "True"]
