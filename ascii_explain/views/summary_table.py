"""keras.Model.summary's table for a model ascii_explain cannot explain yet (some layer is not built).

The drop-in ``summary()`` prints this instead of raising: the layers as
Keras lists them (``0 (unbuilt)``, shape ``?``), the totals in Keras's words,
and one line saying how to build the model so the diagram can be drawn.
"""

from __future__ import annotations

import textwrap
from typing import Optional, Sequence

from ..layer_range import resolve_layer_range
from ..read.summary_table import SummaryRow, SummaryTable
from ..safe_text import columns, cut_middle, pad_right, safe
from . import styled
from .diagram_layout import DiagramTooNarrowError
from .formatting import format_count, format_keras_shape
from .keras_totals import summary_totals_lines

HEADERS = ("LAYER (TYPE)", "OUTPUT SHAPE", "PARAMS", "TRAINABLE")
UNBUILT = "0 (unbuilt)"
MIN_NAME = 8


def render_summary_table(
    table: SummaryTable,
    how_to_build: str,
    width: int = 100,
    show_trainable: bool = False,
    layer_range: Optional[Sequence[str]] = None,
) -> styled.StyledText:
    """The table, no line wider than ``width`` (layer names are shortened, numbers never cut)."""
    rows = _selected(table.rows, layer_range)
    shapes = [format_keras_shape(row.output_shape) for row in rows]
    counts = [_count(row) for row in rows]
    shape_width = max([len(HEADERS[1]), *map(len, shapes)])
    count_width = max([len(HEADERS[2]), *map(len, counts)])
    trainable_width = len(HEADERS[3]) if show_trainable else 0
    fixed = 2 + 2 + shape_width + 2 + count_width + (2 + trainable_width if show_trainable else 0)
    # Names come from the model: made safe, and measured in terminal columns (safe_text.py).
    names = ["   " * row.depth + f"{safe(row.name)} ({safe(row.class_name)})" for row in rows]
    name_width = min(max([len(HEADERS[0]), *map(columns, names)]), width - fixed)
    if name_width < MIN_NAME:
        raise DiagramTooNarrowError(width, fixed + MIN_NAME)

    def line(name: str, shape: str, count: str, trainable: str) -> str:
        text = "  " + pad_right(cut_middle(name, name_width), name_width) + "  " + shape.ljust(shape_width)
        text += "  " + count.rjust(count_width)
        return (text + "  " + trainable.center(trainable_width) if show_trainable else text).rstrip()

    lines = [styled.plain(line(*HEADERS[:3], HEADERS[3] if show_trainable else ""), styled.HEADER), styled.Line()]
    for name, shape, count, row in zip(names, shapes, counts, rows, strict=True):
        lines.append(styled.plain(line(name, shape, count, row.trainable)))
    lines.append(styled.Line())
    lines.extend(styled.plain(text, styled.TOTAL) for text in summary_totals_lines(table.totals))
    for text in _unbuilt_lines(table, how_to_build, width):
        lines.append(styled.plain(text, styled.WARNING))
    return styled.join_lines(lines)


def _count(row: SummaryRow) -> str:
    return format_count(row.params) if row.built else UNBUILT


def _selected(rows: tuple[SummaryRow, ...], layer_range: Optional[Sequence[str]]) -> list[SummaryRow]:
    """Keras's layer_range: a slice of the top-level rows, each with its nested rows."""
    if layer_range is None:
        return list(rows)
    top = [row.name for row in rows if row.depth == 0]
    start, stop = resolve_layer_range(top, layer_range)
    chosen = set(top[start:stop])
    selected, include = [], False
    for row in rows:
        if row.depth == 0:
            include = row.name in chosen
        if include:
            selected.append(row)
    return selected


def _unbuilt_lines(table: SummaryTable, how_to_build: str, width: int) -> list[str]:
    """One sentence: what is not built, and how to build it."""
    if table.unbuilt and table.unbuilt[0] == table.name:  # the model itself: its layers are unbuilt with it
        what = f"the model {table.name!r} is not built"
    else:
        shown = ", ".join(table.unbuilt[:5]) + (f" and {len(table.unbuilt) - 5} more" if len(table.unbuilt) > 5 else "")
        what = f"{shown} {'is' if len(table.unbuilt) == 1 else 'are'} not built"
    text = f"Not explained: {what}, so no weights exist to explain; {how_to_build}."
    return textwrap.wrap(text, width=width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
