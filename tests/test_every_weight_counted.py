"""Every weight counted, once, in a row (issue 21, item 5): each failure reproduced from the corpus first."""

from __future__ import annotations

from typing import Any

import pytest

from ascii_explain import explain
from ascii_explain.checks import formula_problems

from .keras_io_corpus import KERAS_IO_MODELS


def test_a_subclassed_models_own_weights_have_a_row() -> None:
    model = KERAS_IO_MODELS["perceiver_latents"]()
    e = explain(model)
    # Dense(8) on 3 features: (3+1)*8 = 32; the latent array 4*8 = 32; Keras counts both
    assert model.count_params() == 64 == e.total_params and e.totals_match
    own = e.layer("perceiver")
    assert own.params == own.keras_params == 32 and own.placement == "own_weights"
    assert own.terms == {"latents": "4*8"}
    assert "the model's own weights" in " ".join(own.notes)
    assert "outside the model's called graph" in e.render(width=120)


def test_a_subclassed_models_own_call_is_counted_in_its_own_row() -> None:
    """The Perceiver's call multiplies its latent array by the keys itself: ``ops.matmul(latents, keys^T)``."""
    tf = pytest.importorskip("tensorflow")
    from .helpers import model_state
    from .test_hub_vision import graph_macs

    model = KERAS_IO_MODELS["perceiver_latents"]()
    before = model_state(model)
    e = explain(model)
    assert model_state(model) == before
    # traced at its build shape (1, 5, 3): project 5*3*8 = 120; the latents (4, 8) by keys^T (8, 5): 4*5*8
    assert e.layer("project").macs == 5 * 3 * 8
    own = e.layer("perceiver")
    assert own.macs == 4 * 5 * 8 and own.macs_source == "traced" and own.macs_formula == str(4 * 5 * 8)
    assert not e.macs_unknown and e.total_macs == 5 * 3 * 8 + 4 * 5 * 8
    assert e.total_macs == graph_macs(lambda x: model(x), tf.TensorSpec((1, 5, 3), "float32"))


def test_a_layer_held_as_an_attribute_outside_the_graph_is_counted_and_marked() -> None:
    model = KERAS_IO_MODELS["unused_stem"]()
    e = explain(model)
    # head (6+1)*2 = 14 in the graph; the stem (6+1)*9 = 63 only through the attribute
    assert model.count_params() == 77 == e.total_params and e.totals_match
    stem = e.layer("stem")
    assert stem.params == 63 and stem.placement == "outside_graph" and stem.state == "formula"
    assert e.layer("head").placement == ""
    text = e.render(width=120)
    assert "held as an attribute, never called" in text
    assert "1 row outside the model's called graph" in text


def test_an_unbuilt_layer_that_owns_weights_is_counted_not_a_mismatch() -> None:
    model = KERAS_IO_MODELS["unbuilt_owner"]()
    e = explain(model)
    # dense (4+1)*3 = 15, rotary's inv_freq 8 // 2 = 4 (non-trainable)
    assert model.count_params() == 19 == e.total_params and e.totals_match
    rotary = e.layer("rotary")
    assert rotary.params == rotary.keras_params == 4 and rotary.matches
    assert rotary.non_trainable_params == 4
    assert "owns weights made in __init__" in " ".join(rotary.notes)
    assert not [problem for problem in formula_problems(e) if "rotary" in problem and "gives" in problem]


def test_application_scale_layers_leave_the_mult_adds_known() -> None:
    e = explain(KERAS_IO_MODELS["application_scales"]())
    assert not e.macs_unknown, [(r.name, r.macs_note) for r in e.macs_unknown]
    assert e.layer("layer_scale").macs == 0 and e.layer("scale").macs == 0
    assert e.layer("scale").macs_source == "traced"
    assert e.total_macs == 4 * 4 * 8 * 8  # the 1x1 conv only
    assert "at least" not in e.render(width=100)


def _functional_holding_its_encoder() -> Any:
    """DepthAnything's shape: a functional model calls a feature extractor cut from an encoder it holds.

    ``encoder`` (a -> b) is reachable as an attribute; the model calls only
    ``features`` (a), a functional built from the encoder's graph, so ``b`` is
    never called.
    """
    import keras

    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3, name="a")(inputs)
    encoder = keras.Model(inputs, keras.layers.Dense(2, name="b")(hidden), name="encoder")
    features = keras.Model(encoder.inputs, encoder.get_layer("a").output, name="features")

    class Holder(keras.Model):
        def __init__(self) -> None:
            image = keras.Input((4,))
            super().__init__(image, keras.layers.Dense(1, name="head")(features(image)))
            self.encoder = encoder

    return Holder()


def test_a_nested_model_outside_the_graph_is_marked_and_adds_no_mult_adds() -> None:
    model = _functional_holding_its_encoder()
    e = explain(model, input_shape=(1, 4))
    # a (4+1)*3 = 15, b (3+1)*2 = 8, head (3+1)*1 = 4: Keras counts 27
    assert model.count_params() == 27 == e.total_params and e.totals_match
    encoder = e.layer("encoder")
    assert encoder.placement == "outside_graph"
    assert "held as an attribute, never called" in " ".join(encoder.notes)
    assert encoder.macs == 0 and encoder.duplicate_params == 15  # a's weights are counted in "features"
    # only the called layers multiply: a 4*3 inside features, head 3*1 (b never runs)
    assert e.total_macs == 4 * 3 + 3 * 1


def test_a_layer_outside_the_graph_multiplies_nothing_and_has_no_cross_check() -> None:
    e = explain(KERAS_IO_MODELS["unused_stem"](), input_shape=(1, 6))
    stem = e.layer("stem")
    assert stem.macs == 0 and stem.traced_macs is None and "never called" in stem.macs_note
    assert e.total_macs == 6 * 2  # the head only


def _block_with_a_shared_part_and_own_product() -> Any:
    """A block whose call runs its Dense ``proj`` and then a product of its own (``ops.matmul``);
    the model calls the block, then the block's ``proj`` again from outside (SAM3's box head's shape)."""
    import keras
    from keras import ops

    class Block(keras.layers.Layer):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.proj = keras.layers.Dense(4, name="proj")

        def build(self, input_shape: Any) -> None:
            self.proj.build(input_shape)

        def call(self, inputs: Any) -> Any:
            projected = self.proj(inputs)  # (B, 3, 4)
            return ops.matmul(projected, ops.transpose(projected, (0, 2, 1)))  # (B, 3, 3): 3*3*4 summed

        def compute_output_shape(self, input_shape: Any) -> Any:
            return (input_shape[0], input_shape[1], input_shape[1])

    inputs = keras.Input((3, 4))
    block = Block(name="block")
    scores = block(inputs)
    again = block.proj(inputs)  # the part called once more, outside its owner
    return keras.Model(inputs, [scores, again])


def test_a_blocks_own_products_and_a_part_called_outside_it_are_counted_as_they_run() -> None:
    import tensorflow as tf

    from .test_hub_vision import graph_macs

    model = _block_with_a_shared_part_and_own_product()
    e = explain(model, input_shape=(1, 3, 4))
    block = e.layer("block")
    # proj 3*4*4 = 48 once inside the block, its own matmul 3*3*4 = 36
    assert block.macs == 48 + 36, block.macs_formula
    assert "36" in block.macs_formula
    # the model runs proj twice (48 + 48) and the matmul once: TF's graph agrees
    assert e.total_macs == 48 + 36 + 48 == graph_macs(lambda x: model(x), tf.TensorSpec((1, 3, 4), "float32"))
    assert e.total_params == model.count_params() == (4 + 1) * 4


def test_a_sublayer_on_a_branch_not_taken_multiplies_nothing_in_the_traced_forward() -> None:
    """DepthAnything's first fusion stage has no residual: its residual block is built, never called."""
    import keras
    from keras import layers

    class MaybeResidual(layers.Layer):
        def build(self, input_shape: Any) -> None:
            self.residual = layers.Dense(input_shape[-1], name="residual")
            self.residual.build(input_shape)
            self.projection = layers.Dense(3, name="projection")
            self.projection.build(input_shape)

        def call(self, x: Any, residual: Any = None) -> Any:
            if residual is not None:
                x = x + self.residual(residual)
            return self.projection(x)

    inputs = keras.Input((5, 4))
    model = keras.Model(inputs, MaybeResidual(name="fusion")(inputs))
    e = explain(model, input_shape=(1, 5, 4), expand_nested=True)
    residual, projection = e.layer("residual"), e.layer("projection")
    # only the projection ran: 5 positions x 4 inputs x 3 units
    assert projection.macs == 5 * 4 * 3 == projection.traced_macs
    assert residual.macs == 0 and "not called in the traced forward" in residual.macs_note
    assert residual.params == residual.keras_params == 4 * 4 + 4  # its weights still count, as Keras counts them
    assert e.layer("fusion").macs == 5 * 4 * 3 and not formula_problems(e)
