"""Attention layers against count_params(), including cross-attention and quantized or LoRA projections."""

from __future__ import annotations

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascii_explain import explain

from .helpers import assert_record_consistent

L = keras.layers


def _explain_attention(layer, query, value, key=None, after=None):
    """Call ``layer`` on symbolic inputs inside a model, optionally transform it, and check its record."""
    inputs = [keras.Input(query), keras.Input(value)]
    if key is not None:
        inputs.append(keras.Input(key))
    model = keras.Model(inputs, layer(*inputs))
    if after is not None:
        after(model, layer)
    record = next(record for record in explain(model).layers if record.name == layer.name)
    assert record.source == "formula", record.notes
    assert_record_consistent(record)
    trainable = sum(int(keras.ops.size(weight)) for weight in layer.trainable_weights)
    assert record.trainable_params == trainable
    return record


@pytest.mark.parametrize(
    ("layer", "shapes", "params"),
    [
        (L.MultiHeadAttention(2, 3), [(4, 8), (5, 6)], 194),
        (L.MultiHeadAttention(2, 3, value_dim=4, output_shape=(2, 5), use_gate=True), [(4, 8), (5, 6), (5, 7)], 320),
        (L.MultiHeadAttention(3, 2, use_bias=False), [(4, 3, 8), (4, 5, 6)], 168),
        (L.GroupQueryAttention(4, 4, 2, use_gate=True), [(4, 8), (5, 8), (5, 8)], 568),
        (L.GroupQueryAttention(3, 6, 3, use_bias=False), [(4, 8), (5, 8)], 432),
    ],
)
def test_projection_attention(layer, shapes, params):
    record = _explain_attention(layer, *shapes)
    assert record.params == params
    assert "query/kernel" in record.terms and "attention_output/kernel" in record.terms


def test_cross_attention_key_width_differs():
    record = _explain_attention(L.MultiHeadAttention(2, 3), (4, 8), (5, 6), (5, 7))
    assert record.terms["key/kernel"] == "7*2*3"
    assert record.terms["value/kernel"] == "6*2*3"
    assert record.terms["attention_output/kernel"] == "2*3*8"


@pytest.mark.parametrize("mode", ["int8", "int4", "float8", "lora"])
@pytest.mark.parametrize("gqa", [False, True])
def test_attention_after_quantize_or_lora(mode, gqa):
    """model.quantize() changes the projections' weights while the attention layer's config stays float32."""

    def transform(model, layer):
        if mode == "lora":
            # GroupQueryAttention has no public query_dense property (3.15.1).
            query = layer.query_dense if hasattr(layer, "query_dense") else layer._query_dense
            query.enable_lora(2)
        else:
            model.quantize(mode)

    layer = L.GroupQueryAttention(4, 4, 2) if gqa else L.MultiHeadAttention(2, 3, value_dim=4)
    _explain_attention(layer, (4, 8), (5, 8), after=transform)


@pytest.mark.parametrize(
    ("layer", "params"),
    [
        (L.Attention(), 0),
        (L.Attention(use_scale=True), 1),
        (L.Attention(score_mode="concat"), 1),
        (L.Attention(use_scale=True, score_mode="concat"), 2),
        (L.AdditiveAttention(), 6),
        (L.AdditiveAttention(use_scale=False), 0),
    ],
)
def test_score_attention(layer, params):
    inputs = [keras.Input((4, 6)), keras.Input((5, 6))]
    model = keras.Model(inputs, layer(inputs))
    record = next(record for record in explain(model).layers if record.name == layer.name)
    assert_record_consistent(record)
    assert record.params == params


@given(
    heads=st.integers(1, 4),
    key_dim=st.integers(1, 6),
    value_dim=st.one_of(st.none(), st.integers(1, 6)),
    widths=st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 9)),
    use_bias=st.booleans(),
    use_gate=st.booleans(),
    output=st.one_of(st.none(), st.integers(1, 5), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    separate_key=st.booleans(),
)
def test_multi_head_attention_random(heads, key_dim, value_dim, widths, use_bias, use_gate, output, separate_key):
    query, value, key = widths
    layer = L.MultiHeadAttention(
        heads, key_dim, value_dim=value_dim, use_bias=use_bias, use_gate=use_gate, output_shape=output
    )
    _explain_attention(layer, (3, query), (4, value), (4, key) if separate_key else None)


@given(
    kv_heads=st.integers(1, 3),
    group=st.integers(1, 3),
    head_dim=st.integers(1, 5),
    width=st.integers(1, 9),
    use_bias=st.booleans(),
    use_gate=st.booleans(),
)
def test_group_query_attention_random(kv_heads, group, head_dim, width, use_bias, use_gate):
    layer = L.GroupQueryAttention(head_dim, kv_heads * group, kv_heads, use_bias=use_bias, use_gate=use_gate)
    _explain_attention(layer, (3, width), (4, width))
