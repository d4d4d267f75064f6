"""The diagram: keras_sequential_ascii's picture, with neurons, percentages and arithmetic.

Layout, left to right: a two-character margin for marks (``!`` a formula that
disagrees with Keras, ``?`` a count taken from weight shapes), the operation
or activation label, the glyph, the data dimensions, neurons, weights and the
weights' share, and the layer's name when it fits. Under each weighted layer,
its arithmetic. Every width is an argument: nothing here reads the terminal.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Optional

from ..explanation import Explanation
from ..records import LayerRecord, OutputShape, neurons_of
from . import graph_text
from .arithmetic_text import arithmetic_text, check_text
from .cost_text import cost_details, cost_totals_lines, format_bytes
from .glyphs import GLYPH_WIDTH, glyph_for, to_ascii

MARK_MISMATCH = "!"
MARK_FALLBACK = "?"
DATA_GLYPH = "#####"
MARGIN = 2
MIN_LABEL = 9
MAX_LABEL = 22
MIN_NAME = 8
HEADERS = ("OPERATION", "DATA DIMENSIONS", "NEURONS", "WEIGHTS(N)", "WEIGHTS(%)", "LAYER")


@dataclass
class _DataRow:
    label: str
    shape: Optional[OutputShape]
    name: str = ""
    # The layer whose output this row shows, and the nested model it is in
    # (graph_text draws lanes between rows by these names).
    producer: str = ""
    scope: str = ""
    depth: int = 0


@dataclass
class _OperationRow:
    record: LayerRecord
    details: list[str] = field(default_factory=list)


def render_text(explanation: Explanation, width: int = 100, ascii_only: bool = False) -> str:
    rows = _rows(explanation, ascii_only)
    total = explanation.total_params
    gutter = graph_text.plan_gutter([_link(row) for row in rows])
    layout = _Layout.fit(rows, total, width, gutter.width)
    lines = [layout.header(), ""]
    for index, row in enumerate(rows):
        lane, connect = gutter.cells(index)
        if isinstance(row, _DataRow):
            lines.append(layout.data_line(row, lane, connect))
        else:
            lines.append(layout.operation_line(row.record, total, lane, connect))
            passing = gutter.passing(index)
            for detail in row.details:
                lines.extend(layout.detail_lines(detail, passing, row.record.depth))
    lines.append("")
    lines.extend(_wrap_all(_totals_lines(explanation) + _graph_lines(explanation), width))
    text = "\n".join(line.rstrip() for line in lines)
    return to_ascii(text) if ascii_only else text


def _rows(explanation: Explanation, ascii_only: bool = False) -> list[_DataRow | _OperationRow]:
    """Data and operation rows in display order; an Activation folds into the row above.

    As in keras_sequential_ascii (``compress_layers``), an Activation layer
    after a layer without an activation is drawn as the label of that layer's
    data row rather than as a row of its own.
    """
    rows: list[_DataRow | _OperationRow] = []
    records = explanation.layers
    if not records or records[0].class_name != "InputLayer":
        for shape in explanation.input_shapes[:1]:
            rows.append(_DataRow("Input", shape, producer=(explanation.input_names or [""])[0]))
    readers = graph_text.consumer_counts(records)
    # An expanded nested model's output row waits until its inner rows are drawn.
    waiting: list[_DataRow] = []
    for index, record in enumerate(records):
        while waiting and waiting[-1].depth >= record.depth:
            rows.append(waiting.pop())
        if record.class_name == "InputLayer":
            rows.append(_DataRow("Input", record.output_shape, record.name, record.name, record.parent, record.depth))
            continue
        previous = rows[-1] if rows else None
        if (
            record.class_name == "Activation"
            and isinstance(previous, _DataRow)
            and not previous.label
            and record.params == 0
            and record.matches
            and _only_reader(record, previous, readers)
        ):
            previous.label = record.activation
            previous.producer = record.name
            continue
        above = previous.producer if isinstance(previous, _DataRow) else None
        rows.append(_OperationRow(record, graph_text.graph_details(record, above, ascii_only) + _details(record)))
        data = _DataRow(
            record.activation,
            record.output_shape,
            graph_text.output_mark(record.name, explanation.output_names, ascii_only) if record.depth == 0 else "",
            record.name,
            record.parent,
            record.depth,
        )
        expanded = index + 1 < len(records) and records[index + 1].depth > record.depth
        (waiting if expanded else rows).append(data)
    rows.extend(reversed(waiting))
    return rows


def _only_reader(record: LayerRecord, above: _DataRow, readers: dict) -> bool:
    """Fold an Activation into the row above only if it is that row's one and only reader."""
    if record.calls > 1 or record.parent != above.scope:
        return False
    if not record.inbound:  # no graph (subclassed model): the keras_sequential_ascii rule
        return True
    return graph_text.reads_only(record, above.producer) and readers.get((above.scope, above.producer), 0) <= 1


def _link(row: _DataRow | _OperationRow) -> graph_text.RowLink:
    if isinstance(row, _DataRow):
        return graph_text.RowLink(row.scope, producer=row.producer)
    return graph_text.RowLink(row.record.parent, reads=tuple(row.record.inbound))


def _graph_lines(explanation: Explanation) -> list[str]:
    lines = graph_text.io_lines(explanation.input_names, explanation.output_names, explanation.layers)
    if explanation.model_kind == "subclassed":
        lines.append(graph_text.SUBCLASSED_NOTE)
    return lines


def _details(record: LayerRecord) -> list[str]:
    details = []
    if record.term_list or record.is_fallback or not record.matches:
        details.append("params  " + arithmetic_text(record))
    details.extend(cost_details(record))
    check = check_text(record)
    if check:
        details.append(check)
    details.extend(record.notes)
    return details


def format_dims(shape: Optional[OutputShape]) -> str:
    """keras_sequential_ascii's dimension style: 4 columns a dimension, 9 for a vector."""
    if shape is None:
        return "?"
    if shape and all(isinstance(part, tuple) for part in shape):
        return " | ".join(format_dims(part) for part in shape)  # type: ignore[arg-type]
    dims = ["None" if dim is None else str(dim) for dim in shape[1:]]
    if not dims:
        return "scalar"
    if len(dims) == 1:
        return dims[0].rjust(9)
    return " ".join(dim.rjust(4) for dim in dims)


def _number(value: Optional[int]) -> str:
    return "?" if value is None else f"{value:,}"


def _depth(row: _DataRow | _OperationRow) -> int:
    return row.depth if isinstance(row, _DataRow) else row.record.depth


@dataclass
class _Layout:
    width: int
    label: int
    dims: int
    neurons: int
    params: int
    percent: int
    show_names: bool
    gutter: int = 0

    @classmethod
    def fit(cls, rows: list[_DataRow | _OperationRow], total: int, width: int, gutter: int = 0) -> _Layout:
        labels = [
            graph_text.depth_bars(_depth(r)) + (r.label if isinstance(r, _DataRow) else r.record.class_name)
            for r in rows
        ]
        shapes = [r.shape for r in rows if isinstance(r, _DataRow)]
        records = [r.record for r in rows if isinstance(r, _OperationRow)]
        layout = cls(
            width=width,
            label=min(MAX_LABEL, max([MIN_LABEL, *map(len, labels)])),
            dims=max([len(HEADERS[1]), *(len(format_dims(s)) for s in shapes)]),
            neurons=max([len(HEADERS[2]), *(len(_number(neurons_of(s))) for s in shapes)]),
            params=max([len(HEADERS[3]), *(len(_number(r.params)) for r in records)], default=len(HEADERS[3])),
            percent=len(HEADERS[4]),
            show_names=True,
            gutter=gutter,
        )
        # Narrow widths: drop the name column first, then shorten labels.
        if layout.fixed_width + 2 + MIN_NAME > width:
            layout.show_names = False
        overflow = layout.fixed_width - width
        if overflow > 0:
            layout.label = max(MIN_LABEL, layout.label - overflow)
        return layout

    @property
    def fixed_width(self) -> int:
        return (
            MARGIN
            + self.gutter
            + self.label
            + 3
            + GLYPH_WIDTH
            + 1
            + self.dims
            + 2
            + self.neurons
            + 2
            + self.params
            + 2
            + self.percent
        )

    @property
    def detail_indent(self) -> int:
        return MARGIN + self.gutter + self.label + 3

    def _label(self, text: str, depth: int = 0) -> str:
        bars = graph_text.depth_bars(depth)
        room = max(self.label - len(bars), 1)
        if len(text) > room:
            text = text[: room - 1] + "~"
        return bars + text.rjust(room)

    def _lead(self, mark: str, lane: str, label: str, depth: int, connect: Optional[str]) -> str:
        """Margin, gutter and label; a row that joins a lane gets its ``+--->`` line drawn through."""
        lead = mark.ljust(MARGIN) + lane.ljust(self.gutter) + self._label(label, depth) + "   "
        if connect is None:
            return lead
        text_start = len(lead) - 3 - len(label.strip()) if label.strip() else len(lead)
        return graph_text.connect_line(lead, MARGIN, text_start, connect)

    def _name(self, name: str, depth: int = 0) -> str:
        if not self.show_names or not name:
            return ""
        name = "  " * depth + name  # inner rows of an expanded nested model are indented
        room = self.width - self.fixed_width - 2
        if len(name) > room:
            name = name[: max(room - 1, 1)] + "~"
        return "  " + name

    def header(self) -> str:
        operation, dims, neurons, params, percent, layer = HEADERS
        line = (
            " " * (MARGIN + self.gutter)
            + operation.rjust(self.label)
            + " " * (3 + GLYPH_WIDTH + 1)
            + dims.rjust(self.dims)
            + "  "
            + neurons.rjust(self.neurons)
            + "  "
            + params.rjust(self.params)
            + "  "
            + percent.rjust(self.percent)
        )
        return line + ("  " + layer if self.show_names else "")

    def data_line(self, row: _DataRow, lane: str = "", connect: Optional[str] = None) -> str:
        return (
            self._lead("", lane, row.label, row.depth, connect)
            + DATA_GLYPH
            + " "
            + format_dims(row.shape).rjust(self.dims)
            + "  "
            + _number(neurons_of(row.shape)).rjust(self.neurons)
            + (" " * (2 + self.params + 2 + self.percent) + self._name(row.name, row.depth) if row.name else "")
        )

    def operation_line(self, record: LayerRecord, total: int, lane: str = "", connect: Optional[str] = None) -> str:
        mark = MARK_FALLBACK if record.is_fallback else (MARK_MISMATCH if not record.matches else " ")
        share = 100.0 * record.params / total if total else 0.0
        return (
            self._lead(mark, lane, record.class_name, record.depth, connect)
            + glyph_for(record.class_name)
            + " "
            + "-" * self.dims
            + "  "
            + " " * self.neurons
            + "  "
            + _number(record.params).rjust(self.params)
            + "  "
            + f"{share:.1f}%".rjust(self.percent)
            + self._name(record.name, record.depth)
        )

    def detail_lines(self, text: str, lane: str = "", depth: int = 0) -> list[str]:
        bars = graph_text.depth_bars(depth)
        pad = self.detail_indent - MARGIN - self.gutter - len(bars)
        indent = " " * MARGIN + lane.ljust(self.gutter) + bars + " " * pad
        return [line.replace(_KEEP, " ") for line in textwrap.wrap(
            _keep_terms_whole(text),
            width=max(self.width, self.detail_indent + 20),
            initial_indent=indent,
            subsequent_indent=indent + "        ",
            break_long_words=False,
            break_on_hyphens=False,
        )]


# Lines wrap only between named terms and between steps ("kernel 3*3*3*2 +
# bias 2 = (3*3*3+1)*2 = 56"): never inside "moving_mean 32 (non-trainable)"
# nor inside a step such as "3*3*32 + (32+1)*32". Spaces that must not break
# are swapped for a character textwrap does not break on, then swapped back.
_KEEP = "\u00a0"
_TERM_SEPARATORS = re.compile(r"( \+ |: )")


def _keep_terms_whole(text: str) -> str:
    terms, *steps = text.split(" = ")
    parts = _TERM_SEPARATORS.split(terms)
    kept = "".join(part if _TERM_SEPARATORS.fullmatch(part) else part.replace(" ", _KEEP) for part in parts)
    return " = ".join([kept, *(step.replace(" ", _KEEP) for step in steps)])


def _totals_lines(explanation: Explanation) -> list[str]:
    e = explanation
    lines = [
        f"Total params: {e.total_params:,} ({format_bytes(e.param_bytes)})   Trainable: {e.trainable_params:,}   "
        f"Non-trainable: {e.non_trainable_params:,}"
    ]
    lines.extend(_non_trainable_reasons(e))
    weighted = [r for r in e.layers if r.params or r.keras_params]
    if not e.mismatches and not e.fallbacks:
        lines.append(
            f"Every weighted layer's formula agrees with Keras's count_params() ({len(weighted)} of {len(weighted)})."
        )
    if e.mismatches:
        listed = "; ".join(
            f"{r.name} ({r.class_name}): formula {r.params:,}, Keras {r.keras_params:,}" for r in e.mismatches
        )
        lines.append(f"{MARK_MISMATCH} {len(e.mismatches)} of {len(weighted)} layers disagree with Keras: {listed}")
    if e.fallbacks:
        listed = ", ".join(f"{r.name} ({r.class_name})" for r in e.fallbacks)
        lines.append(
            f"{MARK_FALLBACK} {len(e.fallbacks)} layers have no registered formula, "
            f"counted from weight shapes: {listed}"
        )
    if not e.totals_match:
        lines.append(
            f"{MARK_MISMATCH} Keras's totals: {e.keras_total_params:,} "
            f"(trainable {e.keras_trainable_params:,}, non-trainable {e.keras_non_trainable_params:,})"
        )
    lines.extend(cost_totals_lines(e))
    return lines


def _non_trainable_reasons(explanation: Explanation) -> list[str]:
    """One line per reason: how many parameters, and in which layers."""
    by_reason: dict[str, tuple[int, list[str]]] = {}
    for record in explanation.top_level:
        for term in record.term_list:
            if term.trainable:
                continue
            reason = term.reason or "marked non-trainable by the layer"
            count, names = by_reason.get(reason, (0, []))
            if record.name not in names:
                names.append(record.name)
            by_reason[reason] = (count + term.count, names)
    lines = []
    for reason, (count, names) in by_reason.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        lines.append(f"  non-trainable {count:,}: {reason} ({shown})")
    return lines


def _wrap_all(lines: list[str], width: int) -> list[str]:
    wrapped = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        wrapped.extend(
            textwrap.wrap(line, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
            or [""]
        )
    return wrapped
