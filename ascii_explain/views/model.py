"""The view model: what several views need about an Explanation, computed once, as data.

Built by ``build_view_model(explanation)``; the diagram, HTML, Markdown and the
tabulate tables read it instead of each other's text:

- ``LayerView``, one per record: its mark (``OK``, ``MISMATCH``, ``FALLBACK``),
  its share of the parameters, keras.Model.summary's trainable flag, the
  arithmetic in pieces, the cost lines and the check sentence;
- ``TotalsItem``: the lines after the layers (first keras.Model.summary's
  totals in its own words), each with a kind (``TOTAL``,
  ``NON_TRAINABLE``, ``OK``, ``WARNING``, ``ERROR``, ``INFO``) rather than a
  prefix a view must recognise;
- ``TableRow``: the rows of the tables (HTML, Markdown, tabulate), with the
  model's input as a row of its own when no InputLayer record stands for it.

Views take the explanation as an ``ExplanationData`` (a protocol), so nothing
under ``views/`` imports ``explanation.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional, Protocol, Sequence

from ..build.records import (
    STATE_INTERNAL_ERROR,
    STATE_NO_WEIGHTS,
    STATE_UNBUILT,
    LayerRecord,
    OutputShape,
    Shape,
    neurons_of,
)
from ..read.facts import KerasTotals
from . import styled
from .arithmetic_text import Arithmetic, arithmetic_of, check_text
from .cost_text import cost_lines
from .cost_totals import cost_totals_lines
from .formatting import UNKNOWN, format_bytes, format_dims, share
from .keras_totals import summary_totals_lines
from .non_trainable import non_trainable_reasons
from .training_text import training_macs_lines, training_memory_lines

# A record's mark, and the sign drawn for it in the diagram's margin and the tables' first column
# (README, "States and marks"). The mark follows the record's state, and for a formula whether it
# agrees with Keras.
OK = "ok"
MISMATCH = "mismatch"  # a formula that disagrees with Keras's count_params()
FALLBACK = "fallback"  # weights, no formula: counted from the weight shapes
NO_WEIGHTS = "no_weights"  # no formula and no weights: nothing to count
UNBUILT = "unbuilt"  # never built: 0 parameters, as Keras counts it
INTERNAL_ERROR = "internal_error"  # a function of ours raised: our bug
ADJUSTED = "adjusted"  # an inherited formula, following the subclass's own weights where they differ
INFERRED = "inferred"  # no formula, each weight's dimensions named from the config and shapes
MARK_SIGNS = {
    MISMATCH: "!",
    FALLBACK: "?",
    INFERRED: "~",
    NO_WEIGHTS: "-",
    UNBUILT: "u",
    INTERNAL_ERROR: "E",
    ADJUSTED: "*",
    OK: "",
}

# Kinds of totals lines (the same words as the text view's roles, so a kind is also a role).
TOTAL = styled.TOTAL
NON_TRAINABLE = styled.NON_TRAINABLE
AGREES = styled.OK
WARNING = styled.WARNING
ERROR = styled.ERROR
INFO = styled.INFO


class ExplanationData(Protocol):
    """What the views read of an ``Explanation`` (its fields and derived totals)."""

    model_name: str
    model_class: str
    model_kind: str
    layers: list[LayerRecord]
    input_shapes: list[Shape]
    input_names: list[str]
    output_names: list[str]
    summary_order: list[str]
    keras_total_params: int
    keras_trainable_params: int
    keras_non_trainable_params: int
    batch_size: int
    extra: dict
    training_memory: Any  # Optional[build.training_memory.TrainingMemory]
    training_macs: Any  # Optional[build.training_macs.TrainingMacs]
    show_training: bool
    sequence: Any  # Optional[build.sequence.SequenceCosts]: the costs in T
    keras_totals: Optional[KerasTotals]

    @property
    def total_params(self) -> int: ...
    @property
    def trainable_params(self) -> int: ...
    @property
    def non_trainable_params(self) -> int: ...
    @property
    def top_level(self) -> list[LayerRecord]: ...
    @property
    def mismatches(self) -> list[LayerRecord]: ...
    @property
    def fallbacks(self) -> list[LayerRecord]: ...
    @property
    def totals_match(self) -> bool: ...
    @property
    def total_macs(self) -> int: ...
    @property
    def macs_unknown(self) -> list[LayerRecord]: ...
    @property
    def internal_errors(self) -> list[LayerRecord]: ...
    @property
    def unbuilt(self) -> list[LayerRecord]: ...
    @property
    def param_bytes(self) -> Optional[int]: ...
    @property
    def activation_bytes(self) -> Optional[int]: ...
    @property
    def known_activation_bytes(self) -> int: ...
    @property
    def activation_unknown(self) -> list[LayerRecord]: ...
    @property
    def inferred(self) -> list[LayerRecord]: ...
    @property
    def input_bytes(self) -> Optional[int]: ...
    @property
    def kv_cache_bytes(self) -> Optional[int]: ...
    @property
    def kv_cache_layers(self) -> list[LayerRecord]: ...
    # At an unknown sequence length: the totals as polynomials in T (None when known or not polynomial).
    @property
    def macs_in_length(self) -> Optional[str]: ...
    @property
    def macs_in_length_grouped(self) -> Optional[str]: ...
    @property
    def activation_bytes_in_length(self) -> Optional[str]: ...
    @property
    def kv_cache_bytes_in_length(self) -> Optional[str]: ...


# Slotted, not frozen: one per layer on every render, and a frozen dataclass's
# __init__ (object.__setattr__ per field) costs four times as much. Nothing changes one.
@dataclass(slots=True)
class LayerView:
    """What the views show of one record besides its own fields."""

    record: LayerRecord
    mark: str  # OK, MISMATCH, FALLBACK, INFERRED, NO_WEIGHTS, UNBUILT, INTERNAL_ERROR or ADJUSTED
    percent: float  # share of the model's total parameters
    trainable: str  # keras.Model.summary's flag: "Y", "N", or "-" for a layer without weights
    arithmetic: Optional[Arithmetic]  # None for a layer without weights whose count agrees
    cost_lines: tuple[styled.Line, ...]  # shape arithmetic and mult-adds
    check: str  # why the record is marked ("" when OK)
    # Identical consecutive blocks drawn once (``collapse_repeats``): how many,
    # and the last one's name (its output is what the next layer reads).
    repeat: int = 1
    last_name: str = ""

    @property
    def sign(self) -> str:
        return MARK_SIGNS[self.mark]


def collapse_repeats(layers: Sequence[LayerView]) -> list[LayerView]:
    """Runs of identical consecutive top-level blocks as one view each, with ``repeat`` and ``last_name``.

    Blocks: composite layers (their rows name their parts). Identical: same
    class, the same config apart from the name (``config_key``),
    the same shapes, arithmetic and costs, each block called once and reading
    the block before it. Rows nested under a block (``expand_nested``) keep
    their blocks apart. A 32-block LLM then reads as
    ``transformer_layer_0 … transformer_layer_31  32 × 202,383,360``.
    """
    result: list[LayerView] = []
    index = 0
    while index < len(layers):
        first = layers[index]
        end = index + 1
        while end < len(layers) and _repeats(layers[end - 1], layers[end], layers, end):
            end += 1
        if end - index > 1:
            result.append(dataclasses.replace(first, repeat=end - index, last_name=layers[end - 1].record.name))
        else:
            result.append(first)
        index = end
    return result


def _repeats(previous: LayerView, layer: LayerView, layers: Sequence[LayerView], index: int) -> bool:
    a, b = previous.record, layer.record
    nested_after = index + 1 < len(layers) and layers[index + 1].record.depth > 0
    return (
        a.depth == b.depth == 0
        and a.sublayer_count > 0  # a composite block (a transformer layer), not a lone Dense
        and not nested_after
        and bool(a.config_key)
        and a.config_key == b.config_key
        and a.class_name == b.class_name
        and a.calls == b.calls == 1
        and a.name in b.inbound
        and a.input_shape == b.input_shape
        and a.output_shape == b.output_shape
        and [(t.expression, t.trainable) for t in a.term_list] == [(t.expression, t.trainable) for t in b.term_list]
        and a.macs_formula == b.macs_formula
        and a.kv_cache_formula == b.kv_cache_formula
        and previous.mark == layer.mark
        and a.notes == b.notes
    )


@dataclass(frozen=True)
class TotalsItem:
    """One line of the totals: its words and its kind (TOTAL, NON_TRAINABLE, AGREES, WARNING, ERROR, INFO)."""

    kind: str
    text: str


@dataclass(frozen=True)
class TableRow:
    """One row of the tables: a layer, or the model's input when no InputLayer record stands for it."""

    name: str
    operation: str
    activation: str
    dims: str
    neurons: Optional[int]
    params: Optional[int]
    percent: Optional[float]
    layer: Optional[LayerView]  # None for the model's input row

    @property
    def is_layer(self) -> bool:
        """A layer's row (not the input's, nor an InputLayer's)."""
        return self.layer is not None and self.operation != "Input"


@dataclass(frozen=True)
class ViewModel:
    layers: tuple[LayerView, ...]  # one per ``explanation.layers``, in the same order
    totals: tuple[TotalsItem, ...]


def build_view_model(explanation: ExplanationData) -> ViewModel:
    total = explanation.total_params  # once: it sums the records
    layers = tuple(layer_view(record, total) for record in explanation.layers)
    return ViewModel(layers, tuple(totals_items(explanation, [layer.mark for layer in layers])))


def mark_of(record: LayerRecord) -> str:
    """The record's mark: its state first, then whether its formula agrees with Keras."""
    if record.state == STATE_INTERNAL_ERROR:
        return INTERNAL_ERROR
    if record.state == STATE_UNBUILT:
        return UNBUILT
    if record.state == STATE_NO_WEIGHTS:
        return NO_WEIGHTS
    if record.is_fallback or record.fallback_parts:  # wholly, or in named parts of a composite row
        return FALLBACK
    if not record.matches:
        return MISMATCH
    if record.is_inferred:
        return INFERRED
    if not record.matches:
        return MISMATCH
    if record.weight_differences:
        return ADJUSTED
    return OK


def layer_view(record: LayerRecord, total: int) -> LayerView:
    mark = mark_of(record)
    weighted = bool(record.term_list) or mark in (MISMATCH, FALLBACK, INFERRED, INTERNAL_ERROR)
    return LayerView(
        record=record,
        mark=mark,
        percent=share(record.params, total),
        trainable="-" if not record.term_list else ("Y" if record.trainable else "N"),
        arithmetic=arithmetic_of(record) if weighted else None,
        cost_lines=tuple(cost_lines(record)),
        check=check_text(record),
    )


def table_rows(explanation: ExplanationData, view: ViewModel) -> list[TableRow]:
    """The rows of the tables (HTML, Markdown, tabulate); the diagram draws its own."""
    rows = []
    records = explanation.layers
    if explanation.input_shapes and (not records or records[0].class_name != "InputLayer"):
        shape = explanation.input_shapes[0]
        rows.append(TableRow("", "Input", "", _dims(shape), neurons_of(shape), None, None, None))
    for layer in view.layers:
        record = layer.record
        is_input = record.class_name == "InputLayer"
        if layer.repeat > 1:  # a run of identical blocks (a view of collapse_repeats): one row for the run
            rows.append(
                TableRow(
                    name=f"{record.name} \u2026 {layer.last_name}",
                    operation=f"{layer.repeat} \u00d7 {record.class_name}",
                    activation=record.activation,
                    dims=_dims(record.output_shape),
                    neurons=record.neurons,
                    params=record.params * layer.repeat,
                    percent=layer.percent * layer.repeat,
                    layer=layer,
                )
            )
            continue
        rows.append(
            TableRow(
                name=record.name,
                operation="Input" if is_input else record.class_name,
                activation=record.activation,
                dims=_dims(record.output_shape),
                neurons=record.neurons,
                params=None if is_input else record.params,
                percent=None if is_input else layer.percent,
                layer=layer,
            )
        )
    return rows


def _dims(shape: Optional[OutputShape]) -> str:
    return format_dims(shape, compact=True)


# ----------------------------------------------------------------------------- totals


def totals_items(explanation: ExplanationData, marks: Optional[Sequence[str]] = None) -> list[TotalsItem]:
    """The lines after the layers (totals, reasons, marks, costs), shared by the text, HTML and Markdown views.

    ``marks``: each record's ``mark_of``, in ``explanation.layers`` order, when the caller has them already.
    """
    e = explanation
    if marks is None:
        marks = [mark_of(record) for record in e.layers]
    # Each derived total walks the records: ask for each once.
    mismatches, fallbacks, internal_errors = e.mismatches, e.fallbacks, e.internal_errors
    totals = (e.total_params, e.trainable_params, e.non_trainable_params)
    items = [TotalsItem(TOTAL, line) for line in keras_totals_lines(e)]
    items.extend(TotalsItem(NON_TRAINABLE, line) for line in non_trainable_reasons(e))
    weighted = len([r for r in e.layers if r.params or r.keras_params])
    if internal_errors:
        listed = "; ".join(
            f"{r.name} ({r.class_name}): " + ", ".join(f"{x.function} raised {x.error}" for x in r.internal_errors)
            for r in internal_errors
        )
        items.append(
            TotalsItem(
                ERROR,
                f"{MARK_SIGNS[INTERNAL_ERROR]} internal error of ascii_explain in {len(internal_errors)} "
                f"{_rows(len(internal_errors))} (our bug, please report it): {listed}",
            )
        )
    inferred_count = len(e.inferred)
    if not mismatches and not fallbacks and not internal_errors and inferred_count:
        agreeing = (
            f"Every weighted layer agrees with Keras's count_params() ({weighted} of {weighted}; "
            f"{inferred_count} inferred from config, not a registered formula)."
        )
        items.append(TotalsItem(AGREES, agreeing))
    elif not mismatches and not fallbacks and not internal_errors:
        agreeing = f"Every weighted layer's formula agrees with Keras's count_params() ({weighted} of {weighted})."
        items.append(TotalsItem(AGREES, agreeing))
    mismatch, fallback = MARK_SIGNS[MISMATCH], MARK_SIGNS[FALLBACK]
    if mismatches:
        listed = "; ".join(
            f"{r.name} ({r.class_name}): formula {r.params:,}, Keras {r.keras_params:,}" for r in mismatches
        )
        disagreeing = f"{mismatch} {len(mismatches)} of {weighted} layers disagree with Keras: {listed}"
        items.append(TotalsItem(ERROR, disagreeing))
    if fallbacks:
        listed = ", ".join(
            f"{r.name} ({r.class_name}" + (f"; only {', '.join(r.fallback_parts)})" if r.fallback_parts else ")")
            for r in fallbacks
        )
        items.append(
            TotalsItem(
                WARNING,
                f"{fallback} {len(fallbacks)} {'layer has' if len(fallbacks) == 1 else 'layers have'} "
                f"no registered formula, counted from weight shapes: {listed}",
            )
        )
    inferred = [r for r, mark in zip(e.layers, marks, strict=True) if mark == INFERRED]
    if inferred:
        listed = ", ".join(f"{r.name} ({r.class_name})" for r in inferred)
        items.append(
            TotalsItem(
                INFO,
                f"{MARK_SIGNS[INFERRED]} {len(inferred)} {_rows(len(inferred))} inferred from config (no registered "
                f"formula; each weight's dimensions named from the layer's config and shapes): {listed}",
            )
        )
    adjusted = [r for r, mark in zip(e.layers, marks, strict=True) if mark == ADJUSTED]
    if adjusted:
        listed = ", ".join(f"{r.name} ({r.class_name})" for r in adjusted)
        items.append(
            TotalsItem(
                WARNING,
                f"{MARK_SIGNS[ADJUSTED]} {len(adjusted)} {_rows(len(adjusted))} inherit a formula their weights "
                f"differ from, counted from their own weights: {listed}",
            )
        )
    keras_totals = (e.keras_total_params, e.keras_trainable_params, e.keras_non_trainable_params)
    if totals != keras_totals:  # not e.totals_match
        difference = totals[0] - keras_totals[0]
        more = f"{abs(difference):,} {'more' if difference > 0 else 'fewer'} than" if difference else "as many as"
        items.append(
            TotalsItem(
                ERROR,
                f"{mismatch} our rows add up to {totals[0]:,}, {more} Keras's count (trainable "
                f"{totals[1]:,} vs {keras_totals[1]:,}, non-trainable {totals[2]:,} "
                f"vs {keras_totals[2]:,}): the rows marked {mismatch} differ",
            )
        )
    macs_disagree = [r for r in e.layers if r.macs_disagree]
    if macs_disagree:
        listed = "; ".join(f"{r.name} ({r.class_name}): formula {r.macs}, traced {r.traced_macs}"
                           for r in macs_disagree)
        disagreeing = f"{mismatch} {len(macs_disagree)} mult-add formulas disagree with their traced call: {listed}"
        items.append(TotalsItem(ERROR, disagreeing))
    outside = [r for r in e.layers if r.placement]
    if outside:
        listed = ", ".join(f"{r.name} ({r.class_name})" for r in outside)
        items.append(
            TotalsItem(
                INFO,
                f"{len(outside)} {_rows(len(outside))} outside the model's called graph, counted as Keras counts "
                f"them (a layer held as an attribute and never called, or the model's own weights): {listed}",
            )
        )
    weightless = [r for r in e.layers if r.state == STATE_NO_WEIGHTS]
    if weightless:
        listed = ", ".join(f"{r.name} ({r.class_name})" for r in weightless)
        items.append(TotalsItem(INFO, f"{MARK_SIGNS[NO_WEIGHTS]} no weights, nothing to count: {listed}"))
    if e.unbuilt:
        listed = ", ".join(f"{r.name} ({r.class_name})" for r in e.unbuilt)
        items.append(
            TotalsItem(INFO, f"{MARK_SIGNS[UNBUILT]} unbuilt (never called; 0 parameters, as Keras counts): {listed}")
        )
    items.extend(TotalsItem(INFO, line) for line in cost_totals_lines(e))
    if getattr(e, "training_memory_shown", True):  # a plan not shown is not made (build/lazy_training.py)
        items.extend(TotalsItem(INFO, line) for line in training_memory_lines(getattr(e, "training_memory", None)))
    if getattr(e, "show_training", False):
        items.extend(TotalsItem(INFO, line) for line in training_macs_lines(getattr(e, "training_macs", None)))
    return items


def keras_totals_lines(explanation: ExplanationData) -> list[str]:
    """keras.Model.summary's totals, in its words, order and size format (Keras 3.15.1, ``summary_utils.py``).

    Scripts and tests check these lines ("Trainable params: 13" in text), so
    they carry Keras's own counts, read from the model, the optimizer's
    variables included when Keras counts them. Keras indents each line by one
    space; the diagram's lines all start at the margin, so these do too.
    """
    totals = explanation.keras_totals
    if totals is None:  # an Explanation made without reading a live model: our formulas' counts, sizes unknown
        lines = [
            f"Total params: {explanation.total_params:,} ({format_bytes(explanation.param_bytes)})",
            f"Trainable params: {explanation.trainable_params:,} ({UNKNOWN})",
            f"Non-trainable params: {explanation.non_trainable_params:,} ({UNKNOWN})",
        ]
        return lines
    return summary_totals_lines(totals)


def _rows(count: int) -> str:
    return "row" if count == 1 else "rows"
