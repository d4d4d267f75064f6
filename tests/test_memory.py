"""Memory: parameter bytes as Keras counts them, activation bytes for a batch."""

from __future__ import annotations

import keras
import pytest
from keras import layers
from keras.src.utils.summary_utils import weight_memory_size

from ascii_explain import examples, explain


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
def test_param_bytes_equal_keras_summary(name):
    model = examples.EXAMPLES[name]()
    e = explain(model)
    assert e.param_bytes == weight_memory_size(model.weights) == 4 * e.total_params


def test_quantized_layer_is_smaller_and_still_as_keras_counts():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4, name="q")])
    float_bytes = explain(model).param_bytes
    assert float_bytes is not None  # None only for weights of a dtype without a size (strings)
    model.layers[0].quantize("int8")
    e = explain(model)
    # int8 kernel 8*4 bytes + float32 bias 4*4 + float32 per-unit kernel_scale 4*4
    assert e.param_bytes == weight_memory_size(model.weights) == 8 * 4 + 4 * 4 + 4 * 4 < float_bytes == 36 * 4


def test_seed000_activations_by_hand():
    e = explain(examples.seed000_small_cnn())
    by_layer = e.activation_bytes_by_layer
    assert by_layer["l1_conv2d"] == 14 * 14 * 2 * 4 == 1568
    assert by_layer["l7_flatten"] == 27 * 4
    # conv, relu: 392 each; conv, relu: 108 each; pool, dropout, flatten: 27; dense, relu: 5; dense, softmax: 2.
    elements = 2 * 392 + 2 * 108 + 3 * 27 + 2 * 5 + 2 * 2
    assert e.activation_bytes == 4 * elements == 4380
    assert e.input_bytes == 16 * 16 * 3 * 4
    e32 = explain(examples.seed000_small_cnn(), batch_size=32)
    assert e32.activation_bytes == 32 * 4380 and e32.input_bytes == 32 * 3072
    assert e32.activation_bytes_by_layer["l1_conv2d"] == 32 * 1568
    text = e32.render(width=100)
    assert "Memory: activations 136.88 KB for a batch of 32 (each layer's output once; input 96.00 KB)" in text
    assert "Total params: 265 (1.04 KB)" in text


def test_input_layer_is_not_an_activation():
    e = explain(examples.seed003_batchnorm())
    assert "input_layer" not in " ".join(e.activation_bytes_by_layer)
    assert e.input_bytes == 64 * 64 * 3 * 4


def test_activation_dtype_is_the_outputs():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4, dtype="mixed_float16", name="half")])
    e = explain(model)
    assert e.activation_bytes_by_layer["half"] == 4 * 2  # float16 outputs
    assert e.param_bytes == (8 * 4 + 4) * 4  # float32 variables


def test_unknown_dimension_makes_activations_unknown():
    model = keras.Sequential([keras.Input((None, 3)), layers.Dense(2)])
    e = explain(model)
    assert e.activation_bytes is None and e.input_bytes is None
    # issue 24: an unknown sequence length is the symbol T (tests/test_sequence_length.py): 2 float32 per position
    assert "Memory: activations 8*T bytes per sample at sequence length T" in e.render(width=100)
    # a length a layer may change (a strided convolution) stays unknown
    strided = explain(keras.Sequential([keras.Input((None, 3)), layers.Conv1D(2, 3, strides=2)]))
    assert strided.activation_bytes is None
    assert "Memory: activations ? for a batch of 1" in strided.render(width=100)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "32", True])
def test_batch_size_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        explain(examples.seed000_small_cnn(), batch_size=bad)


def test_json_export_carries_the_costs():
    import json

    from ascii_explain.views import exports as export

    e = explain(examples.seed000_small_cnn(), batch_size=4)
    data = json.loads(export.to_json(e))
    assert data["costs"] == {
        "macs": 12_673,
        "macs_unknown": [],
        "param_bytes": 265 * 4,
        "batch_size": 4,
        "activation_bytes": 4 * 4380,
        "input_bytes": 4 * 3072,
        "kv_cache_bytes": None,  # no decoder attention
    }
    conv = next(layer for layer in data["layers"] if layer["name"] == "l3_conv2d")
    assert conv["macs"] == 1944 and conv["macs_formula"] == "6*6*3*3*2*3"
    assert conv["shape_formula"] == "valid, stride 2: floor((14-3)/2)+1 = 6"
    assert conv["shape_axes"] == ["floor((14-3)/2)+1"] * 2
    assert conv["param_bytes"] == 57 * 4 and conv["output_bytes"] == 108 * 4
