"""The per-family kept activations across configurations, counted independently from the built layers' shapes.

Each figure here is recounted from Keras itself (the tensors' shapes of a
built layer: its input, output, kernel and per-channel variables), not from
the family function; PyTorch's autograd checks them on real calls
(tests/test_saved_activations_torch.py).
"""

from __future__ import annotations

import math

import keras
import pytest

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.layers import find_saved_activations, register_saved_activations
from ascii_explain.layers.saved_activations import SavedActivations

layers = keras.layers


def kept(model: keras.Model, name: str):
    record = next(record for record in explain(model).top_level if record.name == name)
    return record


def per_sample(shape) -> int:
    return math.prod(int(dim) for dim in shape[1:])


@pytest.mark.parametrize("activation", [None, "relu", "gelu"])
@pytest.mark.parametrize("shape", [(7,), (3, 7)])
def test_dense_keeps_its_input_and_one_tensor_for_a_nonlinear_activation(activation, shape):
    inputs = keras.Input(shape)
    layer = layers.Dense(5, activation=activation, name="d")
    model = keras.Model(inputs, layer(inputs))
    record = kept(model, "d")
    extra = 0 if activation is None else per_sample(layer.output.shape)
    assert record.saved_elements == per_sample(inputs.shape) + extra
    assert evaluate(record.saved_formula) == record.saved_elements and record.saved_mask_elements == 0


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_layer_normalization_keeps_its_input_and_two_figures_per_row(axis):
    inputs = keras.Input((4, 3, 6))
    layer = layers.LayerNormalization(axis=axis, name="ln")
    model = keras.Model(inputs, layer(inputs))
    normalized = math.prod(inputs.shape[a] for a in ([axis] if isinstance(axis, int) else axis))
    rows = per_sample(inputs.shape) // normalized
    assert kept(model, "ln").saved_elements == per_sample(inputs.shape) + 2 * rows


@pytest.mark.parametrize("axis", [-1, 1])
def test_batch_normalization_keeps_its_input_and_two_per_channel_vectors(axis):
    inputs = keras.Input((5, 5, 3))
    layer = layers.BatchNormalization(axis=axis, name="bn")
    model = keras.Model(inputs, layer(inputs))
    channels = int(layer.gamma.shape[0])  # Keras's own per-channel variable
    assert kept(model, "bn").saved_elements == per_sample(inputs.shape) + 2 * channels


@pytest.mark.parametrize("rate", [0.0, 0.3])
def test_dropout_keeps_a_one_byte_mask(rate):
    inputs = keras.Input((6, 2))
    model = keras.Model(inputs, layers.Dropout(rate, name="do")(inputs))
    record = kept(model, "do")
    assert record.saved_elements == 0
    assert record.saved_mask_elements == (per_sample(inputs.shape) if rate else 0)


@pytest.mark.parametrize("units", [2, 5])
def test_lstm_keeps_seven_figures_per_unit_per_step(units):
    inputs = keras.Input((6, 3))
    model = keras.Model(inputs, layers.LSTM(units, return_sequences=True, name="lstm")(inputs))
    assert kept(model, "lstm").saved_elements == 6 * 3 + 6 * 7 * units


def test_unknown_length_leaves_the_figure_unknown_and_a_family_without_one_keeps_its_output():
    inputs = keras.Input((None, 3))
    model = keras.Model(inputs, layers.GRU(2, name="gru")(layers.LSTM(4, return_sequences=True, name="lstm")(inputs)))
    e = explain(model)
    lstm = next(record for record in e.top_level if record.name == "lstm")
    assert lstm.saved_elements is None and "unknown" in lstm.saved_note
    gru = next(record for record in e.top_level if record.name == "gru")
    assert gru.saved_elements is None and "output once" in gru.saved_note


def test_cross_attention_keeps_both_inputs_and_self_attention_one():
    query, value = keras.Input((4, 6)), keras.Input((9, 5))
    layer = layers.MultiHeadAttention(2, 3, name="mha")
    model = keras.Model([query, value], layer(query, value))
    heads, key_dim, tq, tk = 2, 3, 4, 9
    expected = 4 * 6 + 9 * 5 + tq * heads * key_dim + 2 * tk * heads * key_dim + heads * tq * tk + tq * heads * key_dim
    record = kept(model, "mha")
    assert record.saved_elements == expected and record.saved_selective == (heads * tq * tk, 0)


def test_a_users_registration_wins_and_is_inherited():
    class Scale(keras.layers.Layer):  # type: ignore[misc]
        def call(self, x):
            return 2 * x

    class Scale2(Scale):
        pass

    register_saved_activations(Scale)(lambda config, input_shape, output_shape: SavedActivations("0", "3"))
    assert find_saved_activations(Scale2) is find_saved_activations(Scale)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, Scale2(name="s")(inputs))
    record = kept(model, "s")
    assert (record.saved_elements, record.saved_mask_elements) == (0, 3)


def test_a_blocks_part_without_a_figure_counts_its_output_once_and_is_named():
    class Block(keras.layers.Layer):  # type: ignore[misc]
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(4, name="d")
            self.gru = layers.GRU(3, return_sequences=True, name="g")

        def call(self, x):
            return self.gru(self.dense(x))

    inputs = keras.Input((5, 6))
    model = keras.Model(inputs, Block(name="block")(inputs))
    e = explain(model, optimizer="sgd")
    block = next(record for record in e.top_level if record.name == "block")
    assert block.saved_elements == 5 * 6 + 5 * 3  # the Dense's input; the GRU's output once (no figure)
    assert block.saved_note.endswith("at their output once: g")
    plan = e.training_memory
    assert plan is not None and plan.outputs_once_layers == ("block",)
    assert plan.activations == 4 * (5 * 6 + 5 * 3)
