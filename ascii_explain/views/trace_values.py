"""What both trace views show of an array, and the shape of a trace result they read.

A neutral module for ``trace_text`` and ``trace_html``: which values are
shown (all of a small array; else statistics and a corner), how they are
written, and the batch axis dropped for one sample. ``TraceData`` names what
the views read of a ``TraceResult``, so no view imports ``trace.py`` (which
imports Keras).
"""

from __future__ import annotations

from typing import Any, Optional, Protocol, Sequence

import numpy as np

INDENT = "    "


class TraceStepData(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def class_name(self) -> str: ...
    @property
    def values(self) -> Sequence[np.ndarray]: ...


class TraceData(Protocol):
    @property
    def model_name(self) -> str: ...
    @property
    def inputs(self) -> Sequence[np.ndarray]: ...
    @property
    def steps(self) -> Sequence[TraceStepData]: ...
    @property
    def added_batch_axis(self) -> bool: ...
    @property
    def batch_size(self) -> int: ...


def summary_of(array: np.ndarray, full_limit: int = 64, corner: int = 4) -> dict[str, Optional[Any]]:
    """What a view shows: the whole array when it has at most ``full_limit`` values, else statistics.

    Returns ``{"shape", "full"}`` or ``{"shape", "min", "max", "mean", "corner", "corner_index"}``;
    the corner is the first ``corner`` entries of the first two axes (index 0 on later axes).
    """
    if array.size <= full_limit:
        return {"shape": array.shape, "full": array}
    as_float = array.astype(np.float64)
    if array.ndim >= 2:
        index = (slice(0, corner), slice(0, corner)) + (0,) * (array.ndim - 2)
        label = f"[:{corner}, :{corner}" + ", 0" * (array.ndim - 2) + "]"
    else:
        index, label = (slice(0, 2 * corner),), f"[:{2 * corner}]"
    return {
        "shape": array.shape,
        "min": float(as_float.min()),
        "max": float(as_float.max()),
        "mean": float(as_float.mean()),
        "corner": array[index],
        "corner_index": label,
    }


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


def shown_array(array: np.ndarray, single: bool) -> np.ndarray:
    """One sample's array without the batch axis when the batch is 1 (as the diagram's dimensions)."""
    return array[0] if single and array.ndim else array


def batch_words(result: TraceData) -> str:
    """``one sample`` or ``a batch of 4 (batch axis first)``, for both views' titles."""
    if result.batch_size == 1:
        return "one sample"
    return f"a batch of {result.batch_size} (batch axis first)"
