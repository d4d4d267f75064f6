"""Cross-check of our mult-adds with TensorFlow's own profiler float-op count (FLOPs = 2 x MACs).

The profiler (``tf.compat.v1.profiler`` over a concrete function's graph, batch
of 1) counts a multiply and an add for every MAC, and ALSO one FLOP per output
element for each ``BiasAdd`` op — which our convention does not count as a
MAC. So the check is explicit: FLOPs of the ``BiasAdd`` ops = output elements
(when the layer has a bias), and FLOPs of every other op = 2 x our MACs.

Recurrent layers are unrolled (``unroll=True``) so every step's MatMul is in
the graph (otherwise the profiler sees a While loop's body once); there only
the MatMul ops are compared: the gates' element-wise products are not MACs.
Grouped convolutions and transposed convolutions are not cross-checked: TF
runs the first through a function call the profiler does not enter, and
its statistic for Conv2DBackpropInput counts output positions, a different
convention from ours (documented in layers/conv.py). Dilated convolutions are
not either: TF runs them as SpaceToBatchND + Conv2D on a padded grid, and the
profiler counts the padded positions too (8x8 instead of 7x7 for a 3x3 kernel,
dilation 2, on 11x11), more than the mathematical count.
"""

from __future__ import annotations

import keras
import pytest
from keras import layers

from ascii_explain import explain

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's profiler needs the TensorFlow backend"
)


def profiled(layer, shape):
    """(our record, {op name: float ops}) for ``layer`` built on ``shape`` (batch excluded)."""
    import tensorflow as tf

    layer(keras.Input(shape))
    (record,) = explain(layer).layers
    function = tf.function(lambda x: layer(x)).get_concrete_function(tf.TensorSpec((1, *shape), tf.float32))
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph=function.graph, options=options)
    flops = {child.name: int(child.total_float_ops) for child in profile.children}
    assert sum(flops.values()) == profile.total_float_ops
    return record, flops


def split_bias(flops):
    bias = sum(count for name, count in flops.items() if "BiasAdd" in name)
    return bias, sum(flops.values()) - bias


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda: layers.Conv2D(32, 3), (28, 28, 1)),  # seed 002's first layer: 2 x 194,688
        (lambda: layers.Conv2D(32, 3, use_bias=False), (28, 28, 1)),
        (lambda: layers.Conv2D(3, 3, strides=2), (14, 14, 2)),
        (lambda: layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same"), (9, 7, 3)),
        (lambda: layers.Conv1D(4, 3, strides=2), (10, 3)),
        (lambda: layers.Conv3D(2, 2, use_bias=False), (4, 4, 4, 2)),
        (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False), (8, 8, 3)),
        (lambda: layers.SeparableConv2D(4, 3, use_bias=False), (8, 8, 3)),
        (lambda: layers.Dense(3), (7, 5)),  # 2 x 105
        (lambda: layers.Dense(3, use_bias=False), (7, 5)),
        (lambda: layers.Dense(5), (27,)),
        (lambda: layers.Dense(4), (2, 3, 6)),
    ],
)
def test_profiler_flops_are_twice_our_macs(make, shape):
    layer = make()
    record, flops = profiled(layer, shape)
    bias, other = split_bias(flops)
    assert other == 2 * record.macs, flops
    outputs = record.neurons
    assert bias == (outputs if layer.use_bias else 0), flops


def test_seed002_first_conv_profiled():
    record, flops = profiled(layers.Conv2D(32, (3, 3)), (28, 28, 1))
    assert split_bias(flops) == (26 * 26 * 32, 2 * 194_688)


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda: layers.LSTM(4, unroll=True), (10, 8)),
        (lambda: layers.GRU(3, unroll=True), (6, 5)),
        (lambda: layers.GRU(3, unroll=True, reset_after=False), (6, 5)),
        (lambda: layers.SimpleRNN(2, unroll=True), (4, 3)),
    ],
)
def test_profiler_matmuls_of_unrolled_rnn_are_twice_our_macs(make, shape):
    record, flops = profiled(make(), shape)
    matmuls = sum(count for name, count in flops.items() if "MatMul" in name)
    assert matmuls == 2 * record.macs, flops
