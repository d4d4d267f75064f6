"""The graph in the text diagram: inbound lines, shared-layer calls, and the lane gutter.

A straight chain needs none of this: every row reads the data row drawn just
above it. Any other edge of the graph is drawn twice, so neither depends on the
other: in words, under the operation (``← conv_b, input_layer``), and in a
gutter of lanes at the left, like ``git log --graph``::

    +------------- Input   #####     8    8    4
    |             Conv2D    \\|/  -----------------
    |               relu   #####     8    8    4
    |             Conv2D    \\|/  -----------------
    |                      #####     8    8    4
    +----------->    Add   (+)  -----------------
                           ← conv2d_1, input_layer

A lane starts (``+``) at the data row whose tensor is read further down than
the next row, runs (``|``) past the rows in between, and ends (``+->``) at the
last operation that reads it; every other reader along the way joins it with
``+->`` too. Lanes are allocated greedily, lowest free column first, which
uses as few columns as the busiest row needs. A row that crosses a lane it
does not join shows ``|`` through its ``-`` line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Optional, Sequence

from ..build.records import Call, LayerRecord, OutputShape
from ..read.shape_values import batch_none

ARROW_IN = "←"
ARROW_OUT = "→"
# ascii_only picks these while the text is laid out, so wrapping counts their width.
ASCII_ARROWS = {ARROW_IN: "<-", ARROW_OUT: "->"}


def _arrow(arrow: str, ascii_only: bool) -> str:
    return ASCII_ARROWS[arrow] if ascii_only else arrow

DEPTH_BAR = ": "
LANE = "|"
JOIN = "+"
FILL = "-"
POINT = ">"


# -- words ------------------------------------------------------------------


def reads_only(record: LayerRecord, producer: str) -> bool:
    """True when the record's only input is ``producer`` (or the graph does not say)."""
    return not record.inbound or tuple(record.inbound) == (producer,)


def graph_details(
    record: LayerRecord, producer_above: Optional[str], ascii_only: bool = False, batch_unknown: bool = False
) -> list[str]:
    """Detail lines about the graph: the inbound layers, or one line per call of a shared layer.

    ``batch_unknown``: the model's inputs are of any batch (``inputs_batch_unknown``); a call's shapes traced
    at the static-shape trace's batch of 1 (read/model.py) are written as Keras writes them, batch None.
    """
    arrow_in, arrow_out = _arrow(ARROW_IN, ascii_only), _arrow(ARROW_OUT, ascii_only)
    if record.calls > 1:
        lines = [f"shared: {record.calls} calls in this model, weights counted once"]
        for index, call in enumerate(record.call_list, start=1):
            reads = f"{arrow_in} {inbound_text(call)}  " if call.inbound else ""
            call_in, call_out = call.input_shape, call.output_shape
            if batch_unknown:
                call_in, call_out = batch_none(call_in), batch_none(call_out)
            shapes = f"{shape_tuple_text(call_in)} {arrow_out} {shape_tuple_text(call_out)}"
            lines.append(f"call {index}  {reads}{shapes}")
        return lines
    if record.inbound and not (producer_above is not None and reads_only(record, producer_above)):
        names = inbound_text(record.call_list[0]) if record.call_list else ", ".join(record.inbound)
        return [f"{arrow_in} {names}"]
    return []


def inbound_text(call: Call) -> str:
    """``a, b``; an input made by a shared layer says which of its calls: ``shared_dense (call 2)``."""
    numbers = call.inbound_calls or (0,) * len(call.inbound)
    return ", ".join(
        f"{name} (call {number})" if number else name for name, number in zip(call.inbound, numbers, strict=False)
    )


def shape_tuple_text(shape: Optional[OutputShape]) -> str:
    """A shape as Keras prints it, ``(None, 8, 8, 4)``; several shapes joined by commas; ``?`` unknown."""
    if shape is None:
        return "?"
    if shape and all(isinstance(part, tuple) for part in shape):
        return ", ".join(shape_tuple_text(part) for part in shape)  # type: ignore[arg-type]
    inner = ", ".join("None" if dim is None else str(dim) for dim in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def consumer_counts(records: Sequence[LayerRecord]) -> Counter:
    """How many inputs read each (scope, layer name), over every call."""
    counts: Counter = Counter()
    for record in records:
        for call in record.call_list:
            for name in call.inbound:
                counts[(record.parent, name)] += 1
        if not record.call_list:
            for name in record.inbound:
                counts[(record.parent, name)] += 1
    return counts


def depth_bars(depth: int) -> str:
    return DEPTH_BAR * depth


def io_lines(input_names: Sequence[str], output_names: Sequence[str], records: Sequence[LayerRecord]) -> list[str]:
    """For a model with several inputs or outputs: a line naming each, with its shape."""
    if len(input_names) <= 1 and len(output_names) <= 1:
        return []
    shapes = {record.name: record.output_shape for record in records if record.depth == 0}
    if all(_batch_unknown(shapes.get(name)) for name in input_names):
        # Inputs of any batch: an output traced at the static-shape trace's batch of 1 (ours, read/model.py)
        # is written as Keras writes it, batch None.
        shapes.update({name: batch_none(shapes.get(name)) for name in output_names})
    lines = []
    for title, names in (("Inputs", input_names), ("Outputs", output_names)):
        # A layer whose several outputs are model outputs is named once per output; it is listed once,
        # with its shapes (which output is which shape, the graph's outputs do not keep in order).
        listed = ", ".join(f"{name} {shape_tuple_text(shapes.get(name))}" for name in dict.fromkeys(names))
        lines.append(f"{title} ({len(names)}): {listed}")
    return lines


def inputs_batch_unknown(input_shapes: Sequence[Any]) -> bool:
    """The model has inputs, each of any batch (no ``input_shape`` fixed one): a batch of 1 in a row's
    shapes is then the static-shape trace's."""
    return bool(input_shapes) and all(_batch_unknown(shape) for shape in input_shapes)


def _batch_unknown(shape: Optional[OutputShape]) -> bool:
    return bool(shape) and shape[0] is None  # type: ignore[index]


def output_mark(name: str, output_names: Sequence[str], ascii_only: bool = False) -> str:
    """What the LAYER column says on the data row of a model output, when there are several."""
    if len(output_names) <= 1 or name not in output_names:
        return ""
    numbers = [str(index) for index, output in enumerate(output_names, start=1) if output == name]
    return f"{_arrow(ARROW_OUT, ascii_only)} output {', '.join(numbers)} of {len(output_names)}"


SUBCLASSED_NOTE = (
    "Subclassed model: rows are its tracked sublayers in the order they were assigned; Keras keeps no graph of "
    "call(), so which layer reads which is not shown, and shapes Keras cannot tell are '?'."
)


# -- lanes ------------------------------------------------------------------


class RowLink(NamedTuple):  # a NamedTuple, not a frozen dataclass: one per row, made on every render
    """What the gutter needs to know about one diagram row."""

    scope: str
    # A data row: the layer whose output it shows. An operation row: "".
    producer: str = ""
    # An operation row: the layers it reads, over all its calls.
    reads: tuple[str, ...] = ()


@dataclass
class _Lane:
    start: int
    end: int
    column: int = 0
    joins: set[int] = field(default_factory=set)


@dataclass
class Gutter:
    """The lanes, ready to draw: ``width`` columns (0 for a straight chain)."""

    lanes: list[_Lane]
    width: int
    # For each row, the lanes that touch it (start, pass or end there), so
    # drawing a row costs the number of columns, not the number of lanes.
    touching: list[list[_Lane]] = field(default_factory=list)

    def cells(self, row: int) -> tuple[str, Optional[str]]:
        """The gutter of one row, and how it connects: None, "start" (a data row) or "end" (an operation)."""
        if not self._touching(row):
            return " " * self.width, None
        cells = [" "] * self.width
        connect: Optional[str] = None
        first = self.width
        for lane in self._touching(row):
            if lane.start < row < lane.end and row not in lane.joins:
                cells[lane.column] = LANE
            elif row == lane.start or row in lane.joins:
                cells[lane.column] = JOIN
                first = min(first, lane.column)
                connect = "start" if row == lane.start else "end"
        for column in range(first + 1, self.width):
            if cells[column] == " ":
                cells[column] = FILL
        return "".join(cells), connect

    def passing(self, row: int) -> str:
        """The gutter of the detail lines under ``row``: only lanes that go on past it."""
        if not self._touching(row):
            return " " * self.width
        cells = [" "] * self.width
        for lane in self._touching(row):
            if lane.start <= row < lane.end:
                cells[lane.column] = LANE
        return "".join(cells)

    def _touching(self, row: int) -> list[_Lane]:
        return self.touching[row] if row < len(self.touching) else []


def plan_gutter(rows: Sequence[RowLink]) -> Gutter:
    """Lanes for every edge that does not go from a data row to the operation row just below it."""
    producer_row: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        if row.producer:
            producer_row[(row.scope, row.producer)] = index
    lanes: dict[int, _Lane] = {}
    for index, row in enumerate(rows):
        for name in row.reads:
            start = producer_row.get((row.scope, name))
            # Unknown producers (outside this model) and later rows (a shared
            # layer's second call reading a layer drawn below it) get words, not lanes.
            if start is None or start >= index or start == index - 1:
                continue
            lane = lanes.setdefault(start, _Lane(start, index))
            lane.end = max(lane.end, index)
            lane.joins.add(index)
    ends: list[int] = []  # the last row of the lane in each column so far
    for lane in sorted(lanes.values(), key=lambda lane: lane.start):
        for column, end in enumerate(ends):
            if end < lane.start:
                lane.column = column
                ends[column] = lane.end
                break
        else:
            lane.column = len(ends)
            ends.append(lane.end)
    columns = len(ends)
    touching: list[list[_Lane]] = [[] for _ in rows]
    for lane in lanes.values():
        lane.column *= 2
        for index in range(lane.start, lane.end + 1):
            touching[index].append(lane)
    return Gutter(list(lanes.values()), 2 * columns + 1 if columns else 0, touching)


def connect_line(prefix: str, gutter_start: int, text_start: int, connect: Optional[str]) -> str:
    """Carry a lane's ``-`` line from the gutter to the row's text: ``+----> Add`` or ``+------ #####``.

    ``prefix`` is the line up to the text; spaces between the lane and the
    text become ``-``, other characters (crossing lanes, depth bars) stay.
    """
    if connect is None:
        return prefix
    chars = list(prefix)
    joined = [index for index in range(gutter_start, len(chars)) if chars[index] == JOIN]
    if not joined:
        return prefix
    for index in range(joined[0] + 1, max(text_start - 1, joined[0] + 1)):
        if chars[index] == " ":
            chars[index] = FILL
    # One space before the text; the gutter's own fill may have reached it.
    if text_start - 1 > joined[0] and chars[text_start - 1] == FILL:
        chars[text_start - 1] = " "
    if connect == "end" and text_start - 2 > joined[0]:
        chars[text_start - 2] = POINT
    return "".join(chars)
