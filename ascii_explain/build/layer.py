"""One layer's facts -> its LayerRecord: the registered formula first, weight shapes as the fallback.

The record's ``state`` says which of the honest cases it is (``records.STATES``):
a formula explains it; weights without a formula; no weights and no formula;
unbuilt; or an internal error (a function that raised: ``failures.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Optional

from ..arithmetic import evaluate, product
from ..layers import SUBLAYERS_KEYWORD, Formula, FormulaTerm, find_formula, wants_sublayers
from ..read.facts import OUTSIDE_GRAPH, OWN_WEIGHTS, LayerFacts, WeightFacts
from ..read.legacy import keras3_counterpart
from .costs import cost_fields, output_shape_of, unbuilt_cost_fields
from .failures import ROLE_FORMULA, function_name, internal_error, is_inherited, is_not_covered
from .inferred import infer_formula
from .records import (
    SOURCE_FORMULA,
    SOURCE_WEIGHTS,
    STATE_FORMULA,
    STATE_INFERRED,
    STATE_INTERNAL_ERROR,
    STATE_NO_WEIGHTS,
    STATE_UNBUILT,
    STATE_WEIGHTS,
    InternalError,
    LayerRecord,
    Term,
)
from .weight_check import check_terms

# Why a weight is not trained, from the weight itself and its layer (issue 13): a frozen
# layer trains none of its weights; a weight created non-trainable is never trained, whatever
# its layer's flag; a formula may give its own reason (BatchNormalization's moving statistics).
FROZEN_REASON = "layer frozen (trainable=False)"
CREATED_NON_TRAINABLE_REASON = "created non-trainable (add_weight(trainable=False))"
NO_FORMULA_NOTE = "no registered formula for this layer class: counted from weight shapes"


def record_for_layer(facts: LayerFacts, depth: int = 0, parent: str = "") -> LayerRecord:
    if not facts.built:
        return unbuilt_record(facts, depth, parent)
    errors: list[InternalError] = []
    formula, notes, differences = _formula_for(facts, errors)
    source = SOURCE_FORMULA
    inferred = False
    if formula is None and facts.weights and not errors:
        formula = infer_formula(facts.config, _input_shape_of(facts), output_shape_of(facts), facts.weights)
        inferred = formula is not None
        source = SOURCE_WEIGHTS
        if inferred:  # the state's words say it; the fallback's note would contradict them
            notes = [note for note in notes if note != NO_FORMULA_NOTE]
    if formula is None:
        formula = _formula_from_weights(facts.weights)
        source = SOURCE_WEIGHTS
    costs = cost_fields(facts, depth)
    errors.extend(costs.pop("internal_errors"))  # a MACs function's failure, in the row's "macs" line
    if errors:
        state = STATE_INTERNAL_ERROR
    elif source == SOURCE_FORMULA:
        state = STATE_FORMULA
    elif inferred:
        state = STATE_INFERRED
    else:
        state = STATE_WEIGHTS if facts.weights else STATE_NO_WEIGHTS
    notes.extend(placement_notes(facts))
    return LayerRecord(
        placement=facts.placement,
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
        state=state,
        internal_errors=tuple(errors),
        weight_differences=differences,
        **costs,
    )


OUTSIDE_GRAPH_NOTE = "outside the model's graph: held as an attribute, never called; counted, as Keras counts it"
OWN_WEIGHTS_NOTE = "the model's own weights (add_weight in its build), held by none of its layers"
UNBUILT_WITH_WEIGHTS_NOTE = "never built (call() never used it), but owns weights made in __init__: counted from them"


def placement_notes(facts: LayerFacts) -> list[str]:
    """Why a row's weights sit outside the model's called graph, or belong to a layer never built."""
    notes = []
    if facts.placement == OUTSIDE_GRAPH:
        notes.append(OUTSIDE_GRAPH_NOTE)
    elif facts.placement == OWN_WEIGHTS:
        notes.append(OWN_WEIGHTS_NOTE)
    if facts.unbuilt_with_weights:
        notes.append(UNBUILT_WITH_WEIGHTS_NOTE)
    return notes


def unbuilt_record(facts: LayerFacts, depth: int, parent: str) -> LayerRecord:
    """A layer never built: no weights, no shapes, 0 parameters, as Keras's summary counts it."""
    return LayerRecord(
        name=facts.name,
        class_name=facts.class_name,
        params=0,
        keras_params=0,
        formula="0",
        term_list=(),
        source=SOURCE_WEIGHTS,
        output_shape=None,
        depth=depth,
        parent=parent,
        notes=(),  # state "unbuilt": the view's check line says so
        trainable=facts.trainable,
        state=STATE_UNBUILT,
        **unbuilt_cost_fields(facts.traced_macs),
    )


def _formula_for(
    facts: LayerFacts, errors: list[InternalError]
) -> tuple[Optional[Formula], list[str], tuple[str, ...]]:
    """(formula, notes, differences from the real weights); None when the weights must be counted instead."""
    if facts.unbuilt_with_weights:  # no build shape: a formula has nothing to read; the weights are what it owns
        return None, [], ()
    function = find_formula(facts.layer_class, keras3_counterpart)
    if function is None:
        if not facts.weights:  # state "no_weights": its words are the view's check line
            return None, [], ()
        return None, [NO_FORMULA_NOTE], ()
    if facts.config is None:
        return None, ["layer.get_config() failed: counted from weight shapes"], ()
    inherited = is_inherited(facts, ROLE_FORMULA)
    try:
        keywords = {}
        if wants_sublayers(function):
            keywords[SUBLAYERS_KEYWORD] = facts.sublayer_configs
        formula = function(facts.config, facts.build_shape, **keywords)
    except Exception as error:  # noqa: BLE001 - a formula must never crash an explanation
        if is_not_covered(error):
            return None, [f"formula {function_name(function)}: {error}; counted from weight shapes"], ()
        if inherited:
            return None, [f"the inherited formula {function_name(function)} does not fit this subclass "
                          f"({type(error).__name__}): counted from weight shapes"], ()
        errors.append(internal_error(function, ROLE_FORMULA, error))
        return None, [], ()  # state "internal_error": the view's check line names the function
    formula = _renamed(formula, facts.term_renames)
    if inherited and evaluate(formula.expression) != facts.keras_params:
        owner = _formula_owner(facts.layer_class)
        check = check_terms(formula.terms, facts.weights, owner)
        return Formula(list(check.terms)), [], check.differences  # the view's check line lists them
    return formula, [], ()


def _formula_owner(layer_class: type) -> str:
    """The nearest base class with a formula of its own (whose formula an inherited layer uses)."""
    from ..layers import has_own_formula

    for klass in layer_class.__mro__[1:]:
        if has_own_formula(klass):
            return klass.__name__
    return layer_class.__mro__[1].__name__


def _renamed(formula: Formula, names: dict[str, str]) -> Formula:
    """Terms named as this layer's Keras names its weights (Keras 2 spells a few differently)."""
    if not names:
        return formula
    terms = [replace(term, name=names.get(term.name, term.name)) for term in formula.terms]
    return Formula(terms, formula.compact)


def _formula_from_weights(weights: Iterable[WeightFacts]) -> Formula:
    """The honest fallback: each weight's shape multiplied out, named as Keras names it."""
    terms = [
        FormulaTerm(
            weight.name,
            product(weight.shape),
            trainable=weight.created_trainable,
            reason="" if weight.created_trainable else CREATED_NON_TRAINABLE_REASON,
        )
        for weight in weights
    ]
    return Formula(terms)


def non_trainable_reason(layer_trainable: bool, created_trainable: bool, formula_reason: str = "") -> str:
    """Why a weight is not trained ("" when it is): the frozen layer, the formula's reason, or its creation."""
    if not layer_trainable:
        return FROZEN_REASON
    if created_trainable:
        return ""
    return formula_reason or CREATED_NON_TRAINABLE_REASON


def _evaluate_terms(formula: Formula, frozen: bool) -> list[Term]:
    terms = []
    for term in formula.terms:
        trainable = term.trainable and not frozen
        reason = non_trainable_reason(not frozen, term.trainable, term.reason)
        terms.append(Term(term.name, term.expression, evaluate(term.expression), trainable, reason, term.detail))
    return terms


def _input_shape_of(facts: LayerFacts) -> object:
    """The shape(s) the layer was built with, else its first call's input: what its weights were sized from."""
    return facts.build_shape if facts.build_shape is not None else facts.input_shape
