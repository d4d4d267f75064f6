"""Layers after model.quantize("int8"/"int4"/"float8"), after enable_lora(rank), and frozen layers."""

from __future__ import annotations

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ascii_explain import explain

from .helpers import assert_layer_formula_matches, build_layer

L = keras.layers
Int4 = keras.quantizers.Int4QuantizationConfig


def _quantized(layer, shape, mode, block_size=None, dtype="float32"):
    build_layer(layer, shape) if dtype == "float32" else layer(keras.Input(shape, dtype=dtype))
    if mode == "int4" and block_size is not None:
        layer.quantize("int4", config=Int4(block_size=block_size))
    else:
        layer.quantize(mode)
    return layer


def test_int8_dense_explains_integers_and_scales():
    record = assert_layer_formula_matches(_quantized(L.Dense(5), (7,), "int8"))
    assert record.terms == {"kernel": "7*5", "kernel_scale": "5", "bias": "5"}
    kernel = next(term for term in record.term_list if term.name == "kernel")
    assert not kernel.trainable and "int8" in kernel.reason


def test_int4_dense_says_packed():
    record = assert_layer_formula_matches(_quantized(L.Dense(5), (7,), "int4", block_size=-1))
    assert record.terms["kernel"] == "7*((5+1)//2)"
    kernel = next(term for term in record.term_list if term.name == "kernel")
    assert "packed" in kernel.reason


def test_int4_block_quantization_adds_zero_points_and_group_index():
    record = assert_layer_formula_matches(_quantized(L.Dense(6), (9,), "int4", block_size=4))
    assert record.terms["kernel_scale"] == "((9+3)//4)*6"
    assert record.terms["kernel_zero"] == "((9+3)//4)*6"
    assert record.terms["g_idx"] == "9"


def test_float8_dense_counts_its_scaling_state_as_trainable():
    record = assert_layer_formula_matches(_quantized(L.Dense(5), (7,), "float8"))
    assert record.terms["inputs_amax_history"] == "1024"
    assert record.non_trainable_params == 0


def test_dtype_policy_given_at_construction():
    assert_layer_formula_matches(build_layer(L.Dense(5, dtype="int8_from_float32"), (7,)))
    assert_layer_formula_matches(build_layer(L.Dense(5, dtype="int4_from_float32"), (7,)))


LAYERS = {
    "dense": lambda: (L.Dense(5), (7,), "float32"),
    "einsum": lambda: (L.EinsumDense("abc,cde->abde", output_shape=(4, 3, 2), bias_axes="de"), (4, 6), "float32"),
    "einsum_no_bias": lambda: (L.EinsumDense("ab,bc->ac", output_shape=3), (6,), "float32"),
    "embedding": lambda: (L.Embedding(10, 5), (3,), "int32"),
    "reversible": lambda: (L.ReversibleEmbedding(10, 5, tie_weights=False), (3,), "int32"),
}
MODES = [("int8", None), ("int4", None), ("int4", -1), ("int4", 2), ("float8", None)]


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize(("mode", "block_size"), MODES)
def test_quantized_layers(kind, mode, block_size):
    layer, shape, dtype = LAYERS[kind]()
    if mode == "float8" and kind in ("embedding", "reversible"):
        # Keras 3.15.1 quantizes embeddings to int8/int4 only and rejects float8.
        with pytest.raises(Exception, match="quantization"):
            _quantized(layer, shape, mode, block_size, dtype)
        return
    assert_layer_formula_matches(_quantized(layer, shape, mode, block_size, dtype))


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("quantize", [None, "int8", "int4"])
def test_lora(kind, quantize):
    layer, shape, dtype = LAYERS[kind]()
    layer(keras.Input(shape, dtype=dtype))
    if quantize:
        layer.quantize(quantize)
    layer.enable_lora(3)
    record = assert_layer_formula_matches(layer)
    lora = [term for term in record.term_list if "lora" in term.name]
    assert len(lora) == 2 and all(term.trainable for term in lora)


def test_lora_freezes_the_kernel():
    layer = build_layer(L.Conv2D(4, 3), (8, 8, 3))
    layer.enable_lora(2)
    record = assert_layer_formula_matches(layer)
    assert record.terms == {"kernel": "3*3*3*4", "bias": "4", "lora_kernel_a": "3*3*3*2", "lora_kernel_b": "2*4"}
    kernel = next(term for term in record.term_list if term.name == "kernel")
    assert not kernel.trainable and "enable_lora" in kernel.reason


def test_quantized_model_totals_match():
    model = keras.Sequential([keras.Input((3,), dtype="int32"), L.Embedding(20, 8), L.Flatten(), L.Dense(4)])
    model.quantize("int8")
    explanation = explain(model)
    assert explanation.mismatches == [] and explanation.fallbacks == [] and explanation.totals_match


def test_frozen_layer_is_all_non_trainable():
    model = keras.Sequential([keras.Input((5, 6)), L.Bidirectional(L.LSTM(3)), L.Dense(2)])
    model.layers[0].trainable = False
    explanation = explain(model)
    record = explanation.layers[0]
    assert record.trainable_params == 0 and record.non_trainable_params == record.params == 2 * 4 * (6 + 3 + 1) * 3
    assert explanation.totals_match


# layer.quantize() runs the quantizer eagerly (about half a second per layer on
# 2 cores), so this test draws a fifth of the profile's examples: 40 in the
# normal run, 240 with HYPOTHESIS_PROFILE=slow. The unquantized options are
# drawn 200 times in test_formulas_core.py.
@settings(max_examples=max(10, settings().max_examples // 5))
@given(
    kind=st.sampled_from(sorted(LAYERS)),
    mode=st.sampled_from(MODES),
    units=st.integers(1, 12),
    width=st.integers(1, 12),
    lora=st.integers(0, 3),
)
def test_quantized_random(kind, mode, units, width, lora):
    quantization, block_size = mode
    if kind == "dense":
        layer, shape, dtype = L.Dense(units), (width,), "float32"
    elif kind.startswith("einsum"):
        layer = L.EinsumDense("abc,cd->abd", output_shape=(3, units), bias_axes="d")
        shape, dtype = (3, width), "float32"
    else:
        layer, shape, dtype = L.ReversibleEmbedding(width + 1, units, tie_weights=kind == "embedding"), (3,), "int32"
        if quantization == "float8":
            quantization = "int8"
    _quantized(layer, shape, quantization, block_size, dtype)
    if lora:
        layer.enable_lora(lora)
    assert_layer_formula_matches(layer)
