"""What a user on any Keras 3 backend does: explain, --check a saved file, the pytest helper.

These run on every backend of the matrix (scripts/backend_matrix.sh; .ci/run
runs them with KERAS_BACKEND=jax and KERAS_BACKEND=torch too, marker
``backend_subset``), so each checks it really runs on the backend asked for.
"""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import numpy as np
from keras import layers

from ascii_explain import examples, explain
from ascii_explain.testing import assert_formulas_match

from .helpers import assert_record_consistent


def test_runs_on_the_requested_backend():
    """The matrix sets KERAS_BACKEND; Keras must have honoured it (else the matrix proves nothing)."""
    assert keras.backend.backend() == os.environ.get("KERAS_BACKEND", "tensorflow")
    model = examples.seed000_small_cnn()
    backend_module = type(model.weights[0].value).__module__.split(".")[0]
    expected = {"tensorflow": "tensorflow", "jax": "jaxlib", "torch": "torch"}[keras.backend.backend()]
    assert backend_module in (expected, "jax"), backend_module  # jax arrays live in jaxlib (or jax)


class Residual(keras.Model):
    """Subclassed, called eagerly on a backend-native tensor: no symbolic graph at all."""

    def __init__(self):
        super().__init__()
        self.conv = layers.Conv2D(4, 3, padding="same")
        self.norm = layers.BatchNormalization()
        self.head = layers.Dense(3)

    def call(self, inputs):
        x = self.norm(self.conv(inputs)) + inputs[..., :1]
        return self.head(keras.ops.mean(x, axis=(1, 2)))


def test_subclassed_model_called_on_backend_tensors():
    model = Residual()
    model(keras.ops.ones((2, 6, 6, 2)))
    e = explain(model)
    for record in e.layers:
        assert_record_consistent(record)
    assert [r.params for r in e.layers] == [(3 * 3 * 2 + 1) * 4, 4 * 4, (4 + 1) * 3]
    assert e.totals_match and e.total_params == model.count_params() == 107


def test_model_trained_one_step_is_explained_the_same():
    """Training changes weights, never the counts (optimizer variables are not the model's)."""
    model = examples.seed001_mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(np.ones((4, 4), "float32"), np.eye(5, dtype="float32")[:4], epochs=1, verbose=0)
    e = assert_formulas_match(model)
    assert e.total_params == 209


def test_cli_checks_a_saved_model_on_this_backend(tmp_path):
    path = tmp_path / "seed003.keras"
    examples.seed003_batchnorm().save(path)
    result = subprocess.run(
        [sys.executable, "-m", "ascii_explain", str(path), "--check", "--width", "80"],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Total params: 37,633" in result.stdout and "Non-trainable params: 64 (256.00 B)" in result.stdout


def test_traced_mult_adds_on_this_backend_equal_the_registered_counts():
    """Issue 21: the trace intercepts the backend's own contraction functions, on every backend."""
    from ascii_explain.read.traced_macs import trace_first_call

    inputs = keras.Input((6, 5))
    dense, attention = layers.Dense(7), layers.MultiHeadAttention(2, 4)
    image = keras.Input((8, 8, 3))
    separable = layers.SeparableConv2D(5, 3)
    model = keras.Model([inputs, image], [dense(inputs), attention(inputs, inputs), separable(image)])
    e = explain(model)
    for layer in (dense, attention, separable):
        traced = trace_first_call(layer)
        assert traced.macs == e.layer(layer.name).macs, (keras.backend.backend(), layer.name, traced)

    class Scale(layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 3))

        def call(self, x):
            return keras.ops.matmul(x, self.kernel)

    scaled = keras.Model(inputs, Scale(name="scale")(inputs))
    record = explain(scaled).layer("scale")
    assert record.macs == 6 * 5 * 3 and record.macs_source == "traced"
