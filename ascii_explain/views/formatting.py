"""How numbers, sizes and shapes are written, the same in every view."""

from __future__ import annotations

from typing import Optional

from ..build.records import OutputShape

UNKNOWN = "?"
# How data rows write a tensor's shape: keras_sequential_ascii's DATA DIMENSIONS (no batch axis,
# explain()'s diagram) or keras.Model.summary's Output Shape notation (summary()).
DIMS = "dims"
KERAS = "keras"
SHAPE_STYLES = (DIMS, KERAS)


def format_count(value: Optional[int], unknown: str = UNKNOWN) -> str:
    """``1,024``; ``unknown`` when the count is not known (the diagram says "?", a table leaves it blank)."""
    return unknown if value is None else f"{value:,}"


def format_percent(value: float) -> str:
    """``21.1%``: one decimal, as the diagram's and the tables' WEIGHTS(%) columns show it."""
    return f"{value:.1f}%"


def share(params: int, total: int) -> float:
    """``params`` as a percentage of ``total`` (0 for a model without parameters)."""
    return 100.0 * params / total if total else 0.0


def format_macs(value: int) -> str:
    """A mult-add count with an SI unit and three significant digits: ``118 M``, ``30.9 T``, ``12.7 K``."""
    number = float(value)
    for unit in ("", "K", "M", "G", "T", "P"):
        if abs(number) < 999.5 or unit == "P":
            text = f"{number:.3g}" if unit else f"{int(number)}"
            return f"{text} {unit}".rstrip()
        number /= 1000
    return str(value)  # not reached


def readable_macs(value: int) -> str:
    """`` (118 M)`` after an exact count of a million or more, where the digits stop being readable; else ""."""
    return f" ({format_macs(value)})" if value >= READABLE_FROM else ""


READABLE_FROM = 1_000_000


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


def format_keras_shape(shape: Optional[OutputShape]) -> str:
    """keras.Model.summary's notation (Keras 3.15.1, ``summary_utils.format_layer_shape``).

    ``(None, 26, 26, 32)`` with the batch axis, ``()`` for a scalar, ``(None)``
    for one axis (Keras writes no trailing comma), ``?`` unknown, and several
    outputs as a list: ``[(None, 3), (None, 4)]``.
    """
    if shape is None:
        return UNKNOWN
    if is_multi_shape(shape):
        return "[" + ", ".join(format_keras_shape(part) for part in shape) + "]"  # type: ignore[arg-type]
    return "(" + ", ".join(str(dim) for dim in shape) + ")"


def format_shape(shape: Optional[OutputShape], style: str = DIMS, compact: bool = False) -> str:
    """A data row's shape in ``style`` (DIMS or KERAS); ``compact`` only narrows DIMS."""
    return format_keras_shape(shape) if style == KERAS else format_dims(shape, compact)


def check_shape_style(style: str) -> str:
    if style not in SHAPE_STYLES:
        raise ValueError(
            f"shape_style must be {' or '.join(map(repr, SHAPE_STYLES))} "
            f"(data dimensions, or keras.Model.summary's notation); got {style!r}"
        )
    return style
