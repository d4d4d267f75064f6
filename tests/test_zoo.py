"""The third-party vision zoo (tests/zoo_corpus.py): every architecture explained as Keras counts it (issue 21).

For each model, at its input shape: the model untouched by explain (weights, built flags,
graph nodes, count_params); the totals equal to Keras's; no row counted from weight shapes
only; every custom layer of kecam's kind inferred from config, its formula evaluating to its
count_params(); mult-adds known on every weighted row (registered or traced) and on the
whole model; a registered count agreeing with its trace. For every one, the total mult-adds
agree with an independent count: XLA's HLO of the model compiled by TensorFlow
(``tf.function(jit_compile=True)``), every dot and convolution counted by tests/hlo_macs.py,
less the one-hot convolutions Keras gathers patches with (data movement, 0 by our convention).
"""

from __future__ import annotations

import functools
from typing import Any

import keras
import pytest

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate

from . import hlo_macs
from .helpers import keras_global_state, model_state
from .zoo_corpus import IMAGE, ZOO_MODELS
from .zoo_layers import ZOO_LAYERS

INPUT_SHAPE = (1, *IMAGE)
ZOO_LAYER_CLASSES = {cls.__name__ for cls in ZOO_LAYERS}


@functools.cache
def _model(name: str) -> Any:
    return ZOO_MODELS[name]()


@functools.cache
def _explained(name: str) -> Any:
    return explain(_model(name), input_shape=INPUT_SHAPE, expand_nested=True)


def test_the_zoo_holds_at_least_twenty_architectures() -> None:
    assert len(ZOO_MODELS) >= 20


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(ZOO_MODELS))
def test_zoo_model_is_explained_as_keras_counts_it_and_left_untouched(name: str) -> None:
    model = _model(name)
    before, keras_before = model_state(model), keras_global_state()
    e = explain(model, input_shape=INPUT_SHAPE, expand_nested=True)
    text = e.render(width=100)
    assert model_state(model) == before  # weights, built flags, graph nodes, count_params as they were
    assert keras_global_state() == keras_before
    assert e.keras_total_params == e.total_params == model.count_params() and e.totals_match
    assert f"Total params: {model.count_params():,}" in text
    assert not e.internal_errors, [(r.name, r.internal_errors) for r in e.internal_errors]
    assert not e.fallbacks, [(r.name, r.class_name) for r in e.fallbacks]  # no row counted from shapes only
    assert not e.mismatches, [(r.name, r.formula, r.keras_params) for r in e.mismatches]


@pytest.mark.parametrize("name", sorted(ZOO_MODELS))
def test_zoo_custom_layers_are_inferred_with_formulas_that_evaluate_to_keras(name: str) -> None:
    e = _explained(name)
    custom = [r for r in e.layers if r.class_name in ZOO_LAYER_CLASSES]
    assert custom or name in NO_CUSTOM_LAYER, "every zoo model but the plain ones has a kecam-style layer"
    for record in custom:
        assert record.state == "inferred", (record.name, record.state)
        assert record.params == record.keras_params == evaluate(record.formula), (record.name, record.formula)
        for term in record.term_list:
            assert evaluate(term.expression) == term.count
            assert term.detail and "matches nothing" not in term.detail, (record.name, term.name, term.detail)


# Architectures kecam builds from Keras layers alone (no layer of its own with weights).
NO_CUSTOM_LAYER = {"mlp_mixer", "gmlp", "ghostnet", "involution_net", "uniformer", "mobilevit"}


@pytest.mark.parametrize("name", sorted(ZOO_MODELS))
def test_zoo_mult_adds_are_known_on_every_weighted_row_and_traced_counts_agree(name: str) -> None:
    e = _explained(name)
    assert not e.macs_unknown, [(r.name, r.class_name, r.macs_note) for r in e.macs_unknown]
    for record in e.top_level:
        if record.params:
            assert record.macs is not None and record.macs_source in ("formula", "traced"), record.name
        if record.macs_formula:
            assert evaluate(record.macs_formula) == record.macs, (record.name, record.macs_formula)
        if record.macs_source == "formula" and record.traced_macs is not None:
            assert record.traced_macs == record.macs, (record.name, record.macs, record.traced_macs)


def test_the_zoo_has_traced_contractions_in_keras_ops_rows_and_custom_layers() -> None:
    traced = {
        r.class_name for name in ZOO_MODELS for r in _explained(name).layers if r.macs_source == "traced" and r.macs
    }
    assert "Matmul" in traced  # keras.ops.matmul between layers (attention scores)
    assert {"RelativePositionalEmbedding", "PositionalEncodingFourier"} <= traced  # einsum / matmul in a call


@pytest.mark.parametrize("name", sorted(ZOO_MODELS))
def test_zoo_counts_per_sample_do_not_depend_on_the_input_shape_given(name: str) -> None:
    """Without input_shape (static inputs: the graph's own shapes, or a trace at batch 1) and at batch 1 alike."""
    e = _explained(name)
    plain = explain(_model(name))
    assert plain.total_macs == e.total_macs and not plain.macs_unknown
    assert plain.activation_bytes == e.activation_bytes is not None


def _hlo_macs(model: Any) -> tuple[int, int]:
    """Mult-adds of the model's forward pass at batch 1 from XLA's HLO (TensorFlow's jit compiler), before
    optimization: (every dot and convolution, the convolutions of ``extract_patches``).

    Keras gathers patches by a convolution with a one-hot kernel it makes itself: the only
    convolutions here whose kernel is not one of the model's variables (a parameter, or one reshaped).
    ascii_explain counts that copy 0 (data movement); XLA multiplies it.
    """
    import tensorflow as tf

    function = tf.function(lambda x: model(x, training=False), jit_compile=True)
    hlo = function.experimental_get_compiler_ir(tf.TensorSpec(INPUT_SHAPE, tf.float32))(stage="hlo")
    computations = hlo_macs.parse(hlo)
    shapes, defined = {}, {}
    for computation in computations.values():
        for line in computation.lines:
            match = hlo_macs._INSTRUCTION.match(line)
            if match:
                shapes[match.group(1)] = match.group(2)
                defined[match.group(1)] = (match.group(3), hlo_macs._operands(match.group(4)))

    def a_variable(name: str) -> bool:  # a parameter, perhaps reshaped (a depthwise kernel)
        op, operands = defined.get(name, ("", []))
        if op in ("reshape", "transpose", "copy", "bitcast", "convert") and operands:
            return a_variable(operands[0])
        return op == "parameter"

    gathers = 0
    for line in computations["__entry__"].lines:
        match = hlo_macs._INSTRUCTION.match(line)
        if match and match.group(3) == "convolution" and not a_variable(hlo_macs._operands(match.group(4))[1]):
            gathers += hlo_macs.instruction_macs(line, shapes)
    return hlo_macs.count_macs(hlo), gathers


# The zoo models whose windows are gathered by keras.ops.image.extract_patches
PATCH_GATHERS = {"involution_net", "halonet", "volo", "nat"}


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's XLA compiler gives the HLO")
@pytest.mark.parametrize("name", sorted(ZOO_MODELS))
def test_zoo_total_mult_adds_agree_with_xla(name: str) -> None:
    e = _explained(name)
    total, gathers = _hlo_macs(_model(name))
    assert (gathers > 0) == (name in PATCH_GATHERS)
    assert e.total_macs == total - gathers
