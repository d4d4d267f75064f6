"""Layer families on hand-written facts: configs and shapes typed here, no Keras layer built.

Each function in ``ascii_explain/layers/`` sees facts only (a config dict, the
build and output shapes, sometimes sublayer configs). These tests feed it
facts written by hand and check the numbers, each derived by hand in a
comment, so a formula can be checked without Keras building anything: the
``no_layer_is_built`` fixture makes building one fail.
"""

from __future__ import annotations

from typing import Any

import keras
import pytest

from ascii_explain.arithmetic import evaluate
from ascii_explain.layers import (
    ShapeSyntaxError,
    UnknownDimensionError,
    evaluate_shape,
    find_formula,
    find_macs,
    find_shape_function,
)


@pytest.fixture(autouse=True)
def no_layer_is_built(monkeypatch):
    """Any Keras layer constructed during a test here fails it: the functions must need facts only."""

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"a Keras layer ({type(self).__name__}) was built; the layer functions take facts")

    monkeypatch.setattr(keras.layers.Layer, "__init__", refuse)


def registered(function: Any) -> Any:
    assert function is not None, "no registered function"
    return function


def params(layer_class, config, build_shape):
    formula = registered(find_formula(layer_class))(config, build_shape)
    assert evaluate(formula.expression) == sum(evaluate(term.expression) for term in formula.terms)
    return {term.name: evaluate(term.expression) for term in formula.terms}


def macs(layer_class, config, build_shape, output_shape):
    return evaluate(registered(find_macs(layer_class))(config, build_shape, output_shape))


def shape(layer_class, config, input_shape):
    return registered(find_shape_function(layer_class))(config, input_shape)


# ---------------------------------------------------------------- Dense


def test_dense_on_facts():
    config = {"units": 3, "use_bias": True}
    # kernel 4*3 = 12, bias 3: (4+1)*3 = 15
    assert params(keras.layers.Dense, config, (None, 4)) == {"kernel": 12, "bias": 3}
    assert registered(find_formula(keras.layers.Dense))(config, (None, 4)).compact == "(4+1)*3"
    assert params(keras.layers.Dense, {"units": 3, "use_bias": False}, (None, 4)) == {"kernel": 12}
    # one product per input value and unit: 4*3 = 12; on a (7, 5) input each of the 7 positions: 7*5*3 = 105
    assert macs(keras.layers.Dense, config, (None, 4), (None, 3)) == 12
    assert macs(keras.layers.Dense, config, (None, 7, 5), (None, 7, 3)) == 105


def test_dense_macs_need_known_dimensions():
    with pytest.raises(UnknownDimensionError):
        registered(find_macs(keras.layers.Dense))({"units": 3}, (None, None, 5), (None, None, 3))


# ---------------------------------------------------------------- Conv2D

CONV = {
    "filters": 2,
    "kernel_size": (3, 3),
    "strides": (1, 1),
    "padding": "valid",
    "data_format": "channels_last",
    "dilation_rate": (1, 1),
    "groups": 1,
    "use_bias": True,
}


def test_conv2d_on_facts():
    # kernel 3*3*3*2 = 54, bias 2: (3*3*3+1)*2 = 56
    assert params(keras.layers.Conv2D, CONV, (None, 5, 5, 3)) == {"kernel": 54, "bias": 2}
    # valid 3x3 on 5x5: floor((5-3)/1)+1 = 3 per axis
    formula = shape(keras.layers.Conv2D, CONV, (None, 5, 5, 3))
    assert formula.axes == ("floor((5-3)/1)+1", "floor((5-3)/1)+1")
    assert formula.sizes == (3, 3)
    # 3*3 output positions, each a 3*3*3 window for each of 2 filters: 9*27*2 = 486
    assert macs(keras.layers.Conv2D, CONV, (None, 5, 5, 3), (None, 3, 3, 2)) == 486


def test_conv2d_same_stride_2_and_channels_first():
    config = {**CONV, "padding": "same", "strides": (2, 2)}
    # same: ceil(7/2) = 4
    assert shape(keras.layers.Conv2D, config, (None, 7, 7, 3)).sizes == (4, 4)
    assert shape(keras.layers.Conv2D, config, (None, 7, 7, 3)).kind == "same, stride 2"
    first = {**CONV, "data_format": "channels_first"}
    # channels read from axis 1: 3 channels, 5x5 spatial, as above
    assert params(keras.layers.Conv2D, first, (None, 3, 5, 5)) == {"kernel": 54, "bias": 2}
    assert shape(keras.layers.Conv2D, first, (None, 3, 5, 5)).sizes == (3, 3)


def test_conv2d_transpose_on_facts():
    config = {**CONV, "filters": 5, "kernel_size": (2, 2), "output_padding": None}
    # seed 001: kernel 2*2*5*1 = 20, bias 5: (2*2*1+1)*5 = 25
    assert sum(params(keras.layers.Conv2DTranspose, config, (None, 4, 4, 1)).values()) == 25
    # valid transpose: (4-1)*1+2 = 5 per axis
    assert shape(keras.layers.Conv2DTranspose, config, (None, 4, 4, 1)).sizes == (5, 5)
    # every input value (4*4, 1 channel) scattered through a 2*2 kernel for 5 filters: 16*4*5 = 320
    assert macs(keras.layers.Conv2DTranspose, config, (None, 4, 4, 1), (None, 5, 5, 5)) == 320


# -------------------------------------------------------- pooling, padding


def test_max_pooling_on_facts():
    config = {"pool_size": (2, 2), "strides": None, "padding": "valid", "data_format": "channels_last"}
    assert params(keras.layers.MaxPooling2D, config, (None, 7, 7, 3)) == {}
    # the stride defaults to the pool size: floor((7-2)/2)+1 = 3
    formula = shape(keras.layers.MaxPooling2D, config, (None, 7, 7, 3))
    assert formula.sizes == (3, 3)
    assert formula.text == "valid, stride 2: floor((7-2)/2)+1 = 3"
    assert macs(keras.layers.MaxPooling2D, config, (None, 7, 7, 3), (None, 3, 3, 3)) == 0


def test_zero_padding_and_cropping_on_facts():
    padding = {"padding": ((1, 1), (2, 3)), "data_format": "channels_last"}
    # 5+1+1 = 7 rows, 5+2+3 = 10 columns
    assert shape(keras.layers.ZeroPadding2D, padding, (None, 5, 5, 3)).sizes == (7, 10)
    cropping = {"cropping": 1, "data_format": "channels_last"}
    # 5-1-1 = 3 on each axis
    assert shape(keras.layers.Cropping2D, cropping, (None, 5, 5, 3)).sizes == (3, 3)
    assert params(keras.layers.ZeroPadding2D, padding, (None, 5, 5, 3)) == {}


def test_unknown_spatial_size_stays_unknown():
    config = {"pool_size": (2,), "strides": None, "padding": "valid"}
    formula = shape(keras.layers.MaxPooling1D, config, (None, None, 3))
    assert formula.sizes == (None,)
    assert "unknown" in formula.text


# ------------------------------------------------------------------- LSTM


def test_lstm_on_facts():
    config = {"units": 4, "use_bias": True}
    # four gates: kernel 8*4*4 = 128, recurrent 4*4*4 = 64, bias 4*4 = 16: 4*(8+4+1)*4 = 208
    assert params(keras.layers.LSTM, config, (None, 10, 8)) == {"kernel": 128, "recurrent_kernel": 64, "bias": 16}
    # 10 steps of 4 gates of (8*4 + 4*4): 10*4*48 = 1920
    assert macs(keras.layers.LSTM, config, (None, 10, 8), (None, 4)) == 1920
    # the cell has the layer's formula, read on its own (batch, features) shape
    assert params(keras.layers.LSTMCell, config, (None, 8)) == params(keras.layers.LSTM, config, (None, 10, 8))


def test_gru_reset_after_has_two_bias_rows():
    # kernel 8*3*4 = 96, recurrent 4*3*4 = 48, bias 2*3*4 = 24 (reset_after) or 3*4 = 12
    assert params(keras.layers.GRU, {"units": 4}, (None, 10, 8))["bias"] == 24
    assert params(keras.layers.GRU, {"units": 4, "reset_after": False}, (None, 10, 8))["bias"] == 12


# ---------------------------------------------------- MultiHeadAttention

MHA = {"num_heads": 2, "key_dim": 4, "value_dim": None, "use_bias": True, "output_shape": None}
MHA_SHAPES = {"query_shape": (None, 5, 8), "value_shape": (None, 6, 8), "key_shape": None}


def test_multi_head_attention_on_facts():
    terms = params(keras.layers.MultiHeadAttention, MHA, MHA_SHAPES)
    # query, key, value: kernel 8*2*4 = 64 and bias 2*4 = 8 each; output: kernel 2*4*8 = 64, bias 8
    assert terms == {
        "query/kernel": 64,
        "query/bias": 8,
        "key/kernel": 64,
        "key/bias": 8,
        "value/kernel": 64,
        "value/bias": 8,
        "attention_output/kernel": 64,
        "attention_output/bias": 8,
    }
    assert sum(terms.values()) == 288
    # query 5*8*2*4 = 320, key 6*8*2*4 = 384, value 384, scores 2*5*6*4 = 240,
    # weighted values 240, output 5*2*4*8 = 320: 1888
    assert macs(keras.layers.MultiHeadAttention, MHA, MHA_SHAPES, (None, 5, 8)) == 1888


def test_multi_head_attention_sees_a_quantized_projection_through_sublayer_configs():
    sublayers = {"query": {"dtype": {"class_name": "QuantizedDTypePolicy", "config": {"name": "int8_from_float32"}}}}
    formula = registered(find_formula(keras.layers.MultiHeadAttention))(MHA, MHA_SHAPES, sublayers=sublayers)
    names = [term.name for term in formula.terms]
    # int8 keeps one scale per kept column (2*4 = 8) next to the int8 kernel
    assert "query/kernel_scale" in names and "key/kernel_scale" not in names


# ------------------------------------------------- embedding, normalization


def test_embedding_and_batch_normalization_on_facts():
    # a 10 x 4 table; a lookup is 0 MACs
    assert params(keras.layers.Embedding, {"input_dim": 10, "output_dim": 4}, (None, 7)) == {"embeddings": 40}
    assert macs(keras.layers.Embedding, {"input_dim": 10, "output_dim": 4}, (None, 7), (None, 7, 4)) == 0
    # seed 003: gamma, beta, moving mean and variance of 32 each = 128, the moving two not trained
    config = {"axis": -1, "center": True, "scale": True}
    formula = registered(find_formula(keras.layers.BatchNormalization))(config, (None, 32))
    assert sum(evaluate(term.expression) for term in formula.terms) == 128
    assert sum(evaluate(term.expression) for term in formula.terms if not term.trainable) == 64


# --------------------------------------------------------- shape notation


def test_shape_notation_evaluates_exactly():
    assert evaluate_shape("floor((14-3)/2)+1") == 6
    assert evaluate_shape("ceil(7/2)") == 4
    assert evaluate_shape("(4-1)*2+max(3,2)") == 9
    with pytest.raises(ShapeSyntaxError):
        evaluate_shape("7/2")  # not a whole number
    with pytest.raises(ShapeSyntaxError):
        evaluate_shape("__import__('os')")
