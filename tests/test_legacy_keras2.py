"""Keras 2 models built with tf_keras: the same formulas, the same diagram, Keras 2's own counts.

Needs the ``legacy`` extra (tf_keras). The main suite's environment has no
tf_keras, so this module is skipped there with the reason below; ``.ci/run``
runs it (``-m legacy``) in the second environment that
``scripts/backend_matrix.sh --subset`` makes with ``pip install -e ".[test,jax,torch,legacy]"``,
so it never goes unrun in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import keras
import pytest

tf_keras = pytest.importorskip(
    "tf_keras",
    reason="needs tf_keras (Keras 2): pip install '.[legacy]'; .ci/run runs it via scripts/backend_matrix.sh --subset",
)

from ascii_explain import NotBuiltError, examples, explain, register_formula, unregister_formula  # noqa: E402
from ascii_explain.layers import Formula, FormulaTerm  # noqa: E402
from ascii_explain.read.model import layer_weights as weights  # noqa: E402

from .helpers import assert_record_consistent  # noqa: E402

pytestmark = pytest.mark.legacy
L = tf_keras.layers

# The seeds' figures (their authors' numbers; tests/test_seeds.py checks them on Keras 3).
SEED_TOTALS = {
    "seed000": (265, 265, 0),
    "seed001-mlp": (209, 209, 0),
    "seed001-cnn": (224 + 12352 + 16448 + 32896 + 1290,) * 2 + (0,),
    "seed001-dcnn": (25 + 63 + 557582 + 1590,) * 2 + (0,),
    "seed002": (329_962, 329_962, 0),
    "seed003": (37633, 37569, 64),
    "seed004-cnn": (55744, 55744, 0),
    "seed004-separable": (184_234, 184_234, 0),
}


def check_whole(explanation):
    for record in explanation.layers:
        assert_record_consistent(record)
        assert record.source == "formula", (record.name, record.class_name, record.notes)
    assert explanation.mismatches == [] and explanation.fallbacks == []
    assert explanation.totals_match


def build(layer, shape):
    """Build a tf_keras layer by calling it on a tf_keras symbolic input (batch axis excluded)."""
    layer(tf_keras.Input(shape))
    return layer


def assert_legacy_layer(layer):
    """One tf_keras layer: formula equals Keras 2's count_params(), split like Keras 2, named like its weights."""
    (record,) = explain(layer).layers
    assert record.source == "formula", (type(layer).__name__, record.notes)
    assert_record_consistent(record)
    trainable = sum(int(tf_keras.backend.count_params(w)) for w in layer.trainable_weights)
    assert (record.trainable_params, record.non_trainable_params) == (trainable, layer.count_params() - trainable)
    if not any("/" in name for name in record.terms):  # wrappers name terms by path, e.g. forward_gru/kernel
        assert sorted(record.terms) == sorted(w.name for w in weights(layer)), record.terms
    return record


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
def test_seed_models_rebuilt_with_tf_keras_give_the_seeds_figures(name):
    legacy_model = examples.EXAMPLES[name](api=tf_keras)
    assert type(legacy_model).__module__.startswith("tf_keras")
    legacy = explain(legacy_model)
    check_whole(legacy)
    assert (legacy.total_params, legacy.trainable_params, legacy.non_trainable_params) == SEED_TOTALS[name]
    # The same model in Keras 3: layer for layer, the same formula, terms, shapes and neurons.
    modern = explain(examples.EXAMPLES[name]())
    seen = [(r.class_name, r.formula, r.terms, r.output_shape, r.neurons, r.macs) for r in legacy.layers]
    assert seen == [(r.class_name, r.formula, r.terms, r.output_shape, r.neurons, r.macs) for r in modern.layers]


def test_seed000_tf_keras_diagram_is_the_golden_keras3_diagram(golden):
    golden("seed000_w100.txt", explain(examples.seed000_small_cnn(api=tf_keras)).render(width=100))


def test_seed003_batchnorm_on_tf_keras():
    e = explain(examples.seed003_batchnorm(api=tf_keras))
    bn = e.layer("bn0")
    assert bn.formula == "4*32" and (bn.trainable_params, bn.non_trainable_params) == (64, 64)
    assert e.layers[0].class_name == "InputLayer" and e.layers[0].output_shape == (None, 64, 64, 3)


def test_tf_keras_resnet50_matches_keras2_layer_by_layer():
    model = tf_keras.applications.ResNet50(weights=None)
    e = explain(model)
    assert len(e.layers) == len(model.layers) == 177
    for record, layer in zip(e.layers, model.layers, strict=True):
        assert record.name == layer.name
        assert record.source == "formula", (record.name, record.notes)
        assert record.params == layer.count_params() == record.keras_params, record.name
        shape = layer.output_shape  # Keras 2's public API; an InputLayer's is a one-element list
        assert record.output_shape == (shape[0] if isinstance(layer, L.InputLayer) else shape)
    assert (e.total_params, e.trainable_params, e.non_trainable_params) == (25_636_712, 25_583_592, 53_120)
    assert e.total_params == model.count_params()
    check_whole(e)


# fused=True with renorm=True does not exist: tf_keras raises ValueError when it is built.
@pytest.mark.parametrize("fused, renorm", [(None, False), (True, False), (False, False), (None, True), (False, True)])
def test_batch_normalization_fused_and_renorm(fused, renorm):
    record = assert_legacy_layer(build(L.BatchNormalization(fused=fused, renorm=renorm), (5, 5, 8)))
    assert record.non_trainable_params == (5 if renorm else 2) * 8


@pytest.mark.parametrize("axis, shape", [(1, (3, 5, 5)), (-1, (4, 6)), ([1, 2], (4, 6, 2))])
def test_batch_normalization_axes(axis, shape):
    assert_legacy_layer(build(L.BatchNormalization(axis=axis), shape))


def test_batch_normalization_virtual_batch_shifts_the_axis_in_keras2_config():
    layer = build(L.BatchNormalization(virtual_batch_size=2), (6, 6, 4))
    assert layer.get_config()["axis"] == [4]  # Keras 2 counts the inserted virtual batch axis
    record = assert_legacy_layer(layer)
    assert record.formula == "4*4"
    assert layer.get_config()["axis"] == [4]  # only read


def test_gru_reset_after_defaults_differ_between_keras2_gru_versions():
    from tf_keras.api._v1.keras import layers as v1_layers  # tf.compat.v1.keras.layers in tf_keras 2.21

    v2 = assert_legacy_layer(build(L.GRU(3), (5, 4)))
    v1 = assert_legacy_layer(build(v1_layers.GRU(3), (5, 4)))
    assert v2.terms["bias"] == "2*3*3" and v2.params == 3 * 3 * (4 + 3 + 2)  # reset_after=True: two biases
    assert v1.terms["bias"] == "3*3" and v1.params == 3 * 3 * (4 + 3 + 1)  # reset_after=False: one
    assert_legacy_layer(build(L.GRU(3, reset_after=False), (5, 4)))


LEGACY_FAMILIES = [
    (lambda: L.Dense(3, use_bias=False), (2, 7)),
    (lambda: L.Conv1D(4, 3, groups=2), (9, 8)),
    (lambda: L.Conv2D(4, 3, data_format="channels_first"), (2, 9, 9)),
    (lambda: L.Conv3D(2, 2), (4, 4, 4, 3)),
    (lambda: L.Conv2DTranspose(5, 2, strides=2), (6, 6, 3)),
    (lambda: L.Conv3DTranspose(2, 2, use_bias=False), (3, 3, 3, 2)),
    (lambda: L.SeparableConv1D(4, 3, depth_multiplier=2), (8, 3)),
    (lambda: L.SeparableConv2D(4, 3), (8, 8, 3)),
    (lambda: L.DepthwiseConv1D(3, depth_multiplier=3), (8, 2)),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=2), (8, 8, 3)),
    (lambda: L.Embedding(50, 8), (6,)),
    (lambda: L.LayerNormalization(), (5, 6)),
    (lambda: L.SimpleRNN(4), (5, 3)),
    (lambda: L.LSTM(4), (5, 3)),
    (lambda: L.Bidirectional(L.GRU(3)), (5, 4)),
    (lambda: L.TimeDistributed(L.Dense(3)), (5, 4)),
    (lambda: L.PReLU(), (4, 3)),
    (lambda: L.Activation("relu"), (4,)),
    (lambda: L.MaxPooling2D(), (4, 4, 2)),
    (lambda: L.GlobalAveragePooling2D(), (4, 4, 2)),
]


@pytest.mark.parametrize("make, shape", LEGACY_FAMILIES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_tf_keras_layer_families(make, shape):
    layer = make()
    record = assert_legacy_layer(build(layer, shape))
    assert record.class_name == type(layer).__name__


def test_depthwise_kernel_keeps_its_keras2_name():
    record = assert_legacy_layer(build(L.DepthwiseConv2D(3), (6, 6, 2)))
    assert record.terms == {"depthwise_kernel": "3*3*2", "bias": "2"}  # Keras 3 calls it "kernel"


def test_weight_names_lose_keras2_scope():
    layer = build(L.Dense(2, name="scoped"), (3,))
    assert [v.name for v in layer.weights] == ["scoped/kernel:0", "scoped/bias:0"]
    assert [w.name for w in weights(layer)] == ["kernel", "bias"]
    assert [w.dtype for w in weights(layer)] == ["float32", "float32"]


class Scale(tf_keras.layers.Layer):  # type: ignore[name-defined]
    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],))

    def call(self, inputs):
        return inputs * self.scale


class WideDense(tf_keras.layers.Dense):  # type: ignore[name-defined]
    pass


def test_custom_tf_keras_layer_falls_back_then_uses_a_registered_formula():
    model = tf_keras.Sequential([tf_keras.Input((4,)), Scale(name="scale_layer"), WideDense(2)])
    e = explain(model)
    scale = e.layer("scale_layer")
    assert scale.source == "weights" and scale.terms == {"scale": "4"} and scale.params == 4
    assert e.layers[1].source == "formula" and e.layers[1].formula == "(4+1)*2"  # a subclass of Keras 2's Dense

    @register_formula(Scale)
    def scale_formula(config, input_shape):
        return Formula([FormulaTerm("scale", str(input_shape[-1]))])

    try:
        assert explain(model).layer("scale_layer").source == "formula"
    finally:
        unregister_formula(Scale)


def test_unbuilt_tf_keras_model_gets_the_usual_error():
    with pytest.raises(NotBuiltError, match="not built"):
        explain(tf_keras.Sequential([L.Dense(2)]))


def test_explain_does_not_change_a_tf_keras_model():
    model = examples.seed003_batchnorm(api=tf_keras)
    before = (model.get_config(), [w.numpy().tobytes() for w in model.weights], len(model.layers[2]._inbound_nodes))
    explain(model).render(width=80)
    after = (model.get_config(), [w.numpy().tobytes() for w in model.weights], len(model.layers[2]._inbound_nodes))
    assert before == after


def test_trace_refuses_tf_keras_models_clearly():
    from ascii_explain.trace import trace

    with pytest.raises(TypeError, match="Keras 2 \\(tf_keras\\) model"):
        trace(examples.seed000_small_cnn(api=tf_keras), None)


def test_keras3_layers_are_not_taken_for_tf_keras_ones():
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    (record,) = explain(layer).layers
    assert record.terms == {"kernel": "3*2", "bias": "2"}


def test_cli_and_pytest_helper_on_tf_keras_with_legacy_switch(tmp_path):
    """TF_USE_LEGACY_KERAS=1 makes tf.keras be tf_keras: the CLI's --check and module:callable take its models."""
    (tmp_path / "legacy_models.py").write_text(
        textwrap.dedent(
            """
            import tensorflow as tf

            def build():
                return tf.keras.Sequential(
                    [tf.keras.Input((8,)), tf.keras.layers.Dense(4), tf.keras.layers.BatchNormalization()]
                )

            def check():
                from ascii_explain.testing import assert_formulas_match

                model = build()
                assert type(model).__module__.startswith("tf_keras"), type(model)
                print("helper", assert_formulas_match(model).total_params)
            """
        )
    )
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(tmp_path)}
    cli = subprocess.run(
        [sys.executable, "-m", "ascii_explain", "legacy_models:build", "--check", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    totals = json.loads(cli.stdout)["totals"]
    assert (totals["params"], totals["keras_params"]) == (4 * 8 + 4 + 4 * 4, 52)
    helper = subprocess.run(
        [sys.executable, "-c", "import legacy_models; legacy_models.check()"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert helper.returncode == 0, helper.stderr
    assert "helper 52" in helper.stdout


def siamese(api):
    """Two inputs, a layer called twice, a merge, a nested model: the same code on Keras 2 and Keras 3."""
    lay = api.layers
    inner = api.Sequential([api.Input((6,), name="inner_in"), lay.Dense(4, name="inner_dense")], name="inner")
    left, right = api.Input((6,), name="left"), api.Input((6,), name="right")
    shared = lay.Dense(6, name="shared")
    merged = lay.Add(name="add")([shared(left), shared(right)])
    out = lay.Dense(2, name="head")(lay.Concatenate(name="cat")([inner(merged), merged]))
    return api.Model([left, right], out, name="siamese")


def graph_rows(explanation):
    return {
        r.name: (
            r.params,
            r.depth,
            r.parent,
            r.inbound,
            r.calls,
            r.output_shape,
            [c.inbound_calls for c in r.call_list],
        )
        for r in explanation.layers
    }


def test_tf_keras_graph_reads_like_keras3_inbound_shared_and_nested():
    legacy = explain(siamese(tf_keras), expand_nested=True)
    check_whole(legacy)
    modern = explain(siamese(keras), expand_nested=True)
    assert graph_rows(legacy) == graph_rows(modern)
    assert (legacy.input_names, legacy.output_names) == (["left", "right"], ["head"])
    assert legacy.layer("shared").calls == 2 and legacy.layer("add").inbound == ("shared", "shared")
    assert [c.inbound_calls for c in legacy.layer("add").call_list] == [(1, 2)]
    assert legacy.total_params == 92
    assert "call 2  ← right" in legacy.render(width=100)


def test_drop_in_summary_on_a_tf_keras_model():
    from ascii_explain import summary

    printed: list[str] = []
    model = examples.seed002_vgg_mnist(api=tf_keras)
    names = [layer.name for layer in model.layers]
    summary(model, print_fn=printed.append, layer_range=(names[4], names[5]), line_length=100)
    (text,) = printed
    assert "Total params: 329,962" in text
    assert "(3*3*32+1)*64" in text and "(3*3*1+1)*32" not in text  # only the layers in the range are drawn


def test_patch_covers_tf_keras_models_summary():
    import ascii_explain

    model = tf_keras.Sequential([tf_keras.Input((4,)), L.Dense(3, name="d")])
    lines: list[str] = []
    ascii_explain.patch()
    try:
        model.summary(print_fn=lines.append)
    finally:
        ascii_explain.unpatch()
    text = "\n".join(lines)
    assert "kernel 4*3 + bias 3 = (4+1)*3 = 15" in text and "Trainable params: 15" in text
    assert len(lines) > 1  # tf_keras calls print_fn once a line; so do we for its models
    restored: list[str] = []
    model.summary(print_fn=restored.append)
    assert "Param #" in "\n".join(restored)


@pytest.mark.parametrize(("heads", "key_dim", "query", "value"), [(2, 4, (6, 8), (6, 8)), (3, 2, (4, 8), (7, 5))])
def test_tf_keras_multi_head_attention_is_explained_not_an_internal_error(heads, key_dim, query, value):
    """tf_keras's attention keeps its build shapes on the layer (issue 21): read as Keras 3's shapes_dict."""
    q, v = tf_keras.Input(query), tf_keras.Input(value)
    layer = L.MultiHeadAttention(heads, key_dim, name="mha")
    model = tf_keras.Model([q, v], layer(q, v))
    e = explain(model)
    record = e.layer("mha")
    assert not e.internal_errors and record.state == "formula"
    assert record.params == record.keras_params == layer.count_params()
    # projections (query T*d*h*k, key and value S*dv*h*k, output T*h*k*d) + scores and values h*T*S*k each
    t, d = query
    s, dv = value
    expected = t * d * heads * key_dim + 2 * s * dv * heads * key_dim + 2 * heads * t * s * key_dim
    expected += t * heads * key_dim * d
    assert record.macs == expected
