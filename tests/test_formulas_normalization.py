"""Normalization layers, PReLU, STFTSpectrogram and SpectralNormalization against count_params()."""

from __future__ import annotations

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .helpers import assert_layer_formula_matches, build_layer

L = keras.layers


@pytest.mark.parametrize(
    ("layer", "shape", "formula", "non_trainable"),
    [
        (L.BatchNormalization(), (6,), "4*6", 12),
        (L.BatchNormalization(axis=1, center=False), (3, 4), "3*3", 6),
        (L.BatchNormalization(axis=2, renorm=True), (2, 3, 4), "7*3", 15),
        (L.LayerNormalization(), (5, 6), "2*6", 0),
        (L.LayerNormalization(axis=[1, 2], center=False), (5, 6), "5*6", 0),
        (L.GroupNormalization(groups=3), (8, 6), "2*6", 0),
        (L.GroupNormalization(groups=2, axis=1, scale=False), (4, 6), "4", 0),
        # Keras sorts the raw axes, so [1, -1] becomes [-1, 1]: the weight is (5, 3).
        (L.RMSNormalization(axis=[1, -1]), (3, 4, 5), "5*3", 0),
        (L.Normalization(), (5, 6), "6 + 6 + 1", 13),
        (L.Normalization(axis=None), (5, 6), "1 + 1 + 1", 3),
        (L.Normalization(axis=(1, 2)), (5, 6), "5*6 + 5*6 + 1", 61),
        (L.Normalization(mean=1.0, variance=2.0), (5, 6), "0", 0),
        (L.UnitNormalization(), (5, 6), "0", 0),
        (L.PReLU(), (5, 6), "5*6", 0),
        (L.PReLU(shared_axes=[1, 2]), (5, 6, 3), "1*1*3", 0),
        (L.STFTSpectrogram(frame_length=10, window=None), (100, 1), "2*10*(16//2+1)", 0),
        (L.STFTSpectrogram(mode="real", frame_length=16, fft_length=64, window=None), (100, 1), "16*(64//2+1)", 0),
        (L.SpectralNormalization(L.Dense(4)), (6,), "(6+1)*4 + 4", 4),
        (L.SpectralNormalization(L.Conv2DTranspose(4, 3)), (8, 8, 3), "(3*3*3+1)*4 + 3", 3),
        (L.SpectralNormalization(L.DepthwiseConv2D(3, depth_multiplier=2)), (8, 8, 3), "(3*3+1)*3*2 + 2", 2),
        (L.SpectralNormalization(L.EinsumDense("ab,bcd->acd", (3, 2))), (5,), "5*3*2 + 2", 2),
    ],
)
def test_normalization_family(layer, shape, formula, non_trainable):
    record = assert_layer_formula_matches(build_layer(layer, shape))
    assert record.formula == formula
    assert record.non_trainable_params == non_trainable


def test_prelu_shared_axis_may_be_unknown():
    layer = L.PReLU(shared_axes=[1])
    layer.build((None, None, 4))
    assert assert_layer_formula_matches(layer).formula == "1*4"


def test_spectral_normalization_of_an_embedding():
    layer = L.SpectralNormalization(L.Embedding(10, 4))
    layer(keras.Input((3,), dtype="int32"))
    assert assert_layer_formula_matches(layer).formula == "10*4 + 4"


def test_adapted_normalization_keeps_its_count():
    import numpy as np

    layer = L.Normalization()
    layer.adapt(np.arange(12, dtype="float32").reshape(4, 3))
    assert_layer_formula_matches(layer)


@st.composite
def shaped_axes(draw):
    rank = draw(st.integers(2, 4))
    shape = tuple(draw(st.integers(1, 5)) for _ in range(rank - 1))
    chosen = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
    # Keras accepts negative axes too: flip some of them.
    signed = [axis - rank if draw(st.booleans()) else axis for axis in chosen]
    return shape, signed


@given(
    case=shaped_axes(),
    kind=st.sampled_from(["batch", "layer", "rms", "normalization"]),
    center=st.booleans(),
    scale=st.booleans(),
    renorm=st.booleans(),
)
def test_axis_normalizations_random(case, kind, center, scale, renorm):
    shape, axis = case
    if kind == "batch":
        # BatchNormalization takes one int axis (Keras 3 calls int(axis)).
        layer = L.BatchNormalization(axis=axis[0], center=center, scale=scale, renorm=renorm)
    elif kind == "layer":
        layer = L.LayerNormalization(axis=axis, center=center, scale=scale)
    elif kind == "rms":
        layer = L.RMSNormalization(axis=axis)
    else:
        layer = L.Normalization(axis=axis)
    assert_layer_formula_matches(build_layer(layer, shape))


@given(
    groups=st.integers(1, 4),
    per_group=st.integers(1, 4),
    spatial=st.lists(st.integers(1, 4), max_size=2),
    center=st.booleans(),
    scale=st.booleans(),
)
def test_group_normalization_random(groups, per_group, spatial, center, scale):
    layer = L.GroupNormalization(groups=groups, center=center, scale=scale)
    assert_layer_formula_matches(build_layer(layer, (*spatial, groups * per_group)))


@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), data=st.data())
def test_prelu_random(shape, data):
    shared = data.draw(st.lists(st.integers(1, len(shape)), unique=True, max_size=len(shape)))
    assert_layer_formula_matches(build_layer(L.PReLU(shared_axes=shared or None), tuple(shape)))


@given(
    frame=st.integers(2, 40),
    extra=st.integers(0, 2),
    mode=st.sampled_from(["log", "magnitude", "psd", "real", "imag", "angle", "stft"]),
    explicit=st.booleans(),
)
def test_stft_random(frame, extra, mode, explicit):
    fft = (1 << (frame - 1).bit_length()) << extra if explicit else None
    layer = L.STFTSpectrogram(mode=mode, frame_length=frame, frame_step=frame, fft_length=fft, window=None)
    assert_layer_formula_matches(build_layer(layer, (80, 1)))


@given(
    inner=st.sampled_from(["dense", "conv", "transpose", "depthwise"]),
    size=st.integers(1, 6),
    channels=st.integers(1, 4),
)
def test_spectral_normalization_random(inner, size, channels):
    if inner == "dense":
        layer, shape = L.Dense(size), (channels,)
    elif inner == "conv":
        layer, shape = L.Conv2D(size, 2), (4, 4, channels)
    elif inner == "transpose":
        layer, shape = L.Conv1DTranspose(size, 2), (4, channels)
    else:
        layer, shape = L.DepthwiseConv1D(2, depth_multiplier=size), (4, channels)
    assert_layer_formula_matches(build_layer(L.SpectralNormalization(layer), shape))
