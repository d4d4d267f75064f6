"""explain() reads Sequential, Functional and (called) subclassed models, and single layers."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from ascii_explain import explain

from .helpers import assert_record_consistent


class SmallNet(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = layers.Conv2D(4, 3)
        self.pool = layers.MaxPooling2D()
        self.flatten = layers.Flatten()
        self.dense = layers.Dense(2)

    def call(self, inputs):
        return self.dense(self.flatten(self.pool(self.conv(inputs))))


def test_subclassed_model_once_called():
    model = SmallNet()
    model(np.zeros((1, 8, 8, 1), dtype="float32"))
    e = explain(model)
    assert [r.class_name for r in e.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    for record in e.layers:
        assert_record_consistent(record)
    assert e.layer("dense" if "dense" in [r.name for r in e.layers] else e.layers[-1].name).params == (36 + 1) * 2
    assert e.totals_match and e.total_params == model.count_params()
    assert "?" in e.render(width=100)  # shapes Keras cannot tell are shown as "?", not invented


def test_sequential_built_with_model_build():
    model = keras.Sequential([layers.Dense(3), layers.Dense(2)])
    model.build((None, 4))
    e = explain(model)
    assert [r.params for r in e.layers] == [15, 8]
    assert e.input_shapes == [(None, 4)]
    assert e.layers[0].output_shape == (None, 3)


def test_single_built_layer():
    layer = layers.Dense(5)
    layer.build((None, 27))
    e = explain(layer)
    (record,) = e.layers
    assert record.formula == "(27+1)*5" and record.params == 140 == e.total_params
