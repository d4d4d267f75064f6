"""The diagram's rows, in the order they are drawn: data rows and operation rows, with each operation's detail lines.

As in keras_sequential_ascii, data rows (``#####`` and the dimensions) alternate
with operation rows (a glyph and the weights); an Activation folds into the
data row above it. ``text.py`` draws them with a ``diagram_layout.Layout``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional, Sequence

from .. import hints
from ..build.records import LayerRecord, OutputShape, neurons_of
from ..layer_range import resolve_layer_range
from . import graph_text, styled
from .formatting import format_count, format_dims, format_percent
from .model import (
    ADJUSTED,
    FALLBACK,
    INFERRED,
    INFO,
    INTERNAL_ERROR,
    MISMATCH,
    NO_WEIGHTS,
    OK,
    UNBUILT,
    ExplanationData,
    LayerView,
    TotalsItem,
    ViewModel,
)

PARAMS_LABEL = "params"
_PARAMS_PREFIX = styled.plain(PARAMS_LABEL, styled.DIM).add("  ")
# The role of an operation's check line, by its mark (see styled.py).
_CHECK_ROLES = {
    MISMATCH: styled.ERROR,
    INTERNAL_ERROR: styled.ERROR,
    FALLBACK: styled.FALLBACK,
    ADJUSTED: styled.FALLBACK,
    INFERRED: styled.DIM,
    NO_WEIGHTS: styled.DIM,
    UNBUILT: styled.DIM,
    OK: "",
}


@dataclass
class DataRow:
    label: str
    shape: Optional[OutputShape]
    name: str = ""
    # The layer whose output this row shows, and the nested model it is in
    # (graph_text draws lanes between rows by these names).
    producer: str = ""
    scope: str = ""
    depth: int = 0
    # Its cells, written once: the layout measures them and then draws them.
    dims: str = field(init=False)
    neurons: str = field(init=False)

    def __post_init__(self) -> None:
        self.dims = format_dims(self.shape)
        self.neurons = format_count(neurons_of(self.shape))


@dataclass
class OperationRow:
    layer: LayerView
    details: list[styled.Line] = field(default_factory=list)
    record: LayerRecord = field(init=False)  # the layer's record, read on every pass over the rows
    # Its cells, written once: the layout measures them and then draws them.
    params: str = field(init=False)
    percent: str = field(init=False)

    def __post_init__(self) -> None:
        self.record = self.layer.record
        self.params = _params_text(self.layer)  # "32 × 2,336" for a run of identical blocks
        self.percent = format_percent(self.layer.percent * self.layer.repeat)


def selected_layers(
    explanation: ExplanationData, view: ViewModel, layer_range: Optional[Sequence[str]]
) -> tuple[list[LayerView], str]:
    """The records to draw, each top-level one with its nested records, and a line saying which.

    The range is resolved in keras.Model.summary's order (``summary_order``),
    so it selects the same layers Keras would; they are drawn in our order,
    which keeps a branch's layers together.
    """
    if layer_range is None:
        return list(view.layers), ""
    order = explanation.summary_order or [record.name for record in explanation.top_level]
    start, stop = resolve_layer_range(order, layer_range)
    chosen = set(order[start:stop])
    selected = []
    include = False
    for layer in view.layers:
        if layer.record.depth == 0:
            include = layer.record.name in chosen
        if include:
            selected.append(layer)
    shown = (
        f"Showing layers {start + 1} to {stop} of {len(order)} in keras.Model.summary's order "
        f"({order[start]} to {order[stop - 1]}); totals are the whole model's."
    )
    return selected, shown


def diagram_rows(
    explanation: ExplanationData, layers: list[LayerView], starts_at_input: bool = True, ascii_only: bool = False
) -> list[DataRow | OperationRow]:
    """Data and operation rows in display order; an Activation folds into the row above.

    As in keras_sequential_ascii (``compress_layers``), an Activation layer
    after a layer without an activation is drawn as the label of that layer's
    data row rather than as a row of its own. A range that starts mid-model
    opens with the data its first layer reads.
    """
    records = [layer.record for layer in layers]
    rows: list[DataRow | OperationRow] = []
    if records and not starts_at_input:
        first = records[0]
        reads = first.inbound[0] if first.inbound else ""
        rows.append(DataRow("", first.input_shape, producer=reads, scope=first.parent))
    elif not records or records[0].class_name != "InputLayer":
        for shape in explanation.input_shapes[:1]:
            rows.append(DataRow("Input", shape, producer=(explanation.input_names or [""])[0]))
    readers = graph_text.consumer_counts(records)
    batch_unknown = graph_text.inputs_batch_unknown(explanation.input_shapes)
    # An expanded nested model's output row waits until its inner rows are drawn.
    waiting: list[DataRow] = []
    for index, layer in enumerate(layers):
        record = layer.record
        while waiting and waiting[-1].depth >= record.depth:
            rows.append(waiting.pop())
        if record.class_name == "InputLayer":
            rows.append(DataRow("Input", record.output_shape, record.name, record.name, record.parent, record.depth))
            continue
        previous = rows[-1] if rows else None
        if (
            record.class_name == "Activation"
            and isinstance(previous, DataRow)
            and not previous.label
            and record.params == 0
            and record.matches
            and _only_reader(record, previous, readers)
        ):
            previous.label = record.activation
            previous.producer = record.name
            if not previous.name:  # the folded layer's name stays on its row (issue 23: no name vanishes)
                previous.name = record.name
            continue
        above = previous.producer if isinstance(previous, DataRow) else None
        details = graph_text.graph_details(record, above, ascii_only, batch_unknown)
        graph_lines = [styled.Line(line) for line in details]
        rows.append(OperationRow(layer, graph_lines + _details(layer, ascii_only)))
        produced_by = layer.last_name or record.name  # a run of identical blocks: the last one's output
        data = DataRow(
            record.activation,
            record.output_shape,
            graph_text.output_mark(produced_by, explanation.output_names, ascii_only) if record.depth == 0 else "",
            produced_by,
            record.parent,
            record.depth,
        )
        expanded = index + 1 < len(records) and records[index + 1].depth > record.depth
        (waiting if expanded else rows).append(data)
    rows.extend(reversed(waiting))
    return rows


def _only_reader(record: LayerRecord, above: DataRow, readers: dict) -> bool:
    """Fold an Activation into the row above only if it is that row's one and only reader."""
    if record.calls > 1 or record.parent != above.scope:
        return False
    if not record.inbound:  # no graph (subclassed model): the keras_sequential_ascii rule
        return True
    return graph_text.reads_only(record, above.producer) and readers.get((above.scope, above.producer), 0) <= 1


def row_link(row: DataRow | OperationRow) -> graph_text.RowLink:
    if isinstance(row, DataRow):
        return graph_text.RowLink(row.scope, producer=row.producer)
    return graph_text.RowLink(row.record.parent, reads=tuple(row.record.inbound))


def graph_items(explanation: ExplanationData) -> list[TotalsItem]:
    """The diagram's own lines after the totals: the model's inputs and outputs, the subclassed model's note."""
    lines = graph_text.io_lines(explanation.input_names, explanation.output_names, explanation.layers)
    if explanation.model_kind == "subclassed":
        lines.append(graph_text.SUBCLASSED_NOTE)
    return [TotalsItem(INFO, line) for line in lines]


def row_depth(row: DataRow | OperationRow) -> int:
    return row.depth if isinstance(row, DataRow) else row.record.depth


def _details(layer: LayerView, ascii_only: bool = False) -> list[styled.Line]:
    details = []
    if layer.repeat > 1:
        details.append(
            styled.plain(
                f"{layer.repeat} identical blocks (class, config apart from the name, shapes): "
                f"{run_name(layer, ascii_only)}, each as below; {hints.EXPAND_REPEATS} draws every one"
            )
        )
    if layer.arithmetic is not None:
        details.append(_PARAMS_PREFIX.joined(layer.arithmetic.line()))
    details.extend(layer.cost_lines)
    if layer.check:
        details.append(styled.plain(layer.check, _CHECK_ROLES[layer.mark]))
    details.extend(styled.Line(note) for note in layer.record.notes)
    return details


def run_name(layer: LayerView, ascii_only: bool = False) -> str:
    """``transformer_layer_0 … transformer_layer_31`` for a run of blocks, the name for one layer."""
    if layer.repeat <= 1:
        return layer.record.name
    return f"{layer.record.name} {'...' if ascii_only else '…'} {layer.last_name}"


def compact_run_name(layer: LayerView, ascii_only: bool = False) -> str:
    """``transformer_layer_0 … 31``: the first name, then the last one's differing tail (a whole number)."""
    if layer.repeat <= 1:
        return layer.record.name
    first, last = layer.record.name, layer.last_name
    shared = len(os.path.commonprefix([first, last]))
    while shared and last[shared - 1].isdigit():  # keep the whole number: "… 31", not "… 1"
        shared -= 1
    return f"{first}...{last[shared:]}" if ascii_only else f"{first} … {last[shared:]}"


def _params_text(layer: LayerView) -> str:
    """The WEIGHTS(N) cell: the count, or ``32 × 2,336`` for a run of identical blocks (``x`` in ASCII)."""
    if layer.repeat <= 1:
        return format_count(layer.record.params)
    return f"{layer.repeat} × {format_count(layer.record.params)}"
