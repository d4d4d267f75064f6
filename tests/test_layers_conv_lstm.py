"""ConvLSTM1D/2D/3D (ascii_explain/layers/conv_lstm.py): parameters, output shapes and mult-adds.

Checked against Keras itself (``count_params()``, ``compute_output_shape``)
across configurations, and on hand-written facts with numbers derived by hand.
"""

from __future__ import annotations

from typing import Any

import keras
import pytest
from keras import layers as L

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.layers import find_formula, find_macs, find_shape_function

# (layer, sequence shape without batch)
CASES = [
    (lambda: L.ConvLSTM1D(2, 3), (4, 8, 3)),
    (lambda: L.ConvLSTM1D(3, 2, strides=2, padding="same", return_sequences=True), (5, 9, 2)),
    (lambda: L.ConvLSTM2D(2, 3), (4, 8, 8, 3)),
    (lambda: L.ConvLSTM2D(4, (3, 2), strides=(2, 1), use_bias=False), (3, 11, 7, 2)),
    (lambda: L.ConvLSTM2D(2, 3, dilation_rate=2, padding="valid"), (2, 10, 9, 1)),
    (lambda: L.ConvLSTM2D(2, 3, data_format="channels_first", padding="same"), (3, 3, 7, 7)),
    (lambda: L.ConvLSTM3D(2, (1, 2, 3), return_sequences=True), (2, 4, 5, 6, 3)),
]


def registered(function: Any) -> Any:
    assert function is not None, "no registered function"
    return function


def built(make, shape):
    layer = make()
    layer(keras.Input(shape))
    return layer, (None, *shape)


@pytest.mark.parametrize("make, shape", CASES)
def test_parameters_match_keras_count_params(make, shape):
    layer, build_shape = built(make, shape)
    formula = registered(find_formula(type(layer)))(layer.get_config(), build_shape)
    assert formula.value() == layer.count_params()


@pytest.mark.parametrize("make, shape", CASES)
def test_spatial_output_matches_keras_compute_output_shape(make, shape):
    layer, build_shape = built(make, shape)
    config = layer.get_config()
    expected = layer.compute_output_shape(build_shape)
    expected = expected[0] if isinstance(expected, list) else expected
    rank = len(config["kernel_size"])
    # the output is (batch, [time,] *spatial, filters), or channels before the spatial axes
    spatial = expected[-rank - 1 : -1] if config["data_format"] == "channels_last" else expected[-rank:]
    assert registered(find_shape_function(type(layer)))(config, build_shape).sizes == tuple(spatial)


@pytest.mark.parametrize("make, shape", CASES)
def test_macs_are_steps_times_gates_times_both_convolutions(make, shape):
    layer, build_shape = built(make, shape)
    config = layer.get_config()
    sizes: Any = registered(find_shape_function(type(layer)))(config, build_shape).sizes
    positions = 1
    for size in sizes:
        positions *= size
    window = 1
    for size in config["kernel_size"]:
        window *= size
    channels = shape[-1] if config["data_format"] == "channels_last" else shape[1]
    filters = config["filters"]
    expected = shape[0] * 4 * positions * window * (channels + filters) * filters
    expression = registered(find_macs(type(layer)))(config, build_shape, layer.compute_output_shape(build_shape))
    assert evaluate(expression) == expected


def test_on_hand_written_facts():
    config = {
        "filters": 2,
        "kernel_size": (3, 3),
        "strides": (1, 1),
        "padding": "valid",
        "data_format": "channels_last",
        "dilation_rate": (1, 1),
        "use_bias": True,
    }
    sequence = (None, 4, 8, 8, 3)
    # kernel 3*3*3*4*2 = 216, recurrent 3*3*2*4*2 = 144, bias 4*2 = 8: 368
    assert registered(find_formula(L.ConvLSTM2D))(config, sequence).value() == 368
    # valid 3x3 on 8x8: 6x6
    assert registered(find_shape_function(L.ConvLSTM2D))(config, sequence).sizes == (6, 6)
    # 4 steps * 4 gates * (36 positions * 9 * 3 * 2 + 36 * 9 * 2 * 2) = 16 * (1944 + 1296) = 51840
    assert evaluate(registered(find_macs(L.ConvLSTM2D))(config, sequence, (None, 6, 6, 2))) == 51840


def test_unknown_timesteps_leave_macs_unknown_but_shape_known():
    model = keras.Sequential([keras.Input((None, 8, 8, 3)), L.ConvLSTM2D(2, 3)])
    record = explain(model).layers[-1]
    assert record.macs is None and "None" in record.macs_note
    assert "floor((8-3)/1)+1 = 6" in record.shape_formula


def test_explain_shows_them():
    model = keras.Sequential([keras.Input((4, 8, 8, 3)), L.ConvLSTM2D(2, 3)])
    record = explain(model).layers[-1]
    assert record.macs == 51840
    assert record.shape_formula == "valid: floor((8-3)/1)+1 = 6"
