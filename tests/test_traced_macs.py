"""Mult-adds counted from a layer's own call, traced symbolically (issue 21, item 3).

The traced count of every Keras layer that has a registered MACs function must equal that
function's count (the trace is the formulas' cross-check, as count_params() is the parameters');
a layer without one gets the traced count, marked as such; keras.ops rows are traced too.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import keras
import pytest
from keras import layers, ops

from ascii_explain import explain
from ascii_explain.read import traced_macs
from ascii_explain.read.traced_macs import counting_contractions, frame, trace_first_call

from .keras_io_corpus import KERAS_IO_MODELS, Linear


def _called(layer: Any, *shapes: tuple[int | None, ...]) -> Any:
    inputs = [keras.Input(shape) for shape in shapes]
    layer(*inputs)
    return layer


# (layer, input shapes without the batch axis): each traced at batch 1 and compared with the registered formula
REGISTERED: dict[str, Callable[[], tuple[Any, list[tuple[int, ...]]]]] = {
    "dense": lambda: (layers.Dense(7), [(5, 3)]),
    "conv1d": lambda: (layers.Conv1D(4, 3, strides=2), [(11, 3)]),
    "conv2d_groups": lambda: (layers.Conv2D(6, 3, groups=2, padding="same"), [(7, 7, 4)]),
    "conv3d": lambda: (layers.Conv3D(2, 2), [(4, 4, 4, 3)]),
    "depthwise": lambda: (layers.DepthwiseConv2D(3, depth_multiplier=2), [(8, 8, 3)]),
    "separable": lambda: (layers.SeparableConv2D(5, 3, depth_multiplier=2), [(8, 8, 3)]),
    "transpose": lambda: (layers.Conv2DTranspose(4, 3, strides=2), [(5, 5, 2)]),
    "einsum_dense": lambda: (layers.EinsumDense("abc,cd->abd", (5, 6), bias_axes="d"), [(5, 3)]),
    "mha": lambda: (layers.MultiHeadAttention(2, 4), [(6, 8), (6, 8)]),
    "mha_cross": lambda: (layers.MultiHeadAttention(3, 2, value_dim=5), [(4, 8), (7, 6)]),
    "gqa": lambda: (layers.GroupQueryAttention(4, 4, 2), [(6, 8), (6, 8)]),
    "dot": lambda: (layers.Dot(axes=(2, 2)), [(4, 3), (5, 3)]),
}


@pytest.mark.parametrize("name", sorted(REGISTERED))
def test_traced_count_equals_the_registered_formula(name: str) -> None:
    layer, shapes = REGISTERED[name]()
    inputs = [keras.Input(shape) for shape in shapes]
    outputs = layer(inputs) if name == "dot" else layer(*inputs)
    record = explain(keras.Model(inputs, outputs)).layer(layer.name)
    assert record.macs_source == "formula" and record.macs is not None and record.macs > 0
    traced = trace_first_call(layer)
    assert traced.note == "" and traced.macs == record.macs, (traced, record.macs_formula)


def test_unregistered_layer_gets_its_traced_count_and_says_so() -> None:
    inputs = keras.Input((6, 5))
    model = keras.Model(inputs, Linear(7, name="linear")(inputs))
    e = explain(model)
    record = e.layer("linear")
    # ops.matmul of (1, 6, 5) by (5, 7): 6*7 outputs, each 5 multiply-adds
    assert record.macs == 6 * 7 * 5 and record.macs_source == "traced"
    assert e.total_macs == 210 and not e.macs_unknown
    assert "Mult-adds: 210 per sample" in e.render(width=100)


def test_elementwise_work_traces_to_zero() -> None:
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Lambda(lambda t: t * 2 + 1, name="double")(inputs))
    record = explain(model).layer("double")
    assert record.macs == 0 and record.macs_source == "traced"


def test_keras_ops_rows_are_traced_and_sized_at_the_input_shape() -> None:
    inputs = keras.Input((None, 8))
    h = layers.Dense(4, name="dense")(inputs)
    scores = ops.matmul(ops.transpose(h, (0, 2, 1)), h)  # (4, T) by (T, 4): 4*4 outputs of T each
    model = keras.Model(inputs, layers.Dense(2, name="head")(ops.mean(scores, axis=1)))
    unknown = explain(model)
    matmul = next(r for r in unknown.layers if r.class_name == "Matmul")
    assert matmul.macs is None and "unknown" in matmul.macs_note
    e = explain(model, input_shape=(1, 10, 8))
    matmul = next(r for r in e.layers if r.class_name == "Matmul")
    transpose = next(r for r in e.layers if r.class_name == "Transpose")
    assert matmul.macs == 4 * 4 * 10 and matmul.macs_source == "traced"
    assert transpose.output_shape == (1, 4, 10) and matmul.output_shape == (1, 4, 4)
    assert matmul.output_bytes == 4 * 4 * 4
    assert e.total_macs == 10 * 8 * 4 + 160 + 4 * 2 and not e.macs_unknown


def test_a_block_without_a_formula_sums_traced_parts() -> None:
    e = explain(KERAS_IO_MODELS["custom_weights"]())
    # linear 4*8; MLPBlock's Linear(16) and Linear(8) on 8 features: 8*16 + 16*8
    assert e.layer("linear").macs == 32 and e.layer("mlp").macs == 256
    assert e.layer("mlp").macs_source == "traced"
    assert e.total_macs == 288


def test_tracing_only_reads_and_restores_the_backend() -> None:
    from keras.src import backend

    originals = {name: getattr(backend.numpy, name) for name in traced_macs.NUMPY_CONTRACTIONS}
    originals |= {name: getattr(backend.nn, name) for name in traced_macs.NN_CONTRACTIONS}
    model = KERAS_IO_MODELS["custom_weights"]()
    before = [(v.path, tuple(v.shape), float(keras.ops.sum(v))) for v in model.weights]
    explain(model)
    assert [(v.path, tuple(v.shape), float(keras.ops.sum(v))) for v in model.weights] == before
    for name, function in originals.items():
        module = backend.numpy if name in traced_macs.NUMPY_CONTRACTIONS else backend.nn
        assert getattr(module, name) is function


def test_contractions_outside_a_frame_are_not_counted_and_frames_nest() -> None:
    x = keras.ops.ones((2, 3))
    w = keras.ops.ones((3, 4))
    with counting_contractions():
        keras.ops.matmul(x, w)  # no frame open: passes straight through
        with frame() as outer:
            keras.ops.matmul(x, w)
            with frame() as inner:
                keras.ops.einsum("ab,bc->ac", x, w)
    assert inner.parts == [2 * 4 * 3] and outer.parts == [24, 24] and outer.macs == 48


def test_a_registered_count_is_cross_checked_by_the_trace_and_a_disagreement_fails_the_check() -> None:
    from ascii_explain import register_macs, unregister_macs
    from ascii_explain.checks import formula_problems

    class Projector(Linear):
        pass

    @register_macs(Projector)
    def forgets_a_dimension(config, input_shape, output_shape):
        return str(config["units"])  # should be in * units

    try:
        inputs = keras.Input((5,))
        model = keras.Model(inputs, Projector(3, name="projector")(inputs))
        plain = explain(model)
        traced = explain(model, input_shape=(1, 5))
    finally:
        unregister_macs(Projector)
    assert plain.layer("projector").traced_macs is None  # no traced forward: nothing to cross-check with
    record = traced.layer("projector")
    assert record.macs == 3 and record.macs_source == "formula"
    assert record.traced_macs == 5 * 3 and record.macs_disagree
    assert any("traced at the same shapes counts 15" in problem for problem in formula_problems(traced))
    text = traced.render(width=120)
    assert "MISMATCH: its call traced counts 15" in text
    assert "1 mult-add formulas disagree with their traced call" in text


def test_registered_counts_agree_with_their_trace_in_a_traced_forward() -> None:
    e = explain(KERAS_IO_MODELS["text_transformer"](), input_shape=(1, 10))
    checked = [r for r in e.layers if r.traced_macs is not None]
    assert checked, "the traced forward cross-checks the registered layers"
    assert not [(r.name, r.macs, r.traced_macs) for r in checked if r.macs_disagree]


def test_an_outer_product_einsum_multiplies_nothing_summed() -> None:
    a, b = keras.ops.ones((8,)), keras.ops.ones((4,))
    with counting_contractions(), frame() as counted:
        keras.ops.einsum("i,d->id", a, b)  # XLNet's relative positions: no index summed
        keras.ops.einsum("i,i->", a, a)  # a dot product: 8
        keras.ops.einsum("ij,jk", keras.ops.ones((2, 3)), keras.ops.ones((3, 5)))  # implicit output ik: 2*3*5
    assert counted.parts == [8, 30]


def _windowed(batch_axis_windows: int = 4) -> Any:
    """A Dense and an attention matmul after a Swin-style window partition: (batch, 8, 8, C) -> (batch * 4, 16, C)."""
    inputs = keras.Input((8, 8, 6))
    x = ops.reshape(inputs, (-1, 2, 4, 2, 4, 6))
    x = ops.reshape(ops.transpose(x, (0, 1, 3, 2, 4, 5)), (-1, 16, 6))
    x = layers.Dense(5, name="dense")(x)
    scores = ops.matmul(x, ops.transpose(x, (0, 2, 1)))  # (batch * 4, 16, 16)
    return keras.Model(inputs, layers.Dense(3, name="head")(ops.reshape(scores, (-1, 4 * 16 * 16))))


@pytest.mark.parametrize("batch", [None, 1, 2])
def test_windows_folded_into_the_batch_axis_are_counted_per_model_sample(batch: Optional[int]) -> None:
    """Swin / MaxViT (the zoo): a layer after a window partition sees batch * windows rows; each sample's count
    holds every window, registered (4*16*6*5) and traced (4 windows of 16*16*5) alike.

    Without an input_shape the graph's None batch hides the windows: a reshape that folds positions
    into the batch axis makes explain trace the forward at batch 1, as input_shape=(1, ...) does.
    """
    model = _windowed()
    e = explain(model) if batch is None else explain(model, input_shape=(batch, 8, 8, 6))
    batch = batch or 1
    dense = e.layer("dense")
    assert dense.macs_formula == "4*16*6*5" and dense.macs == 4 * 16 * 6 * 5
    assert dense.traced_macs == dense.macs  # the cross-check agrees at the same count
    matmul = next(r for r in e.layers if r.class_name == "Matmul")
    assert matmul.macs == 4 * 16 * 16 * 5 and matmul.macs_source == "traced"
    assert e.layer("head").macs == 1024 * 3
    assert e.total_macs == 4 * 16 * 6 * 5 + 4 * 16 * 16 * 5 + 1024 * 3
    # each sample's activations hold every window too: float32 (4, 16, 5) after the Dense, (4, 16, 16) scores
    assert dense.output_bytes == 4 * 16 * 5 * 4 and matmul.output_bytes == 4 * 16 * 16 * 4
    # and keeps every window's input for its backward pass: (4, 16, 6) floats per sample
    assert dense.saved_elements == 4 * 16 * 6 and dense.saved_formula == "4*16*6", dense.saved_formula
    partition = [r for r in e.layers if r.class_name == "Reshape"][1]
    assert partition.output_shape == (batch * 4, 16, 6) and partition.output_bytes == 4 * 16 * 6 * 4


def test_extract_patches_is_data_movement_not_a_convolution() -> None:
    """Keras gathers patches with a convolution by a one-hot kernel (keras.src.ops.image._extract_patches_2d):
    a copy of each window, no multiply summed that the model asked for, so 0 (Involution, NAT, VOLO, HaloNet)."""
    images = keras.ops.ones((1, 8, 8, 4))
    with counting_contractions(), frame() as counted:
        patches = keras.ops.image.extract_patches(images, size=3, strides=1, padding="same")
        keras.ops.matmul(keras.ops.reshape(patches, (64, 36)), keras.ops.ones((36, 2)))  # still counted
    assert tuple(patches.shape) == (1, 8, 8, 36)
    assert counted.parts == [64 * 2 * 36]


def test_a_lambdas_tensorflow_matmul_is_counted_from_the_graph_not_zero() -> None:
    """``tf.matmul`` and ``@`` on backend tensors pass no Keras function: read from the trace's TF graph."""
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        pytest.skip("a direct TensorFlow call exists only on the TensorFlow backend")
    inputs = keras.Input((4, 3))
    hidden = layers.Lambda(lambda t: tf.matmul(t, tf.ones((3, 5))), name="tf_matmul")(inputs)
    scores = layers.Lambda(lambda t: t @ tf.ones((5, 2)), name="at_matmul")(hidden)
    pairs = layers.Lambda(lambda t: tf.einsum("bij,bkj->bik", t, t), name="tf_einsum")(scores)
    e = explain(keras.Model(inputs, pairs))
    # (4, 3) by (3, 5): 4*5 outputs of 3; (4, 5) by (5, 2): 4*2 of 5; (4, 2) by its transpose: 4*4 of 2
    assert [e.layer(name).macs for name in ("tf_matmul", "at_matmul", "tf_einsum")] == [60, 40, 32]
    assert e.layer("tf_matmul").macs_source == "traced" and e.total_macs == 132


def test_a_tensorflow_contraction_of_unknown_size_is_unknown_not_zero() -> None:
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        pytest.skip("a direct TensorFlow call exists only on the TensorFlow backend")
    inputs = keras.Input((None, 3))
    outputs = layers.Lambda(lambda t: tf.matmul(t, t, transpose_b=True), name="gram")(inputs)
    record = explain(keras.Model(inputs, outputs)).layer("gram")
    assert record.macs is None and "unknown" in record.macs_note


def test_keras_contractions_are_not_counted_twice_from_the_graph() -> None:
    """A Dense's matmul is counted by its Keras function; the graph's MatMul op of it is skipped."""
    inputs = keras.Input((5, 3))
    block = layers.Lambda(lambda t: ops.matmul(t, ops.ones((3, 4))), name="keras_matmul")(inputs)
    e = explain(keras.Model(inputs, layers.Dense(2, name="dense")(block)), input_shape=(1, 5, 3))
    assert e.layer("keras_matmul").macs == 5 * 4 * 3
    assert e.layer("dense").macs == e.layer("dense").traced_macs == 5 * 2 * 4


class _ScoresBlock(layers.Layer):
    """A block whose call multiplies its two projections itself, outside its sublayers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query = layers.Dense(6)
        self.key = layers.Dense(6)

    def call(self, x: Any) -> Any:
        return ops.matmul(self.query(x), ops.transpose(self.key(x), (0, 2, 1)))


@pytest.mark.parametrize("input_shape", [None, (1, 4, 3)])
def test_a_blocks_own_matmul_outside_its_sublayers_is_counted(input_shape: Any) -> None:
    inputs = keras.Input((4, 3))
    model = keras.Model(inputs, _ScoresBlock(name="scores")(inputs))
    record = explain(model, input_shape=input_shape).layer("scores")
    # two Dense(6) on (4, 3): 4*3*6 each; its own (4, 6) by (6, 4): 4*4 outputs of 6
    assert record.macs == 2 * 4 * 3 * 6 + 4 * 4 * 6 and record.macs_source == "traced"
    assert record.macs_formula == "72 + 72 + 96"
    assert ("(own call)", "96") in record.macs_parts


def test_a_block_of_unknown_sequence_length_is_counted_with_its_own_matmul_at_an_input_shape() -> None:
    inputs = keras.Input((None, 3))
    model = keras.Model(inputs, _ScoresBlock(name="scores")(inputs))
    e = explain(model, input_shape=(1, 5, 3))
    assert e.layer("scores").macs == 2 * 5 * 3 * 6 + 5 * 5 * 6


def test_an_outer_product_matmul_multiplies_nothing_summed() -> None:
    """A (T, 1) by (1, F) matmul (a rotary's positions x frequencies) sums nothing: 0, as for einsum."""
    with counting_contractions(), frame() as counted:
        keras.ops.matmul(keras.ops.ones((8, 1)), keras.ops.ones((1, 2)))
        keras.ops.matmul(keras.ops.ones((1, 1)), keras.ops.ones((1, 1)))  # one product into one output: 1
        keras.ops.matmul(keras.ops.ones((8, 3)), keras.ops.ones((3, 2)))
    assert counted.parts == [1, 8 * 2 * 3]


def test_a_dense_on_one_feature_counts_in_times_units_as_its_formula() -> None:
    """By a weight, a contracted size of 1 is a layer on one feature (Gemma3n's Laurel right projection)."""
    inputs = keras.Input((5, 1))
    e = explain(keras.Model(inputs, layers.Dense(4, name="one_feature")(inputs)), input_shape=(1, 5, 1))
    record = e.layer("one_feature")
    assert record.macs == record.traced_macs == 5 * 1 * 4
