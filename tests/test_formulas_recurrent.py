"""Recurrent layers, cells and wrappers: formulas against count_params()."""

from __future__ import annotations

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .helpers import assert_layer_formula_matches, build_layer

L = keras.layers


@pytest.mark.parametrize(
    ("layer", "shape", "formula"),
    [
        (L.SimpleRNN(3), (5, 6), "(6+3+1)*3"),
        (L.LSTM(4), (5, 6), "4*(6+4+1)*4"),
        (L.LSTM(4, use_bias=False), (5, 6), "4*(6+4)*4"),
        (L.GRU(3), (5, 6), "3*(6+3+2)*3"),
        (L.GRU(3, reset_after=False), (5, 6), "3*(6+3+1)*3"),
        (L.ConvLSTM1D(2, 3), (4, 8, 3), "4*(3*3+3*2+1)*2"),
        (L.ConvLSTM2D(2, 3, data_format="channels_first"), (4, 3, 8, 8), "4*(3*3*3+3*3*2+1)*2"),
        (L.ConvLSTM3D(2, (1, 2, 3), use_bias=False), (2, 4, 5, 6, 3), "4*(1*2*3*3+1*2*3*2)*2"),
        (L.RNN(L.LSTMCell(3)), (5, 6), "4*(6+3+1)*3"),
        (L.RNN([L.LSTMCell(3), L.GRUCell(2)]), (5, 6), "4*(6+3+1)*3 + 3*(3+2+2)*2"),
        (L.TimeDistributed(L.Dense(3)), (5, 6), "(6+1)*3"),
        (L.TimeDistributed(L.Conv2D(3, 2)), (5, 6, 6, 2), "(2*2*2+1)*3"),
        (L.Bidirectional(L.LSTM(4)), (5, 6), "2*4*(6+4+1)*4"),
    ],
)
def test_recurrent(layer, shape, formula):
    record = assert_layer_formula_matches(build_layer(layer, shape))
    assert record.formula == formula


def test_bidirectional_shows_both_directions():
    record = assert_layer_formula_matches(build_layer(L.Bidirectional(L.GRU(3, name="g")), (5, 6)))
    assert list(record.terms) == [
        "forward_g/kernel",
        "forward_g/recurrent_kernel",
        "forward_g/bias",
        "backward_g/kernel",
        "backward_g/recurrent_kernel",
        "backward_g/bias",
    ]


def test_bidirectional_with_a_different_backward_layer():
    layer = L.Bidirectional(L.GRU(3), backward_layer=L.LSTM(2, go_backwards=True), merge_mode="concat")
    record = assert_layer_formula_matches(build_layer(layer, (5, 6)))
    assert record.formula == "3*(6+3+2)*3 + 4*(6+2+1)*2"


def test_bidirectional_with_frozen_inner_layer():
    assert_layer_formula_matches(build_layer(L.Bidirectional(L.LSTM(4, trainable=False)), (5, 6)))


@pytest.mark.parametrize("cell", [L.SimpleRNNCell(3), L.LSTMCell(3), L.GRUCell(3, reset_after=False)])
def test_cells(cell):
    cell.build((None, 6))
    assert_layer_formula_matches(cell)


def test_stacked_cells_names_each_cell():
    cells = L.StackedRNNCells([L.LSTMCell(3, name="first"), L.SimpleRNNCell(2, name="second")])
    cells.build((None, 6))
    record = assert_layer_formula_matches(cells)
    assert "first/kernel" in record.terms and "second/recurrent_kernel" in record.terms
    assert record.formula == "4*(6+3+1)*3 + (3+2+1)*2"


def _cell(kind, units, use_bias, reset_after):
    if kind == "simple":
        return L.SimpleRNNCell(units, use_bias=use_bias)
    if kind == "lstm":
        return L.LSTMCell(units, use_bias=use_bias)
    return L.GRUCell(units, use_bias=use_bias, reset_after=reset_after)


LAYERS = {"simple": L.SimpleRNN, "lstm": L.LSTM, "gru": L.GRU}


@given(
    kind=st.sampled_from(sorted(LAYERS)),
    units=st.integers(1, 16),
    features=st.integers(1, 12),
    use_bias=st.booleans(),
    reset_after=st.booleans(),
    wrapper=st.sampled_from(["none", "bidirectional", "time_distributed", "rnn_stack"]),
)
def test_recurrent_random(kind, units, features, use_bias, reset_after, wrapper):
    options = {"use_bias": use_bias}
    if kind == "gru":
        options["reset_after"] = reset_after
    if wrapper == "rnn_stack":
        layer = L.RNN([_cell(kind, units, use_bias, reset_after), _cell("lstm", units + 1, use_bias, reset_after)])
        shape = (5, features)
    elif wrapper == "time_distributed":
        layer = L.TimeDistributed(LAYERS[kind](units, **options))
        shape = (2, 5, features)
    elif wrapper == "bidirectional":
        layer = L.Bidirectional(LAYERS[kind](units, **options))
        shape = (5, features)
    else:
        layer = LAYERS[kind](units, **options)
        shape = (5, features)
    assert_layer_formula_matches(build_layer(layer, shape))


@given(
    rank=st.integers(1, 3),
    filters=st.integers(1, 4),
    channels=st.integers(1, 4),
    kernel=st.integers(1, 3),
    use_bias=st.booleans(),
    data_format=st.sampled_from(["channels_last", "channels_first"]),
    bidirectional=st.booleans(),
)
def test_conv_lstm_random(rank, filters, channels, kernel, use_bias, data_format, bidirectional):
    layer_class = {1: L.ConvLSTM1D, 2: L.ConvLSTM2D, 3: L.ConvLSTM3D}[rank]
    layer = layer_class(filters, kernel, use_bias=use_bias, data_format=data_format, padding="same")
    if bidirectional:
        layer = L.Bidirectional(layer)
    spatial = (3,) * rank
    shape = (2, channels, *spatial) if data_format == "channels_first" else (2, *spatial, channels)
    assert_layer_formula_matches(build_layer(layer, shape))
