"""How numbers, sizes and shapes are written, the same in every view."""

from __future__ import annotations

from typing import Optional

from ..build.records import OutputShape

UNKNOWN = "?"


def format_count(value: Optional[int], unknown: str = UNKNOWN) -> str:
    """``1,024``; ``unknown`` when the count is not known (the diagram says "?", a table leaves it blank)."""
    return unknown if value is None else f"{value:,}"


def format_percent(value: float) -> str:
    """``21.1%``: one decimal, as the diagram's and the tables' WEIGHTS(%) columns show it."""
    return f"{value:.1f}%"


def share(params: int, total: int) -> float:
    """``params`` as a percentage of ``total`` (0 for a model without parameters)."""
    return 100.0 * params / total if total else 0.0


def format_bytes(size: Optional[float]) -> str:
    """Keras's ``readable_memory_size`` style: ``1.04 KB`` (1024 bytes a KB); ``?`` when unknown."""
    if size is None:
        return UNKNOWN
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024:
            return f"{value:.2f} {unit}"
        value /= 1024
    return f"{value:.2f} PB"


def is_multi_shape(shape: Optional[OutputShape]) -> bool:
    """True for the shapes of several outputs (a tuple of tuples)."""
    # The first part decides most shapes at once (an int or None: one output), without a generator.
    return bool(shape) and isinstance(shape[0], tuple) and all(isinstance(part, tuple) for part in shape)  # type: ignore[index,union-attr]


def format_dims(shape: Optional[OutputShape], compact: bool = False) -> str:
    """keras_sequential_ascii's dimension style: 4 columns a dimension, 9 for a vector.

    ``compact`` (for narrow widths, and the tables) separates the dimensions by one space.
    """
    if shape is None:
        return UNKNOWN
    if is_multi_shape(shape):
        return " | ".join(format_dims(part, compact) for part in shape)  # type: ignore[arg-type]
    dims = ["None" if dim is None else str(dim) for dim in shape[1:]]
    if not dims:
        return "scalar"
    if compact:
        return " ".join(dims)
    if len(dims) == 1:
        return dims[0].rjust(9)
    return " ".join(dim.rjust(4) for dim in dims)
