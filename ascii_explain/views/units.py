"""Numbers people can read at a glance: ``6.74 B`` parameters, ``30.9 T`` mult-adds, ``25.1 GB``.

Three significant digits and a unit, for the notebook view, where the exact
value is one hover away (a ``title`` attribute). Counts use the decimal
prefixes people quote models by (a "7B" model); bytes use 1024, as Keras's
summary and ``formatting.format_bytes`` do.
"""

from __future__ import annotations

from typing import Optional

from .formatting import UNKNOWN

_COUNT_UNITS = ("", " K", " M", " B", " T", " P", " E")
_BYTE_UNITS = (" B", " KB", " MB", " GB", " TB", " PB", " EB")


def short_count(value: Optional[float]) -> str:
    """``999``, ``1.23 K``, ``6.74 B``, ``30.9 T``; whole numbers under 1,000 exactly; ``?`` unknown."""
    if value is None:
        return UNKNOWN
    return _scaled(float(value), 1000.0, _COUNT_UNITS, exact_below=1000)


def short_bytes(value: Optional[float]) -> str:
    """``512 B``, ``1.04 KB``, ``25.1 GB`` (1024 bytes a KB); ``?`` unknown."""
    if value is None:
        return UNKNOWN
    return _scaled(float(value), 1024.0, _BYTE_UNITS, exact_below=1024)


def _scaled(value: float, base: float, units: tuple[str, ...], exact_below: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value < exact_below:
        text = f"{value:,.0f}" if value == int(value) else f"{value:.3g}"
        return sign + text + (units[0] if units[0].strip() else "")
    index = 0
    while value >= base and index < len(units) - 1:
        value /= base
        index += 1
    if round(value) >= base and index < len(units) - 1:  # 1,023.7 KB reads as 1 MB, not "1024 KB"
        value /= base
        index += 1
    digits = f"{value:.0f}" if value >= 100 else f"{value:.3g}"  # below 100, .3g never writes an exponent
    return f"{sign}{digits}{units[index]}"
