"""Views of an Explanation other than the diagram: dict/JSON, tabulate tables, Markdown, HTML.

Each is a function of the records; nothing here touches Keras, and the records
stay free of formatting (the views format). ``tabulate`` and ``html`` are
imported inside the functions that use them, so ``import ascii_explain`` does
not pay for them.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Optional

from .build.records import LayerRecord, OutputShape, neurons_of
from .explanation import Explanation
from .render.arithmetic_text import arithmetic_text, check_text

# Bumped when a key of to_dict() changes meaning or goes away (new keys do not bump it).
FORMAT_VERSION = 1

TABLE_HEADERS = (
    "",
    "Layer",
    "Operation",
    "Activation",
    "Data dimensions",
    "Neurons",
    "Weights (N)",
    "Weights (%)",
    "Trainable",
    "Arithmetic",
)
TABLE_ALIGN = ("left", "left", "left", "left", "right", "right", "right", "right", "center", "left")
MARKS = {"mismatch": "!", "fallback": "?", "": ""}
# tabulate's Markdown flavours: "*" in the arithmetic would turn into emphasis, so it goes in code spans.
MARKDOWN_FORMATS = ("github", "pipe")


# ----------------------------------------------------------------------------- dict / JSON


def to_dict(explanation: Explanation) -> dict[str, Any]:
    """Every record field, the totals (ours and Keras's), mismatches and fallbacks, as JSON types.

    ``totals`` holds our sums and Keras's (``keras_params``, ...) and whether
    they ``match``; ``mismatches`` and ``fallbacks`` name the layers concerned.
    Keys are stable across runs; tuples become lists, so
    ``json.loads(to_json(e)) == to_dict(e)``. Each layer holds all of
    ``LayerRecord``'s fields (``term_list`` as a list of term dicts) plus its
    derived counts (``trainable_params``, ``non_trainable_params``,
    ``matches``, ``is_fallback``, ``neurons``).
    """
    e = explanation
    return {
        "format_version": FORMAT_VERSION,
        "model": {
            "name": e.model_name,
            "class": e.model_class,
            "kind": e.model_kind,
            "inputs": list(e.input_names),
            "outputs": list(e.output_names),
        },
        "input_shapes": _plain(e.input_shapes),
        "totals": {
            "params": e.total_params,
            "trainable": e.trainable_params,
            "non_trainable": e.non_trainable_params,
            "keras_params": e.keras_total_params,
            "keras_trainable": e.keras_trainable_params,
            "keras_non_trainable": e.keras_non_trainable_params,
            "match": e.totals_match,
        },
        "mismatches": [record.name for record in e.mismatches],
        "fallbacks": [record.name for record in e.fallbacks],
        "costs": {
            "macs": e.total_macs,
            "macs_unknown": [record.name for record in e.macs_unknown],
            "param_bytes": e.param_bytes,
            "batch_size": e.batch_size,
            "activation_bytes": e.activation_bytes,
            "input_bytes": e.input_bytes,
        },
        "layers": [_record_dict(record) for record in e.layers],
        "extra": _plain(e.extra),
    }


def to_json(explanation: Explanation, **kwargs: Any) -> str:
    """``to_dict`` as JSON; sorted keys and indent 2 unless ``kwargs`` (for ``json.dumps``) say otherwise."""
    kwargs.setdefault("indent", 2)
    kwargs.setdefault("sort_keys", True)
    return json.dumps(to_dict(explanation), **kwargs)


def _record_dict(record: LayerRecord) -> dict[str, Any]:
    fields = {field.name: _plain(getattr(record, field.name)) for field in dataclasses.fields(record)}
    fields.update(
        trainable_params=record.trainable_params,
        non_trainable_params=record.non_trainable_params,
        matches=record.matches,
        is_fallback=record.is_fallback,
        neurons=record.neurons,
    )
    return fields


def _plain(value: Any) -> Any:
    """JSON's types only: dataclasses become dicts, tuples lists; anything unknown its str()."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)


# ----------------------------------------------------------------------------- rows shared by the tables


@dataclasses.dataclass(frozen=True)
class _Row:
    """One table row: a layer, or the model's input when no InputLayer record stands for it."""

    kind: str  # "mismatch", "fallback" or ""
    name: str
    operation: str
    activation: str
    dims: str
    neurons: Optional[int]
    params: Optional[int]
    percent: Optional[float]
    trainable: str
    arithmetic: str
    check: str
    record: Optional[LayerRecord]
    notes: tuple[str, ...] = ()


def _rows(explanation: Explanation) -> list[_Row]:
    rows = []
    records = explanation.layers
    if explanation.input_shapes and (not records or records[0].class_name != "InputLayer"):
        shape = explanation.input_shapes[0]
        rows.append(_Row("", "", "Input", "", _dims(shape), neurons_of(shape), None, None, "", "", "", None))
    total = explanation.total_params
    for record in records:
        kind = "fallback" if record.is_fallback else ("mismatch" if not record.matches else "")
        weighted = bool(record.term_list) or kind != ""
        rows.append(
            _Row(
                kind=kind,
                name=record.name,
                operation="Input" if record.class_name == "InputLayer" else record.class_name,
                activation=record.activation,
                dims=_dims(record.output_shape),
                neurons=record.neurons,
                params=None if record.class_name == "InputLayer" else record.params,
                percent=None if record.class_name == "InputLayer" else _share(record.params, total),
                trainable="-" if not record.term_list else ("Y" if record.trainable else "N"),
                arithmetic=arithmetic_text(record) if weighted else "",
                check=check_text(record),
                record=record,
                notes=tuple(record.notes),
            )
        )
    return rows


def _share(params: int, total: int) -> float:
    return 100.0 * params / total if total else 0.0


def _dims(shape: Optional[OutputShape]) -> str:
    from .render.text import format_dims

    return format_dims(shape, compact=True)


def _number(value: Optional[int]) -> str:
    return "" if value is None else f"{value:,}"


def _percent(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.1f}%"


# ----------------------------------------------------------------------------- tabulate tables and Markdown


def to_table(explanation: Explanation, fmt: str = "github") -> str:
    """The layers as a table in any ``tabulate`` format; ``"markdown"`` means tabulate's ``"github"``."""
    import tabulate

    name = "github" if fmt == "markdown" else fmt
    if name not in tabulate.tabulate_formats:
        raise ValueError(
            f"unknown table format {fmt!r}; use 'markdown' or one of tabulate's formats: "
            + ", ".join(tabulate.tabulate_formats)
        )
    return _tabulate(explanation, name, escape=lambda text: text, code=name in MARKDOWN_FORMATS)


def to_markdown(explanation: Explanation) -> str:
    """A heading, a GitHub-flavoured table (arithmetic in code spans), and the totals as a list."""
    from .render.text import totals_lines

    e = explanation
    table = _tabulate(e, "github", escape=_markdown_escape, code=True)
    totals = "\n".join("- " + _markdown_escape(line.strip()) for line in totals_lines(e))
    title = f"**{_markdown_escape(e.model_name)}** ({_markdown_escape(e.model_class)})"
    return f"{title}\n\n{table}\n\n{totals}"


def _tabulate(explanation: Explanation, fmt: str, escape: Any, code: bool = False) -> str:
    import tabulate

    def arithmetic(row: _Row) -> str:
        text = row.arithmetic
        if code and text:
            text = f"`{text}`"
        if row.check:
            text = f"{text} ({escape(row.check)})" if text else escape(row.check)
        return text

    table = [
        [
            MARKS[row.kind],
            escape(row.name),
            escape(row.operation),
            escape(row.activation),
            row.dims,
            _number(row.neurons),
            _number(row.params),
            _percent(row.percent),
            row.trainable,
            arithmetic(row),
        ]
        for row in _rows(explanation)
    ]
    e = explanation
    agreement = "agrees" if e.totals_match else "MISMATCH"
    table.append(
        [
            "" if e.totals_match else MARKS["mismatch"],
            "total",
            "",
            "",
            "",
            "",
            _number(e.total_params),
            _percent(100.0 if e.total_params else 0.0),
            "",
            f"trainable {e.trainable_params:,}, non-trainable {e.non_trainable_params:,}; "
            f"Keras's count_params() {e.keras_total_params:,}: {agreement}",
        ]
    )
    # Numbers are formatted here ("1,024", "21.1%") and not re-parsed, so every
    # format shows them the same; alignment is explicit for the same reason.
    return tabulate.tabulate(
        table, headers=TABLE_HEADERS, tablefmt=fmt, colalign=TABLE_ALIGN, disable_numparse=True
    )


def _markdown_escape(text: str) -> str:
    """Layer names are user text: keep them from opening HTML, emphasis or a new table cell."""
    for char, replacement in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        text = text.replace(char, replacement)
    for char in "*_`[]":
        text = text.replace(char, "\\" + char)
    return text


# ----------------------------------------------------------------------------- HTML

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


def to_html(explanation: Explanation) -> str:
    """A self-contained HTML table: the diagram's columns, the arithmetic, and the totals under it."""
    import html

    e = explanation
    head = "".join(
        f'<th class="ae-col" style="{_STYLE["th"].format(align=align)}">{html.escape(text)}</th>'
        for text, align in _COLUMNS
    )
    body = [_row_html(row) for row in _rows(e)]
    foot = [
        f'<tr class="ae-total{_total_class(line)}"><td colspan="{len(_COLUMNS)}" '
        f'style="{_STYLE["foot"]}{_total_style(line)}">{html.escape(line.strip())}</td></tr>'
        for line in _totals(e)
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


def _row_html(row: _Row) -> str:
    import html

    from .render.glyphs import GLYPHS

    esc = html.escape
    mark = MARKS[row.kind]
    is_layer = row.record is not None and row.operation != "Input"
    # keras_sequential_ascii's glyph, when it has one for this class ("?????" says nothing here).
    glyph = GLYPHS.get(row.record.class_name, "").strip() if is_layer and row.record is not None else ""
    cells = (
        f'<span class="ae-mark" style="{_STYLE["mark-" + row.kind]}">{esc(mark)}</span>' if mark else "",
        f'<span style="{_STYLE["nowrap"]}">'
        + (f'<span class="ae-glyph" style="{_STYLE["glyph"]}">{esc(glyph)}</span> ' if glyph else "")
        + f'<span class="ae-operation">{esc(row.operation)}</span></span>',
        esc(row.activation),
        f'<span style="{_STYLE["nowrap"]}">{esc(row.dims.replace(" ", " × "))}</span>',
        esc(_number(row.neurons)),
        esc(_number(row.params)),
        esc(_percent(row.percent)),
        esc(row.trainable) if is_layer else "",
        f'<span class="ae-name">{esc(row.name)}</span>',
        _arithmetic_html(row),
    )
    tds = "".join(
        f'<td style="{_STYLE["td"].format(align=align)}">{cell}</td>'
        for cell, (_, align) in zip(cells, _COLUMNS, strict=True)
    )
    row_class = "ae-row" + (f" ae-{row.kind}" if row.kind else "") + ("" if is_layer else " ae-input")
    style_attr = f' style="{_STYLE[row.kind]}"' if row.kind else ""
    return f'<tr class="{row_class}"{style_attr}>{tds}</tr>'


def _arithmetic_html(row: _Row) -> str:
    """The arithmetic in monospace, wrapping only between terms; non-trainable terms set apart; checks under it."""
    import html
    import re

    text = ""
    if row.record is not None and row.arithmetic:
        non_trainable = {
            f"{term.name} {term.expression} (non-trainable)": term.reason
            for term in row.record.term_list
            if not term.trainable
        }
        pieces = []
        for piece in re.split(r"( \+ | = )", row.arithmetic):
            if piece in (" + ", " = "):
                pieces.append(html.escape(piece))
            elif piece in non_trainable:
                pieces.append(
                    f'<span class="ae-nontrainable" title="{html.escape(non_trainable[piece])}" '
                    f'style="{_STYLE["nowrap"]};{_STYLE["nontrainable"]}">{html.escape(piece)}</span>'
                )
            else:
                pieces.append(f'<span style="{_STYLE["nowrap"]}">{html.escape(piece)}</span>')
        text = f'<span class="ae-arithmetic" style="{_STYLE["code"]}">{"".join(pieces)}</span>'
    if row.record is not None:
        from .render.cost_text import cost_details

        for line in cost_details(row.record):  # shape arithmetic and mult-adds, as under the diagram's rows
            text += f'<div class="ae-cost" style="{_STYLE["cost"]}">{html.escape(line)}</div>'
    if row.check:
        text += f'<div class="ae-check" style="{_STYLE["mark-" + row.kind]}">{html.escape(row.check)}</div>'
    for note in row.notes:
        if note.startswith("no registered formula"):  # the check above says so already
            continue
        text += f'<div class="ae-note" style="{_STYLE["note"]}">{html.escape(note)}</div>'
    return text


def _totals(explanation: Explanation) -> list[str]:
    from .render.text import totals_lines

    return totals_lines(explanation)


def _total_class(line: str) -> str:
    if line.startswith("!"):
        return " ae-mismatch"
    if line.startswith("?"):
        return " ae-fallback"
    if line.strip().startswith("non-trainable"):
        return " ae-nontrainable"
    return ""


def _total_style(line: str) -> str:
    kind = _total_class(line).strip()
    if kind == "ae-mismatch":
        return ";" + _STYLE["mark-mismatch"]
    if kind == "ae-fallback":
        return ";" + _STYLE["mark-fallback"]
    if kind == "ae-nontrainable":
        return ";" + _STYLE["nontrainable"]
    if line.startswith("Total params"):
        return ";font-weight:bold"
    return ""
