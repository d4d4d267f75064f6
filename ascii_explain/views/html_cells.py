"""The notebook view's cells: numbers with units and the exact value on hover, share bars, arithmetic pieces.

Shared by the header (``html_header.py``) and the tree (``html.py``). Text is
escaped here; callers pass what the view model holds.
"""

from __future__ import annotations

import re
from typing import Optional

from ..build.records import OutputShape
from .arithmetic_text import STEP_SEPARATOR, TERM_SEPARATOR, Arithmetic
from .formatting import format_dims, format_percent, is_multi_shape
from .model import ADJUSTED, FALLBACK, INFERRED, INTERNAL_ERROR, MISMATCH, OK, UNBUILT
from .units import short_bytes, short_count

# A mark's words, for the sign's title and the header's list (the README's "States and marks").
MARK_WORDS = {
    MISMATCH: "disagrees with Keras",
    INTERNAL_ERROR: "internal error of ascii_explain",
    FALLBACK: "counted from weight shapes (no formula)",
    INFERRED: "inferred from config (no registered formula)",
    ADJUSTED: "inherited formula, adjusted",
    UNBUILT: "unbuilt",
    "no_weights": "no weights",
    OK: "",
}


def number_html(value: Optional[int], unknown_title: str = "") -> str:
    """``6.74 B`` with the exact value one hover away (``title="6,738,415,616"``)."""
    import html

    if value is None:
        title = f' title="{html.escape(unknown_title)}"' if unknown_title else ""
        return f'<span class="ae-dimmed"{title}>?</span>'
    return f'<span title="{value:,}">{short_count(value)}</span>'


def bytes_html(value: Optional[float]) -> str:
    """``25.1 GB`` with the exact number of bytes in the title."""
    if value is None:
        return '<span class="ae-dimmed" title="unknown: a dimension is not known">?</span>'
    exact = f"{int(value):,}" if value == int(value) else f"{value:,}"  # Keras's totals count bytes as floats
    return f'<span title="{exact} bytes">{short_bytes(value)}</span>'


def share_html(percent: Optional[float]) -> str:
    """``21.1%`` and a bar as long as the share (inline width), so the heaviest rows stand out.

    Nothing for an unknown or zero share: a column of empty bars would only hide the full ones.
    """
    if not percent:
        return ""
    width = max(0.0, min(100.0, percent))
    return (
        f"<span>{format_percent(percent)}</span>"
        f'<span class="ae-bar" aria-hidden="true"><span style="width:{width:.1f}%"></span></span>'
    )


def mark_text_class(mark: str) -> str:
    return "ae-error" if mark in (MISMATCH, INTERNAL_ERROR) else "ae-warning" if mark in (FALLBACK, ADJUSTED) else ""


def detail(text: str, cls: str = "", indent: str = "") -> str:
    import html

    classes = "ae-detail" + (f" {cls}" if cls else "")
    return f'<div class="{classes}"{indent}>{html.escape(text)}</div>'


def dims_html(shape: Optional[OutputShape]) -> str:
    """``26 × 26 × 32``: the data dimensions (no batch axis), as the tables write them.

    Several outputs are each written so (``8 × 8 × 8 | 16 × 16 × 8``), each kept on one line, the list
    free to wrap in its cell: joined first and then spaced, they read ``8 × 8 × 8 × | × 16`` and ran
    across the next columns.
    """
    import html

    if is_multi_shape(shape):
        parts = [f'<span class="ae-shape">{dims_html(part)}</span>' for part in shape]  # type: ignore[union-attr,arg-type]
        return f'<span class="ae-shapes">{" | ".join(parts)}</span>'
    return html.escape(format_dims(shape, compact=True).replace(" ", " × "))


def attr(text: str) -> str:
    import html

    return html.escape(text, quote=True)


_BREAKS = re.compile(f"({re.escape(TERM_SEPARATOR)}|{re.escape(STEP_SEPARATOR)})")


def pieces_html(arithmetic: Arithmetic) -> str:
    import html

    pieces = []

    def plain(text: str) -> None:
        for piece in _BREAKS.split(text):
            if piece in (TERM_SEPARATOR, STEP_SEPARATOR):
                pieces.append(html.escape(piece))
            else:
                pieces.append(f'<span style="white-space:nowrap">{html.escape(piece)}</span>')

    for index, term in enumerate(arithmetic.terms):
        if index:
            pieces.append(html.escape(TERM_SEPARATOR))
        if term.trainable or _BREAKS.search(term.text):
            plain(term.text)
        else:
            pieces.append(
                f'<span class="ae-nontrainable" title="{html.escape(term.reason)}" '
                f'style="white-space:nowrap">{html.escape(term.text)}</span>'
            )
    if not arithmetic.terms:
        plain(arithmetic.named)
    for step in arithmetic.steps:
        pieces.append(html.escape(STEP_SEPARATOR))
        plain(step)
    return "".join(pieces)
