"""Backward mult-adds of custom layers whose forward count is traced (build/traced_backward.py).

The convention is layers/backward.py's for contractions: an activation by a
weight has input-grad = weight-grad = forward (the first contraction's
activation is the layer's input, a later one's an intermediate: internal); a
product of two activations costs forward for each operand's gradient, 2 x
forward, internal. Checked by hand from the shapes.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.build.traced_backward import traced_backward_terms
from ascii_explain.read.traced_macs import TWO_ACTIVATIONS, TWO_WEIGHTS, UNKNOWN_OPERANDS, WEIGHT_AND_ACTIVATION

from .helpers import model_state
from .keras_io_corpus import KERAS_IO_MODELS


def test_terms_from_hand_written_contractions():
    kinds = (WEIGHT_AND_ACTIVATION, TWO_ACTIVATIONS, WEIGHT_AND_ACTIVATION, TWO_WEIGHTS)
    terms, note = traced_backward_terms((10, 20, 30, 40), kinds)
    assert note == "" and [evaluate(term) for term in terms] == [10, 10 + 30 + 2 * 40, 2 * 20 + 30]
    assert traced_backward_terms((10,), (UNKNOWN_OPERANDS,))[0] == ()  # never guessed
    assert traced_backward_terms((10, 20), (WEIGHT_AND_ACTIVATION,))[0] == ()  # operands not recorded


def test_keras_io_custom_linear_layers_backward_by_hand():
    """tests/keras_io_corpus.py custom_weights: Linear(8) on 4 features, a running sum, an MLPBlock of
    Linear(16) and Linear(8)."""
    model = KERAS_IO_MODELS["custom_weights"]()
    before = model_state(model)
    e = explain(model, training=True)
    assert model_state(model) == before
    linear, mlp = e.layer("linear"), e.layer("mlp")
    assert linear.macs_source == "traced" and linear.macs == 4 * 8
    # the first weighted layer: no gradient into the data, its kernel's 4*8
    assert linear.backward_terms == ("32", "32", "0") and linear.backward_macs == 4 * 8
    # each Linear inside the block: input-grad (internal inside the block) and weight-grad = forward
    assert mlp.backward_macs == 2 * (8 * 16) + 2 * (16 * 8)
    step = e.training_macs
    assert step is not None and not step.unknown
    assert step.backward == 4 * 8 + 2 * (8 * 16 + 16 * 8) == evaluate(step.backward_expression)
    assert step.forward == 4 * 8 + 8 * 16 + 16 * 8


class BilinearScores(layers.Layer):
    """Token-by-token scores through a weight: ``(x @ W) @ x^T``, a weight product then an activation product."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], input_shape[-1]), name="w")

    def call(self, inputs):
        return ops.matmul(ops.matmul(inputs, self.w), ops.transpose(inputs, (0, 2, 1)))


def test_a_custom_layer_with_a_weight_and_an_activation_product_by_hand():
    length, features = 4, 3
    inputs = keras.Input((length, features))
    x = layers.Dense(features, name="project")(inputs)  # a trained layer before it: its input needs a gradient
    model = keras.Model(inputs, BilinearScores(name="scores")(x))
    e = explain(model, training=True, input_shape=(1, length, features))
    scores = e.layer("scores")
    weighted, pairs = length * features * features, length * length * features
    assert scores.macs == weighted + pairs and scores.macs_source == "traced"
    assert [evaluate(term) for term in scores.backward_terms] == [weighted, weighted, 2 * pairs]
    assert scores.backward_macs == weighted + weighted + 2 * pairs
