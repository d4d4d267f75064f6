"""A layer called twice for different work is counted call by call (read/call_units.py).

Stable Diffusion 3's MMDiT block calls its x-stream ``DismantledBlock`` before
the joint attention and after it, with different sublayers each time; its
mult-adds are the two calls' own, not twice the first. Here a block whose call
takes a ``mode`` does the same: a projection in one call, another projection
and a product of its own in the other. Checked against a count by hand from
the shapes and against the contractions of TensorFlow's graph.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers, ops

from ascii_explain import explain

from .helpers import model_state

LENGTH, FEATURES, HIDDEN, OUT = 5, 4, 8, 3


class TwoModeBlock(layers.Layer):
    """``mode="pre"``: project up; ``mode="post"``: a token-by-token product of its own, then project down."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.up = layers.Dense(HIDDEN, name="up")
        self.down = layers.Dense(OUT, name="down")

    def call(self, inputs, mode="pre"):
        if mode == "pre":
            return self.up(inputs)
        mixed = ops.matmul(ops.softmax(ops.matmul(inputs, ops.transpose(inputs, (0, 2, 1)))), inputs)
        return self.down(mixed)


class CallsItTwice(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.block = TwoModeBlock(name="block")

    def call(self, inputs):
        return self.block(self.block(inputs, mode="pre"), mode="post")


def _model():
    inputs = keras.Input((LENGTH, FEATURES))
    return keras.Model(inputs, CallsItTwice(name="outer")(inputs))


# By hand: up L*F*H; the own products L*L*H (scores) + L*L*H (mixing); down L*H*O.
PRE = LENGTH * FEATURES * HIDDEN
POST = LENGTH * LENGTH * HIDDEN + LENGTH * LENGTH * HIDDEN + LENGTH * HIDDEN * OUT


def test_a_block_called_for_different_work_counts_each_call():
    model = _model()
    before = model_state(model)
    e = explain(model, input_shape=(1, LENGTH, FEATURES), expand_nested=True)
    assert model_state(model) == before
    assert not e.macs_unknown, [(r.name, r.macs_note) for r in e.macs_unknown]
    assert e.total_macs == PRE + POST  # twice the first call would be 2 * PRE
    block = e.layer("block")
    assert block.calls == 2 and block.macs_over_calls and block.macs == PRE + POST
    down = LENGTH * HIDDEN * OUT
    assert dict(block.macs_parts) == {"up": str(PRE), "down": str(down), "(own call)": str(POST - down)}
    assert f"= {PRE + POST} (traced: the contractions of its call) (its 2 calls together" in e.render(width=200)
    outer = e.layer("outer")
    assert outer.macs == PRE + POST and outer.macs_formula == str(PRE + POST)  # the block once, not 2*


def test_the_count_equals_tf_graph_contractions():
    tf = pytest.importorskip("tensorflow")
    from .test_hub_vision import graph_macs

    model = _model()
    e = explain(model, input_shape=(1, LENGTH, FEATURES))
    assert e.total_macs == graph_macs(lambda x: model(x), tf.TensorSpec((1, LENGTH, FEATURES), "float32"))
    model(np.zeros((1, LENGTH, FEATURES), "float32"))  # the model still runs as it did


def test_a_block_called_twice_for_the_same_work_is_still_calls_times_one():
    inputs = keras.Input((LENGTH, FEATURES))
    shared = layers.Dense(FEATURES, name="shared")

    class Twice(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.shared = shared

        def call(self, x):
            return self.shared(self.shared(x))

    model = keras.Model(inputs, Twice(name="twice")(inputs))
    e = explain(model, input_shape=(1, LENGTH, FEATURES), expand_nested=True)
    row = e.layer("shared")
    assert row.calls == 2 and not row.macs_over_calls and row.macs == LENGTH * FEATURES * FEATURES
    assert e.total_macs == 2 * LENGTH * FEATURES * FEATURES
