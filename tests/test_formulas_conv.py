"""Conv, ConvTranspose, SeparableConv, DepthwiseConv in 1D/2D/3D: formulas against count_params()."""

from __future__ import annotations

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .helpers import assert_layer_formula_matches, build_layer

L = keras.layers

CONV = {1: L.Conv1D, 2: L.Conv2D, 3: L.Conv3D}
TRANSPOSE = {1: L.Conv1DTranspose, 2: L.Conv2DTranspose, 3: L.Conv3DTranspose}
SEPARABLE = {1: L.SeparableConv1D, 2: L.SeparableConv2D}
DEPTHWISE = {1: L.DepthwiseConv1D, 2: L.DepthwiseConv2D}


def _shape(rank, size, channels, data_format):
    spatial = (size,) * rank
    return (channels, *spatial) if data_format == "channels_first" else (*spatial, channels)


@pytest.mark.parametrize(
    ("layer", "shape", "formula"),
    [
        (L.Conv2D(2, 3), (16, 16, 3), "(3*3*3+1)*2"),
        (L.Conv2D(4, 3, groups=2, use_bias=False), (8, 8, 6), "3*3*(6//2)*4"),
        (L.Conv1D(6, 5, groups=3), (20, 9), "(5*(9//3)+1)*6"),
        (L.Conv3D(2, (1, 2, 3)), (5, 5, 5, 4), "(1*2*3*4+1)*2"),
        (L.Conv2DTranspose(5, 2), (4, 4, 1), "(2*2*1+1)*5"),
        (L.SeparableConv2D(32, 3), (8, 8, 32), "3*3*32 + (32+1)*32"),
        (L.SeparableConv1D(4, 3, depth_multiplier=2, use_bias=False), (8, 3), "3*3*2 + 3*2*4"),
        (L.DepthwiseConv2D(3, depth_multiplier=2), (8, 8, 3), "(3*3+1)*3*2"),
        (L.DepthwiseConv1D(3, use_bias=False), (8, 5), "3*5"),
    ],
)
def test_conv(layer, shape, formula):
    record = assert_layer_formula_matches(build_layer(layer, shape))
    assert record.formula == formula


@st.composite
def conv_cases(draw):
    family = draw(st.sampled_from(["conv", "transpose", "separable", "depthwise"]))
    ranks = {"conv": CONV, "transpose": TRANSPOSE, "separable": SEPARABLE, "depthwise": DEPTHWISE}[family]
    rank = draw(st.sampled_from(sorted(ranks)))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    use_bias = draw(st.booleans())
    groups = draw(st.integers(1, 3)) if family == "conv" else 1
    channels = groups * draw(st.integers(1, 4))
    filters = groups * draw(st.integers(1, 4))
    # Keras layers draw random seeds when created: build them in the test, not in the strategy.
    options = {"data_format": data_format, "use_bias": use_bias, "padding": "same"}
    if family == "conv":
        args, options = (filters, kernel), {**options, "groups": groups}
    elif family == "transpose":
        args = (filters, kernel)
    elif family == "separable":
        args, options = (filters, kernel), {**options, "depth_multiplier": draw(st.integers(1, 3))}
    else:
        args, options = (kernel,), {**options, "depth_multiplier": draw(st.integers(1, 3))}
    return ranks[rank], args, options, _shape(rank, 4, channels, data_format)


@given(case=conv_cases(), lora=st.integers(0, 3))
def test_conv_random(case, lora):
    layer_class, args, options, shape = case
    layer = build_layer(layer_class(*args, **options), shape)
    if lora and hasattr(layer, "enable_lora"):
        layer.enable_lora(lora)
    assert_layer_formula_matches(layer)
