"""The diagram's columns: how wide each one is at a given width, and how a row is drawn in them.

Left to right: a two-character margin for marks (``!`` a formula that
disagrees with Keras, ``?`` a count taken from weight shapes), the graph's
lanes, the operation or activation label, the glyph, the data dimensions,
neurons, weights and the weights' share, and the layer's name, on every row
(cut in its middle at word boundaries when it must be, ``name_cut.py``).
``Layout.fit`` narrows the columns one step at a time until the diagram fits:
the optional columns (NEURONS, then WEIGHTS(%)) go before a name would be cut
shorter than COMFORTABLE_NAME, and the line under the header says which went.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Optional

from ..build.records import OutputShape
from ..safe_text import columns, pad_left
from . import graph_text, styled
from .diagram_rows import DataRow, OperationRow, compact_run_name, row_depth, run_name
from .formatting import DIMS, format_shape, is_multi_shape
from .glyphs import GLYPH_WIDTH, glyph_for
from .model import ADJUSTED, FALLBACK, INFERRED, INTERNAL_ERROR, MISMATCH, NO_WEIGHTS, OK, UNBUILT, LayerView
from .name_cut import ASCII_ELLIPSIS, ELLIPSIS, cut_label_end, cut_name_middle
from .text_wrap import KEEP, fits_unwrapped, wrap_detail_text

DATA_GLYPH = "#####"
MARGIN = 2
MIN_LABEL = 9
MAX_LABEL = 22
MIN_NAME = 8
# A name is cut no shorter than this (or its own length) before an optional column gives way.
COMFORTABLE_NAME = 16
HEADERS = ("OPERATION", "DATA DIMENSIONS", "NEURONS", "WEIGHTS(N)", "WEIGHTS(%)", "LAYER")
# The role of a marked operation row as a whole (see styled.py).
MARK_ROLES = {
    MISMATCH: styled.ERROR,
    INTERNAL_ERROR: styled.ERROR,
    FALLBACK: styled.WARNING,
    ADJUSTED: styled.WARNING,
    INFERRED: "",
    NO_WEIGHTS: "",
    UNBUILT: "",
    OK: "",
}


def _cell(text: str, width: int) -> str:
    """A right-aligned cell after two spaces; nothing for a column left out (width 0)."""
    return "  " + text.rjust(width) if width else ""


class DiagramTooNarrowError(ValueError):
    """The width asked for cannot hold the diagram's numbers, which are never cut."""

    def __init__(self, width: int, needed: int) -> None:
        super().__init__(
            f"width {width} is too narrow for this diagram: its numbers need at least {needed} columns "
            f"(numbers are never cut); ask for {needed} or more"
        )
        self.width = width
        self.needed = needed


def shorten_name(name: str, room: int, marker: str = ASCII_ELLIPSIS) -> str:
    """Fit a layer name into ``room`` columns by cutting its middle at word boundaries: generated
    names share their start (``conv2_block1_...``) and differ at the end, so both ends stay."""
    return cut_name_middle(name, room, marker)


# Narrow widths: after the name column goes, the headers are shortened, then
# the dimensions are written compactly, then the labels are abbreviated.
SHORT_HEADERS = ("OP", "DIMS", "NEURONS", "PARAMS", "%", "LAYER")
# The shape column's header when shapes are in keras.Model.summary's notation.
KERAS_SHAPE_HEADERS = {HEADERS[1]: "OUTPUT SHAPE", SHORT_HEADERS[1]: "SHAPE"}
TRAINABLE_HEADERS = ("TRAINABLE", "TR")
# The columns a narrow width may leave out, in the order they go (named by their full headers).
OPTIONAL_COLUMNS = (HEADERS[2], HEADERS[4])
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
    ("Decoder", "Dec"),
    ("Encoder", "Enc"),
    ("Transformer", "Tfm"),
    ("Embedding", "Emb"),
    ("Reversible", "Rev"),
    ("Convolution", "Conv"),
)


def abbreviate(label: str, room: int = 0) -> str:
    """Shorten the words of a class name ("BatchNormalization" -> "BatchNorm") until it fits ``room``."""
    for word, short in _ABBREVIATIONS:
        if columns(label) <= room:
            break
        label = label.replace(word, short)
    return label


@dataclass
class Layout:
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
    ascii_only: bool = False
    # Optional columns (OPTIONAL_COLUMNS) this width left out so the names keep their room.
    dropped: tuple[str, ...] = ()
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

    def row_shape_text(self, row: DataRow) -> str:
        """``shape_text(row.shape)``: the row's saved dimensions text in the usual case (DIMS, not compact)."""
        if self.shape_style == DIMS and not self.compact_dims:
            return row.dims
        return self.shape_text(row.shape)

    @classmethod
    def fit(
        cls,
        rows: list[DataRow | OperationRow],
        width: int,
        show_trainable: bool = False,
        gutter: int = 0,
        shape_style: str = DIMS,
        ascii_only: bool = False,
    ) -> Layout:
        labels = [
            graph_text.depth_bars(row_depth(r)) + (r.label if isinstance(r, DataRow) else r.record.class_name)
            for r in rows
        ]
        data = [r for r in rows if isinstance(r, DataRow)]
        shapes = [r.shape for r in data]
        operations = [r for r in rows if isinstance(r, OperationRow)]
        params = [len(r.params) for r in operations]
        percents = [len(r.percent) for r in operations]
        neurons = [len(r.neurons) for r in data]

        def layout(headers: tuple[str, ...], compact: bool, label: int, show_names: bool) -> Layout:
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
        floor = max(MIN_NARROW_LABEL, *(len(graph_text.depth_bars(row_depth(r))) + 2 for r in rows))
        label = max(floor, min(MAX_LABEL, max([MIN_LABEL, *map(columns, labels)])))
        dropped: list[str] = []

        def without_dropped(fitted: Layout) -> Layout:
            fitted.dropped = tuple(dropped)
            if HEADERS[2] in dropped:
                fitted.neurons = 0
            if HEADERS[4] in dropped:
                fitted.percent = 0
            return fitted

        fitted = layout(HEADERS, False, label, True)
        # Every row keeps its name (issue 23). Names are measured with their
        # nesting indent; a run of blocks needs only its compact name.
        names = [columns(compact_run_name(r.layer, ascii_only)) + 2 * r.record.depth for r in operations]
        names += [columns(r.name) + 2 * r.depth for r in data if r.name]
        longest = max(names, default=0)

        def needed(candidate: Layout, name: int) -> int:
            return candidate.fixed_width + (2 + name if longest else 0)

        # Long names are not cut while the headers' padding can make room: the
        # short headers narrow columns whose header is wider than their numbers.
        if needed(fitted, longest) > width:
            short = layout(SHORT_HEADERS, False, label, True)
            if short.fixed_width < fitted.fixed_width:  # more room for the names, even if some are still cut
                fitted = short
        # What gives way next: the optional columns, one at a time, while a
        # name would be cut shorter than COMFORTABLE_NAME columns.
        comfortable = min(longest, COMFORTABLE_NAME)
        for column in OPTIONAL_COLUMNS:
            if needed(fitted, comfortable) > width:
                dropped.append(column)
                fitted = without_dropped(fitted)
        # Narrow widths, one step at a time until the diagram fits with names
        # of at least MIN_NAME columns: short headers, abbreviated labels
        # ("BatchNorm"), compact dimensions, cut labels ("Batch~"), and last,
        # dimensions too wide for their column drawn on lines of their own.
        least = min(longest, MIN_NAME)
        if needed(fitted, least) > width:
            fitted = without_dropped(layout(SHORT_HEADERS, False, label, True))
        if needed(fitted, least) > width:
            fitted.label = max(floor, *(columns(abbreviate(text)) for text in labels))
        if needed(fitted, least) > width:
            fitted = without_dropped(layout(SHORT_HEADERS, True, fitted.label, True))
        if needed(fitted, least) > width:
            # Several outputs ("5 | 5 | 5") go on their own lines before any label is cut.
            single = [len(format_shape(s, shape_style, True)) for s in shapes if not is_multi_shape(s)]
            fitted.dims = max([len(fitted.shape_header), *single, fitted.dims - (needed(fitted, least) - width)])
        if needed(fitted, least) > width:
            fitted.label = max(floor, fitted.label - (needed(fitted, least) - width))
        if needed(fitted, least) > width:
            fitted.dims = max(len(fitted.shape_header), fitted.dims - (needed(fitted, least) - width))
        if needed(fitted, least) > width:
            raise DiagramTooNarrowError(width, needed(fitted, least))
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
            + (2 + self.neurons if self.neurons else 0)
            + 2
            + self.params
            + (2 + self.percent if self.percent else 0)
            + (2 + self.trainable if self.trainable else 0)
        )

    @property
    def detail_indent(self) -> int:
        return MARGIN + self.gutter + self.label + 3

    def _label(self, text: str, depth: int = 0) -> str:
        bars = graph_text.depth_bars(depth)
        room = max(self.label - len(bars), 1)
        if columns(text) > room:
            text = cut_label_end(abbreviate(text, room), room)
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

    def detail_line_indent(self, lane: str, depth: int) -> str:
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
        return "  " + indent + shorten_name(name, room, ASCII_ELLIPSIS if self.ascii_only else ELLIPSIS)

    def _fitting_run_name(self, layer: LayerView, depth: int) -> str:
        """A run's full name when it fits, else ``transformer_layer_0 … 31`` (the last name's differing tail)."""
        full = run_name(layer, self.ascii_only)
        room = self.width - self.fixed_width - 2 - 2 * depth
        if layer.repeat <= 1 or columns(full) <= room:
            return full
        compact = compact_run_name(layer, self.ascii_only)
        if columns(compact) <= room:
            return compact
        # Too narrow even so: the first name is shortened, the count's end (" … 31") kept whole.
        tail = compact[len(layer.record.name) :]
        marker = ASCII_ELLIPSIS if self.ascii_only else ELLIPSIS
        return shorten_name(layer.record.name, max(room - columns(tail), 2), marker) + tail

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
            + _cell(neurons, self.neurons)
            + "  "
            + params.rjust(self.params)
            + _cell(percent, self.percent)
        )
        if self.trainable:
            line += "  " + TRAINABLE_HEADERS[self.headers is SHORT_HEADERS].center(self.trainable)
        return styled.plain(line + ("  " + layer if self.show_names else ""), styled.HEADER)

    def dropped_line(self) -> str:
        """The one line under the header saying which optional columns this width left out ("" if none)."""
        if not self.dropped:
            return ""
        return f"(width {self.width} leaves out {' and '.join(self.dropped)}, to keep the layer names)"

    def data_lines(
        self, row: DataRow, lane: str = "", connect: Optional[str] = None, passing: str = ""
    ) -> list[styled.Line]:
        dims = self.row_shape_text(row)
        overflowing = len(dims) > self.dims
        lead = self._lead("", lane, row.label, row.depth, connect)
        line = styled.Line(
            lead
            + DATA_GLYPH
            + " "
            + ("" if overflowing else dims).rjust(self.dims)
            + _cell(row.neurons, self.neurons)
            + (
                " " * (2 + self.params + (2 + self.percent if self.percent else 0))
                + self._trainable(None)
                + self._name(row.name, row.depth)
                if row.name
                else ""
            ),
            [styled.Span(len(lead), len(lead) + len(DATA_GLYPH), styled.DIM)],
        )
        if not overflowing:
            return [line]
        indent = self.detail_line_indent(passing, row.depth)
        wrapped = textwrap.wrap(
            self.shape_text(row.shape, compact=True),
            width=max(self.width, self.detail_indent + 20),
            initial_indent=indent + ("dims  " if self.shape_style == DIMS else "shape "),
            subsequent_indent=indent + "      ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        return [line, *map(styled.Line, wrapped)]

    def operation_line(self, row: OperationRow, lane: str = "", connect: Optional[str] = None) -> styled.Line:
        layer, record = row.layer, row.record
        text = (
            self._lead(layer.sign, lane, record.class_name, record.depth, connect)
            + glyph_for(record.class_name)
            + " "
            + "-" * self.dims
            + _cell("", self.neurons)
            + "  "
            + row.params.rjust(self.params)
            + _cell(row.percent, self.percent)
            + self._trainable(layer)
            + self._name(self._fitting_run_name(layer, record.depth), record.depth)
        )
        # A marked row stands out whole: "!" bold red, "?" bold yellow.
        role = MARK_ROLES[layer.mark]
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
        if fits_unwrapped(text, width - self.detail_indent):
            # what textwrap gives for one short line
            shift = len(indent)
            spans = [styled.Span(s.start + shift, s.end + shift, s.role) for s in detail.spans]
            return [styled.Line(indent + text.replace(KEEP, " "), spans)]
        # Continuation lines sit deeper, as long as that leaves room for a term.
        deeper = 8 if width - self.detail_indent - 8 >= 40 else 2
        # Where textwrap breaks depends on the indent's length, not on its
        # characters (lanes passing by): wrap once per length.
        pieces = self._wrapped.get((len(indent), text))
        if pieces is None:
            blank = " " * len(indent)
            lines = wrap_detail_text(text, width, blank, deeper)
            pieces = [line[len(blank) + (index and deeper) :] for index, line in enumerate(lines)]
            self._wrapped[(len(indent), text)] = pieces
        indents = [indent, indent + " " * deeper]
        lines = [indents[min(index, 1)] + piece for index, piece in enumerate(pieces)]
        return styled.rewrap(detail, lines, indents)
