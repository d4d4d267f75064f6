"""The words of a record's costs: shape arithmetic, mult-adds, and the memory totals.

Shared by renderers, like arithmetic_text: ``shape   valid: floor((16-3)/1)+1 = 14``,
``macs    14*14*3*3*3*2 = 10584``, and the totals' lines.
"""

from __future__ import annotations

from typing import Optional

from ..build.records import LayerRecord
from ..explanation import Explanation

UNKNOWN = "?"


def shape_text(record: LayerRecord) -> str:
    """``shape   valid, stride 2: floor((14-3)/2)+1 = 6``, or "" for layers without shape arithmetic."""
    return f"shape   {record.shape_formula}" if record.shape_formula else ""


def macs_text(record: LayerRecord) -> str:
    """``macs    14*14*3*3*3*2 = 10584``; ``macs    ? (why)`` when unknown; "" for 0 MACs."""
    if record.macs is None:
        return f"macs    {UNKNOWN} ({record.macs_note})" if record.macs_note else f"macs    {UNKNOWN}"
    if record.macs == 0:
        return ""
    if record.macs_formula == str(record.macs):
        return f"macs    {record.macs}"
    return f"macs    {record.macs_formula} = {record.macs}"


def cost_details(record: LayerRecord) -> list[str]:
    """The detail lines a record's costs add under its operation row."""
    return [line for line in (shape_text(record), macs_text(record)) if line]


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


def cost_totals_lines(explanation: Explanation) -> list[str]:
    """The mult-adds and activation-memory lines of the totals."""
    e = explanation
    unknown = e.macs_unknown
    if unknown:
        listed = ", ".join(f"{r.name} ({r.class_name})" for r in unknown)
        macs = f"Mult-adds: at least {e.total_macs:,} per sample; {UNKNOWN} unknown for {len(unknown)}: {listed}"
    else:
        macs = f"Mult-adds: {e.total_macs:,} per sample (bias, activation, pooling, normalization: 0)"
    batch = "a batch of 1" if e.batch_size == 1 else f"a batch of {e.batch_size:,}"
    memory = f"Memory: activations {format_bytes(e.activation_bytes)} for {batch} (each layer's output once"
    if e.input_bytes is not None:
        memory += f"; input {format_bytes(e.input_bytes)}"
    return [macs, memory + ")"]
