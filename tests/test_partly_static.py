"""Models with fixed-size inputs beside inputs of unknown length (read/partly_static.py).

SAM3 (an image beside tokens and boxes), Stable Diffusion 3 (a latent beside its
prompts), PaliGemma, BLIP-2, PARSeq: without ``input_shape`` their blocks fed only
the fixed inputs had no mult-adds (their inner shapes come from a trace, and the
trace ran only when every input was fixed). The trace now runs at batch 1 with the
unknown axes left unknown; the layers of the graph fed those axes are not run.
"""

from __future__ import annotations

from typing import Any

import keras
import pytest
from keras import layers, ops

from ascii_explain import explain

from .helpers import keras_global_state, model_state


class _ImageBlock(layers.Layer):
    """A block whose inner shapes need a call: a Dropout has no recorded build shape."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(4, 3, padding="same", use_bias=False)
        self.drop = layers.Dropout(0.1)

    def call(self, images: Any) -> Any:
        return ops.mean(self.drop(self.conv(images)), axis=(1, 2))


class _TokenBlock(layers.Layer):
    """A block fed tokens of unknown length; its calls are counted to see the trace leaves it alone."""

    calls = 0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dense = layers.Dense(4)
        self.drop = layers.Dropout(0.1)

    def call(self, tokens: Any) -> Any:
        type(self).calls += 1
        return ops.mean(self.drop(self.dense(tokens)), axis=1)


class _Similarity(layers.Layer):
    """CLIP's head: every image against every text, (images, texts): both axes batches."""

    def call(self, image_features: Any, text_features: Any) -> Any:
        return ops.matmul(image_features, ops.transpose(text_features))


def _image_and_tokens() -> keras.Model:
    images = keras.Input((8, 8, 3), name="images")
    token_ids = keras.Input((None,), dtype="int32", name="token_ids")
    image_features = _ImageBlock(name="image_block")(images)
    text_features = _TokenBlock(name="token_block")(layers.Embedding(20, 6, name="embed")(token_ids))
    similarity = _Similarity(name="similarity")(image_features, text_features)
    return keras.Model([images, token_ids], similarity)


def test_a_block_fed_only_the_fixed_input_has_its_mult_adds_and_the_rest_is_not_run() -> None:
    model = _image_and_tokens()
    calls_before = _TokenBlock.calls
    e = explain(model, expand_nested=True)
    rows = {row.name: row for row in e.layers}
    # 8*8 positions, a 3x3 window over 3 channels, 4 filters: Keras's conv at batch 1
    assert rows["image_block"].macs == 8 * 8 * (3 * 3 * 3) * 4
    assert _TokenBlock.calls == calls_before  # fed an axis of unknown size: not run
    assert rows["token_block"].macs is None
    # the head's (images, texts): the texts axis stays unknown, as Keras's graph has it (the trace's 1 stands
    # for no count of texts); rows keep the trace's batch of 1, written None in the Outputs line
    assert rows["similarity"].output_shape[1:] == (None,)
    assert "Outputs (1): similarity (None, None)" in str(e)
    assert e.total_params == model.count_params()


def test_the_partly_static_trace_leaves_the_model_and_keras_as_they_were() -> None:
    model = _image_and_tokens()
    before, state = model_state(model), keras_global_state()
    str(explain(model))
    assert model_state(model) == before
    assert keras_global_state() == state


try:
    from .hub_corpus import HUB_MODELS
except ImportError:  # keras_hub is the optional "hub" extra; the "test" extra installs it
    HUB_MODELS = {}

# (model, classes of the rows whose mult-adds the trace now gives without an input_shape; by class, as a
# model built again in one process gets its layers' names numbered)
PARTLY_STATIC = {
    "sam3": ("SAM3VisionEncoder",),
    "stable_diffusion_3": ("VAEEncoder", "VAEDecoder"),
    "pali_gemma": ("PaliGemmaVit",),
    "parseq": ("ViTBackbone",),
    # known before from build shapes, 40,736: keras-hub's SigLIPVisionEmbedding.compute_output_shape counts a
    # class token SigLIP has not (17 tokens for 16), and its encoder was built on that
    "siglip": ("SigLIPVisionEncoder",),
}


@pytest.mark.parametrize("name", sorted(PARTLY_STATIC))
def test_corpus_model_with_inputs_of_unknown_length_has_its_fixed_parts_counted(name: str) -> None:
    """Each row known without input_shape is what explaining at a concrete length gives (the unknown axes
    at 8): the trace with them unknown counts only what does not depend on them."""
    if name not in HUB_MODELS:
        pytest.skip("keras_hub is not installed (pip install -e '.[test]')")
    model = HUB_MODELS[name]()
    before = model_state(model)
    default = explain(model)
    concrete = {
        str(tensor.name): (1, *(8 if dim is None else dim for dim in tuple(tensor.shape)[1:]))
        for tensor in model.inputs
    }
    at_length = {row.name: row.macs for row in explain(model, input_shape=concrete).layers}
    known = {row.name: row.macs for row in default.layers if row.macs is not None}
    for class_name in PARTLY_STATIC[name]:
        assert [row.macs for row in default.layers if row.class_name == class_name][0], class_name
    for row_name, macs in known.items():
        assert at_length.get(row_name) == macs, row_name
    assert model_state(model) == before
