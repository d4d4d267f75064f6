"""What a read asks of ``get_config()`` (read/light_config.py): everything but initializers, regularizers and
constraints as Keras gives it, only in the reading thread, and every serialize function put back after."""

from __future__ import annotations

import threading
from typing import Callable

import keras
import pytest

from ascii_explain import explain
from ascii_explain.read.light_config import LIGHT_WORDS, config_of, light_serialization
from tests.helpers import keras_global_state

LEFT_OUT = ("initializer", "regularizer", "constraint")


def _layers() -> list[keras.layers.Layer]:
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, kernel_regularizer="l2", bias_constraint=keras.constraints.NonNeg())(inputs)
    x = keras.layers.BatchNormalization(dtype="mixed_float16")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(3, activity_regularizer=keras.regularizers.L1(0.01))(x)
    model = keras.Model(inputs, x)
    return list(model._flatten_layers(include_self=False))


def test_a_read_leaves_out_only_initializers_regularizers_and_constraints() -> None:
    layers = _layers()
    full = [layer.get_config() for layer in layers]
    with light_serialization():
        light = [config_of(layer) for layer in layers]
    shortened = 0
    for whole, read in zip(full, light, strict=True):
        assert list(whole) == list(read)  # the same keys, in the same order
        for key, value in whole.items():
            if any(word in key for word in LEFT_OUT) and value is not None:
                assert read[key] == {"class_name": value["class_name"], "config": {}, "read": LIGHT_WORDS}
                shortened += 1
            else:
                assert read[key] == value, key  # the dtype policy (formulas read it) and the sizes as Keras's
    assert shortened >= 8  # kernel/bias initializers, the regularizers and the constraint above


def test_the_dtype_policy_read_is_a_copy_of_kerass_own() -> None:
    layer = keras.layers.Dense(2, dtype="mixed_float16")
    layer.build((None, 3))
    with light_serialization():
        first, second = config_of(layer)["dtype"], config_of(layer)["dtype"]
        first["config"]["name"] = "changed by a caller"
        assert second["config"]["name"] == "mixed_float16"
        assert config_of(layer)["dtype"] == layer.get_config()["dtype"]


class AsksAnotherThread(keras.layers.Layer):
    """While the reader asks for its config, another thread asks a Dense for its own."""

    def __init__(self, ask: Callable[[], None], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.ask = ask  # a function, not the list itself: Keras would track a list attribute as a copy

    def get_config(self) -> dict:
        thread = threading.Thread(target=self.ask)
        thread.start()
        thread.join()
        return super().get_config()


def test_outside_a_read_and_in_another_thread_get_config_is_kerass_own() -> None:
    layer = keras.layers.Dense(2, kernel_regularizer="l2")
    layer.build((None, 3))
    whole = layer.get_config()
    seen: list[dict] = []
    with light_serialization():
        assert layer.get_config() == whole  # not through config_of: Keras's own
        # the other thread asks while this one reads
        config_of(AsksAnotherThread(lambda: seen.append(layer.get_config())))
        assert config_of(layer) != whole
    assert seen == [whole]
    assert config_of(layer) == whole  # the context closed: nothing shadowed


def test_nested_and_failing_reads_put_every_serialize_function_back() -> None:
    before = keras_global_state()
    with light_serialization():
        with light_serialization():
            pass
        assert keras.initializers.serialize is not before["keras.initializers.serialize"]  # still open
    assert keras_global_state() == before
    with pytest.raises(RuntimeError):
        with light_serialization():
            raise RuntimeError("a read that fails")
    assert keras_global_state() == before


def test_explain_puts_them_back_and_counts_as_before() -> None:
    inputs = keras.Input((8, 8, 3))
    outputs = keras.layers.Conv2D(4, 3, kernel_initializer=keras.initializers.HeNormal(seed=1))(inputs)
    model = keras.Model(inputs, outputs)
    before = keras_global_state()
    explanation = explain(model)
    assert keras_global_state() == before
    assert explanation.total_params == model.count_params() == 3 * 3 * 3 * 4 + 4


@keras.saving.register_keras_serializable(package="light_config_test")
def doubled(x: object) -> object:
    return x * 2  # type: ignore[operator]


def test_an_activation_read_is_kerass_own_answer_each_caller_its_own_copy() -> None:
    layers = [
        keras.layers.Dense(2, activation="relu"),
        keras.layers.Dense(2, activation="relu"),
        keras.layers.Dense(2, activation=keras.activations.gelu),
        keras.layers.Dense(2, activation=doubled),  # registered: Keras answers with a dict
        keras.layers.Dense(2, activation=lambda x: x),  # a lambda: Keras's own serialization, every time
        keras.layers.Activation("softmax"),
    ]
    for layer in layers:
        layer.build((None, 3))
    whole = [layer.get_config()["activation"] for layer in layers]
    with light_serialization():
        read = [config_of(layer)["activation"] for layer in layers]
        again = config_of(layers[3])["activation"]
    assert read == whole
    assert isinstance(read[3], dict) and again == read[3] and again is not read[3]
    read[3]["config"] = "changed by a caller"
    with light_serialization():
        assert config_of(layers[3])["activation"] == whole[3]


def test_a_policy_changed_between_reads_is_read_again() -> None:
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    with light_serialization():
        before = config_of(layer)["dtype"]
    layer.dtype_policy = "mixed_float16"
    with light_serialization():
        assert config_of(layer)["dtype"] == layer.get_config()["dtype"] != before
