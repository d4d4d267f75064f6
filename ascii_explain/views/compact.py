"""The compact view: one line per layer, keras.Model.summary's columns plus the formula and mult-adds.

``render(detail="compact")``, ``ascii-explain --compact``, ``patch(detail="compact")``:

    Layer (type)               Output Shape          Param #  Formula          MACs
    conv1_conv (Conv2D)        (None, 112, 112, 64)    9,472  (7*7*3+1)*64     118 M

The arithmetic is on demand: the full diagram (``detail="full"``) has each
layer's named terms, shape arithmetic and mult-add expression. What gives way
at a narrow width: first the formula (a formula that does not fit is written
``…``, never cut: a cut expression would not evaluate to its count), then the
names (cut in the middle at word boundaries), then the shapes (compact).
"""

from __future__ import annotations

from typing import Optional, Sequence

from .. import hints
from ..safe_text import columns, displayable, pad_right
from . import styled
from .diagram_layout import DiagramTooNarrowError, abbreviate
from .diagram_rows import compact_run_name, selected_layers
from .formatting import DIMS, KERAS, check_shape_style, format_count, format_macs, format_shape
from .glyphs import to_ascii
from .model import INFO, ExplanationData, LayerView, TotalsItem, ViewModel, build_view_model, collapse_repeats
from .name_cut import ASCII_ELLIPSIS, ELLIPSIS, cut_label_end, cut_name_middle
from .text_wrap import wrap_totals

HEADERS = ("Layer (type)", "Output Shape", "Param #", "Formula", "MACs")
MARGIN = 2
MIN_NAME = 12
COMFORTABLE_NAME = 28
NAME_FIRST = 18  # a cell too narrow for "name (Class)": the name keeps this much before the class is cut
MIN_FORMULA = 1
MIN_FORMULA_SHOWN = 8  # narrower than this, the Formula column is left out (and the header says so)
GAP = 2


def render_compact(
    explanation: ExplanationData,
    view: ViewModel,
    width: int = 100,
    ascii_only: bool = False,
    layer_range: Optional[Sequence[str]] = None,
    shape_style: str = KERAS,
    expand_repeats: bool = False,
    interface: str = hints.PYTHON,
) -> styled.StyledText:
    """One line per layer (a run of identical blocks: one line), then the totals; no line wider than ``width``."""
    check_shape_style(shape_style)
    hints.check_interface(interface)
    safe_explanation = displayable(explanation, ascii_only)
    if safe_explanation is not explanation:
        explanation, view = safe_explanation, build_view_model(safe_explanation)
    layers, shown = selected_layers(explanation, view, layer_range)
    if not expand_repeats:
        layers = collapse_repeats(layers)
    marker = ASCII_ELLIPSIS if ascii_only else ELLIPSIS
    cells = [_cells(layer, ascii_only, shape_style) for layer in layers]
    name_width = max([columns(HEADERS[0]), *(columns(c[0]) for c in cells)])
    shape_width = max([len(HEADERS[1]), *(len(c[1]) for c in cells)])
    params_width = max([len(HEADERS[2]), *(len(c[2]) for c in cells)])
    macs_width = max([len(HEADERS[4]), *(len(c[4]) for c in cells)])
    formula_width = max([len(HEADERS[3]), *(len(c[3]) for c in cells)])

    def total_width() -> int:
        return MARGIN + name_width + GAP + shape_width + GAP + params_width + GAP + formula_width + GAP + macs_width

    dropped = ""
    # The formula gives way first (long ones become the marker), then the names down to
    # COMFORTABLE_NAME, then the Formula column goes, then the names down to MIN_NAME.
    if total_width() > width:
        formula_width = max(MIN_FORMULA_SHOWN, formula_width - (total_width() - width))
    if total_width() > width:
        name_width = max(min(name_width, COMFORTABLE_NAME), name_width - (total_width() - width))
    if total_width() > width:
        formula_width, dropped = -GAP, HEADERS[3]
    if total_width() > width:
        name_width = max(min(name_width, MIN_NAME), name_width - (total_width() - width))
    if total_width() > width and shape_style == DIMS:
        shape_width = max(
            len(HEADERS[1]), *(len(format_shape(layer.record.output_shape, DIMS, True)) for layer in layers)
        )
    if total_width() > width:
        raise DiagramTooNarrowError(width, total_width())

    def line(mark: str, name: str, shape: str, params: str, formula: str, macs: str) -> str:
        if columns(formula) > formula_width:
            formula = marker  # never a cut expression: the full view has it whole
        if dropped:
            formula = ""
        return (
            mark.ljust(MARGIN)
            + pad_right(_fit_name(name, name_width, marker), name_width)
            + " " * GAP
            + shape.ljust(shape_width)
            + " " * GAP
            + params.rjust(params_width)
            + (" " * GAP + formula.ljust(formula_width) if not dropped else "")
            + " " * GAP
            + macs.rjust(macs_width)
        ).rstrip()

    lines = [styled.plain(line("", "\0" + HEADERS[0], *HEADERS[1:]), styled.HEADER)]
    if dropped:
        lines.extend(
            wrap_totals([TotalsItem(INFO, f"(width {width} leaves out {dropped}, to keep the layer names)")], width)
        )
    lines.append(styled.Line())
    for layer, (name, shape, params, formula, macs) in zip(layers, cells, strict=True):
        if len(shape) > shape_width:
            shape = format_shape(layer.record.output_shape, shape_style, True)
        lines.append(styled.plain(line(layer.sign, name, shape, params, formula, macs)))
    lines.append(styled.Line())
    totals = list(view.totals)
    if shown:
        totals.insert(0, TotalsItem(INFO, shown))
    lines.extend(wrap_totals([TotalsItem(item.kind, hints.speak(item.text, interface)) for item in totals], width))
    text = styled.join_lines(row.rstrip() for row in lines)
    return text.with_plain(to_ascii(text.plain)) if ascii_only else text


def _fit_name(cell: str, room: int, marker: str) -> str:
    """``name (Class)`` in ``room`` columns: the class abbreviated first, then the name cut in its middle."""
    if cell.startswith("\0"):  # the header
        return cell[1:]
    name, _, class_part = cell.rpartition(" (")
    if columns(cell) <= room or not name:
        return cut_name_middle(cell, room, marker)
    indent = name[: len(name) - len(name.lstrip())]
    kind_room = max(room - min(columns(name), NAME_FIRST) - 3, 4)  # the name keeps up to NAME_FIRST columns
    kind = cut_label_end(abbreviate(class_part[:-1], kind_room), kind_room, marker)
    name_room = max(room - columns(kind) - 3 - len(indent), 1)
    return indent + cut_name_middle(name.lstrip(), name_room, marker) + f" ({kind})"


def _cells(layer: LayerView, ascii_only: bool, shape_style: str) -> tuple[str, str, str, str, str]:
    """Name (type), output shape, parameter count, formula and mult-adds of one line."""
    record = layer.record
    indent = "  " * record.depth
    name = f"{indent}{compact_run_name(layer, ascii_only)} ({record.class_name})"
    params = format_count(record.params)
    if layer.repeat > 1:
        params = f"{layer.repeat} {'x' if ascii_only else '×'} {params}"
    formula = record.formula if record.params and record.formula != str(record.params) else ""
    if record.macs is None:
        macs = "?"
    else:
        macs = format_macs(record.macs) if record.macs else "-"
    return name, format_shape(record.output_shape, shape_style), params, formula, macs
