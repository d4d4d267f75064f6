# mypy: disable-error-code="union-attr"
# (e.training_macs is Optional; these tests assert it is known.)
"""The training step's mult-adds against XLA: every dot and convolution of the compiled gradient step.

On the JAX backend (``.ci/run`` runs this module with ``KERAS_BACKEND=jax``,
marker ``backend_subset``; elsewhere it skips), each test compiles
``jax.jit(jax.grad(loss))`` of a model's ``stateless_call`` at batch 1, the
gradient taken with respect to the trainable variables only (as Keras's
trainer does: none with respect to the data), and counts the HLO's
contractions (``tests/hlo_macs.py``: loops times their trip count). That
count must equal ``e.training_macs.per_sample``, forward + backward, except
where XLA multiplies by design what the formulas do not count, each said and
asserted below:

* a convolution whose output has fewer positions than its input (valid
  padding, strides, dilation) takes its input gradient as a "full"
  convolution of the output gradient padded (and, for strides, lhs-dilated)
  with zeros: XLA multiplies those zeros, one window per INPUT position
  (``in_positions*k*cin*cout/groups``), where the formula counts the
  products that exist (= forward, one window per output position).

* keras-hub's rotary embedding computes its angles as an outer product
  (``einsum``), which the convention counts as element-wise.

The loss is the sum of the squared outputs (a loss linear in the outputs
would let JAX drop the last layer's forward pass: its output is then not
needed for any gradient).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate

from .hlo_macs import count_macs

pytestmark = pytest.mark.skipif(keras.backend.backend() != "jax", reason="needs the JAX backend")

layers = keras.layers


def hlo_training_macs(model, inputs) -> int:
    """Mult-adds of one compiled gradient step at these inputs (batch 1), from the HLO before optimization."""
    import jax
    import jax.numpy as jnp

    trainable = [variable.value for variable in model.trainable_variables]
    non_trainable = [variable.value for variable in model.non_trainable_variables]

    def loss(trainable, non_trainable, inputs):
        outputs, _ = model.stateless_call(trainable, non_trainable, inputs, training=True)
        leaves = jax.tree_util.tree_leaves(outputs)
        return sum(jnp.sum(jnp.square(leaf.astype("float32"))) for leaf in leaves)

    lowered = jax.jit(jax.grad(loss)).lower(trainable, non_trainable, inputs)
    return count_macs(lowered.as_text(dialect="hlo"))


def input_gradient_zeros(e) -> int:
    """What XLA multiplies beyond the formulas: convolutions' input gradients, counted per input position.

    For each convolution row that takes a gradient into its input and has
    fewer output than input positions: ``input_grad * in_positions / out_positions - input_grad``
    (the same kernel, channels and filters, once per input position instead
    of once per output position).
    """
    extra = 0
    for record in e.top_level:
        if not record.backward_terms or record.name in e.training_macs.no_input_gradient:
            continue
        if record.class_name not in ("Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
            continue
        in_positions = int(np.prod(record.input_shape[1:-1]))
        out_positions = int(np.prod(record.output_shape[1:-1]))
        if in_positions == out_positions:
            continue
        input_grad = evaluate(record.backward_terms[0])
        assert input_grad * in_positions % out_positions == 0
        extra += input_grad * in_positions // out_positions - input_grad
    return extra


def _assert_step(model, inputs, e, expected_extra: int = 0) -> None:
    counted = hlo_training_macs(model, inputs)
    assert e.training_macs.unknown == ()
    assert counted == e.training_macs.per_sample + expected_extra, (counted, e.training_macs)


def test_same_padded_cnn_equals_xla():
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, padding="same"),
            layers.Conv2D(16, 3, groups=4, dilation_rate=2, padding="same"),
            layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
            layers.SeparableConv2D(8, 3, padding="same"),
            layers.Conv2DTranspose(4, 3, padding="same"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(10),
        ]
    )
    e = explain(model, training=True)
    assert e.training_macs.no_input_gradient == (model.layers[0].name,)
    assert input_gradient_zeros(e) == 0  # same padding, stride 1: no padded input gradient
    _assert_step(model, np.zeros((1, 12, 12, 1), "float32"), e)


def test_valid_and_dilated_convolutions_differ_by_the_zeros_xla_multiplies():
    model = keras.Sequential(
        [
            keras.Input((12, 12, 2)),
            layers.Dense(4),
            layers.Conv2D(8, 3),
            layers.Conv2D(8, 3, groups=2, dilation_rate=2),
            layers.SeparableConv2D(4, 3),
        ]
    )
    e = explain(model, training=True)
    # conv 12x12 -> 10x10 (4 to 8 channels), dilated 10x10 -> 6x6 (8 to 8 in 2 groups), separable 6x6 -> 4x4
    # (its depthwise part, 8 channels): each takes one 3x3 window per input position instead of per output one
    assert input_gradient_zeros(e) == (144 - 100) * 9 * 4 * 8 + (100 - 36) * 9 * 4 * 8 + (36 - 16) * 9 * 8
    _assert_step(model, np.zeros((1, 12, 12, 2), "float32"), e, input_gradient_zeros(e))


def test_strided_convolutions_differ_by_the_zeros_xla_multiplies():
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            layers.Conv2D(8, 3, strides=2, padding="same"),
            layers.Conv2D(8, 3, strides=2),
            layers.Dense(4),
        ]
    )
    e = explain(model, training=True)
    extra = input_gradient_zeros(e)
    # the second convolution: 3x3 from 8 to 8 channels, 8x8 inputs, 3x3 outputs: 64 - 9 windows of zeros
    assert extra == (8 * 8 - 3 * 3) * 3 * 3 * 8 * 8
    _assert_step(model, np.zeros((1, 16, 16, 3), "float32"), e, extra)


def test_frozen_layers_take_no_weight_gradient():
    model = keras.Sequential([keras.Input((12,)), layers.Dense(8), layers.Dense(6), layers.Dense(4)])
    model.layers[0].trainable = False
    model.layers[2].trainable = False
    e = explain(model, training=True)
    # Dense 1 frozen, first: nothing. Dense 2: weight-grad 8*6, no input-grad (nothing before trains).
    # Dense 3 frozen, after a trained layer: input-grad 6*4 only.
    assert [record.backward_macs for record in e.top_level] == [0, 8 * 6, 6 * 4]
    _assert_step(model, np.zeros((1, 12), "float32"), e)


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_layers_equal_xla(cell):
    model = keras.Sequential(
        [keras.Input((7, 5)), layers.Dense(6), getattr(layers, cell)(4, return_sequences=True), layers.Dense(3)]
    )
    e = explain(model, training=True)
    _assert_step(model, np.zeros((1, 7, 5), "float32"), e)


def test_attention_equals_xla():
    inputs = keras.Input((6, 8))
    hidden = layers.Dense(8)(inputs)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(hidden, hidden)
    model = keras.Model(inputs, layers.Dense(2)(attended))
    e = explain(model, training=True)
    _assert_step(model, np.zeros((1, 6, 8), "float32"), e)


@pytest.mark.parametrize("name", ["ResNet50", "MobileNetV2"])
def test_applications_equal_xla_but_for_strided_zeros(name):
    model = getattr(keras.applications, name)(weights=None, input_shape=(64, 64, 3))
    e = explain(model, training=True)
    _assert_step(model, np.zeros((1, 64, 64, 3), "float32"), e, input_gradient_zeros(e))


def _hub_inputs(model, length: int) -> dict:
    """Token ids, a full padding mask and zero segment ids for a keras-hub text backbone, batch 1."""
    inputs = {}
    for tensor in model.inputs:
        name = tensor.name.split(":")[0]
        if "mask" in name:
            inputs[name] = np.ones((1, length), "int32")
        else:
            inputs[name] = np.zeros((1, length), "int32")
    return inputs


def test_tiny_bert_equals_xla():
    from . import hub_corpus

    model = hub_corpus.bert()
    e = explain(model, training=True, input_shape=(1, 8))
    _assert_step(model, _hub_inputs(model, 8), e)


def test_tiny_llama_equals_xla_but_for_the_rotary_angles():
    """keras-hub's RotaryEmbedding takes its angles as ``einsum("bi,j->bij", positions, inverse_freq)``: an
    outer product, a dot with nothing contracted, which XLA counts as T*head_dim/2 products per call (query
    and key in every layer). The convention counts rotary embeddings as element-wise (0); the angles depend
    on no weight and take no gradient."""
    from . import hub_corpus

    model = hub_corpus.llama()
    e = explain(model, training=True, input_shape=(1, 8))
    head_dim = model.hidden_dim // model.num_query_heads
    rotary_angles = model.num_layers * 2 * 8 * (head_dim // 2)
    assert rotary_angles == 64
    _assert_step(model, _hub_inputs(model, 8), e, rotary_angles)
