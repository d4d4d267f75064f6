"""The seeds' layer families against Keras's count_params(), over their options."""

from __future__ import annotations

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keras import layers

from .helpers import assert_layer_formula_matches, build_layer

small = st.integers(min_value=1, max_value=6)
kernel_dims = st.integers(min_value=1, max_value=3)


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("input_shape", [(7,), (7, 5), (2, 3, 4)])
def test_dense(use_bias, input_shape):
    record = assert_layer_formula_matches(build_layer(layers.Dense(3, use_bias=use_bias), input_shape))
    assert record.terms["kernel"] == f"{input_shape[-1]}*3"
    assert ("bias" in record.terms) is use_bias


@given(units=st.integers(1, 64), features=st.integers(1, 64), leading=st.lists(small, max_size=2), bias=st.booleans())
def test_dense_random(units, features, leading, bias):
    assert_layer_formula_matches(build_layer(layers.Dense(units, use_bias=bias), (*leading, features)))


CONVS = {1: layers.Conv1D, 2: layers.Conv2D, 3: layers.Conv3D}
TRANSPOSES = {1: layers.Conv1DTranspose, 2: layers.Conv2DTranspose, 3: layers.Conv3DTranspose}


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("groups, use_bias", [(1, True), (1, False), (2, True), (4, False)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv(rank, groups, use_bias, data_format):
    channels = 8
    spatial = (9,) * rank
    shape = (*spatial, channels) if data_format == "channels_last" else (channels, *spatial)
    layer = CONVS[rank](4, 3, groups=groups, use_bias=use_bias, data_format=data_format)
    record = assert_layer_formula_matches(build_layer(layer, shape))
    if groups > 1:
        assert f"({channels}//{groups})" in record.terms["kernel"]


@given(
    rank=st.sampled_from([1, 2, 3]),
    data=st.data(),
    groups=st.sampled_from([1, 2, 3]),
    filter_multiple=small,
    channel_multiple=small,
    bias=st.booleans(),
    channels_first=st.booleans(),
)
def test_conv_random(rank, data, groups, filter_multiple, channel_multiple, bias, channels_first):
    kernel = tuple(data.draw(kernel_dims) for _ in range(rank))
    channels = groups * channel_multiple
    spatial = tuple(data.draw(st.integers(3, 6)) for _ in range(rank))
    shape = (channels, *spatial) if channels_first else (*spatial, channels)
    layer = CONVS[rank](
        groups * filter_multiple,
        kernel,
        groups=groups,
        use_bias=bias,
        data_format="channels_first" if channels_first else "channels_last",
    )
    assert_layer_formula_matches(build_layer(layer, shape))


@given(rank=st.sampled_from([1, 2, 3]), data=st.data(), filters=small, channels=small, bias=st.booleans())
def test_conv_transpose_random(rank, data, filters, channels, bias):
    kernel = tuple(data.draw(kernel_dims) for _ in range(rank))
    strides = tuple(data.draw(st.integers(1, 2)) for _ in range(rank))
    layer = TRANSPOSES[rank](filters, kernel, strides=strides, use_bias=bias)
    assert_layer_formula_matches(build_layer(layer, (*(5,) * rank, channels)))


def test_conv_transpose_seed001():
    record = assert_layer_formula_matches(build_layer(layers.Conv2DTranspose(5, (2, 2)), (40, 110, 1)))
    assert record.formula == "(2*2*1+1)*5" and record.params == 25


SEPARABLES = {1: layers.SeparableConv1D, 2: layers.SeparableConv2D}
DEPTHWISES = {1: layers.DepthwiseConv1D, 2: layers.DepthwiseConv2D}


@given(
    rank=st.sampled_from([1, 2]),
    data=st.data(),
    filters=small,
    channels=small,
    multiplier=st.integers(1, 3),
    bias=st.booleans(),
    channels_first=st.booleans(),
)
def test_separable_random(rank, data, filters, channels, multiplier, bias, channels_first):
    kernel = tuple(data.draw(kernel_dims) for _ in range(rank))
    spatial = (6,) * rank
    shape = (channels, *spatial) if channels_first else (*spatial, channels)
    layer = SEPARABLES[rank](
        filters,
        kernel,
        depth_multiplier=multiplier,
        use_bias=bias,
        data_format="channels_first" if channels_first else "channels_last",
    )
    record = assert_layer_formula_matches(build_layer(layer, shape))
    assert set(record.terms) >= {"depthwise_kernel", "pointwise_kernel"}


@given(
    rank=st.sampled_from([1, 2]),
    data=st.data(),
    channels=small,
    multiplier=st.integers(1, 3),
    bias=st.booleans(),
)
def test_depthwise_random(rank, data, channels, multiplier, bias):
    kernel = tuple(data.draw(kernel_dims) for _ in range(rank))
    layer = DEPTHWISES[rank](kernel, depth_multiplier=multiplier, use_bias=bias)
    record = assert_layer_formula_matches(build_layer(layer, (*(6,) * rank, channels)))
    assert "kernel" in record.terms  # Keras 3 names the depthwise weights "kernel"


@pytest.mark.parametrize("center, scale", [(True, True), (True, False), (False, True), (False, False)])
@pytest.mark.parametrize("axis, shape", [(-1, (5, 5, 8)), (1, (3, 5, 5)), (2, (4, 6, 2))])
def test_batch_normalization(center, scale, axis, shape):
    layer = layers.BatchNormalization(axis=axis, center=center, scale=scale)
    record = assert_layer_formula_matches(build_layer(layer, shape))
    channels = shape[axis - 1] if axis > 0 else shape[axis]  # shape has no batch axis; axis counts it
    assert record.non_trainable_params == 2 * channels


def test_batch_normalization_renorm():
    assert_layer_formula_matches(build_layer(layers.BatchNormalization(renorm=True), (4, 6)))


def test_frozen_layer_counts_everything_as_non_trainable():
    layer = build_layer(layers.Conv2D(4, 3), (8, 8, 2))
    layer.trainable = False
    record = assert_layer_formula_matches(layer)
    assert record.trainable_params == 0 and record.non_trainable_params == 76


@pytest.mark.parametrize(
    "layer, shape",
    [
        (layers.Activation("relu"), (4,)),
        (layers.Dropout(0.5), (4,)),
        (layers.Flatten(), (2, 3)),
        (layers.MaxPooling2D(), (4, 4, 2)),
        (layers.AveragePooling1D(2), (4, 2)),
        (layers.GlobalAveragePooling2D(), (4, 4, 2)),
        (layers.ZeroPadding2D(1), (4, 4, 2)),
        (layers.Cropping2D(1), (4, 4, 2)),
        (layers.Reshape((6,)), (2, 3)),
        (layers.UpSampling2D(), (4, 4, 2)),
    ],
)
def test_weightless(layer, shape):
    record = assert_layer_formula_matches(build_layer(layer, shape))
    assert record.formula == "0" and record.terms == {}


def test_input_layer_is_weightless():
    model = keras.Model(*(lambda i: (i, layers.Dense(2)(i)))(keras.Input((3,))))
    from ascii_explain import explain

    record = explain(model).layers[0]
    assert record.class_name == "InputLayer" and record.params == 0 and record.formula == "0"
