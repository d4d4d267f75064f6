"""A trace as text: for each layer call, its output on the sample (in full, or summarized)."""

from __future__ import annotations

from ..safe_text import safe, wrap
from .trace_values import INDENT, TraceData, batch_words, shown_array, values_lines


def render_trace_text(result: TraceData, width: int = 100) -> str:
    single = result.batch_size == 1
    lines = [f"Trace of {safe(repr(result.model_name))} on {batch_words(result)}, inference mode"]
    if result.added_batch_axis:
        lines.append("(the sample had no batch axis; trace added one)")
    lines.append("")
    for index, array in enumerate(result.inputs):
        shown = shown_array(array, single)
        lines.append(f"input{'' if len(result.inputs) == 1 else f' {index}'}  shape {shown.shape}")
        lines.extend(INDENT + line for line in values_lines(shown, width))
    for step in result.steps:
        for index, array in enumerate(step.values):
            shown = shown_array(array, single)
            suffix = "" if len(step.values) == 1 else f" output {index}"
            lines.append(f"{safe(step.name)} ({safe(step.class_name)}){suffix}  shape {shown.shape}")
            lines.extend(INDENT + line for line in values_lines(shown, width))
    wrapped = []
    for line in lines:
        # By terminal columns; a name wider than the line is cut across lines.
        wrapped.extend(wrap(line, width=width, subsequent_indent=INDENT, drop_whitespace=False) or [""])
    return "\n".join(line.rstrip() for line in wrapped)
