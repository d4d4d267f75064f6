"""The real-world corpus: every keras-io-style, vision-zoo and keras-hub model explained, drawn, counted as Keras does.

Each model is built once per module (``_model``) and explained twice (collapsed and
expanded). For every one: no exception from ``explain``, ``summary``, ``to_json``,
``to_html`` and ``to_markdown``; the headline totals equal ``model.count_params()``
split as Keras splits them; the rows add up to the same; no row is an internal error
of ours.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import keras
import pytest

import ascii_explain
from ascii_explain import explain
from ascii_explain.build.layer import CREATED_NON_TRAINABLE_REASON, FROZEN_REASON
from ascii_explain.checks import formula_problems

from .helpers import detail_sum_problems, keras_global_state, model_state
from .keras_io_corpus import KERAS_IO_MODELS
from .zoo_corpus import ZOO_MODELS

try:
    from .hub_corpus import HUB_MODELS
except ImportError:  # keras_hub is the optional "hub" extra; the "test" extra installs it
    HUB_MODELS = {}

CORPUS = {
    **{f"io:{name}": builder for name, builder in KERAS_IO_MODELS.items()},
    **{f"zoo:{name}": builder for name, builder in ZOO_MODELS.items()},
    **{f"hub:{name}": builder for name, builder in HUB_MODELS.items()},
}


@functools.cache
def _model(name: str) -> Any:
    return CORPUS[name]()


def _keras_split(model: Any) -> tuple[int, int, int]:
    def size(variables: Any) -> int:
        seen: dict[int, int] = {}
        for variable in variables:
            count = 1
            for dim in variable.shape:
                count *= int(dim)
            seen[id(variable)] = count
        return sum(seen.values())

    trainable = size(model.trainable_weights)
    non_trainable = size(model.non_trainable_weights)
    return trainable + non_trainable, trainable, non_trainable


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_model_is_explained_drawn_and_counted_as_keras_counts(name: str) -> None:
    model = _model(name)
    before, keras_before = model_state(model), keras_global_state()
    total, trainable, non_trainable = _keras_split(model)
    assert total == model.count_params()
    for expand in (False, True):
        e = explain(model, expand_nested=expand)
        assert (e.keras_total_params, e.keras_trainable_params, e.keras_non_trainable_params) == (
            total,
            trainable,
            non_trainable,
        )
        # Our rows, each unique weight once, add up to Keras's count.
        assert (e.total_params, e.trainable_params, e.non_trainable_params) == (total, trainable, non_trainable), (
            [(r.name, r.params, r.keras_params, r.duplicate_params) for r in e.layers if r.depth == 0]
        )
        assert e.totals_match
        assert not e.internal_errors, [(r.name, r.internal_errors) for r in e.internal_errors]
        # A part's detail adds up to its term (a part with trainable and non-trainable weights has two terms).
        assert not detail_sum_problems(e)
        text = e.render(width=100)
        assert f"Total params: {total:,}" in text
        # The non-trainable reasons add up to Keras's non-trainable count (each weight once, as in the totals).
        reasons = [int(m.group(1).replace(",", "")) for m in re.finditer(r"^  non-trainable ([\d,]+): ", text, re.M)]
        assert sum(reasons) == (non_trainable if reasons else 0), reasons
        assert "failed (" not in text
        assert json.loads(e.to_json())["totals"]["keras_params"] == total
        assert f'<b><span title="{total:,}">' in e.to_html()  # the notebook view's header: Keras's total
        assert e.to_markdown()
    printed: list[str] = []
    ascii_explain.summary(model, print_fn=printed.append, line_length=100)
    assert printed and f"Total params: {total:,}" in printed[0]
    planned = explain(model, optimizer="adam").training_memory
    assert planned is not None and planned.optimizer >= 0
    # Only read: weights, built flags, graph nodes and counts as they were; Keras's global state too.
    assert model_state(model) == before
    assert keras_global_state() == keras_before


def test_corpus_holds_both_kinds_of_models() -> None:
    assert len(KERAS_IO_MODELS) >= 15
    assert len(HUB_MODELS) >= 20 or not HUB_MODELS


def _needs_hub() -> None:
    if not HUB_MODELS:
        pytest.skip("keras_hub not installed (the optional 'hub' extra)")


# -- the model left as it was -----------------------------------------------------------------


@pytest.mark.parametrize("input_shape", [None, (2, 8, 8, 4)])
def test_a_sublayer_the_models_call_never_built_stays_unbuilt(input_shape) -> None:
    # Involution's kernel generator is created in build() and first called on data: Keras counts it 0.
    model = CORPUS["io:involution"]()
    generator = model.get_layer("involution").kernel_gen
    assert not generator.built and model.count_params() == 4 * 2 + 2  # the Dense head alone
    built = [layer.built for layer in generator.layers]
    assert built == [False, False, True, False]  # a ReLU has no build(): built from the start
    e = explain(model, input_shape=input_shape)
    assert not generator.built and [layer.built for layer in generator.layers] == built
    assert model.count_params() == e.keras_total_params == e.total_params == 10
    assert e.layer("involution").params == 0
    assert [len(layer._inbound_nodes) for layer in generator.layers] == [0, 0, 0, 0]


# -- totals from unique weights ---------------------------------------------------------------


def test_layer_shared_by_two_nested_models_is_counted_once() -> None:
    model = _model("io:shared_in_two_nested")
    e = explain(model)
    assert model.count_params() == 30
    assert e.total_params == 30
    branch_b = e.layer("branch_b")
    # branch_b's row still shows its own 30 (shared 20 + dense 10); the 20 are not added twice.
    assert branch_b.params == 30 and branch_b.duplicate_params == 20
    assert "already counted in branch_a" in " ".join(branch_b.notes)


def test_layer_held_as_attribute_and_inside_a_nested_sequential_is_counted_once() -> None:
    model = _model("io:holds_twice")
    e = explain(model)
    assert model.count_params() == 212 == e.total_params


def test_headline_total_is_keras_and_a_differing_sum_says_by_how_much() -> None:
    """A formula of ours that is wrong leaves the headline at Keras's count and says by how much the rows differ."""

    class Scale(keras.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],))

        def call(self, inputs):
            return inputs * self.scale

    @ascii_explain.register_formula(Scale)
    def wrong(config, input_shape):
        return ascii_explain.Formula([ascii_explain.FormulaTerm("scale", f"{input_shape[-1]}+1")])

    try:
        inputs = keras.Input((4,))
        model = keras.Model(inputs, Scale(name="scale")(inputs))
        e = explain(model)
        text = e.render(width=100)
    finally:
        ascii_explain.unregister_formula(Scale)
    assert e.total_params == 5 and e.keras_total_params == 4
    assert "Total params: 4 " in text
    assert "rows add up to 5, 1 more than Keras's count" in text
    assert e.layer("scale").params == 5 and not e.layer("scale").matches


# -- honest states -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_name", "layer_name"),
    [("io:vit_patches", "patches"), ("io:vit_patches", "stochastic_depth"), ("io:vae_encoder", "sampling")],
)
def test_weightless_custom_layer_is_no_weights_not_a_fallback(model_name: str, layer_name: str) -> None:
    e = explain(_model(model_name))
    # Keras numbers an auto-named layer after the others made in this process ("sampling_1"): by its stem
    [record] = [r for r in e.layers if re.fullmatch(rf"{layer_name}(_\d+)?", r.name)]
    layer_name = record.name
    assert record.state == "no_weights"
    assert record not in e.fallbacks
    assert not any(layer_name in problem for problem in formula_problems(e))
    view = next(v for v in e.view_model().layers if v.record is record)
    assert view.sign == "-" and "no weights" in view.check


def test_custom_layer_with_weights_and_no_formula_is_inferred_from_config() -> None:
    e = explain(_model("io:custom_weights"))
    assert e.layer("linear").state == "inferred" and e.layer("linear") in e.inferred and not e.fallbacks


def test_unbuilt_sublayer_is_a_row_with_zero_params_as_keras_counts_it() -> None:
    model = _model("io:unbuilt_sublayer")
    e = explain(model)
    spare = e.layer(model.spare.name)
    assert spare.state == "unbuilt" and spare.params == 0 == spare.keras_params
    assert e.total_params == model.count_params() == 15
    assert "unbuilt" in e.render(width=100)


def test_bloom_with_unbuilt_alibi_bias_is_explained() -> None:
    """Bloom's attention keeps an AlibiBias its call() never builds: no NotBuiltError, Keras's totals.

    The attention layer has its own formula (keras-hub families, issue 14), so its AlibiBias is no
    row of its own; a weightless layer that is never built holds nothing to count.
    """
    _needs_hub()
    model = _model("hub:bloom")
    e = explain(model, expand_nested=True)
    assert e.total_params == model.count_params() and not e.internal_errors


def test_an_empty_sequential_gets_advice_that_fits() -> None:
    with pytest.raises(ascii_explain.NotBuiltError) as caught:
        explain(keras.Sequential([keras.Input((4,))]))
    message = str(caught.value)
    assert "has no layers" in message and "keras.Input" not in message


def test_unbuilt_subclassed_model_is_told_to_call_or_build_it() -> None:
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(ascii_explain.NotBuiltError) as caught:
        explain(Tiny())
    assert "keras.Input" not in str(caught.value) and "model.build" in str(caught.value)


class _Exploding(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2))

    def call(self, inputs):
        return inputs @ self.w


def test_a_formula_of_ours_that_raises_is_an_internal_error_named_by_function_and_class() -> None:
    @ascii_explain.register_formula(_Exploding)
    def exploding_formula(config, input_shape):
        raise KeyError("secret detail \x1b[2J")

    try:
        inputs = keras.Input((3,))
        model = keras.Model(inputs, _Exploding(name="boom")(inputs))
        e = explain(model)
        text, html, md = e.render(width=100), e.to_html(), e.to_markdown()
    finally:
        ascii_explain.unregister_formula(_Exploding)
    record = e.layer("boom")
    assert record.state == "internal_error"
    assert e.internal_errors == [record]
    (error,) = record.internal_errors
    assert (error.function, error.role, error.error) == ("exploding_formula", "formula", "KeyError")
    assert record.params == 6 == e.total_params  # still counted, from the weights
    for output in (text, html, md.replace("\\_", "_")):
        assert "secret detail" not in output and "exploding_formula" in output
    assert "internal error" in text
    assert any("exploding_formula" in p for p in formula_problems(e, allow_fallback=True))


def test_lstm_called_with_initial_state_has_its_formula_and_macs() -> None:
    e = explain(_model("io:seq2seq_initial_state"))
    decoder = [r for r in e.layers if r.class_name == "LSTM"][1]
    assert decoder.state == "formula" and decoder.source == "formula" and decoder.matches
    assert decoder.formula == "4*(6+8+1)*8"
    assert decoder.macs is None and "None" in decoder.macs_note  # variable length: unknown, not a failure


def test_lstm_with_initial_state_and_known_length_counts_macs() -> None:
    enc = keras.Input((3, 5))
    _, h, c = keras.layers.LSTM(4, return_state=True)(enc)
    dec = keras.Input((7, 6))
    out = keras.layers.LSTM(4, name="decoder")(dec, initial_state=[h, c])
    e = explain(keras.Model([enc, dec], out))
    assert e.layer("decoder").macs_formula == "7*4*(6*4+4*4)"


@pytest.mark.parametrize("model_name", ["hub:llama", "hub:gemma", "hub:falcon", "hub:deberta_v3"])
def test_attention_with_a_variable_length_has_unknown_macs_not_an_error(model_name: str) -> None:
    """keras-hub attention without input_shape: the sequence is None, so MACs are unknown, with the reason."""
    _needs_hub()
    e = explain(_model(model_name), expand_nested=True)
    attention = [r for r in e.layers if r.class_name.endswith("Attention")]
    assert attention
    for record in attention:
        assert record.macs is None and not record.internal_errors
        assert "None" in record.macs_note or "unknown" in record.macs_note, record.macs_note


@pytest.mark.parametrize("model_name", ["hub:vit", "hub:deit", "hub:dinov2"])
def test_patch_embedding_inside_a_custom_layer_has_its_macs(model_name: str) -> None:
    _needs_hub()
    e = explain(_model(model_name), expand_nested=True)
    embeddings = [r for r in e.layers if "Embedding" in r.class_name and r.macs]
    assert embeddings
    for record in embeddings:
        # 16x16 image, 4x4 patches, stride 4: 4*4 positions, each a 4*4*3 window per filter (hidden 8).
        assert record.macs_formula == "4*4*4*4*3*8" and record.macs == 6144, (record.name, record.macs_note)


def test_inherited_formula_follows_a_subclass_that_drops_a_weight() -> None:
    """A MultiHeadAttention subclass without a key bias (as keras-hub Whisper's): terms follow the weights."""

    class NoKeyBias(keras.layers.MultiHeadAttention):
        def build(self, query_shape, value_shape, key_shape=None):
            super().build(query_shape, value_shape, key_shape)
            # Keras 3.15.1 keeps the key projection in self._key_dense; drop its bias as Whisper does.
            self._key_dense.bias = None
            self._key_dense._trainable_variables = [
                v for v in self._key_dense._trainable_variables if not v.path.endswith("bias")
            ]

    query = keras.Input((4, 8))
    layer = NoKeyBias(num_heads=2, key_dim=4, name="attention")
    model = keras.Model(query, layer(query, query))
    e = explain(model)
    record = e.layer("attention")
    if record.keras_params == 2 * 4 * 8 * 4 + 3 * 2 * 4 + 8 + 2 * 4 * 8 * 4 - 0:  # the bias was not dropped
        pytest.skip("this Keras keeps the key bias in count_params(); nothing to adjust")
    assert record.params == record.keras_params and record.matches
    assert "key/bias" not in record.terms and "key/kernel" in record.terms
    assert any("key/bias" in difference for difference in record.weight_differences)
    view = next(v for v in e.view_model().layers if v.record is record)
    assert view.sign == "*" and "key/bias" in view.check


def test_whisper_attention_without_key_bias_has_its_own_formula() -> None:
    _needs_hub()
    e = explain(_model("hub:whisper"), expand_nested=True)
    attention = [r for r in e.layers if r.class_name == "WhisperCachedMultiHeadAttention"]
    assert attention
    for record in attention:
        assert record.params == record.keras_params and record.matches and record.state == "formula"
        assert "key/bias" not in record.terms and "key/kernel" in record.terms


def test_attention_counted_from_its_parts_and_own_call_is_unknown_only_without_a_length() -> None:
    """XLNet's two-stream relative attention: a formula for its weights; MACs its parts plus its own traced call.

    As built (T unknown) its projections' counts are unknown, said so, not an error; at a length they
    are known and its own products (content, position, segment scores) are traced.
    """
    _needs_hub()
    e = explain(_model("hub:xlnet"), expand_nested=True)
    attention = [r for r in e.layers if r.class_name == "TwoStreamRelativeAttention"]
    assert attention and all(r.state == "formula" and r.matches and not r.internal_errors for r in attention)
    assert all(r.macs is None and "is None" in r.macs_note for r in attention)
    at_length = explain(_model("hub:xlnet"), input_shape=(1, 6), expand_nested=True)
    attention = [r for r in at_length.layers if r.class_name == "TwoStreamRelativeAttention"]
    assert attention and all(r.macs and r.macs_source == "traced" for r in attention)


# -- what Keras's summary handles --------------------------------------------------------------


class _Doubler:
    """A custom activation object Keras cannot serialize (the layer's get_config() fails)."""

    def __call__(self, x: Any) -> Any:
        return x * 2


def test_activations_of_every_kind() -> None:
    inputs = keras.Input((4,))
    x = keras.layers.Dense(3, activation="relu", name="builtin")(inputs)
    x = keras.layers.Dense(3, activation=lambda t: t, name="lam")(x)

    def my_act(t):
        return t

    x = keras.layers.Dense(3, activation=my_act, name="plain")(x)
    x = keras.layers.Dense(3, activation=keras.layers.ReLU(), name="layer_object")(x)
    x = keras.layers.Dense(3, activation=_Doubler(), name="object")(x)
    model = keras.Model(inputs, x)
    e = explain(model)
    assert e.layer("builtin").activation == "relu"
    assert e.layer("lam").activation == "<lambda>"
    assert e.layer("plain").activation == "my_act"
    assert e.layer("layer_object").activation == "ReLU"
    assert e.layer("object").activation == "_Doubler"
    assert e.total_params == model.count_params() and not e.internal_errors
    printed: list[str] = []
    ascii_explain.summary(model, print_fn=printed.append)
    assert "_Doubler" in printed[0]


def test_string_input_through_string_lookup_and_embedding() -> None:
    e = explain(_model("io:string_lookup"))
    assert e.input_bytes is None  # a string has no fixed size
    assert e.total_params == e.keras_total_params
    assert e.activation_bytes is not None  # the lookup's int64 output onwards has sizes
    memory = [line for line in e.render(width=100).splitlines() if line.startswith("Memory")][0]
    assert "input" not in memory


# A dict of shapes is a shape (Keras flattens it, issue 16: a layer returning a dict); a dict of junk is not.
@pytest.mark.parametrize("odd", [7, "seven", {"a": "x"}, [None, "x"], (None, -2), (None, True)])
def test_odd_compute_output_shape_is_an_unknown_shape(odd: Any) -> None:
    class Odd(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],))

        def call(self, inputs):
            return inputs * self.w

        def compute_output_shape(self, input_shape):
            return odd

    class Holder(keras.Model):
        def __init__(self):
            super().__init__()
            self.odd = Odd(name="odd")

        def call(self, inputs):
            return self.odd(inputs)

    model = Holder()
    model(keras.ops.zeros((1, 3)))
    e = explain(model)
    assert e.layer("odd").output_shape is None
    assert "odd" in e.render(width=100) and e.to_html() and e.to_markdown() and e.to_json()


# -- non-trainable reasons and labels ---------------------------------------------------------


def test_non_trainable_reasons_come_from_the_weights() -> None:
    e = explain(_model("io:custom_weights"))
    (term,) = e.layer("running_sum").term_list
    assert not term.trainable and term.reason == CREATED_NON_TRAINABLE_REASON
    frozen = explain(_model("io:frozen_base"), expand_nested=True)
    bn = [r for r in frozen.layers if r.class_name == "BatchNormalization"][0]
    assert all(t.reason == FROZEN_REASON for t in bn.term_list)
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, keras.layers.BatchNormalization(name="bn")(inputs))
    reasons = {t.name: t.reason for t in explain(model).layer("bn").term_list if not t.trainable}
    assert reasons and all("moving" in reason for reason in reasons.values())


def test_created_non_trainable_weight_of_a_composite_is_not_a_frozen_layer() -> None:
    _needs_hub()
    e = explain(_model("hub:dinov2"), expand_nested=True)
    embeddings = e.layer("embeddings")
    frozen = FROZEN_REASON
    assert embeddings.trainable and all(t.reason != frozen for t in embeddings.term_list)


def test_composite_row_is_not_labelled_with_its_inner_activation() -> None:
    _needs_hub()
    e = explain(_model("hub:llama"))
    decoder = e.layer("transformer_layer_0")
    assert decoder.activation == ""


def test_a_functional_held_by_a_subclassed_model_has_the_shapes_keras_summary_shows() -> None:
    """keras.io's VAE calls its encoder and decoder (Functional models) on arrays: no graph node, but each
    keeps its own inputs and outputs, which Keras's summary prints; we printed '?' and no activation memory."""
    model = _model("io:vae_subclassed")
    e = explain(model)
    for layer in model.layers:
        shapes = tuple(tuple(tensor.shape) for tensor in layer.outputs)
        assert e.layer(layer.name).output_shape == (shapes[0] if len(shapes) == 1 else shapes)
    assert e.activation_bytes == 4 * (2 + 2 + 2) + 4 * 64  # float32: z_mean, z_log_var, z; the 8*8 image
    assert not e.activation_unknown


def test_a_layer_never_called_holds_no_activation() -> None:
    """A layer held as an attribute and never called makes no output: 0 bytes, not an unknown row."""
    model = _model("io:unused_stem")
    e = explain(model)
    stem = e.layer("stem")
    assert stem.placement == "outside_graph" and stem.output_bytes == 0
    assert not e.activation_unknown and e.activation_bytes == e.layer("head").output_bytes
    assert explain(model, optimizer="adam").layer("stem").activation_bytes == 0  # nothing kept for a backward


def test_a_layer_called_inside_a_subclassed_call_has_its_outputs_bytes_from_the_trace() -> None:
    """No graph node gives the dtype of a layer called in a subclassed model's call; the traced call does."""
    e = explain(_model("io:perceiver_latents"))
    project = e.layer("project")
    assert project.output_shape == (1, 5, 8) and project.output_bytes == 5 * 8 * 4  # float32
    assert [record.name for record in e.activation_unknown] == ["perceiver"]  # its own weights' row: no output
