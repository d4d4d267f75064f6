"""A whole model's records from its facts: graph order, inbound layers, calls, nested models.

``build.layer.record_for_layer`` explains one layer; this module walks a
model's graph facts (``read.facts.GraphFacts``) and gives every row its place
in the graph. A nested model or a custom layer holding sublayers without a
formula of its own is a *container*: one row whose count is the sum of its
inner rows (``"56 + 57 + 140"``; a composite layer's row is built in
``composite.py``, with its parts named), and with ``expand_nested`` its inner rows
follow it, one level deeper, to any depth. Totals add up depth-0 rows only,
so an expanded model is never counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .. import hints
from ..arithmetic import evaluate, product, total
from ..layers import find_formula
from ..layers.operations import operation_macs
from ..read.dtypes import dtype_bits
from ..read.facts import KIND_LAYER, KIND_SUBCLASSED, GraphFacts, LayerFacts, ModelFacts, WeightFacts
from ..read.legacy import keras3_counterpart
from .composite import composite_record
from .cost_memo import costs_remembered
from .costs import MACS_FORMULA, MACS_TRACED, cost_fields, output_bytes_of, traced_macs
from .layer import non_trainable_reason, placement_notes, record_for_layer
from .records import (
    SOURCE_FORMULA,
    SOURCE_WEIGHTS,
    STATE_FORMULA,
    STATE_INTERNAL_ERROR,
    STATE_WEIGHTS,
    Call,
    LayerRecord,
    Term,
)

OPERATION_NOTE = "a keras.ops operation in the graph, not a layer: no weights"


@dataclass
class ModelRecords:
    """The records of one model, plus what the diagram needs about its graph."""

    records: list[LayerRecord]
    kind: str
    input_names: list[str]
    output_names: list[str]


def build_records(facts: ModelFacts, expand_nested: bool = False) -> ModelRecords:
    """Records for what ``explain`` was given: a model's rows (its Sequential InputLayer left out, as
    Keras does), or a single layer's own row (a container's inner rows too, if asked)."""
    graph = facts.graph
    with costs_remembered():  # a part's costs are asked for by its row and each block holding it
        records = _records_for_graph(graph, expand_nested, depth=0, parent="")
    return ModelRecords(records, graph.kind, list(graph.input_names), list(graph.output_names))


def _mark_counted_elsewhere(record: LayerRecord, weights: tuple[WeightFacts, ...], holder: dict[int, str]) -> None:
    """Weights an earlier row of the same level holds (by identity) are not counted again, as Keras counts them.

    All of the row's weights held by one earlier row (a layer used inside and
    outside a nested model): ``counted_in`` names it and the row leaves the
    totals. Some of them (a layer shared by two nested models, a subclassed
    model holding a layer as an attribute and inside its nested Sequential):
    ``duplicate_params`` says how many of the row's parameters are already
    counted, and the totals leave those out. ``holder`` maps weight ids to the
    first row holding them; this row's new weights are added to it.
    """
    held = [weight for weight in weights if weight.id in holder]
    owners = list(dict.fromkeys(holder[weight.id] for weight in held))
    if held and len(held) == len(weights) and len(owners) == 1:
        record.counted_in = owners[0]
        record.notes = (*record.notes, f"weights already counted in {owners[0]}: not added again")
    elif held:
        sizes = [(evaluate(product(weight.shape)), weight) for weight in held]
        record.duplicate_params = sum(size for size, _ in sizes)
        record.duplicate_trainable_params = sum(size for size, weight in sizes if weight.trainable)
        record.duplicate_param_bytes = -(-sum(size * (dtype_bits(weight.dtype) or 0) for size, weight in sizes) // 8)
        record.notes = (
            *record.notes,
            f"{record.duplicate_params:,} of its parameters are weights already counted in "
            f"{', '.join(owners)}: not added again to the totals",
        )
    for weight in weights:
        holder.setdefault(weight.id, record.name)


def is_container(facts: LayerFacts) -> bool:
    """A nested model, or a user's layer with sublayers and no registered formula of its own.

    Keras's own layers that hold sublayers (LSTM and its cell, Bidirectional,
    MultiHeadAttention, ...) stay single rows: they have (or will have)
    formulas and MACs of their own, and their sublayers are internals.
    """
    if facts.is_model:
        return True
    if facts.is_keras_builtin:
        return False
    return find_formula(facts.layer_class, keras3_counterpart) is None and facts.has_sublayers


def _records_for_graph(graph: GraphFacts, expand_nested: bool, depth: int, parent: str) -> list[LayerRecord]:
    records: list[LayerRecord] = []
    holder: dict[int, str] = {}  # weight id -> the first row of this level that holds it
    for entry in graph.entries:
        produced = _records_for_entry(entry, expand_nested, depth, parent, graph.kind)
        if entry.weights:
            _mark_counted_elsewhere(produced[0], entry.weights, holder)
        records.extend(produced)
    return records


def _records_for_entry(facts: LayerFacts, expand_nested: bool, depth: int, parent: str, kind: str) -> list[LayerRecord]:
    records = _records_for_entry_unmarked(facts, expand_nested, depth, parent, kind)
    records[0].outside_parent_calls = facts.outside_parent_calls
    return records


def _records_for_entry_unmarked(
    facts: LayerFacts, expand_nested: bool, depth: int, parent: str, kind: str
) -> list[LayerRecord]:
    if facts.is_operation:
        return [_with_graph(_operation_record(facts, depth, parent), facts, kind)]
    if is_container(facts):
        path = f"{parent}/{facts.name}" if parent else facts.name
        inner = _inner_records(facts, expand_nested, depth + 1, path)
        if facts.is_model:
            record = _container_record(facts, inner, depth, parent, expanded=expand_nested)
        else:  # a composite layer (a transformer block): its parts, named
            record = composite_record(facts, inner, depth, parent, expanded=expand_nested)
        if facts.placement:  # a nested model held as an attribute, outside the graph: marked as a layer is
            record.placement = facts.placement
            record.notes = (*record.notes, *placement_notes(facts))
        record = _with_graph(record, facts, kind)
        return [record, *inner] if expand_nested else [record]
    return [_with_graph(record_for_layer(facts, depth, parent), facts, kind)]


def _inner_records(facts: LayerFacts, expand_nested: bool, depth: int, path: str) -> list[LayerRecord]:
    graph = facts.graph if facts.graph is not None else GraphFacts(KIND_SUBCLASSED, facts.sublayers)
    return _records_for_graph(graph, expand_nested, depth, path)


def _with_graph(record: LayerRecord, facts: LayerFacts, kind: str) -> LayerRecord:
    """Fill ``inbound``, ``calls``, ``call_list`` and shapes from this model's graph.

    The shapes of a layer's first call *in this model* win over the shapes of
    its first call anywhere (a layer built in another model first). Every
    caller passes a record it has just built and keeps no other reference to,
    so the graph's fields are set on it in place: ``dataclasses.replace``
    would rebuild all thirty fields for every row of the model.
    """
    calls: tuple[Call, ...] = facts.calls
    if not calls and facts.repeats > 1:  # a sublayer run several times per call of its block (traced)
        record.calls = facts.repeats
    if not calls:
        if kind in (KIND_SUBCLASSED, KIND_LAYER) and record.output_shape is None:
            # Outside any symbolic graph: the shape build received, and what compute_output_shape gives.
            built_with = facts.build_shape if isinstance(facts.build_shape, tuple) else None
            record.input_shape = record.input_shape or built_with
            record.output_shape = facts.computed_output_shape
        return record
    # Called once: every input in order, as Keras's node lists them. Shared:
    # the layers any call reads, each once; call_list has each call's own.
    inbound: list[str] = list(calls[0].inbound)
    if len(calls) > 1:
        inbound = []
        for call in calls:
            inbound.extend(name for name in call.inbound if name not in inbound)
    first = calls[0]
    record.inbound = tuple(inbound)
    record.calls = len(calls)
    record.call_list = tuple(calls)
    if first.input_shape is not None:
        record.input_shape = first.input_shape
    if first.output_shape is not None:
        record.output_shape = first.output_shape
    return record


def _operation_record(facts: LayerFacts, depth: int, parent: str) -> LayerRecord:
    """A keras.ops call in a functional graph (``x + y`` on KerasTensors): a row with no weights.

    Its mult-adds are 0 for element-wise, indexing and data-movement
    operations (``layers/operations.py``), unknown for any other.
    """
    macs = operation_macs(facts.class_name)
    if macs is not None:
        value: Optional[int] = evaluate(macs)
        formula, note, source = macs, "", MACS_FORMULA
    else:  # matmul, einsum, ...: counted from the operation's call, traced at batch 1
        value, formula, note = traced_macs(facts)
        source = "" if value is None else MACS_TRACED
    return LayerRecord(
        macs=value,
        macs_formula=formula,
        macs_note=note,
        macs_source=source,
        # element-wise, indexing and data movement backward too: gradients of the same sizes, no MACs
        backward_terms=("0", "0", "0") if macs == "0" else (),
        backward_note="" if macs == "0" else "no backward mult-add formula for the operation",
        name=facts.name,
        class_name=facts.class_name,
        params=0,
        keras_params=0,
        formula="0",
        term_list=(),
        source=SOURCE_FORMULA,
        output_shape=None,
        depth=depth,
        notes=(OPERATION_NOTE,),
        parent=parent,
        # one sample's output, as a layer's is counted: a keras.ops node's output is an activation too
        output_bytes=_times(
            output_bytes_of(facts.calls[0].output_shape if facts.calls else None, facts.output_dtypes),
            facts.output_samples,  # a window partition's rows: several per sample
        ),
    )


def _times(size: Optional[int], factor: int) -> Optional[int]:
    return None if size is None else size * factor


def _container_record(
    facts: LayerFacts, inner: list[LayerRecord], depth: int, parent: str, expanded: bool
) -> LayerRecord:
    """One row for a nested model: its count is the sum of its direct inner rows' counts.

    Terms are named after the inner layers (split into trainable and
    non-trainable parts where a layer has both, so totals split as Keras's
    do); weights the container creates itself (``add_weight`` on a
    subclassed model) are added as terms after their Keras names.
    """
    # Each inner row once (a row whose weights a sibling holds adds only its own).
    direct = [record for record in inner if record.depth == depth + 1 and not record.counted_in]
    terms: list[Term] = []
    parts: list[str] = []
    for record in direct:
        if record.unique_params:
            parts.append(str(record.unique_params))
        trainable_part = record.trainable_params - record.duplicate_trainable_params
        non_trainable_part = record.unique_params - trainable_part
        # Term names must be unique (``LayerRecord.terms`` is a dict): a layer
        # with both parts gets "core.trainable" and "core.non_trainable".
        both = bool(trainable_part and non_trainable_part)
        if trainable_part:
            name = f"{record.name}.trainable" if both else record.name
            terms.append(Term(name, str(trainable_part), trainable_part, True))
        if non_trainable_part:
            name = f"{record.name}.non_trainable" if both else record.name
            reasons = [term.reason for term in record.term_list if not term.trainable and term.reason]
            reason = reasons[0] if reasons else ""
            terms.append(Term(name, str(non_trainable_part), non_trainable_part, False, reason))
    own = facts.own_weights
    for weight in own:
        expression = product(weight.shape)
        reason = non_trainable_reason(facts.trainable, weight.created_trainable)
        terms.append(Term(weight.name, expression, evaluate(expression), weight.trainable, reason))
        parts.append(expression)
    formula = total(parts)
    # Collapsed, a fallback (or an internal error) inside shows on the container's
    # row; expanded, the inner row carries the mark and the container stays plain.
    descendants_fallback = [record.name for record in inner if record.is_fallback]
    errors = tuple(error for record in inner for error in record.internal_errors) if not expanded else ()
    source = SOURCE_WEIGHTS if (own or (descendants_fallback and not expanded)) else SOURCE_FORMULA
    state = STATE_INTERNAL_ERROR if errors else (STATE_WEIGHTS if source == SOURCE_WEIGHTS else STATE_FORMULA)
    notes = []
    if errors:
        failing = [record.name for record in inner if record.internal_errors]
        notes.append("includes internal errors of ascii_explain in: " + ", ".join(failing))
    if descendants_fallback and not expanded:
        notes.append("includes counts from weight shapes: " + ", ".join(descendants_fallback))
    if own:
        notes.append("weights created by " + facts.name + " itself counted from their shapes")
    inside = len([record for record in direct if record.class_name != "InputLayer"])
    if expanded:
        notes.append(f"the sum of the {inside} rows nested below it, counted once in the totals")
    elif inside:
        plural = "" if inside == 1 else "s"
        notes.append(f"nested: {inside} layer{plural} inside; {hints.EXPAND_NESTED} shows them")
    return LayerRecord(
        name=facts.name,
        class_name=facts.class_name,
        params=evaluate(formula),
        keras_params=facts.keras_params,
        formula=formula,
        term_list=tuple(terms),
        source=source,
        output_shape=facts.output_shape,
        input_shape=facts.input_shape,
        # A composite's own config may name its inner FFN's activation (keras-hub decoders' "silu"):
        # not what its output went through, so the row shows none.
        activation="",
        depth=depth,
        notes=tuple(notes),
        parent=parent,
        trainable=facts.trainable,
        state=state,
        internal_errors=errors,
        **_costs_without_errors(facts),
    )


def _costs_without_errors(facts: LayerFacts) -> dict:
    """A container's costs: its MACs come from its inner rows, whose own records carry any internal error."""
    costs = cost_fields(facts)
    costs.pop("internal_errors")
    return costs
