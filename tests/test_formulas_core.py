"""Dense, EinsumDense, Embedding, ReversibleEmbedding: formulas against count_params()."""

from __future__ import annotations

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .helpers import assert_layer_formula_matches, build_layer

L = keras.layers


def _embedded(layer, length=3):
    layer(keras.Input((length,), dtype="int32"))
    return layer


@pytest.mark.parametrize(
    ("layer", "shape", "formula"),
    [
        (L.Dense(5), (7,), "(7+1)*5"),
        (L.Dense(5, use_bias=False), (7,), "7*5"),
        (L.Dense(3), (4, 6), "(6+1)*3"),
        (L.Dense(2), (2, 3, 4), "(4+1)*2"),
    ],
)
def test_dense(layer, shape, formula):
    record = assert_layer_formula_matches(build_layer(layer, shape))
    assert record.formula == formula


@pytest.mark.parametrize(
    ("equation", "output_shape", "bias_axes", "shape"),
    [
        ("ab,bc->ac", 4, None, (6,)),
        ("ab,bc->ac", 4, "c", (6,)),
        ("abc,cd->abd", (5, 4), "d", (5, 6)),
        ("abc,cde->abde", (5, 3, 2), "de", (5, 6)),
        ("abc,cde->abde", (5, 3, 2), "e", (5, 6)),
        ("abc,cde->abde", (5, 3, 2), "d", (5, 6)),
        ("abcd,cde->abe", (5, 4), "e", (5, 3, 2)),
        ("...b,bc->...c", 4, "c", (2, 3, 6)),
        ("abc...,cd->abd...", (5, 4, 7), "bd", (5, 6, 7)),
        ("abc,dc->abd", (5, 4), "bd", (5, 6)),
    ],
)
def test_einsum_dense(equation, output_shape, bias_axes, shape):
    layer = L.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)
    assert_layer_formula_matches(build_layer(layer, shape))


@pytest.mark.parametrize("tie", [True, False])
def test_embeddings(tie):
    record = assert_layer_formula_matches(_embedded(L.Embedding(11, 4)))
    assert record.formula == "11*4"
    reversible = assert_layer_formula_matches(_embedded(L.ReversibleEmbedding(11, 4, tie_weights=tie)))
    assert reversible.params == (44 if tie else 88)


def test_embedding_ignores_input_length():
    layer = L.Embedding(100, 8)
    layer(keras.Input((2, 9), dtype="int32"))
    assert assert_layer_formula_matches(layer).params == 800


@given(
    units=st.integers(1, 64),
    dims=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    use_bias=st.booleans(),
)
def test_dense_random(units, dims, use_bias):
    assert_layer_formula_matches(build_layer(L.Dense(units, use_bias=use_bias), tuple(dims)))


@st.composite
def einsum_cases(draw):
    """Equations over a 3-D input ``abc`` contracting ``c`` into new letters, some kept, some biased."""
    batch, seq, features = 1, draw(st.integers(1, 6)), draw(st.integers(1, 9))
    new = draw(st.lists(st.sampled_from("defg"), min_size=1, max_size=3, unique=True))
    keep_seq = draw(st.booleans())
    new_sizes = [draw(st.integers(1, 5)) for _ in new]
    weight = "c" + "".join(new)
    output_letters = ("ab" if keep_seq else "a") + "".join(new)
    output_shape = ([seq] if keep_seq else []) + new_sizes
    bias = draw(st.one_of(st.none(), st.sets(st.sampled_from(output_letters[1:]), min_size=1)))
    bias_axes = None if bias is None else "".join(letter for letter in output_letters if letter in bias)
    input_letters = "abc" if keep_seq else "ac"
    shape = (seq, features) if keep_seq else (features,)
    del batch
    return f"{input_letters},{weight}->{output_letters}", tuple(output_shape), bias_axes, shape


@given(case=einsum_cases())
def test_einsum_dense_random(case):
    equation, output_shape, bias_axes, shape = case
    layer = L.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)
    assert_layer_formula_matches(build_layer(layer, shape))


@given(rows=st.integers(1, 500), columns=st.integers(1, 64), tie=st.booleans(), lora=st.integers(0, 4))
def test_embedding_random(rows, columns, tie, lora):
    layer = _embedded(L.ReversibleEmbedding(rows, columns, tie_weights=tie))
    if lora:
        layer.enable_lora(lora)
    assert_layer_formula_matches(layer)
