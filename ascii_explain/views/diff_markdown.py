"""A model diff as a GitHub-flavoured Markdown table of the changed rows, the totals under it."""

from __future__ import annotations

from typing import Any

from ..build.diff import MARKS, UNCHANGED, DiffRows, LayerChange
from ..safe_text import sanitized
from .diff_text import before_after, count, format_shape, signed, totals_lines
from .markdown import markdown_escape


def render_markdown(model_diff: DiffRows, show_unchanged: bool = False) -> str:
    """A GitHub-flavoured Markdown table of the changed rows (all with ``show_unchanged``), totals under it."""
    model_diff = sanitized(model_diff)  # names from the models: control characters written visibly

    def cell(text: str) -> str:  # numbers, shapes and code spans: only a "|" would end the cell
        return text.replace("|", "\\|")

    header = "| | Layer | Class | Params | Δ params | MACs | Output shape | Formula |"
    # Layer and model names are user text: escaped as Explanation.to_markdown() escapes them.
    title = f"**{markdown_escape(model_diff.before_name)} -> {markdown_escape(model_diff.after_name)}**"
    lines = [title, "", header]
    lines.append("|---|---|---|---:|---:|---:|---|---|")
    for row in model_diff.rows:
        if row.status == UNCHANGED and not show_unchanged:
            continue
        before, after = row.before, row.after
        if before and after:
            name = before_after(markdown_escape(before.name), markdown_escape(after.name))
        else:
            name = markdown_escape(row.name)
        lines.append(
            "| "
            + " | ".join(
                [
                    MARKS[row.status].strip() or "=",
                    name,
                    _both(row, "class_name", markdown_escape),
                    cell(_both(row, "params", count)),
                    signed(row.params_delta),
                    cell(_both(row, "macs", count)),
                    cell(_both(row, "output_shape", format_shape)),
                    cell(_both(row, "formula", lambda text: f"`{text}`" if text else "")),
                ]
            )
            + " |"
        )
    lines.append("")
    lines.append("  \n".join(totals_lines(model_diff)))  # two spaces: a Markdown line break
    return "\n".join(lines)


def _both(row: LayerChange, attribute: str, show: Any) -> str:
    """One field as a table cell: its value once for an added or removed row, else ``before -> after``."""
    old = show(getattr(row.before, attribute)) if row.before else ""
    new = show(getattr(row.after, attribute)) if row.after else ""
    if row.before is None:
        return new
    if row.after is None:
        return old
    return before_after(old, new)
