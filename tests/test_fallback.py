"""Custom layers: the honest fallback from weight shapes, and a user's own registered formula."""

from __future__ import annotations

import keras
import pytest

from ascii_explain import Formula, FormulaTerm, explain, register_formula, unregister_formula
from ascii_explain.arithmetic import evaluate

from .helpers import assert_record_consistent


class Scaler(keras.layers.Layer):
    """A custom layer: one weight vector the size of the input's last axis, plus a scalar offset."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],))
        self.offset = self.add_weight(name="offset", shape=(), trainable=False)

    def call(self, inputs):
        return inputs * self.w + self.offset


def _model(layer):
    return keras.Sequential([keras.Input((7,)), keras.layers.Dense(5), layer, keras.layers.Dense(2)])


def test_unregistered_custom_layer_is_inferred_from_its_shapes_not_a_fallback():
    """No formula, but ``w`` is one per input feature: named "input 5", state "inferred" (issue 21, item 2)."""
    explanation = explain(_model(Scaler(name="scaler")))
    record = explanation.layer("scaler")
    assert record.source == "weights"
    assert record.state == "inferred" and record.is_inferred and not record.is_fallback
    assert record.terms == {"w": "5", "offset": "1"}
    assert [term.detail for term in record.term_list] == ["input 5", ""]
    assert record.params == 6 == record.keras_params
    assert record.trainable_params == 5 and record.non_trainable_params == 1
    assert_record_consistent(record)
    assert explanation.fallbacks == [] and explanation.inferred == [record]
    assert explanation.totals_match
    text = explanation.render(width=100, ascii_only=True)
    assert "w 5 (input 5)" in text and "inferred from config" in text
    assert "~" in text


class Unexplained(keras.layers.Layer):
    """A weight whose size is no config value and no dimension of the layer's shapes."""

    def build(self, input_shape):
        self.table = self.add_weight(name="table", shape=(11,))

    def call(self, inputs):
        return inputs


def test_unregistered_layer_whose_weights_match_nothing_falls_back_to_weight_shapes_honestly():
    explanation = explain(_model(Unexplained(name="unexplained")))
    record = explanation.layer("unexplained")
    assert record.source == "weights"
    assert record.state == "weights" and record.is_fallback
    assert record.terms == {"table": "11"}
    assert record.params == 11 == record.keras_params
    assert any("no registered formula" in note for note in record.notes)
    assert_record_consistent(record)
    assert explanation.fallbacks == [record]
    text = explanation.render(width=100, ascii_only=True)
    assert "from weight shapes" in text
    assert "?" in text


def test_user_registered_formula_is_used_and_checked():
    @register_formula(Scaler)
    def scaler_formula(config, input_shape):
        """Scaler: ``w`` one per input feature, ``offset`` one scalar (not trained)."""
        return Formula([FormulaTerm("w", str(input_shape[-1])), FormulaTerm("offset", "1", False, "fixed offset")])

    try:
        explanation = explain(_model(Scaler(name="scaler")))
    finally:
        unregister_formula(Scaler)
    record = explanation.layer("scaler")
    assert record.source == "formula"
    assert record.formula == "5 + 1"
    assert evaluate(record.formula) == 6 == record.keras_params
    assert record.non_trainable_params == 1
    assert explanation.fallbacks == []
    assert_record_consistent(record)


def test_wrong_user_formula_is_reported_as_a_mismatch_not_hidden():
    @register_formula(Scaler)
    def wrong(config, input_shape):
        return Formula([FormulaTerm("w", str(input_shape[-1]))])

    try:
        explanation = explain(_model(Scaler(name="scaler")))
    finally:
        unregister_formula(Scaler)
    record = explanation.layer("scaler")
    assert record.params == 5 and record.keras_params == 6
    assert not record.matches
    assert explanation.mismatches == [record]


def test_wrapper_of_an_unregistered_layer_falls_back_with_a_note():
    layer = keras.layers.TimeDistributed(Scaler())
    model = keras.Sequential([keras.Input((3, 4)), layer])
    record = explain(model).layers[0]
    assert record.source == "weights"
    assert record.params == record.keras_params == 5
    assert any("Scaler" in note for note in record.notes)


@pytest.mark.parametrize("frozen", [True, False])
def test_frozen_custom_layer_fallback_counts_all_as_non_trainable(frozen):
    layer = Scaler(name="scaler")
    model = _model(layer)
    layer.trainable = not frozen
    record = explain(model).layer("scaler")
    assert record.trainable_params == (0 if frozen else 5)
