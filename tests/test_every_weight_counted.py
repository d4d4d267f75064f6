"""Every weight counted, once, in a row (issue 21, item 5): each failure reproduced from the corpus first."""

from __future__ import annotations

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
