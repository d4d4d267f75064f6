"""A trace as text: for each layer call, its output on the sample (in full, or summarized)."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from ..trace import TraceResult, summary_of

INDENT = "    "


def array_text(array: np.ndarray, width: int) -> str:
    return np.array2string(
        array, precision=4, suppress_small=True, max_line_width=max(width - len(INDENT), 40), threshold=10_000
    )


def values_lines(array: np.ndarray, width: int) -> list[str]:
    """The lines that show one array: all its values when small, else shape, min, max, mean and a corner."""
    summary: dict[str, Any] = summary_of(array)
    if "full" in summary:
        return array_text(summary["full"], width).splitlines()
    lines = [f"min {summary['min']:.4g}   max {summary['max']:.4g}   mean {summary['mean']:.4g}"]
    lines.append(f"corner {summary['corner_index']}:")
    lines.extend(INDENT + line for line in array_text(summary["corner"], width - len(INDENT)).splitlines())
    return lines


def _shown(array: np.ndarray, single: bool) -> np.ndarray:
    """One sample's array without the batch axis when the batch is 1 (as the diagram's dimensions)."""
    return array[0] if single and array.ndim else array


def render_trace_text(result: TraceResult, width: int = 100) -> str:
    single = result.batch_size == 1
    batch = "one sample" if single else f"a batch of {result.batch_size} (batch axis first)"
    lines = [f"Trace of {result.model_name!r} on {batch}, inference mode"]
    if result.added_batch_axis:
        lines.append("(the sample had no batch axis; trace added one)")
    lines.append("")
    for index, array in enumerate(result.inputs):
        shown = _shown(array, single)
        lines.append(f"input{'' if len(result.inputs) == 1 else f' {index}'}  shape {shown.shape}")
        lines.extend(INDENT + line for line in values_lines(shown, width))
    for step in result.steps:
        for index, array in enumerate(step.values):
            shown = _shown(array, single)
            suffix = "" if len(step.values) == 1 else f" output {index}"
            lines.append(f"{step.name} ({step.class_name}){suffix}  shape {shown.shape}")
            lines.extend(INDENT + line for line in values_lines(shown, width))
    wrapped = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, width=width, subsequent_indent=INDENT, drop_whitespace=False) or [""])
    return "\n".join(line.rstrip() for line in wrapped)
