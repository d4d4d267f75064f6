# mypy: disable-error-code="union-attr,operator,misc"
# (e.training_macs and the records' backward fields are Optional; these tests assert they are known.)
"""Backward mult-adds per layer family and the training step's totals, worked by hand.

The formulas are checked against XLA's compiled gradient step in
test_training_macs_jax.py (on the JAX backend); here, on hand-written facts
and small models: each family's input-grad, weight-grad and internal terms,
which of them a step needs (frozen weights, the first weighted layer, graph
branches), that every printed expression evaluates to the number beside it,
and the text, HTML, Markdown and JSON views.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from keras import layers

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.layers import BackwardMacs, find_backward_macs


def terms(layer_class, config, input_shape, output_shape=None) -> tuple[int, int, int]:
    function = find_backward_macs(layer_class)
    result = function(config, input_shape, output_shape)
    assert isinstance(result, BackwardMacs)
    return tuple(evaluate(term) for term in result)  # type: ignore[return-value]


# ------------------------------------------------------------------ families, on facts


def test_dense_and_einsum_are_one_contraction_read_twice():
    # Dense 5 -> 3 on (7, 5): forward 7*5*3 = 105; input-grad dy·Wᵀ 105, weight-grad xᵀ·dy 105
    assert terms(layers.Dense, {"units": 3}, (None, 7, 5)) == (105, 105, 0)
    config = {"equation": "abc,cd->abd", "output_shape": [7, 6]}
    assert terms(layers.EinsumDense, config, (None, 7, 5), (None, 7, 6)) == (7 * 5 * 6, 7 * 5 * 6, 0)


@pytest.mark.parametrize(
    "config, input_shape, output_shape, forward",
    [
        ({"kernel_size": [3, 3], "filters": 4}, (None, 8, 8, 2), (None, 6, 6, 4), 6 * 6 * 9 * 2 * 4),
        ({"kernel_size": [3, 3], "filters": 4, "groups": 2}, (None, 8, 8, 2), (None, 8, 8, 4), 8 * 8 * 9 * 1 * 4),
        ({"kernel_size": [3, 3], "filters": 4, "dilation_rate": 2}, (None, 8, 8, 2), (None, 4, 4, 4), 4 * 4 * 9 * 8),
    ],
)  # fmt: skip
def test_convolutions_plain_grouped_dilated(config, input_shape, output_shape, forward):
    assert terms(layers.Conv2D, config, input_shape, output_shape) == (forward, forward, 0)


def test_depthwise_separable_and_transposed_convolutions():
    depthwise = {"kernel_size": [3, 3], "depth_multiplier": 2}
    assert terms(layers.DepthwiseConv2D, depthwise, (None, 6, 6, 3), (None, 4, 4, 6)) == (4 * 4 * 9 * 3 * 2,) * 2 + (0,)
    separable = {"kernel_size": [3, 3], "depth_multiplier": 1, "filters": 5}
    # depthwise 4*4*9*3 into the input; pointwise 4*4*3*5 internal (into the depthwise output); both kernels
    dw, pw = 4 * 4 * 9 * 3, 4 * 4 * 3 * 5
    assert terms(layers.SeparableConv2D, separable, (None, 6, 6, 3), (None, 4, 4, 5)) == (dw, dw + pw, pw)
    transposed = {"kernel_size": [2, 2], "filters": 5, "strides": [2, 2]}
    # every input value scattered through the kernel: 4*4 input positions * 2*2 * 3 in * 5 filters, read back
    assert terms(layers.Conv2DTranspose, transposed, (None, 4, 4, 3), (None, 8, 8, 5)) == (4 * 4 * 4 * 3 * 5,) * 2 + (
        0,
    )


@pytest.mark.parametrize("cell, gates", [("SimpleRNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_recurrent_cells_per_step(cell, gates):
    # 10 steps, 8 features, 4 units: into each step's input T*g*in*units, into the previous state T*g*u*u,
    # both kernels T*g*(in*units + units*units)
    assert terms(getattr(layers, cell), {"units": 4}, (None, 10, 8)) == (
        10 * gates * 8 * 4,
        10 * gates * (8 * 4 + 4 * 4),
        10 * gates * 4 * 4,
    )


def test_bidirectional_adds_both_directions():
    config = {"layer": {"class_name": "LSTM", "config": {"units": 4}}, "backward_layer": None}
    assert terms(layers.Bidirectional, config, (None, 10, 8)) == (2 * 10 * 4 * 8 * 4, 2 * 10 * 4 * 48, 2 * 10 * 4 * 16)


def test_attention_products_count_once_per_operand():
    # MHA, 2 heads of 4 on a (6, 8) query and value: projections 3 * 6*8*2*4 = 1152, output 6*2*4*8 = 384,
    # scores and values 2*6*6*4 = 288 each
    shapes = {"query_shape": (None, 6, 8), "value_shape": (None, 6, 8)}
    projections, output, products = 3 * 6 * 8 * 2 * 4, 6 * 2 * 4 * 8, 2 * 2 * 6 * 6 * 4
    assert terms(layers.MultiHeadAttention, {"num_heads": 2, "key_dim": 4}, shapes) == (
        projections,
        projections + output,
        output + 2 * products,
    )
    # Luong attention, no weights: dQ, dK (scores) and dV into the inputs, dP internal
    assert terms(layers.Attention, {}, [(None, 5, 4), (None, 7, 4)]) == (2 * 5 * 7 * 4 + 5 * 7 * 4, 0, 5 * 7 * 4)
    # Dot: each input's gradient is the output's gradient times the other one
    assert terms(layers.Dot, {"axes": [2, 2]}, [(None, 5, 4), (None, 7, 4)]) == (2 * 5 * 4 * 7, 0, 0)


def test_embedding_is_a_gather_and_a_scatter():
    assert terms(layers.Embedding, {"input_dim": 50, "output_dim": 8}, (None, 6)) == (0, 0, 0)


# ------------------------------------------------------------------ the step on models


def cnn():
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(64, 3, activation="relu", name="conv2"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(10, activation="softmax", name="logits"),
        ],
        name="cnn",
    )


def test_cnn_step_by_hand():
    e = explain(cnn(), batch_size=32, training=True)
    step = e.training_macs
    # conv1 reads the data: its weight gradient only. conv2 and logits: input and weight gradients.
    conv1, conv2, logits = 26 * 26 * 9 * 32, 11 * 11 * 9 * 32 * 64, 64 * 10
    assert [r.backward_macs for r in e.top_level] == [conv1, 0, 2 * conv2, 0, 2 * logits]
    assert step.forward == e.total_macs == conv1 + conv2 + logits
    assert step.backward == conv1 + 2 * conv2 + 2 * logits == 4_656_512
    assert (step.backward_input, step.backward_weights) == (conv2 + logits, conv1 + conv2 + logits)
    assert step.per_step == 32 * (step.forward + step.backward) == evaluate(step.per_step_expression)
    assert step.no_input_gradient == ("conv1",)
    for record in e.top_level:
        assert evaluate(record.backward_macs_formula) == record.backward_macs


def test_frozen_layers_and_what_comes_before_them():
    model = keras.Sequential(
        [keras.Input((12,)), layers.Dense(8, name="a"), layers.Dense(6, name="b"), layers.Dense(4, name="c")]
    )
    model.get_layer("a").trainable = False
    e = explain(model, training=True)
    # a: frozen and first, nothing; b: nothing before it trains, weight-grad only; c: both
    assert [r.backward_macs for r in e.top_level] == [0, 8 * 6, 2 * 6 * 4]
    assert e.training_macs.frozen == ("a",)
    assert e.training_macs.no_input_gradient == ("b",)
    model.get_layer("c").trainable = False
    assert [r.backward_macs for r in explain(model, training=True).top_level] == [0, 8 * 6, 6 * 4]


def test_graph_branches_follow_their_own_inputs():
    left, right = keras.Input((5,), name="left"), keras.Input((3,), name="right")
    frozen = layers.Dense(4, name="frozen", trainable=False)(left)
    trained = layers.Dense(4, name="trained")(right)
    after_frozen = layers.Dense(2, name="after_frozen")(frozen)
    head = layers.Dense(1, name="head")(layers.Concatenate(name="join")([after_frozen, trained]))
    model = keras.Model([left, right], head)
    e = explain(model, training=True)
    macs = {r.name: r.backward_macs for r in e.top_level if r.class_name != "InputLayer"}
    # after_frozen reads only the frozen branch: weight-grad only, although "trained" comes before it in the rows
    assert macs == {"frozen": 0, "trained": 3 * 4, "after_frozen": 4 * 2, "join": 0, "head": 2 * 6 * 1}
    assert set(e.training_macs.no_input_gradient) == {"trained", "after_frozen"}


def test_lstm_counts_every_steps_state_gradient():
    model = keras.Sequential([keras.Input((10, 8)), layers.Dense(8), layers.LSTM(4)])
    e = explain(model, training=True)
    lstm = e.top_level[-1]
    assert lstm.backward_macs == 10 * 4 * 8 * 4 + 10 * 4 * 4 * 4 + 10 * 4 * (8 * 4 + 4 * 4)


def test_a_traced_custom_layers_backward_comes_from_its_contractions():
    # A custom layer's forward is traced (issue 21: its ops.matmul counted), and so is its backward: its
    # input by its kernel, input-grad = weight-grad = forward, as a Dense (build/traced_backward.py).
    class Project(layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 4), name="kernel")

        def call(self, inputs):
            return keras.ops.matmul(inputs, self.kernel)

    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2)(Project(name="project")(layers.Dense(4)(inputs))))
    e = explain(model, training=True)
    project = e.layer("project")
    assert project.macs == 4 * 4 and project.backward_macs == 2 * 4 * 4
    step = e.training_macs
    assert step is not None and not step.unknown
    # the first Dense reads the data: weight-grad 4*4 only; the project and the last Dense 2 x forward
    assert step.backward == 4 * 4 + 2 * 4 * 4 + 2 * 4 * 2


def test_unknown_backward_is_listed_never_guessed():
    # A contraction the trace reads from TensorFlow's graph (tf.matmul past keras.ops) is counted forward,
    # but which operand is a weight is not known: its backward is unknown there, and said so.
    tf = pytest.importorskip("tensorflow")

    class Project(layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 4), name="kernel")

        def call(self, inputs):
            return tf.matmul(inputs, self.kernel)

    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2)(Project(name="project")(layers.Dense(4)(inputs))))
    e = explain(model, training=True)
    assert e.layer("project").macs == 4 * 4
    assert e.training_macs.unknown == ("project",) and "at least" in str(e)


def test_explain_reads_only():
    model = cnn()
    before = [v.numpy() for v in model.weights]
    explain(model, training=True, optimizer="adam")
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(before, model.weights, strict=True))


# ------------------------------------------------------------------ views


def test_views_show_the_step_when_asked():
    model = cnn()
    assert "Training step" not in str(explain(model))
    e = explain(model, batch_size=32, training=True)
    text = e.render(width=120)
    assert (
        "Training step mult-adds for a batch of 32: 226,627,584 = 32*(2,425,600 forward + 4,656,512 backward)" in text
    )
    assert "no gradient into the inputs of conv1" in text
    assert "Training step mult-adds" in e.to_markdown() and "Training step mult-adds" in e.to_html()
    assert "Training step" in str(explain(model, optimizer="sgd"))
    data = json.loads(e.to_json())
    assert data["training_macs"]["per_step"] == 226_627_584
    conv2 = next(layer for layer in data["layers"] if layer["name"] == "conv2")
    assert conv2["backward_macs"] == evaluate(conv2["backward_macs_formula"]) == 2 * 11 * 11 * 9 * 32 * 64


def test_hostile_layer_names_are_escaped():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="x<script>"), layers.Dense(2)])
    html = explain(model, training=True).to_html()
    assert "<script>" not in html


def test_readme_training_step_block_is_what_explain_prints():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Training step: forward + backward mult-adds", 1)[1]
    block = section.split("```\n", 3)[2].split("```", 1)[0].rstrip("\n")
    e = explain(cnn(), batch_size=32, training=True)
    assert block in e.render(width=100)
    assert (e.training_macs.per_step, e.training_macs.per_step_expression) == (226627584, "32*(2425600 + 4656512)")


def test_command_line_training_flag(tmp_path, capsys):
    from ascii_explain import cli

    path = tmp_path / "cnn.keras"
    cnn().save(path)
    assert cli.main([str(path), "--batch-size", "32", "--training"]) == 0
    out = capsys.readouterr().out
    assert "Training step mult-adds for a batch of 32: 226,627,584" in out
    assert cli.main([str(path)]) == 0
    assert "Training step" not in capsys.readouterr().out
