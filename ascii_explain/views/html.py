"""``Explanation.to_html()``: a self-contained HTML table for Jupyter, the diagram's columns and the arithmetic.

Reads the view model: marks, percentages and the arithmetic in pieces (a
non-trainable term is set apart from its piece, not from its words), the
totals lines by their kind. ``html`` is imported inside the functions, so
``import ascii_explain`` does not pay for it.
"""

from __future__ import annotations

import re

from .arithmetic_text import STEP_SEPARATOR, TERM_SEPARATOR, Arithmetic
from .formatting import format_count, format_percent
from .glyphs import GLYPHS
from .model import (
    ERROR,
    NON_TRAINABLE,
    TOTAL,
    WARNING,
    ExplanationData,
    TableRow,
    TotalsItem,
    build_view_model,
    table_rows,
)
from .safe_text import displayable

# Classes for stylesheets, and inline styles because notebook viewers (GitHub's
# among them) drop <style> elements; the "!" and "?" marks and the words say
# the same again for viewers that drop styles too.
_FONT = "system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
_MONO = "ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace"
_STYLE = {
    "table": f"border-collapse:collapse;font-family:{_FONT};font-size:13px;color:#1f2328",
    "caption": "caption-side:top;text-align:left;font-weight:bold;font-size:14px;padding:4px 0 8px 0",
    "th": "text-align:{align};padding:4px 6px;border-bottom:2px solid #888;vertical-align:bottom",
    "td": "text-align:{align};padding:4px 6px;border-bottom:1px solid #ddd;vertical-align:top",
    "glyph": f"font-family:{_MONO};white-space:pre;color:#57606a",
    "nowrap": "white-space:nowrap",
    "code": f"font-family:{_MONO};font-size:12px",
    "mismatch": "background-color:#fde2e1",
    "fallback": "background-color:#fff3cd",
    "mark-mismatch": "color:#b00020;font-weight:bold",
    "mark-fallback": "color:#8a5a00;font-weight:bold",
    # The other marks (README, "States and marks"): an internal error of ours stands out like a
    # mismatch; an adjusted inherited formula like a fallback; no weights and unbuilt are facts.
    "internal_error": "background-color:#fde2e1",
    "adjusted": "background-color:#fff3cd",
    "no_weights": "",
    "unbuilt": "",
    "inferred": "",
    "mark-internal_error": "color:#b00020;font-weight:bold",
    "mark-adjusted": "color:#8a5a00;font-weight:bold",
    "mark-inferred": "color:#57606a",
    "mark-no_weights": "color:#57606a",
    "mark-unbuilt": "color:#57606a",
    "nontrainable": "color:#8a4b00;font-style:italic",
    "note": "color:#57606a;font-size:12px",
    "cost": f"color:#57606a;font-family:{_MONO};font-size:12px;white-space:pre-wrap",
    "foot": "text-align:left;padding:3px 8px;border:none;white-space:pre-wrap",
}
_COLUMNS = (  # (header, alignment)
    ("", "center"),
    ("Operation", "left"),
    ("Activation", "left"),
    ("Data dimensions", "right"),
    ("Neurons", "right"),
    ("Weights (N)", "right"),
    ("Weights (%)", "right"),
    ("Trainable", "center"),
    ("Layer", "left"),
    ("Arithmetic", "left"),
)


def to_html(explanation: ExplanationData) -> str:
    """A self-contained HTML table: the diagram's columns, the arithmetic, and the totals under it."""
    import html

    e = displayable(explanation)  # control characters written visibly, as in the text views
    view = build_view_model(e)
    head = "".join(
        f'<th class="ae-col" style="{_STYLE["th"].format(align=align)}">{html.escape(text)}</th>'
        for text, align in _COLUMNS
    )
    body = [_row_html(row) for row in table_rows(e, view)]
    foot = [
        f'<tr class="ae-total{_total_class(item)}"><td colspan="{len(_COLUMNS)}" '
        f'style="{_STYLE["foot"]}{_total_style(item)}">{html.escape(item.text.strip())}</td></tr>'
        for item in view.totals
    ]
    caption = f'Model "{html.escape(e.model_name)}" ({html.escape(e.model_class)})'
    # One row a line, so that a diff of two versions reads row by row.
    return "\n".join(
        [
            '<div class="ascii-explain">',
            f'<table class="ae-table" style="{_STYLE["table"]}">',
            f'<caption style="{_STYLE["caption"]}">{caption}</caption>',
            f"<thead><tr>{head}</tr></thead>",
            "<tbody>",
            *body,
            "</tbody>",
            "<tfoot>",
            *foot,
            "</tfoot>",
            "</table>",
            "</div>",
        ]
    )


def _row_html(row: TableRow) -> str:
    import html

    esc = html.escape
    layer = row.layer
    kind = layer.mark if layer is not None and layer.sign else ""
    # keras_sequential_ascii's glyph, when it has one for this class ("?????" says nothing here).
    glyph = GLYPHS.get(layer.record.class_name, "").strip() if row.is_layer and layer is not None else ""
    cells = (
        f'<span class="ae-mark" style="{_STYLE["mark-" + kind]}">{esc(layer.sign)}</span>'
        if layer is not None and kind
        else "",
        f'<span style="{_STYLE["nowrap"]}">'
        + (f'<span class="ae-glyph" style="{_STYLE["glyph"]}">{esc(glyph)}</span> ' if glyph else "")
        + f'<span class="ae-operation">{esc(row.operation)}</span></span>',
        esc(row.activation),
        f'<span style="{_STYLE["nowrap"]}">{esc(row.dims.replace(" ", " × "))}</span>',
        esc(format_count(row.neurons, unknown="")),
        esc(format_count(row.params, unknown="")),
        esc("" if row.percent is None else format_percent(row.percent)),
        esc(layer.trainable) if row.is_layer and layer is not None else "",
        f'<span class="ae-name">{esc(row.name)}</span>',
        _arithmetic_html(row),
    )
    tds = "".join(
        f'<td style="{_STYLE["td"].format(align=align)}">{cell}</td>'
        for cell, (_, align) in zip(cells, _COLUMNS, strict=True)
    )
    row_class = "ae-row" + (f" ae-{kind}" if kind else "") + ("" if row.is_layer else " ae-input")
    style_attr = f' style="{_STYLE[kind]}"' if kind else ""
    return f'<tr class="{row_class}"{style_attr}>{tds}</tr>'


def _arithmetic_html(row: TableRow) -> str:
    """The arithmetic in monospace, wrapping only between terms; non-trainable terms set apart; checks under it."""
    import html

    layer = row.layer
    if layer is None:
        return ""
    text = ""
    if layer.arithmetic is not None:
        text = f'<span class="ae-arithmetic" style="{_STYLE["code"]}">{_pieces_html(layer.arithmetic)}</span>'
    for line in layer.cost_lines:  # shape arithmetic and mult-adds, as under the diagram's rows
        text += f'<div class="ae-cost" style="{_STYLE["cost"]}">{html.escape(line.text)}</div>'
    if layer.check:
        text += f'<div class="ae-check" style="{_STYLE["mark-" + layer.mark]}">{html.escape(layer.check)}</div>'
    for note in layer.record.notes:
        if note.startswith("no registered formula"):  # the check above says so already
            continue
        text += f'<div class="ae-note" style="{_STYLE["note"]}">{html.escape(note)}</div>'
    return text


# Each piece between " + " and " = " stays on one line (nowrap); the line may break between pieces.
_BREAKS = re.compile(f"({re.escape(TERM_SEPARATOR)}|{re.escape(STEP_SEPARATOR)})")


def _pieces_html(arithmetic: Arithmetic) -> str:
    import html

    pieces = []

    def separator(text: str) -> None:
        pieces.append(html.escape(text))

    def plain(text: str) -> None:
        for piece in _BREAKS.split(text):
            if piece in (TERM_SEPARATOR, STEP_SEPARATOR):
                separator(piece)
            else:
                pieces.append(f'<span style="{_STYLE["nowrap"]}">{html.escape(piece)}</span>')

    for index, term in enumerate(arithmetic.terms):
        if index:
            separator(TERM_SEPARATOR)
        if term.trainable or _BREAKS.search(term.text):
            plain(term.text)
        else:
            pieces.append(
                f'<span class="ae-nontrainable" title="{html.escape(term.reason)}" '
                f'style="{_STYLE["nowrap"]};{_STYLE["nontrainable"]}">{html.escape(term.text)}</span>'
            )
    if not arithmetic.terms:
        plain(arithmetic.named)
    for step in arithmetic.steps:
        separator(STEP_SEPARATOR)
        plain(step)
    return "".join(pieces)


# Totals lines by kind: a class for stylesheets, an inline style for viewers that drop them.
_TOTAL_CLASSES = {ERROR: " ae-mismatch", WARNING: " ae-fallback", NON_TRAINABLE: " ae-nontrainable"}
_TOTAL_STYLES = {
    ERROR: ";" + _STYLE["mark-mismatch"],
    WARNING: ";" + _STYLE["mark-fallback"],
    NON_TRAINABLE: ";" + _STYLE["nontrainable"],
    TOTAL: ";font-weight:bold",
}


def _total_class(item: TotalsItem) -> str:
    return _TOTAL_CLASSES.get(item.kind, "")


def _total_style(item: TotalsItem) -> str:
    return _TOTAL_STYLES.get(item.kind, "")
