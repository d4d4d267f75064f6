"""trace(model, sample): values layer by layer, equal to Keras's own; the model is left as it was."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from ascii_explain import NotBuiltError, examples, explain, trace


def sample_for(model, seed=0, batch=1):
    shape = tuple(model.inputs[0].shape[1:])
    return np.random.default_rng(seed).normal(size=(batch, *shape)).astype("float32")


def fingerprint(model):
    """Everything trace could disturb: config, each weight (identity and value), graph nodes, the layers."""
    return {
        "config": repr(model.get_config()),
        "weights": [(id(w), w.name, np.array(w.numpy()).tobytes()) for w in model.weights],
        # Operation._inbound_nodes is private (checked on Keras 3.15.1): a new call would add a node.
        "nodes": [(layer.name, len(layer._inbound_nodes), len(layer._outbound_nodes)) for layer in model.layers],
        "layers": [id(layer) for layer in model.layers],
        "explanation": explain(model).render(width=100),
    }


def test_seed000_output_equals_predict_and_model_unchanged():
    model = examples.seed000_small_cnn()
    sample = sample_for(model)
    before = fingerprint(model)
    result = trace(model, sample)
    after = fingerprint(model)
    assert before == after
    expected = model.predict(sample, verbose=0)
    np.testing.assert_allclose(result.output, expected, rtol=1e-5, atol=1e-6)
    assert [step.name for step in result.steps] == [layer.name for layer in model.layers]
    assert fingerprint(model) == after  # predict did not change it either: the comparison is fair


def test_seed000_intermediate_values_by_hand():
    model = examples.seed000_small_cnn()
    sample = sample_for(model, seed=1)
    result = trace(model, sample)
    conv = model.get_layer("l1_conv2d")
    kernel, bias = (np.asarray(w.numpy()) for w in conv.weights)
    # valid 3x3 convolution, written out: out[i, j, f] = sum over the window and channels + bias
    x = sample[0]
    manual = np.zeros((14, 14, 2), dtype="float64")
    for i in range(14):
        for j in range(14):
            window = x[i : i + 3, j : j + 3, :]
            manual[i, j] = np.tensordot(window, kernel, axes=([0, 1, 2], [0, 1, 2])) + bias
    np.testing.assert_allclose(result.step("l1_conv2d").values[0][0], manual, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(result.step("l2_act_relu").values[0][0], np.maximum(manual, 0), rtol=1e-4, atol=1e-5)
    flat = result.step("l7_flatten").values[0]
    dense = model.get_layer("l8_dense")
    w, b = (np.asarray(v.numpy()) for v in dense.weights)
    np.testing.assert_allclose(result.step("l8_dense").values[0], flat @ w + b, rtol=1e-5, atol=1e-6)
    # Dropout is the identity in inference mode.
    np.testing.assert_array_equal(result.step("l6_dropout").values[0], result.step("l5_mpool2d").values[0])


def test_functional_with_batchnorm_equals_predict():
    model = examples.seed003_batchnorm()
    sample = sample_for(model, batch=2)
    before = fingerprint(model)
    result = trace(model, sample)
    assert fingerprint(model) == before
    np.testing.assert_allclose(result.step("fc").values[0], model.predict(sample, verbose=0), rtol=1e-5, atol=1e-6)
    assert result.batch_size == 2 and not result.added_batch_axis


def test_multi_input_and_shared_layer():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = layers.Dense(2, name="shared")
    merged = layers.Concatenate(name="merge")([shared(a), shared(b)])
    model = keras.Model([a, b], layers.Dense(1, name="head")(merged))
    xa, xb = np.ones((1, 3), "float32"), np.arange(3, dtype="float32")[None]
    before = fingerprint(model)
    result = trace(model, [xa, xb])
    assert fingerprint(model) == before
    shared_steps = [step for step in result.steps if step.name == "shared"]
    w, bias = (np.asarray(v.numpy()) for v in shared.weights)
    assert len(shared_steps) == 2
    outputs = sorted((step.values[0] for step in shared_steps), key=lambda v: float(v.sum()))
    expected = sorted((xa @ w + bias, xb @ w + bias), key=lambda v: float(v.sum()))
    for got, want in zip(outputs, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.step("head").values[0], model.predict([xa, xb], verbose=0), rtol=1e-5)


def test_sequential_built_without_input_and_sample_without_batch_axis():
    model = keras.Sequential([layers.Dense(3, activation="relu"), layers.Dense(2)])
    model.build((None, 4))
    result = trace(model, [1.0, 2.0, 3.0, 4.0])
    assert result.added_batch_axis and result.inputs[0].shape == (1, 4)
    np.testing.assert_allclose(result.output, model.predict(np.array([[1.0, 2, 3, 4]]), verbose=0), rtol=1e-5)


def test_text_shows_small_arrays_in_full_and_summarizes_large_ones():
    model = examples.seed000_small_cnn()
    result = trace(model, sample_for(model))
    text = str(result)
    conv_block = text.split("l1_conv2d (Conv2D)  shape (14, 14, 2)")[1].split("l2_act_relu")[0]
    values = result.step("l1_conv2d").values[0][0]
    assert f"min {values.min():.4g}   max {values.max():.4g}   mean {values.mean():.4g}" in conv_block
    assert "corner [:4, :4, 0]:" in conv_block
    assert np.array2string(values[:4, :4, 0], precision=4, suppress_small=True).splitlines()[0] in conv_block
    softmax = result.step("l11_act_relu").values[0][0]
    assert f"l11_act_relu (Activation)  shape (2,)\n    {np.array2string(softmax, precision=4)}" in text
    assert max(len(line) for line in result.render(width=80).splitlines()) <= 80


def test_html_is_escaped():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, layers.Dense(1, name="d")(inputs), name="a&b")
    page = trace(model, np.zeros((1, 2), "float32"))._repr_html_()
    assert page.startswith("<table") and "a&amp;b" in page and "a&b" not in page
    assert "<td>d</td><td>Dense</td><td>(1,)</td>" in page


def test_bad_input_gets_one_clear_error():
    model = examples.seed000_small_cnn()
    with pytest.raises(ValueError, match=r"takes \('batch', 16, 16, 3\)"):
        trace(model, np.zeros((1, 8, 8, 3)))
    with pytest.raises(TypeError, match="Sequential or Functional"):
        trace(model.layers[0], np.zeros((1, 16, 16, 3)))
    with pytest.raises(NotBuiltError):
        trace(keras.Sequential([layers.Dense(2)]), np.zeros((1, 3)))


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)


def test_subclassed_model_says_what_to_do():
    model = Subclassed()
    model(np.zeros((1, 3), "float32"))
    with pytest.raises(TypeError, match="subclassed model"):
        trace(model, np.zeros((1, 3)))
