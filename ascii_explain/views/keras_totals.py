"""keras.Model.summary's own totals lines (``Total params: 41 (168.00 B)``), from Keras's counts.

Shared by the diagram's totals (``views/model.py``) and the unbuilt summary table (``summary_table.py``).
"""

from __future__ import annotations

from ..read.facts import KerasTotals, WeightTotal
from .formatting import format_bytes


def summary_totals_lines(totals: KerasTotals) -> list[str]:
    """``Total params: 41 (168.00 B)``, Trainable, Non-trainable, and Optimizer when Keras prints it."""
    lines = [
        _keras_total_line("Total params", totals.total),
        _keras_total_line("Trainable params", totals.trainable),
        _keras_total_line("Non-trainable params", totals.non_trainable),
    ]
    if totals.optimizer is not None:
        lines.append(_keras_total_line("Optimizer params", totals.optimizer))
    return lines


def _keras_total_line(label: str, total: WeightTotal) -> str:
    return f"{label}: {total.count:,} ({format_bytes(total.bytes)})"
