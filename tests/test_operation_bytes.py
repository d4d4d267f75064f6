# mypy: disable-error-code="union-attr,operator,index,arg-type"
"""keras.ops nodes between layers carry their output's dtype and bytes, so every model gets an activation total.

Issue 24: a ``GetItem``, ``Multiply`` or ``Reshape`` in a Functional graph had
no output bytes, so the activation memory and the training total of BERT,
T5, Whisper and Gemma were unknown. The bytes are checked against the
output Keras computes for the operation (``compute_output_spec`` of the
graph's own tensors).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from ascii_explain import explain

from . import hub_corpus


def test_an_indexing_operation_between_layers_has_bytes():
    inputs = keras.Input((10, 8))
    hidden = layers.Dense(4)(inputs)
    model = keras.Model(inputs, layers.Dense(2)(hidden[:, 0, :]))
    e = explain(model, optimizer="adam")
    get_item = next(record for record in e.top_level if record.class_name == "GetItem")
    assert get_item.output_shape == (None, 4) and get_item.output_bytes == 4 * 4  # float32
    # every row's output once: Dense 10*4, GetItem 4, Dense 2 floats
    assert e.training_memory.outputs_once == (10 * 4 + 4 + 2) * 4
    # kept for the backward pass: each Dense its input; GetItem has no figure, its output once (the default)
    assert e.training_memory.activations == (10 * 8 + 4 + 4) * 4
    assert e.training_memory.outputs_once_layers == (get_item.name,)
    assert e.training_memory.total is not None


def test_an_operation_keeps_its_own_dtype():
    inputs = keras.Input((6,))
    cast = keras.ops.cast(layers.Dense(6)(inputs), "float16")
    model = keras.Model(inputs, layers.Dense(1)(keras.ops.reshape(cast, (-1, 2, 3))))
    e = explain(model, optimizer="sgd")
    rows = {record.class_name: record for record in e.top_level}
    assert rows["Cast"].output_bytes == 6 * 2 and rows["Reshape"].output_bytes == 6 * 2


def _shapes(model, length: int) -> dict:
    return {
        tensor.name.split(":")[0]: tuple(
            1 if i == 0 else (length if d is None else d) for i, d in enumerate(tensor.shape)
        )
        for tensor in model.inputs
    }


@pytest.mark.parametrize("name", ["bert", "t5", "whisper", "gemma"])
def test_corpus_models_get_an_activation_and_a_training_total(name):
    model = getattr(hub_corpus, name)()
    shapes = _shapes(model, 8)
    e = explain(model, optimizer="adam", input_shape=shapes)
    plan = e.training_memory
    assert plan.activations is not None and plan.total is not None, plan.notes
    operations = [record for record in e.top_level if "keras.ops" in " ".join(record.notes)]
    assert operations, "the corpus model has keras.ops nodes"
    # each operation's bytes: its traced output's elements times the size of the dtype Keras gives its output
    by_name = {operation.name: operation for operation in model.operations}
    for record in operations:
        tensor = by_name[record.name]._inbound_nodes[0].output_tensors[0]
        itemsize = np.dtype(keras.backend.standardize_dtype(tensor.dtype)).itemsize
        assert record.output_bytes == int(np.prod(record.output_shape[1:])) * itemsize, record.name
