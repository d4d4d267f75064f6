"""Bad input gets one clear error; the model explained is never changed."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from ascii_explain import NotBuiltError, examples, explain


@pytest.mark.parametrize("thing", [None, 42, b"model.keras", [layers.Dense(2)], object()])
def test_non_model_is_a_type_error(thing):
    with pytest.raises(TypeError, match=r"explain\(\) takes a keras.Model"):
        explain(thing)


def test_a_path_that_does_not_exist_says_what_paths_are_accepted(tmp_path):
    from ascii_explain.read.files import InputError

    with pytest.raises(InputError, match=r"no such file.*\.keras file, a Keras config.json or a keras-hub preset"):
        explain(str(tmp_path / "model.keras"))


def test_unbuilt_sequential_says_how_to_build():
    model = keras.Sequential([layers.Dense(3), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"not built.*keras.Input\(shape\).*model.build"):
        explain(model)


def test_unbuilt_layer_says_how_to_build():
    with pytest.raises(NotBuiltError, match="not built"):
        explain(layers.Dense(3))


def test_unbuilt_error_is_a_value_error():
    assert issubclass(NotBuiltError, ValueError)


def test_subclassed_model_before_call_is_unbuilt():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(ValueError, match="not built"):
        explain(Tiny())


def snapshot(model):
    return (
        model.to_json(),
        [w.numpy().copy() for w in model.weights],
        [(w.path, w.trainable) for w in model.weights],
        [layer.trainable for layer in model.layers],
        [len(layer._inbound_nodes) for layer in model.layers],
    )


@pytest.mark.parametrize("name", ["seed000", "seed003", "seed004-separable"])
def test_model_is_not_modified(name):
    model = examples.EXAMPLES[name]()
    before = snapshot(model)
    str(explain(model))
    after = snapshot(model)
    assert before[0] == after[0]
    assert all(np.array_equal(a, b) for a, b in zip(before[1], after[1], strict=True))
    assert before[2:] == after[2:]
