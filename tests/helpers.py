"""Assertions shared by the test modules."""

from __future__ import annotations

import keras

from ascii_explain import LayerRecord, explain
from ascii_explain.arithmetic import evaluate


def assert_record_consistent(record: LayerRecord) -> None:
    """The printed formula evaluates to the count; the terms add up to it; Keras agrees."""
    assert evaluate(record.formula) == record.params, (record.name, record.formula, record.params)
    assert sum(evaluate(expression) for expression in record.terms.values()) == record.params, record
    for term in record.term_list:
        assert evaluate(term.expression) == term.count
    assert record.params == record.keras_params, (
        f"{record.name} ({record.class_name}): formula {record.formula} = {record.params}, Keras {record.keras_params}"
    )


def assert_layer_formula_matches(layer: keras.layers.Layer) -> LayerRecord:
    """Explain one built layer; its formula must equal count_params() and split like Keras."""
    explanation = explain(layer)
    (record,) = explanation.layers
    assert record.source == "formula", f"{type(layer).__name__} fell back to weight shapes: {record.notes}"
    assert_record_consistent(record)
    trainable = sum(int(_size(w.shape)) for w in layer.trainable_weights)
    assert record.trainable_params == trainable
    assert record.non_trainable_params == layer.count_params() - trainable
    return record


def build_layer(layer: keras.layers.Layer, input_shape: tuple) -> keras.layers.Layer:
    """Build ``layer`` by calling it on a symbolic input of ``input_shape`` (batch axis excluded)."""
    layer(keras.Input(input_shape))
    return layer


def _size(shape) -> int:
    size = 1
    for dim in shape:
        size *= int(dim)
    return size
