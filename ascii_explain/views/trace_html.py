"""A trace as HTML for Jupyter: one table row per layer call, every text escaped."""

from __future__ import annotations

import html

from ..safe_text import safe
from .trace_values import TraceData, batch_words, shown_array, values_lines


def render_trace_html(result: TraceData) -> str:
    single = result.batch_size == 1
    rows = []
    entries = [("input", "", array) for array in result.inputs]
    entries += [(step.name, step.class_name, array) for step in result.steps for array in step.values]
    for name, class_name, array in entries:
        shown = shown_array(array, single)
        values = "\n".join(values_lines(shown, 100))
        rows.append(
            "<tr>"
            f"<td>{html.escape(safe(name))}</td><td>{html.escape(safe(class_name))}</td>"
            f"<td>{html.escape(str(shown.shape))}</td>"
            f"<td><pre style=\"margin:0\">{html.escape(values)}</pre></td>"
            "</tr>"
        )
    caption = html.escape(f"Trace of {safe(repr(result.model_name))} on {batch_words(result)}, inference mode")
    return (
        "<table class=\"ascii-explain-trace\">"
        f"<caption>{caption}</caption>"
        "<thead><tr><th>layer</th><th>class</th><th>shape</th><th>values</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
