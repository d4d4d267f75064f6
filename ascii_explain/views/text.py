"""The diagram: keras_sequential_ascii's picture, with neurons, percentages and arithmetic.

Layout, left to right: a two-character margin for marks (``!`` a formula that
disagrees with Keras, ``?`` a count taken from weight shapes), the operation
or activation label, the glyph, the data dimensions, neurons, weights and the
weights' share, and the layer's name when it fits. Under each weighted layer,
its arithmetic. Every width is an argument: nothing here reads the terminal.
"""

from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..build.records import LayerRecord, OutputShape, neurons_of
from ..layer_range import resolve_layer_range
from . import graph_text, styled
from .formatting import (
    DIMS,
    check_shape_style,
    format_count,
    format_dims,
    format_percent,
    format_shape,
    is_multi_shape,
)
from .glyphs import GLYPH_WIDTH, glyph_for, to_ascii
from .model import (
    ADJUSTED,
    FALLBACK,
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
    build_view_model,
    collapse_repeats,
)
from .safe_text import columns, cut, cut_middle, displayable, pad_left, wrap

DATA_GLYPH = "#####"
MARGIN = 2
MIN_LABEL = 9
MAX_LABEL = 22
MIN_NAME = 8
HEADERS = ("OPERATION", "DATA DIMENSIONS", "NEURONS", "WEIGHTS(N)", "WEIGHTS(%)", "LAYER")
PARAMS_LABEL = "params"
_PARAMS_PREFIX = styled.plain(PARAMS_LABEL, styled.DIM).add("  ")
# Roles of a marked operation row as a whole, and of its check line (see styled.py).
_MARK_ROLES = {
    MISMATCH: styled.ERROR,
    INTERNAL_ERROR: styled.ERROR,
    FALLBACK: styled.WARNING,
    ADJUSTED: styled.WARNING,
    NO_WEIGHTS: "",
    UNBUILT: "",
    OK: "",
}
_CHECK_ROLES = {
    MISMATCH: styled.ERROR,
    INTERNAL_ERROR: styled.ERROR,
    FALLBACK: styled.FALLBACK,
    ADJUSTED: styled.FALLBACK,
    NO_WEIGHTS: styled.DIM,
    UNBUILT: styled.DIM,
    OK: "",
}


class DiagramTooNarrowError(ValueError):
    """The width asked for cannot hold the diagram's numbers, which are never cut."""

    def __init__(self, width: int, needed: int) -> None:
        super().__init__(
            f"width {width} is too narrow for this diagram: its numbers need at least {needed} columns "
            f"(numbers are never cut); ask for {needed} or more"
        )
        self.width = width
        self.needed = needed


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
    # Its cells, written once: the layout measures them and then draws them.
    dims: str = field(init=False)
    neurons: str = field(init=False)

    def __post_init__(self) -> None:
        self.dims = format_dims(self.shape)
        self.neurons = _number(neurons_of(self.shape))


@dataclass
class _OperationRow:
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


def render_diagram(
    explanation: ExplanationData,
    view: ViewModel,
    width: int = 100,
    ascii_only: bool = False,
    show_trainable: bool = False,
    layer_range: Optional[Sequence[str]] = None,
    shape_style: str = DIMS,
    expand_repeats: bool = False,
) -> styled.StyledText:
    """The diagram, no line wider than ``width``, with the roles of its parts (``str()`` is the plain text).

    ``show_trainable`` adds keras.Model.summary's TRAINABLE column (Y, N, or -
    for a layer without weights); ``layer_range=(first, last)`` draws only
    those layers, as keras.Model.summary does (see ``layer_range.py``), while
    the totals and percentages stay the whole model's. ``shape_style``: data
    rows in keras_sequential_ascii's DATA DIMENSIONS (``"dims"``, no batch
    axis) or in keras.Model.summary's notation (``"keras"``: ``(None, 26, 26, 32)``).
    Identical consecutive
    blocks are drawn once with their count (``collapse_repeats``) unless
    ``expand_repeats``.
    """
    check_shape_style(shape_style)
    safe_explanation = displayable(explanation, ascii_only)
    if safe_explanation is not explanation:  # a name needed escaping: the view model shows the safe names
        explanation, view = safe_explanation, build_view_model(safe_explanation)
    layers, shown = _selected(explanation, view, layer_range)
    if not expand_repeats:
        layers = collapse_repeats(layers)
    top = explanation.top_level
    starts_at_input = not layers or not top or layers[0].record is top[0]
    rows = _rows(explanation, layers, starts_at_input=starts_at_input, ascii_only=ascii_only)
    gutter = graph_text.plan_gutter([_link(row) for row in rows])
    layout = _Layout.fit(rows, width, show_trainable, gutter.width, shape_style, ascii_only)
    lines = [layout.header(), styled.Line()]
    for index, row in enumerate(rows):
        lane, connect = gutter.cells(index)
        if isinstance(row, _DataRow):
            lines.extend(layout.data_lines(row, lane, connect, gutter.passing(index)))
        else:
            lines.append(layout.operation_line(row, lane, connect))
            if row.details:
                indent = layout._indent(gutter.passing(index), row.record.depth)  # the same for each line
                for detail in row.details:
                    lines.extend(layout.detail_lines(detail, indent))
    lines.append(styled.Line())
    totals = list(view.totals) + _graph_items(explanation)
    if shown:
        totals.insert(0, TotalsItem(INFO, shown))
    lines.extend(_wrap_all(totals, width))
    text = styled.join_lines(line.rstrip() for line in lines)
    return text.with_plain(to_ascii(text.plain)) if ascii_only else text


def _selected(
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


def _rows(
    explanation: ExplanationData, layers: list[LayerView], starts_at_input: bool = True, ascii_only: bool = False
) -> list[_DataRow | _OperationRow]:
    """Data and operation rows in display order; an Activation folds into the row above.

    As in keras_sequential_ascii (``compress_layers``), an Activation layer
    after a layer without an activation is drawn as the label of that layer's
    data row rather than as a row of its own. A range that starts mid-model
    opens with the data its first layer reads.
    """
    records = [layer.record for layer in layers]
    rows: list[_DataRow | _OperationRow] = []
    if records and not starts_at_input:
        first = records[0]
        reads = first.inbound[0] if first.inbound else ""
        rows.append(_DataRow("", first.input_shape, producer=reads, scope=first.parent))
    elif not records or records[0].class_name != "InputLayer":
        for shape in explanation.input_shapes[:1]:
            rows.append(_DataRow("Input", shape, producer=(explanation.input_names or [""])[0]))
    readers = graph_text.consumer_counts(records)
    # An expanded nested model's output row waits until its inner rows are drawn.
    waiting: list[_DataRow] = []
    for index, layer in enumerate(layers):
        record = layer.record
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
        graph_lines = [styled.Line(line) for line in graph_text.graph_details(record, above, ascii_only)]
        rows.append(_OperationRow(layer, graph_lines + _details(layer, ascii_only)))
        produced_by = layer.last_name or record.name  # a run of identical blocks: the last one's output
        data = _DataRow(
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


def _graph_items(explanation: ExplanationData) -> list[TotalsItem]:
    """The diagram's own lines after the totals: the model's inputs and outputs, the subclassed model's note."""
    lines = graph_text.io_lines(explanation.input_names, explanation.output_names, explanation.layers)
    if explanation.model_kind == "subclassed":
        lines.append(graph_text.SUBCLASSED_NOTE)
    return [TotalsItem(INFO, line) for line in lines]


def _depth(row: _DataRow | _OperationRow) -> int:
    return row.depth if isinstance(row, _DataRow) else row.record.depth


def _details(layer: LayerView, ascii_only: bool = False) -> list[styled.Line]:
    details = []
    if layer.repeat > 1:
        details.append(
            styled.plain(
                f"{layer.repeat} identical blocks (class, config apart from the name, shapes): "
                f"{_run_name(layer, ascii_only)}, each as below; render(expand_repeats=True) draws every one"
            )
        )
    if layer.arithmetic is not None:
        details.append(_PARAMS_PREFIX.joined(layer.arithmetic.line()))
    details.extend(layer.cost_lines)
    if layer.check:
        details.append(styled.plain(layer.check, _CHECK_ROLES[layer.mark]))
    details.extend(styled.Line(note) for note in layer.record.notes)
    return details


def _run_name(layer: LayerView, ascii_only: bool = False) -> str:
    """``transformer_layer_0 … transformer_layer_31`` for a run of blocks, the name for one layer."""
    if layer.repeat <= 1:
        return layer.record.name
    return f"{layer.record.name} {'...' if ascii_only else '…'} {layer.last_name}"


def _compact_run_name(layer: LayerView, ascii_only: bool = False) -> str:
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
        return _number(layer.record.params)
    return f"{layer.repeat} × {_number(layer.record.params)}"


def shorten_name(name: str, room: int) -> str:
    """Fit a layer name into ``room`` columns by cutting its middle: generated names
    share their start (``conv2_block1_...``) and differ at the end, so both ends stay."""
    return cut_middle(name, room)


def _number(value: Optional[int]) -> str:
    return format_count(value)


# Narrow widths: after the name column goes, the headers are shortened, then
# the dimensions are written compactly, then the labels are abbreviated.
SHORT_HEADERS = ("OP", "DIMS", "NEURONS", "PARAMS", "%", "LAYER")
# The shape column's header when shapes are in keras.Model.summary's notation.
KERAS_SHAPE_HEADERS = {HEADERS[1]: "OUTPUT SHAPE", SHORT_HEADERS[1]: "SHAPE"}
TRAINABLE_HEADERS = ("TRAINABLE", "TR")
MIN_NARROW_LABEL = 5
# Words shortened, in this order, before a label is cut with "~".
_ABBREVIATIONS = (
    ("Normalization", "Norm"),
    ("Pooling", "Pool"),
    ("Padding", "Pad"),
    ("Average", "Avg"),
    ("Global", "G"),
    ("Transpose", "T"),
    ("Separable", "Sep"),
    ("Depthwise", "Dw"),
    ("Activation", "Act"),
    ("Dropout", "Drop"),
    ("Cropping", "Crop"),
    ("Sampling", "Samp"),
    ("Attention", "Attn"),
)


def abbreviate(label: str, room: int = 0) -> str:
    """Shorten the words of a class name ("BatchNormalization" -> "BatchNorm") until it fits ``room``."""
    for word, short in _ABBREVIATIONS:
        if columns(label) <= room:
            break
        label = label.replace(word, short)
    return label


@dataclass
class _Layout:
    width: int
    label: int
    dims: int
    neurons: int
    params: int
    percent: int
    show_names: bool
    trainable: int = 0
    headers: tuple[str, ...] = HEADERS
    compact_dims: bool = False
    # Columns of graph lanes after the margin (graph_text.Gutter.width), 0 for a chain.
    gutter: int = 0
    shape_style: str = DIMS
    # Set once fitted: the room left for a layer's name (fixed_width is a sum, asked for on every row).
    name_room: int = 0
    # One render's wrapped detail lines: a model repeats the same lines (every
    # BatchNormalization of a width, every 3x3 convolution's shape arithmetic),
    # and wrapping them is the costliest step of drawing. Keyed by the indent
    # and the line, its text and roles; the lines given back are never changed.
    _details: dict = field(default_factory=dict, repr=False, compare=False)
    _wrapped: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def shape_header(self) -> str:
        return self.headers[1] if self.shape_style == DIMS else KERAS_SHAPE_HEADERS[self.headers[1]]

    def shape_text(self, shape: Optional[OutputShape], compact: Optional[bool] = None) -> str:
        return format_shape(shape, self.shape_style, self.compact_dims if compact is None else compact)

    def row_shape_text(self, row: _DataRow) -> str:
        """``shape_text(row.shape)``: the row's saved dimensions text in the usual case (DIMS, not compact)."""
        if self.shape_style == DIMS and not self.compact_dims:
            return row.dims
        return self.shape_text(row.shape)
    ascii_only: bool = False

    @classmethod
    def fit(
        cls,
        rows: list[_DataRow | _OperationRow],
        width: int,
        show_trainable: bool = False,
        gutter: int = 0,
        shape_style: str = DIMS,
        ascii_only: bool = False,
    ) -> _Layout:
        labels = [
            graph_text.depth_bars(_depth(r)) + (r.label if isinstance(r, _DataRow) else r.record.class_name)
            for r in rows
        ]
        data = [r for r in rows if isinstance(r, _DataRow)]
        shapes = [r.shape for r in data]
        operations = [r for r in rows if isinstance(r, _OperationRow)]
        params = [len(r.params) for r in operations]
        percents = [len(r.percent) for r in operations]
        neurons = [len(r.neurons) for r in data]

        def layout(headers: tuple[str, ...], compact: bool, label: int, show_names: bool) -> _Layout:
            shape_header = headers[1] if shape_style == DIMS else KERAS_SHAPE_HEADERS[headers[1]]
            if shape_style == DIMS and not compact:  # the rows' saved dimensions text
                dims = (len(r.dims) for r in data)
            else:
                dims = (len(format_shape(s, shape_style, compact)) for s in shapes)
            return cls(
                width=width,
                label=label,
                dims=max([len(shape_header), *dims]),
                neurons=max([len(headers[2]), *neurons]),
                params=max([len(headers[3]), *params]),
                percent=max([len(headers[4]), *percents]),
                show_names=show_names,
                trainable=len(TRAINABLE_HEADERS[headers is SHORT_HEADERS]) if show_trainable else 0,
                headers=headers,
                compact_dims=compact,
                gutter=gutter,
                shape_style=shape_style,
                ascii_only=ascii_only,
            )

        # Deep nesting: the depth bars alone may be wider than MAX_LABEL; a label keeps 2 columns after them.
        floor = max(MIN_NARROW_LABEL, *(len(graph_text.depth_bars(_depth(r))) + 2 for r in rows))
        label = max(floor, min(MAX_LABEL, max([MIN_LABEL, *map(columns, labels)])))
        fitted = layout(HEADERS, False, label, True)
        # Long names are not cut while the headers' padding can make room: the
        # short headers narrow columns whose header is wider than their numbers.
        names = [len(_compact_run_name(r.layer, ascii_only)) + 2 * r.record.depth for r in operations]
        longest = max(names, default=0)
        if fitted.fixed_width + 2 + MIN_NAME <= width < fitted.fixed_width + 2 + longest:  # shown, but cut
            short = layout(SHORT_HEADERS, False, label, True)
            if short.fixed_width < fitted.fixed_width:  # more room for the names, even if some are still cut
                fitted = short
        if fitted.fixed_width + 2 + MIN_NAME > width:
            fitted.show_names = False
        # Narrow widths, one step at a time until the diagram fits: short headers,
        # abbreviated labels ("BatchNorm"), compact dimensions, cut labels ("Batc~"),
        # and last, dimensions too wide for their column drawn on lines of their own.
        if fitted.fixed_width > width:
            fitted = layout(SHORT_HEADERS, False, label, False)
        if fitted.fixed_width > width:
            fitted.label = max(floor, *(columns(abbreviate(text)) for text in labels))
        if fitted.fixed_width > width:
            fitted = layout(SHORT_HEADERS, True, fitted.label, False)
        if fitted.fixed_width > width:
            # Several outputs ("5 | 5 | 5") go on their own lines before any label is cut.
            single = [len(format_shape(s, shape_style, True)) for s in shapes if not is_multi_shape(s)]
            fitted.dims = max([len(fitted.shape_header), *single, fitted.dims - (fitted.fixed_width - width)])
        if fitted.fixed_width > width:
            fitted.label = max(floor, fitted.label - (fitted.fixed_width - width))
        if fitted.fixed_width > width:
            fitted.dims = max(len(fitted.shape_header), fitted.dims - (fitted.fixed_width - width))
        if fitted.fixed_width > width:
            raise DiagramTooNarrowError(width, fitted.fixed_width)
        fitted.name_room = fitted.width - fitted.fixed_width - 2
        return fitted

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
            + (2 + self.trainable if self.trainable else 0)
        )

    @property
    def detail_indent(self) -> int:
        return MARGIN + self.gutter + self.label + 3

    def _label(self, text: str, depth: int = 0) -> str:
        bars = graph_text.depth_bars(depth)
        room = max(self.label - len(bars), 1)
        if columns(text) > room:
            text = cut(abbreviate(text, room), room)
        return bars + pad_left(text, room)

    def _lead(self, mark: str, lane: str, label: str, depth: int, connect: Optional[str]) -> str:
        """Margin, gutter and label; a row that joins a lane gets its ``+--->`` line drawn through."""
        shown = self._label(label, depth)
        lead = mark.ljust(MARGIN) + lane.ljust(self.gutter) + shown + "   "
        if connect is None:
            return lead
        text = shown[len(graph_text.depth_bars(depth)) :].strip()
        text_start = len(lead) - 3 - len(text) if text else len(lead)
        return graph_text.connect_line(lead, MARGIN, text_start, connect)

    def _indent(self, lane: str, depth: int) -> str:
        """The start of a detail line: margin, the lanes passing by, depth bars, then blank to the text."""
        bars = graph_text.depth_bars(depth)
        pad = self.detail_indent - MARGIN - self.gutter - len(bars)
        return " " * MARGIN + lane.ljust(self.gutter) + bars + " " * pad

    def _name(self, name: str, depth: int = 0) -> str:
        if not self.show_names or not name:
            return ""
        indent = "  " * depth  # inner rows of an expanded nested model are indented
        room = self.name_room - len(indent)
        if room < 1:
            return ""  # deep nesting leaves no room: no name rather than a line too wide
        return "  " + indent + shorten_name(name, room)

    def _fitting_run_name(self, layer: LayerView, depth: int) -> str:
        """A run's full name when it fits, else ``transformer_layer_0 … 31`` (the last name's differing tail)."""
        full = _run_name(layer, self.ascii_only)
        room = self.width - self.fixed_width - 2 - 2 * depth
        if layer.repeat <= 1 or len(full) <= room:
            return full
        return _compact_run_name(layer, self.ascii_only)

    def _trainable(self, layer: Optional[LayerView]) -> str:
        if not self.trainable:
            return ""
        if layer is None:
            return " " * (2 + self.trainable)
        # keras.Model.summary: "Y"/"N" from layer.trainable, "-" for a layer without weights.
        return "  " + layer.trainable.center(self.trainable)

    def header(self) -> styled.Line:
        operation, _, neurons, params, percent, layer = self.headers
        dims = self.shape_header
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
        if self.trainable:
            line += "  " + TRAINABLE_HEADERS[self.headers is SHORT_HEADERS].center(self.trainable)
        return styled.plain(line + ("  " + layer if self.show_names else ""), styled.HEADER)

    def data_lines(
        self, row: _DataRow, lane: str = "", connect: Optional[str] = None, passing: str = ""
    ) -> list[styled.Line]:
        dims = self.row_shape_text(row)
        overflowing = len(dims) > self.dims
        lead = self._lead("", lane, row.label, row.depth, connect)
        line = styled.Line(
            lead
            + DATA_GLYPH
            + " "
            + ("" if overflowing else dims).rjust(self.dims)
            + "  "
            + row.neurons.rjust(self.neurons)
            + (
                " " * (2 + self.params + 2 + self.percent) + self._trainable(None) + self._name(row.name, row.depth)
                if row.name
                else ""
            ),
            [styled.Span(len(lead), len(lead) + len(DATA_GLYPH), styled.DIM)],
        )
        if not overflowing:
            return [line]
        indent = self._indent(passing, row.depth)
        wrapped = textwrap.wrap(
            self.shape_text(row.shape, compact=True),
            width=max(self.width, self.detail_indent + 20),
            initial_indent=indent + ("dims  " if self.shape_style == DIMS else "shape "),
            subsequent_indent=indent + "      ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        return [line, *map(styled.Line, wrapped)]

    def operation_line(self, row: _OperationRow, lane: str = "", connect: Optional[str] = None) -> styled.Line:
        layer, record = row.layer, row.record
        text = (
            self._lead(layer.sign, lane, record.class_name, record.depth, connect)
            + glyph_for(record.class_name)
            + " "
            + "-" * self.dims
            + "  "
            + " " * self.neurons
            + "  "
            + row.params.rjust(self.params)
            + "  "
            + row.percent.rjust(self.percent)
            + self._trainable(layer)
            + self._name(self._fitting_run_name(layer, record.depth), record.depth)
        )
        # A marked row stands out whole: "!" bold red, "?" bold yellow.
        role = _MARK_ROLES[layer.mark]
        return styled.Line(text, [styled.Span(0, len(text), role)] if role else [])

    def detail_lines(self, detail: styled.Line, indent: str) -> list[styled.Line]:
        """``detail`` after ``indent``, wrapped to the width (each distinct line wrapped once per render)."""
        key = (indent, detail.text, *detail.spans)
        lines = self._details.get(key)
        if lines is None:
            lines = self._details[key] = self._wrap_detail(detail, indent)
        return lines

    def _wrap_detail(self, detail: styled.Line, indent: str) -> list[styled.Line]:
        text = detail.text
        width = max(self.width, self.detail_indent + 20)
        if _fits_unwrapped(text, width - self.detail_indent):
            # what textwrap gives for one short line
            shift = len(indent)
            spans = [styled.Span(s.start + shift, s.end + shift, s.role) for s in detail.spans]
            return [styled.Line(indent + text.replace(_KEEP, " "), spans)]
        # Continuation lines sit deeper, as long as that leaves room for a term.
        deeper = 8 if width - self.detail_indent - 8 >= 40 else 2
        # Where textwrap breaks depends on the indent's length, not on its
        # characters (lanes passing by): wrap once per length.
        pieces = self._wrapped.get((len(indent), text))
        if pieces is None:
            blank = " " * len(indent)
            lines = self._wrap_text(text, width, blank, deeper)
            pieces = [line[len(blank) + (index and deeper) :] for index, line in enumerate(lines)]
            self._wrapped[(len(indent), text)] = pieces
        indents = [indent, indent + " " * deeper]
        lines = [indents[min(index, 1)] + piece for index, piece in enumerate(pieces)]
        return styled.rewrap(detail, lines, indents)

    @staticmethod
    def _wrap_text(text: str, width: int, indent: str, deeper: int) -> list[str]:
        # Break between terms and steps; where one step alone is wider than a
        # narrow width allows, also inside steps at " + " and " = "; last, at any
        # space. Never inside a number: textwrap never breaks a word here.
        # Last, a word wider than the line (a long name) is cut across lines.
        for keep, cut_words in ((_keep_terms_whole, False), (_keep_steps_apart, False), (str, False), (str, True)):
            lines = [
                line.replace(_KEEP, " ")
                for line in wrap(
                    keep(text),
                    width=width,
                    initial_indent=indent,
                    subsequent_indent=indent + " " * deeper,
                    break_long_words=cut_words,
                    break_on_hyphens=False,
                )
            ]
            if max(map(columns, lines), default=0) <= width:
                break
        return lines


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
    return 0 < columns(text) <= room and text.isprintable() and text[0] != " " and text[-1] != " "


def _keep_steps_apart(text: str) -> str:
    """Narrow widths: every " + " and " = " may break, inside a step too; a named term stays whole."""
    parts = re.split(r"( \+ | = |: )", text)
    return "".join(part if part in (" + ", " = ", ": ") else part.replace(" ", _KEEP) for part in parts)


def _keep_terms_whole(text: str) -> str:
    terms, *steps = text.split(" = ")
    parts = _TERM_SEPARATORS.split(terms)
    kept = "".join(part if _TERM_SEPARATORS.fullmatch(part) else part.replace(" ", _KEEP) for part in parts)
    return " = ".join([kept, *(step.replace(" ", _KEEP) for step in steps)])


def _wrap_all(items: list[TotalsItem], width: int) -> list[styled.Line]:
    """Wrap the totals; a label stays with its number ("Non-trainable: 64"). Each line has its kind's role."""
    wrapped: list[styled.Line] = []
    for item in items:
        line = item.text
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        kept = re.sub(r": (?=[0-9?])", ":" + _KEEP, line)
        parts = wrap(kept, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
        if max(map(columns, parts), default=0) > width:  # a word wider than the line (a long name): cut it
            parts = wrap(kept, width=width, subsequent_indent=indent, break_long_words=True, break_on_hyphens=False)
        parts = parts or [""]
        wrapped.extend(styled.plain(part.replace(_KEEP, " "), item.kind) for part in parts)
    return wrapped
