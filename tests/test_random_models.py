"""Random whole models: every record's formula equals Keras and the totals agree.

The normal run draws 100 models; ``pytest -m slow`` draws 1,000 more.
Every layer keeps a ``(batch, steps, features)`` shape so any order composes.
"""

from __future__ import annotations

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ascii_explain import explain

from .helpers import assert_record_consistent

L = keras.layers

KINDS = [
    "dense",
    "einsum",
    "conv1d",
    "separable",
    "depthwise",
    "lstm",
    "gru",
    "simple_rnn",
    "bidirectional",
    "time_distributed",
    "layer_norm",
    "batch_norm",
    "group_norm",
    "rms_norm",
    "prelu",
    "dropout",
]


def _layer(kind: str, size: int, flag: bool):
    if kind == "dense":
        return L.Dense(size, use_bias=flag)
    if kind == "einsum":
        return L.EinsumDense("...c,cd->...d", output_shape=size, bias_axes="d" if flag else None)
    if kind == "conv1d":
        return L.Conv1D(size, 3, padding="same", use_bias=flag)
    if kind == "separable":
        return L.SeparableConv1D(size, 2, padding="same", depth_multiplier=2 if flag else 1)
    if kind == "depthwise":
        return L.DepthwiseConv1D(3, padding="same", use_bias=flag)
    if kind == "lstm":
        return L.LSTM(size, return_sequences=True, use_bias=flag)
    if kind == "gru":
        return L.GRU(size, return_sequences=True, reset_after=flag)
    if kind == "simple_rnn":
        return L.SimpleRNN(size, return_sequences=True)
    if kind == "bidirectional":
        return L.Bidirectional(L.GRU(size, return_sequences=True, reset_after=flag))
    if kind == "time_distributed":
        return L.TimeDistributed(L.Dense(size, use_bias=flag))
    if kind == "layer_norm":
        return L.LayerNormalization(center=flag)
    if kind == "batch_norm":
        return L.BatchNormalization(scale=flag)
    if kind == "group_norm":
        return L.GroupNormalization(groups=1)
    if kind == "rms_norm":
        return L.RMSNormalization()
    if kind == "prelu":
        return L.PReLU(shared_axes=[1] if flag else None)
    return L.Dropout(0.1)


models = st.tuples(
    st.integers(1, 6),  # steps
    st.integers(1, 8),  # features
    st.lists(st.tuples(st.sampled_from(KINDS), st.integers(1, 8), st.booleans()), min_size=1, max_size=5),
    st.booleans(),  # freeze the first layer
)


def check_random_model(case):
    steps, features, specs, freeze = case
    layers = [_layer(*spec) for spec in specs]
    model = keras.Sequential([keras.Input((steps, features)), *layers])
    if freeze:
        layers[0].trainable = False
    explanation = explain(model)
    for record in explanation.layers:
        assert record.source == "formula", record.notes
        assert_record_consistent(record)
    assert explanation.totals_match
    assert explanation.trainable_params == explanation.keras_trainable_params


@settings(max_examples=100)
@given(case=models)
def test_random_models(case):
    check_random_model(case)


@pytest.mark.slow
@settings(max_examples=1000)
@given(case=models)
def test_random_models_many(case):
    check_random_model(case)
