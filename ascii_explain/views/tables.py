"""The layers as a table in any ``tabulate`` format (``Explanation.table``, ``ascii-explain --format``).

Numbers are formatted here ("1,024", "21.1%") and never re-parsed, so every
format shows them the same. ``tabulate`` is imported inside the functions, so
``import ascii_explain`` does not pay for it.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..safe_text import displayable
from .formatting import format_count, format_percent
from .model import MARK_SIGNS, MISMATCH, ExplanationData, TableRow, ViewModel, build_view_model, table_rows

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
# tabulate's Markdown flavours: "*" in the arithmetic would turn into emphasis, so it goes in code spans.
MARKDOWN_FORMATS = ("github", "pipe")


def to_table(explanation: ExplanationData, fmt: str = "github") -> str:
    """The layers as a table in any ``tabulate`` format; ``"markdown"`` means tabulate's ``"github"``.

    Note: ``"markdown"`` here is this plain table; ``Explanation.to_markdown()``
    (``markdown.py``) adds a heading, escapes user text and lists the totals.
    """
    import tabulate

    name = "github" if fmt == "markdown" else fmt
    if name not in tabulate.tabulate_formats:
        raise ValueError(
            f"unknown table format {fmt!r}; use 'markdown' or one of tabulate's formats: "
            + ", ".join(tabulate.tabulate_formats)
        )
    shown = displayable(explanation)  # names with control characters written visibly (safe_text.py)
    escape = _pipe_escape if name in MARKDOWN_FORMATS else _unchanged
    return tabulate_layers(shown, build_view_model(shown), name, escape=escape, code=name in MARKDOWN_FORMATS)


def _unchanged(text: str) -> str:
    return text


def _pipe_escape(text: str) -> str:
    """A Markdown table's cell: a "|" in a name must not end it (nor a backslash escape the "|" after it)."""
    return text.replace("\\", "\\\\").replace("|", "\\|")


def tabulate_layers(
    explanation: ExplanationData,
    view: ViewModel,
    fmt: str,
    escape: Callable[[str], str] = _unchanged,
    code: bool = False,
) -> str:
    """The table in tabulate's ``fmt``: one row a layer, then the total; user text through ``escape``,
    the arithmetic in code spans when ``code``."""
    import tabulate

    def arithmetic(row: TableRow) -> str:
        layer = row.layer
        if layer is None:
            return ""
        text = layer.arithmetic.text if layer.arithmetic is not None else ""
        if code and text:
            text = f"`{text}`"
        if layer.repeat > 1 and text:  # a run of identical blocks: the arithmetic is each block's
            text = f"each of {layer.repeat}: {text}"
        if layer.check:
            text = f"{text} ({escape(layer.check)})" if text else escape(layer.check)
        return text

    table = [
        [
            row.layer.sign if row.layer is not None else "",
            escape(row.name),
            escape(row.operation),
            escape(row.activation),
            row.dims,
            _number(row.neurons),
            _number(row.params),
            _percent(row.percent),
            row.layer.trainable if row.layer is not None else "",
            arithmetic(row),
        ]
        for row in table_rows(explanation, view)
    ]
    e = explanation
    agreement = "agrees" if e.totals_match else "MISMATCH"
    table.append(
        [
            "" if e.totals_match else MARK_SIGNS[MISMATCH],
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
    # Alignment is explicit, and numbers are not parsed, so every format shows them the same.
    return tabulate.tabulate(
        table, headers=TABLE_HEADERS, tablefmt=fmt, colalign=TABLE_ALIGN, disable_numparse=True
    )


def _number(value: Optional[int]) -> str:
    return format_count(value, unknown="")


def _percent(value: Optional[float]) -> str:
    return "" if value is None else format_percent(value)
