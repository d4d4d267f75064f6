"""A model diff as text, in the diagram's manner: a row per changed layer, its arithmetic indented under it.

``+`` added, ``-`` removed, ``~`` changed (the marks of a unified diff);
unchanged rows only on request. The totals lines (``totals_lines``) and the
cell helpers are shared with ``diff_markdown.py``.
"""

from __future__ import annotations

import textwrap
from typing import Any, Optional

from ..build.diff import ADDED, CHANGED, MARKS, REMOVED, UNCHANGED, DiffRows, LayerChange
from ..safe_text import columns, pad_left, pad_right, sanitized
from .formatting import UNKNOWN, format_count, format_dims


def format_shape(shape: Any) -> str:
    """``(None, 12, 12, 32)`` -> ``"12 12 32"``, as the tables' data dimensions; several outputs joined by " | "."""
    return format_dims(shape, compact=True)


def count(value: Optional[int]) -> str:
    return format_count(value)


def signed(value: Optional[int]) -> str:
    return UNKNOWN if value is None else f"{value:+,}"


def _percent(delta: int, base: int) -> str:
    if base == 0:
        return "" if delta == 0 else ", new"
    return f", {100.0 * delta / base:+.1f}%"


def before_after(before: str, after: str) -> str:
    return before if before == after else f"{before} -> {after}"


def render_text(model_diff: DiffRows, width: int = 100, show_unchanged: bool = False) -> str:
    """The diff in the diagram's manner: a row per layer, its arithmetic indented under it, the totals below.

    ``+`` added, ``-`` removed, ``~`` changed; unchanged rows only with ``show_unchanged``.
    Names and classes come from the models: made safe and measured in terminal columns (``safe_text.py``).
    """
    model_diff = sanitized(model_diff)
    title = f"Diff: {model_diff.before_name} -> {model_diff.after_name}"
    lines = [title, ""]
    label = max([columns(row.name) for row in model_diff.rows] + [5])
    kind = max([columns((row.after or row.before).class_name) for row in model_diff.rows] + [9])  # type: ignore[union-attr]
    shown = [row for row in model_diff.rows if show_unchanged or row.status != UNCHANGED]
    lines.append(f"   {'OPERATION':>{kind}}  {'LAYER':<{label}}  {'PARAMS':>14}  {'CHANGE':>12}")
    for row in shown:
        lines.extend(_row_lines(row, kind, label, width))
    if not model_diff.changes:
        lines.append(f"   {'':>{kind}}  (no layer changed)")
    lines.append("")
    for line in totals_lines(model_diff):
        lines.extend(_wrap(line, width, ""))
    hidden = len(model_diff.rows) - len(shown)
    if hidden:
        lines.append(f"{hidden} unchanged layer{'s' if hidden != 1 else ''} not shown.")
    return "\n".join(line.rstrip() for line in lines)


def _row_lines(row: LayerChange, kind: int, label: int, width: int) -> list[str]:
    side = row.after or row.before
    assert side is not None
    class_name = side.class_name
    if row.before is not None and row.after is not None and row.before.class_name != row.after.class_name:
        class_name = row.after.class_name
    params = count(side.params) if row.status in (ADDED, REMOVED) else count(row.after.params)  # type: ignore[union-attr]
    change = signed(row.params_delta) if row.params_delta else ""
    cells = f"{pad_left(class_name, kind)}  {pad_right(row.name, label)}  {params:>14}  {change:>12}"
    head = f" {MARKS[row.status]} {cells}"
    indent = " " * (kind + 5)
    details = _details(row)
    lines = [head]
    for key, text in details:
        lines.extend(_wrap(f"{key:<8}{text}", width, indent))
    return lines


def _details(row: LayerChange) -> list[tuple[str, str]]:
    """The indented lines under a row: what each field was and is."""
    before, after = row.before, row.after
    if before is None or after is None:
        side = after or before
        assert side is not None
        word = "added" if before is None else "removed"
        details = [(word, f"{side.class_name} {side.name}")]
        if side.params:
            details.append(("params", f"{side.formula} = {side.params}"))
        details.append(("shape", format_shape(side.output_shape)))
        if side.macs != 0:
            details.append(("macs", count(side.macs)))
        return details
    details = []
    if before.name != after.name:
        details.append(("renamed", f"{before.name} -> {after.name}"))
    if before.class_name != after.class_name:
        details.append(("class", f"{before.class_name} -> {after.class_name}"))
    if before.formula != after.formula or before.params != after.params:
        details.append(
            ("params", f"{before.formula or '0'} = {before.params} -> {after.formula or '0'} = {after.params}")
        )
    if before.output_shape != after.output_shape:
        details.append(("shape", before_after(format_shape(before.output_shape), format_shape(after.output_shape))))
    if before.macs != after.macs:
        details.append(("macs", f"{count(before.macs)} -> {count(after.macs)} ({signed(row.macs_delta)})"))
    return details


def totals_lines(model_diff: DiffRows) -> list[str]:
    params = (
        f"Params: {model_diff.params_before:,} -> {model_diff.params_after:,} "
        f"({model_diff.params_delta:+,}{_percent(model_diff.params_delta, model_diff.params_before)})"
    )
    macs = (
        f"Mult-adds: {model_diff.macs_before:,} -> {model_diff.macs_after:,} "
        f"({model_diff.macs_delta:+,}{_percent(model_diff.macs_delta, model_diff.macs_before)}) per sample"
    )
    counts = {status: sum(1 for row in model_diff.rows if row.status == status) for status in MARKS}
    layers = ", ".join(f"{counts[status]} {status}" for status in (ADDED, REMOVED, CHANGED, UNCHANGED))
    return [params, macs, f"Layers: {layers}"]


def _wrap(text: str, width: int, indent: str) -> list[str]:
    """Wrap at spaces, keeping arithmetic like ``(1024+1)*256`` whole."""
    return textwrap.wrap(
        text,
        width=max(width, len(indent) + 20),
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent]
