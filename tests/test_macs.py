"""Mult-adds: each family against hand-worked values, and the registry's behaviour."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from ascii_explain import examples, explain, register_macs, unregister_macs
from ascii_explain.arithmetic import evaluate
from ascii_explain.layers import find_macs, registered_macs_classes


def record_of(layer, *input_shapes):
    """Call ``layer`` on symbolic inputs of ``input_shapes`` (batch excluded) and explain it."""
    inputs = [keras.Input(shape) for shape in input_shapes]
    layer(*inputs) if len(inputs) > 1 else layer(inputs[0])
    (record,) = explain(layer).layers
    assert record.macs is None or evaluate(record.macs_formula) == record.macs
    return record


def test_seed002_first_conv_is_26_26_32_9():
    e = explain(examples.seed002_vgg_mnist())
    first = e.layers[0]
    assert first.class_name == "Conv2D"
    assert first.macs == 26 * 26 * 32 * 9 == 194_688
    assert first.macs_formula == "26*26*3*3*1*32"


def test_dense_on_7_by_5_input_with_3_units_is_105():
    record = record_of(layers.Dense(3), (7, 5))
    assert record.macs == 105 and record.macs_formula == "7*5*3"


def test_dense_flat_input():
    assert record_of(layers.Dense(5), (27,)).macs == 27 * 5


@pytest.mark.parametrize(
    ("layer", "shape", "expected"),
    [
        # 10 steps, 8 features, 4 units: 4 gates x (8*4 + 4*4) per step.
        (layers.LSTM(4), (10, 8), 10 * 4 * (8 * 4 + 4 * 4)),
        (layers.LSTM(4, return_sequences=True), (10, 8), 1920),
        (layers.GRU(3), (6, 5), 6 * 3 * (5 * 3 + 3 * 3)),
        (layers.GRU(3, reset_after=False), (6, 5), 6 * 3 * (5 * 3 + 3 * 3)),
        (layers.SimpleRNN(2), (4, 3), 4 * (3 * 2 + 2 * 2)),
        (layers.Bidirectional(layers.LSTM(3)), (5, 2), 2 * 5 * 4 * (2 * 3 + 3 * 3)),
        (
            layers.Bidirectional(layers.LSTM(3), backward_layer=layers.GRU(2, go_backwards=True)),
            (5, 2),
            5 * 4 * (2 * 3 + 3 * 3) + 5 * 3 * (2 * 2 + 2 * 2),
        ),
    ],
    ids=["lstm", "lstm-sequences", "gru", "gru-reset-before", "simple-rnn", "bidirectional", "bidirectional-mixed"],
)
def test_recurrent(layer, shape, expected):
    assert record_of(layer, shape).macs == expected


def test_lstm_formula_reads_as_the_convention():
    assert record_of(layers.LSTM(4), (10, 8)).macs_formula == "10*4*(8*4+4*4)"


@pytest.mark.parametrize(
    ("layer", "shape", "expected"),
    [
        # output 6x6 positions, 3x3 kernel, 4 in-channels in 2 groups of 2, 6 filters
        (layers.Conv2D(6, 3, groups=2), (8, 8, 4), 6 * 6 * 9 * 2 * 6),
        (layers.Conv2D(5, 3, strides=2, padding="same"), (9, 9, 2), 5 * 5 * 9 * 2 * 5),
        (layers.Conv2D(2, 3, padding="same", data_format="channels_first"), (3, 8, 8), 8 * 8 * 9 * 3 * 2),
        (layers.Conv1D(4, 3, dilation_rate=2), (10, 3), 6 * 3 * 3 * 4),
        (layers.Conv3D(2, 2), (4, 4, 4, 1), 3 * 3 * 3 * 8 * 1 * 2),
        # depthwise: output positions x kernel x channels x multiplier
        (layers.DepthwiseConv2D(3, depth_multiplier=2), (8, 8, 3), 6 * 6 * 9 * 3 * 2),
        (layers.DepthwiseConv1D(3), (8, 4), 6 * 3 * 4),
        # separable: depthwise + pointwise (seed 004's second layer)
        (layers.SeparableConv2D(32, 3, padding="same"), (28, 28, 32), 28 * 28 * 9 * 32 + 28 * 28 * 32 * 32),
        (layers.SeparableConv1D(4, 3, depth_multiplier=2), (7, 3), 5 * 3 * 3 * 2 + 5 * 3 * 2 * 4),
        # transpose: INPUT positions x kernel x in x filters (seed 001's first layer)
        (layers.Conv2DTranspose(5, 2), (40, 110, 1), 40 * 110 * 4 * 1 * 5),
        (layers.Conv2DTranspose(4, 3, strides=2), (5, 5, 3), 5 * 5 * 9 * 3 * 4),
        (layers.Conv1DTranspose(2, 3), (6, 4), 6 * 3 * 4 * 2),
    ],
    ids=lambda value: "" if not isinstance(value, keras.layers.Layer) else type(value).__name__,
)
def test_convolutions(layer, shape, expected):
    assert record_of(layer, shape).macs == expected


def test_multi_head_attention_hand_worked():
    # query 5 positions x 8, value 7 x 6; 2 heads, key_dim 3, value_dim 4; output back to 8.
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    record = record_of(layer, (5, 8), (7, 6))
    projections = 5 * 8 * 2 * 3 + 7 * 6 * 2 * 3 + 7 * 6 * 2 * 4
    scores_and_values = 2 * 5 * 7 * 3 + 2 * 5 * 7 * 4
    output = 5 * 2 * 4 * 8
    assert record.macs == projections + scores_and_values + output == 1638


def test_multi_head_attention_gate_and_output_shape():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, use_gate=True, output_shape=5)
    record = record_of(layer, (4, 6), (4, 6))
    expected = 4 * 6 * 2 * 3 * 3 + 4 * 6 * 2 * 3 + 2 * 4 * 4 * 3 * 2 + 4 * 2 * 3 * 5
    assert record.macs == expected


def test_group_query_attention():
    layer = layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2)
    record = record_of(layer, (3, 8), (5, 8))
    expected = 3 * 8 * 4 * 2 + 5 * 8 * 2 * 2 * 2 + 4 * 3 * 5 * 2 * 2 + 3 * 4 * 2 * 8
    assert record.macs == expected


def test_dot_attention_and_dot():
    attention = layers.Attention()
    query, value = keras.Input((3, 4)), keras.Input((5, 4))
    attention([query, value])
    (record,) = explain(attention).layers
    assert record.macs == 3 * 5 * 4 + 3 * 5 * 4
    dot = layers.Dot(axes=2)
    dot([keras.Input((3, 4)), keras.Input((5, 4))])
    assert explain(dot).layers[0].macs == 3 * 4 * 5


def test_einsum_dense():
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 6), bias_axes="d")
    assert record_of(layer, (7, 5)).macs == 7 * 5 * 6


def test_zero_mac_layers_are_zero():
    model = examples.seed003_batchnorm()
    e = explain(model)
    for name in ("zero_padding2d", "bn0", "activation", "max_pool", "flatten"):
        record = next(r for r in e.layers if r.name == name or r.class_name.lower() == name.replace("_", ""))
        assert record.macs == 0 and record.macs_formula == "0"


def test_seed_total_is_the_sum_of_the_records():
    e = explain(examples.seed000_small_cnn())
    # 14*14 positions x 3*3*3 x 2 filters, 6*6 x 3*3*2 x 3, then 27*5 and 5*2.
    assert e.total_macs == 14 * 14 * 27 * 2 + 6 * 6 * 18 * 3 + 27 * 5 + 5 * 2 == 12_673
    assert e.total_macs == sum(r.macs or 0 for r in e.layers)
    assert not e.macs_unknown


def test_unknown_is_none_never_invented():
    # No MACs function, and its traced call contracts over the sequence length, None here (issue 21)
    def gram(x):
        return keras.ops.mean(keras.ops.matmul(keras.ops.transpose(x, (0, 2, 1)), x), axis=1)

    model = keras.Sequential([keras.Input((None, 4)), layers.Lambda(gram, name="double"), layers.Dense(3)])
    e = explain(model)
    record = e.layer("double")
    assert record.macs is None and record.macs_formula == ""
    assert "no mult-add formula for Lambda" in record.macs_note and "unknown" in record.macs_note
    assert e.macs_unknown == [record]
    assert e.total_macs == 12
    text = e.render(width=100)
    assert "macs    ? (no mult-add formula for Lambda" in text
    assert "Mult-adds: 12 per sample + unknown for 1 row: double (Lambda)" in text


def test_unknown_dimension_gives_none():
    model = keras.Sequential([keras.Input((None, 3)), layers.LSTM(2)])
    (record,) = explain(model).layers
    assert record.macs is None and "None" in record.macs_note


def test_not_covered_configuration_gives_none():
    layer = layers.Attention(score_mode="concat")
    layer([keras.Input((3, 4)), keras.Input((5, 4))])
    (record,) = explain(layer).layers
    assert record.macs is None and "not covered" in record.macs_note


def test_nested_model_is_the_sum_of_its_layers():
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(2)], name="inner")
    outer = keras.Sequential([keras.Input((4,)), inner, layers.Dense(1)])
    e = explain(outer)
    assert e.layer("inner").macs == 4 * 3 + 3 * 2
    assert e.total_macs == 18 + 2


def test_register_your_own():
    class Scale(keras.layers.Layer):
        def call(self, inputs):
            return inputs * 2

    @register_macs(Scale)
    def scale_macs(config, input_shape, output_shape):
        return f"{input_shape[-1]}*0"

    try:
        model = keras.Sequential([keras.Input((4,)), Scale(name="scale")])
        assert explain(model).layer("scale").macs == 0
        assert find_macs(Scale) is scale_macs and Scale in registered_macs_classes()
    finally:
        unregister_macs(Scale)
    assert find_macs(Scale) is None


def test_subclass_uses_base_function():
    class MyDense(layers.Dense):
        pass

    assert record_of(MyDense(3), (7, 5)).macs == 105


def test_every_function_documents_its_convention():
    for layer_class in registered_macs_classes():
        function = find_macs(layer_class)
        assert function.__doc__ and len(function.__doc__.strip()) > 20, layer_class
