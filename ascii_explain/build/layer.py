"""One layer's facts -> its LayerRecord: the registered formula first, weight shapes as the fallback."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Optional

from ..arithmetic import evaluate, product
from ..layers import SUBLAYERS_KEYWORD, Formula, FormulaTerm, find_formula, wants_sublayers
from ..read.facts import LayerFacts, WeightFacts
from ..read.legacy import keras3_counterpart
from .costs import cost_fields
from .records import SOURCE_FORMULA, SOURCE_WEIGHTS, LayerRecord, Term

FROZEN_REASON = "layer frozen (trainable=False)"


def record_for_layer(facts: LayerFacts, depth: int = 0, parent: str = "") -> LayerRecord:
    formula, notes = _formula_for(facts)
    source = SOURCE_FORMULA
    if formula is None:
        formula = _formula_from_weights(facts.weights)
        source = SOURCE_WEIGHTS
    return LayerRecord(
        name=facts.name,
        class_name=facts.class_name,
        params=evaluate(formula.expression),
        keras_params=facts.keras_params,
        formula=formula.expression,
        term_list=tuple(_evaluate_terms(formula, frozen=not facts.trainable)),
        source=source,
        output_shape=facts.output_shape,
        input_shape=facts.input_shape,
        activation=facts.activation,
        depth=depth,
        parent=parent,
        notes=tuple(notes),
        trainable=facts.trainable,
        **cost_fields(facts),
    )


def _formula_for(facts: LayerFacts) -> tuple[Optional[Formula], list[str]]:
    function = find_formula(facts.layer_class, keras3_counterpart)
    if function is None:
        return None, ["no registered formula for this layer class: counted from weight shapes"]
    if facts.config is None:
        return None, ["layer.get_config() failed: counted from weight shapes"]
    try:
        keywords = {}
        if wants_sublayers(function):
            keywords[SUBLAYERS_KEYWORD] = facts.sublayer_configs
        formula = function(facts.config, facts.build_shape, **keywords)
    except Exception as error:  # noqa: BLE001 - a formula must never crash an explanation
        return None, [
            f"formula {function.__name__} failed ({type(error).__name__}: {error}): counted from weight shapes"
        ]
    return _renamed(formula, facts.term_renames), []


def _renamed(formula: Formula, names: dict[str, str]) -> Formula:
    """Terms named as this layer's Keras names its weights (Keras 2 spells a few differently)."""
    if not names:
        return formula
    terms = [replace(term, name=names.get(term.name, term.name)) for term in formula.terms]
    return Formula(terms, formula.compact)


def _formula_from_weights(weights: Iterable[WeightFacts]) -> Formula:
    """The honest fallback: each weight's shape multiplied out, named as Keras names it."""
    terms = [FormulaTerm(weight.name, product(weight.shape), trainable=weight.trainable) for weight in weights]
    return Formula(terms)


def _evaluate_terms(formula: Formula, frozen: bool) -> list[Term]:
    terms = []
    for term in formula.terms:
        trainable = term.trainable and not frozen
        reason = term.reason if not frozen else FROZEN_REASON
        terms.append(
            Term(term.name, term.expression, evaluate(term.expression), trainable, "" if trainable else reason)
        )
    return terms
