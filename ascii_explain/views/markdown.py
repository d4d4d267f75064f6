"""``Explanation.to_markdown()``: a heading, a GitHub-flavoured table (arithmetic in code spans), the totals as a list.

Layer names are user text: made ``safe`` (control characters written visibly,
``safe_text.py``), then escaped so they cannot open HTML, emphasis, code or a new
table cell. (``ascii-explain --format markdown`` is the plain tabulate table
of ``tables.py``, without heading or totals.)
"""

from __future__ import annotations

from typing import Optional

from ..safe_text import displayable
from .model import ExplanationData, ViewModel, build_view_model, collapse_repeats
from .tables import tabulate_layers


def to_markdown(explanation: ExplanationData, expand_repeats: Optional[bool] = None) -> str:
    """A heading, a GitHub-flavoured table (arithmetic in code spans), and the totals as a list.

    Identical consecutive blocks are one row (``2 × LlamaTransformerDecoder``,
    as the text diagram draws them) unless ``expand_repeats`` (default: the
    explanation's own, as ``explain(..., expand_repeats=)`` set it).
    """
    e = displayable(explanation)
    view = build_view_model(e)
    if expand_repeats is None:
        expand_repeats = bool(getattr(explanation, "expand_repeats", False))
    shown = view if expand_repeats else ViewModel(tuple(collapse_repeats(view.layers)), view.totals)
    table = tabulate_layers(e, shown, "github", escape=markdown_escape, code=True)
    totals = "\n".join("- " + markdown_escape(item.text.strip()) for item in view.totals)
    title = f"**{markdown_escape(e.model_name)}** ({markdown_escape(e.model_class)})"
    return f"{title}\n\n{table}\n\n{totals}"


def markdown_escape(text: str) -> str:
    """Layer names are user text: keep them from opening HTML, emphasis, code, a link, a heading or a new cell.

    The backslash first, so a name ending in one cannot escape the cell's ``|``.
    """
    text = text.replace("\\", "\\\\")
    for char, replacement in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        text = text.replace(char, replacement)
    for char in "*_`[]~":
        text = text.replace(char, "\\" + char)
    if text[:1] in ("#", "+", "-", "=", ">"):  # a heading, list, rule or quote at the start of a line
        text = "\\" + text
    return text
