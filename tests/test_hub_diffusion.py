"""Stable Diffusion 3's pieces (ascii_explain/layers/hub/diffusion.py) and a call no symbolic trace can run.

The VAE's attention (Conv2DMultiHeadAttention) is counted whole: the encoder's
and decoder's mult-adds equal the contractions of TensorFlow's graph at two
resolutions. The scheduler's call reads ``num_steps`` as a count: at an
input_shape the trace stands in for its output (read/call_shapes.py), so the
rest of the model still gets its shapes and counts.
"""

from __future__ import annotations

import warnings

import keras
import pytest

keras_hub = pytest.importorskip("keras_hub")

from ascii_explain import explain  # noqa: E402
from ascii_explain.arithmetic import evaluate  # noqa: E402
from ascii_explain.layers.hub import diffusion as D  # noqa: E402
from ascii_explain.read.input_shapes import InputShapeError  # noqa: E402

from . import hub_vision_corpus  # noqa: E402
from .helpers import model_state  # noqa: E402
from .test_hub_vision import graph_macs  # noqa: E402


def test_conv2d_attention_macs_on_hand_written_facts():
    # 2x3 positions, 4 input channels, 5 filters: q, k, v 3*6*4*5 = 360; scores and values 2*6*6*5 = 360;
    # output 6*5*5 = 150
    macs = D.conv2d_attention_macs({"filters": 5}, (1, 2, 3, 4), None)
    assert evaluate(macs) == 360 + 360 + 150
    with pytest.raises(ValueError):
        D.conv2d_attention_macs({"filters": 5, "data_format": "channels_first"}, (1, 4, 2, 3), None)


@pytest.mark.parametrize(("filters", "image"), [(32, 32), (64, 16)])
def test_vae_encoder_and_decoder_macs_equal_tf_graph(filters, image):
    import tensorflow as tf
    from keras_hub.src.models.vae.vae_backbone import VAEBackbone

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vae = VAEBackbone(
            encoder_num_filters=[filters, filters], encoder_num_blocks=[1, 1], decoder_num_filters=[filters, 32],
            decoder_num_blocks=[1, 1], sample_channels=8,
        )
        for part, shape in ((vae.encoder, (1, image, image, 3)), (vae.decoder, (1, image // 2, image // 2, 4))):
            wrapper = keras.Sequential([keras.Input(shape[1:]), part])
            e = explain(wrapper, input_shape=shape)
            assert not e.macs_unknown, [(r.name, r.macs_note) for r in e.macs_unknown]
            assert e.total_macs == graph_macs(lambda x, part=part: part(x), tf.TensorSpec(shape, "float32"))


def test_sd3_at_an_input_shape_stands_in_for_its_scheduler_and_counts_the_rest():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = hub_vision_corpus.VISION_MODELS["stable_diffusion_3"]()
        before = model_state(model)
        e = explain(model, input_shape=hub_vision_corpus.VISION_INPUT_SHAPES["stable_diffusion_3"])
    assert model_state(model) == before and not hasattr(model.get_layer("scheduler"), "sigmas")
    assert e.totals_match and not e.fallbacks and not e.macs_unknown
    scheduler = e.layer("scheduler")
    assert scheduler.macs == 0 and scheduler.output_shape == ((None,), (None,))
    assert e.layer("decoder").input_shape == (1, 4, 4, 4)  # shapes downstream of the stand-in are the trace's


class NeedsAValue(keras.layers.Layer):
    """Its call uses a tensor as a Python bool (as SD3's scheduler's linspace does): no symbolic trace runs it."""

    def call(self, inputs, steps):
        if steps[0] > 0:
            return inputs * 2.0
        return inputs

    def compute_output_shape(self, inputs_shape, steps_shape):
        return inputs_shape


def _needs_a_value():
    features = keras.Input((4,), name="features")
    steps = keras.Input((), dtype="int32", name="steps")
    scaled = NeedsAValue(name="needs_a_value")(features, steps)
    return keras.Model([features, steps], keras.layers.Dense(3, name="head")(scaled))


def test_a_call_that_needs_a_value_is_stood_in_for_and_the_rest_is_traced():
    model = _needs_a_value()
    before = model_state(model)
    e = explain(model, input_shape={"features": (1, 4), "steps": (1,)})
    assert model_state(model) == before
    assert e.layer("head").macs == 4 * 3 and e.layer("head").input_shape == (1, 4)
    stood_in = e.layer("needs_a_value")
    assert stood_in.output_shape == (1, 4)
    assert stood_in.macs is None and "cannot run symbolically" in stood_in.macs_note
    assert e.total_macs == 12 and [r.name for r in e.macs_unknown] == ["needs_a_value"]


def test_any_other_failure_of_a_call_at_an_input_shape_still_stops_the_trace():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    with pytest.raises(InputShapeError):
        explain(model, input_shape=(1, 5))
