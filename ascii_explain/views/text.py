"""The diagram: keras_sequential_ascii's picture, with neurons, percentages and arithmetic.

``render_diagram`` puts the parts together: ``diagram_rows.py`` says which rows
are drawn and in what order, ``diagram_layout.py`` how wide each column is and
how a row is drawn in it, ``graph_text.py`` the lanes of a graph, and
``text_wrap.py`` how detail lines and totals wrap. Every width is an argument:
nothing here reads the terminal.
"""

from __future__ import annotations

from typing import Optional, Sequence

from .. import hints
from ..safe_text import displayable
from . import graph_text, styled
from .diagram_layout import DiagramTooNarrowError, Layout, shorten_name
from .diagram_rows import DataRow, diagram_rows, graph_items, row_link, selected_layers
from .formatting import DIMS, check_shape_style
from .glyphs import to_ascii
from .model import INFO, ExplanationData, TotalsItem, ViewModel, build_view_model, collapse_repeats
from .text_wrap import wrap_totals

__all__ = ["DiagramTooNarrowError", "render_diagram", "shorten_name"]


def render_diagram(
    explanation: ExplanationData,
    view: ViewModel,
    width: int = 100,
    ascii_only: bool = False,
    show_trainable: bool = False,
    layer_range: Optional[Sequence[str]] = None,
    shape_style: str = DIMS,
    expand_repeats: bool = False,
    interface: str = hints.PYTHON,
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
    ``expand_repeats``. ``interface``: the hints name Python arguments
    (``"python"``) or the command line's flags (``"cli"``, see ``hints.py``).
    """
    check_shape_style(shape_style)
    hints.check_interface(interface)
    safe_explanation = displayable(explanation, ascii_only)
    if safe_explanation is not explanation:  # a name needed escaping: the view model shows the safe names
        explanation, view = safe_explanation, build_view_model(safe_explanation)
    layers, shown = selected_layers(explanation, view, layer_range)
    if not expand_repeats:
        layers = collapse_repeats(layers)
    top = explanation.top_level
    starts_at_input = not layers or not top or layers[0].record is top[0]
    rows = diagram_rows(explanation, layers, starts_at_input=starts_at_input, ascii_only=ascii_only)
    gutter = graph_text.plan_gutter([row_link(row) for row in rows])
    layout = Layout.fit(rows, width, show_trainable, gutter.width, shape_style, ascii_only)
    lines = [layout.header()]
    if layout.dropped:  # said once, under the header: which columns this width left out
        lines.extend(wrap_totals([TotalsItem(INFO, layout.dropped_line())], width))
    lines.append(styled.Line())
    for index, row in enumerate(rows):
        lane, connect = gutter.cells(index)
        if isinstance(row, DataRow):
            lines.extend(layout.data_lines(row, lane, connect, gutter.passing(index)))
        else:
            lines.append(layout.operation_line(row, lane, connect))
            if row.details:
                indent = layout.detail_line_indent(gutter.passing(index), row.record.depth)  # the same for each line
                for detail in row.details:
                    if interface != hints.PYTHON and not detail.spans:  # hints are plain lines
                        detail = styled.Line(hints.speak(detail.text, interface))
                    lines.extend(layout.detail_lines(detail, indent))
    lines.append(styled.Line())
    totals = list(view.totals) + graph_items(explanation)
    if shown:
        totals.insert(0, TotalsItem(INFO, shown))
    lines.extend(wrap_totals([TotalsItem(item.kind, hints.speak(item.text, interface)) for item in totals], width))
    text = styled.join_lines(line.rstrip() for line in lines)
    return text.with_plain(to_ascii(text.plain)) if ascii_only else text
