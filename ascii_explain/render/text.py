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


@dataclass
class _OperationRow:
    record: LayerRecord
    details: list[str] = field(default_factory=list)


def render_text(explanation: Explanation, width: int = 100, ascii_only: bool = False) -> str:
    rows = _rows(explanation)
    total = explanation.total_params
    layout = _Layout.fit(rows, total, width)
    lines = [layout.header(), ""]
    for row in rows:
        if isinstance(row, _DataRow):
            lines.append(layout.data_line(row))
        else:
            lines.append(layout.operation_line(row.record, total))
            for detail in row.details:
                lines.extend(layout.detail_lines(detail))
    lines.append("")
    lines.extend(_wrap_all(_totals_lines(explanation), width))
    text = "\n".join(line.rstrip() for line in lines)
    return to_ascii(text) if ascii_only else text


def _rows(explanation: Explanation) -> list[_DataRow | _OperationRow]:
    """Data and operation rows in display order; an Activation folds into the row above.

    As in keras_sequential_ascii (``compress_layers``), an Activation layer
    after a layer without an activation is drawn as the label of that layer's
    data row rather than as a row of its own.
    """
    rows: list[_DataRow | _OperationRow] = []
    records = explanation.layers
    if not records or records[0].class_name != "InputLayer":
        for shape in explanation.input_shapes[:1]:
            rows.append(_DataRow("Input", shape))
    for record in records:
        if record.class_name == "InputLayer":
            rows.append(_DataRow("Input", record.output_shape, record.name))
            continue
        previous = rows[-1] if rows else None
        if (
            record.class_name == "Activation"
            and isinstance(previous, _DataRow)
            and not previous.label
            and record.params == 0
            and record.matches
        ):
            previous.label = record.activation
            continue
        rows.append(_OperationRow(record, _details(record)))
        rows.append(_DataRow(record.activation, record.output_shape))
    return rows


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


@dataclass
class _Layout:
    width: int
    label: int
    dims: int
    neurons: int
    params: int
    percent: int
    show_names: bool

    @classmethod
    def fit(cls, rows: list[_DataRow | _OperationRow], total: int, width: int) -> _Layout:
        labels = [r.label if isinstance(r, _DataRow) else r.record.class_name for r in rows]
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
        return MARGIN + self.label + 3

    def _label(self, text: str) -> str:
        if len(text) > self.label:
            text = text[: self.label - 1] + "~"
        return text.rjust(self.label)

    def _name(self, name: str) -> str:
        if not self.show_names or not name:
            return ""
        room = self.width - self.fixed_width - 2
        if len(name) > room:
            name = name[: max(room - 1, 1)] + "~"
        return "  " + name

    def header(self) -> str:
        operation, dims, neurons, params, percent, layer = HEADERS
        line = (
            " " * MARGIN
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

    def data_line(self, row: _DataRow) -> str:
        return (
            " " * MARGIN
            + self._label(row.label)
            + "   "
            + DATA_GLYPH
            + " "
            + format_dims(row.shape).rjust(self.dims)
            + "  "
            + _number(neurons_of(row.shape)).rjust(self.neurons)
            + (" " * (2 + self.params + 2 + self.percent) + self._name(row.name) if row.name else "")
        )

    def operation_line(self, record: LayerRecord, total: int) -> str:
        mark = MARK_FALLBACK if record.is_fallback else (MARK_MISMATCH if not record.matches else " ")
        share = 100.0 * record.params / total if total else 0.0
        return (
            mark.ljust(MARGIN)
            + self._label(record.class_name)
            + "   "
            + glyph_for(record.class_name)
            + " "
            + "-" * self.dims
            + "  "
            + " " * self.neurons
            + "  "
            + _number(record.params).rjust(self.params)
            + "  "
            + f"{share:.1f}%".rjust(self.percent)
            + self._name(record.name)
        )

    def detail_lines(self, text: str) -> list[str]:
        indent = " " * self.detail_indent
        if _fits_unwrapped(text, max(self.width, self.detail_indent + 20) - self.detail_indent):
            return [(indent + text).replace(_KEEP, " ")]  # what textwrap gives for one short line
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


def _fits_unwrapped(text: str, room: int) -> bool:
    """True when textwrap would return ``text`` unchanged as one line (most detail lines).

    textwrap only changes a line that is too long, has whitespace other than
    spaces (expanded or replaced) or spaces at either end (dropped).
    """
    return 0 < len(text) <= room and text.isprintable() and text[0] != " " and text[-1] != " "


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
    # reason -> (count, names in order, each once: a dict keeps the order and finds a name at once)
    by_reason: dict[str, tuple[int, dict[str, None]]] = {}
    for record in explanation.top_level:
        for term in record.term_list:
            if term.trainable:
                continue
            reason = term.reason or "marked non-trainable by the layer"
            count, layer_names = by_reason.get(reason, (0, {}))
            layer_names[record.name] = None
            by_reason[reason] = (count + term.count, layer_names)
    lines = []
    for reason, (count, layer_names) in by_reason.items():
        names = list(layer_names)
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
