"""Output-shape arithmetic: every expression evaluates to the shape Keras computes.

Hypothesis draws kernel, stride, padding, dilation (and output padding, data
format) combinations; each drawn layer is built on a real ``keras.Input`` and
the record's per-axis expressions are evaluated with ``evaluate_shape``.
"""

from __future__ import annotations

from typing import Any

import keras
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from keras import layers

from ascii_explain import examples, explain
from ascii_explain.layers import ShapeSyntaxError, evaluate_shape, registered_shape_classes

SIZES = st.integers(1, 24)


def check(layer, input_shape, data_format="channels_last"):
    """Build ``layer`` on ``input_shape`` (batch excluded) and compare every axis with Keras's shape."""
    try:
        output = layer(keras.Input(input_shape))
    except ValueError:
        assume(False)  # a combination Keras itself rejects (zero or negative size, stride with dilation)
    (record,) = explain(layer).layers
    rank = len(input_shape) - 1
    spatial = output.shape[2:] if data_format == "channels_first" else output.shape[1 : 1 + rank]
    assert len(record.shape_axes) == rank, record.shape_formula
    for expression, size in zip(record.shape_axes, spatial, strict=True):
        assert evaluate_shape(expression) == size, (record.shape_formula, tuple(output.shape))
    # The printed line shows each axis as "expression = size", with the size Keras computes.
    for expression, size in zip(record.shape_axes, spatial, strict=True):
        assert f"{expression} = {size}" in record.shape_formula
    return record


@st.composite
def conv_case(draw, rank):
    kernel = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    if max(dilation) > 1 and draw(st.booleans()):
        dilation = (1,) * rank
    if max(dilation) > 1:
        strides = (1,) * rank  # Keras: strides > 1 with dilation_rate > 1 is not supported
    paddings = ["valid", "same", "causal"] if rank == 1 else ["valid", "same"]
    padding = draw(st.sampled_from(paddings))
    # Valid padding needs the input to cover the (dilated) kernel, or Keras raises.
    lowest = [d * (k - 1) + 1 if padding == "valid" else 1 for k, d in zip(kernel, dilation, strict=True)]
    spatial = tuple(draw(st.integers(low, 24)) for low in lowest)
    return kernel, strides, dilation, padding, spatial


@given(st.integers(1, 3).flatmap(conv_case), st.integers(1, 3), st.sampled_from(["channels_last", "channels_first"]))
def test_conv(case, channels, data_format):
    kernel, strides, dilation, padding, spatial = case
    rank = len(kernel)
    if padding == "causal":
        data_format = "channels_last"
    conv = {1: layers.Conv1D, 2: layers.Conv2D, 3: layers.Conv3D}[rank]
    layer = conv(2, kernel, strides=strides, dilation_rate=dilation, padding=padding, data_format=data_format)
    shape = (channels, *spatial) if data_format == "channels_first" else (*spatial, channels)
    check(layer, shape, data_format)


@given(st.integers(1, 2).flatmap(conv_case), st.booleans())
def test_depthwise_and_separable(case, separable):
    kernel, strides, dilation, padding, spatial = case
    assume(padding != "causal")
    rank = len(kernel)
    if separable:
        layer = {1: layers.SeparableConv1D, 2: layers.SeparableConv2D}[rank](
            3, kernel, strides=strides, dilation_rate=dilation, padding=padding
        )
    else:
        layer = {1: layers.DepthwiseConv1D, 2: layers.DepthwiseConv2D}[rank](
            kernel, strides=strides, dilation_rate=dilation, padding=padding
        )
    check(layer, (*spatial, 2))


@given(st.integers(1, 3), st.data())
def test_conv_transpose(rank, data):
    kernel = tuple(data.draw(st.integers(1, 5)) for _ in range(rank))
    strides = tuple(data.draw(st.integers(1, 4)) for _ in range(rank))
    dilation = data.draw(st.sampled_from([1, 2]))
    if dilation > 1:
        strides = (1,) * rank  # Keras: strides > 1 with dilation > 1 is not supported
    padding = data.draw(st.sampled_from(["valid", "same"]))
    output_padding = None
    if data.draw(st.booleans()):
        output_padding = tuple(data.draw(st.integers(0, s - 1)) for s in strides)
    spatial = tuple(data.draw(st.integers(1, 12)) for _ in range(rank))
    data_format = data.draw(st.sampled_from(["channels_last", "channels_first"]))
    transpose = {1: layers.Conv1DTranspose, 2: layers.Conv2DTranspose, 3: layers.Conv3DTranspose}[rank]
    layer = transpose(
        2,
        kernel,
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        output_padding=output_padding,
        data_format=data_format,
    )
    shape = (3, *spatial) if data_format == "channels_first" else (*spatial, 3)
    check(layer, shape, data_format)


@given(
    st.integers(1, 3),
    st.data(),
    st.sampled_from(["valid", "same"]),
    st.booleans(),
    st.sampled_from(["channels_last", "channels_first"]),
)
def test_pooling(rank, data, padding, average, data_format):
    pool = tuple(data.draw(st.integers(1, 4)) for _ in range(rank))
    strides = data.draw(st.none() | st.tuples(*[st.integers(1, 4)] * rank))
    spatial = tuple(data.draw(st.integers(p if padding == "valid" else 1, 24)) for p in pool)
    kinds = {1: (layers.MaxPooling1D, layers.AveragePooling1D), 2: (layers.MaxPooling2D, layers.AveragePooling2D)}
    kinds[3] = (layers.MaxPooling3D, layers.AveragePooling3D)
    layer = kinds[rank][average](pool, strides=strides, padding=padding, data_format=data_format)
    shape = (2, *spatial) if data_format == "channels_first" else (*spatial, 2)
    check(layer, shape, data_format)


@given(st.integers(1, 3), st.data(), st.sampled_from(["pad", "crop", "upsample"]))
def test_padding_cropping_upsampling(rank, data, kind):
    spatial = tuple(data.draw(st.integers(7, 16)) for _ in range(rank))
    pairs = tuple((data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))) for _ in range(rank))
    if kind == "upsample":
        size = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
        layer = {1: layers.UpSampling1D, 2: layers.UpSampling2D, 3: layers.UpSampling3D}[rank](
            size[0] if rank == 1 else size
        )
    else:
        argument: Any
        if rank == 1:
            argument = pairs[0]
        elif data.draw(st.booleans()):
            argument = data.draw(st.integers(0, 3))  # the single-int form
        else:
            argument = pairs
        classes = {
            "pad": (layers.ZeroPadding1D, layers.ZeroPadding2D, layers.ZeroPadding3D),
            "crop": (layers.Cropping1D, layers.Cropping2D, layers.Cropping3D),
        }
        layer = classes[kind][rank - 1](argument)
    record = check(layer, (*spatial, 2))
    assert record.shape_formula.startswith(kind + ":")


def test_seed000_lines_read_as_by_hand():
    e = explain(examples.seed000_small_cnn())
    assert e.layer("l1_conv2d").shape_formula == "valid: floor((16-3)/1)+1 = 14"
    assert e.layer("l3_conv2d").shape_formula == "valid, stride 2: floor((14-3)/2)+1 = 6"
    assert e.layer("l5_mpool2d").shape_formula == "valid, stride 2: floor((6-2)/2)+1 = 3"
    assert e.layer("l8_dense").shape_formula == "" and e.layer("l8_dense").shape_axes == ()


def test_same_padding_and_transpose_examples():
    same = check(layers.Conv2D(2, 3, padding="same"), (28, 28, 1))
    assert same.shape_formula == "same: ceil(28/1) = 28"
    transpose = check(layers.Conv2DTranspose(5, 2), (40, 110, 1))
    assert transpose.shape_formula == "transpose valid: (40-1)*1+2 = 41, (110-1)*1+2 = 111"
    wide = check(layers.Conv1DTranspose(1, 2, strides=3), (5, 1))
    assert wide.shape_formula == "transpose valid, stride 3: (5-1)*3+max(2,3) = 15"


def test_unknown_input_size_says_so():
    model = keras.Sequential([keras.Input((None, 3)), layers.Conv1D(2, 3)])
    record = explain(model).layers[0]
    assert record.shape_axes == ("",) and "unknown" in record.shape_formula


@pytest.mark.parametrize(
    ("expression", "value"),
    [("floor((16-3)/1)+1", 14), ("ceil(28/3)", 10), ("(5-1)*3+max(2,3)", 15), ("(7-1)*2+3%2+1", 14), ("-2+5", 3)],
)
def test_evaluate_shape(expression, value):
    assert evaluate_shape(expression) == value


@pytest.mark.parametrize("bad", ["", "__import__('os')", "floor(1/2", "round(3/2)", "7/2", "1.5*2", "floor(x)"])
def test_evaluate_shape_rejects_anything_else(bad):
    with pytest.raises(ShapeSyntaxError):
        evaluate_shape(bad)


def test_covered_families():
    names = {cls.__name__ for cls in registered_shape_classes()}
    assert {"BaseConv", "BaseConvTranspose", "BasePooling", "ZeroPadding2D", "Cropping3D", "UpSampling1D"} <= names
