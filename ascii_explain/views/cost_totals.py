"""The totals' cost lines: mult-adds, activation memory and the key/value cache, in words.

One unknown row never erases a total (issue 21): the known rows are summed and the
unknown ones named. ``views/model.py`` puts these lines after the parameter totals.
"""

from __future__ import annotations

from typing import Any, Sequence

from .. import hints
from ..build.records import LayerRecord
from .formatting import READABLE_FROM, UNKNOWN, format_bytes, format_macs


def _rows(count: int) -> str:
    return "row" if count == 1 else "rows"


def cost_totals_lines(explanation: Any) -> list[str]:
    """The mult-adds and activation-memory lines of the totals: the known sum, and the unknown rows by name.

    One unknown row never erases a total (issue 21): the known rows are summed and the
    rest named, ``Mult-adds: 1,234 per sample + unknown for 2 rows: a (Lambda), b (Custom)``.
    """
    e = explanation
    unknown = e.macs_unknown
    total_macs = e.total_macs
    in_length = e.macs_in_length
    if unknown and in_length is not None:  # unknown only for want of the sequence length: the count in T
        grouped = e.macs_in_length_grouped
        shown = in_length if not grouped or grouped == in_length else f"{grouped} = {in_length}"
        macs = (
            f"Mult-adds: {shown} per sample at sequence length T "
            f"({hints.AT_LENGTH}; bias, activation, normalization: 0)"
        )
    elif unknown:
        macs = f"Mult-adds: {total_macs:,} per sample + {UNKNOWN_FOR} {_unknown_rows(unknown)}"
        sequence = getattr(e, "sequence", None)
        if sequence is not None and not sequence.note:  # unknown in T too (a block's own products): at a length
            macs += f" (at a length: {hints.INPUT_SHAPE})"
    else:
        unit = f"{format_macs(total_macs)} mult-adds; " if total_macs >= READABLE_FROM else ""
        macs = f"Mult-adds: {total_macs:,} per sample ({unit}bias, activation, pooling, normalization: 0)"
    batch = "a batch of 1" if e.batch_size == 1 else f"a batch of {e.batch_size:,}"
    activations_unknown = e.activation_unknown
    if activations_unknown and e.known_activation_bytes:
        unknown_rows = _unknown_rows(activations_unknown)
        known = f"{format_bytes(e.known_activation_bytes)} for {batch} + {UNKNOWN_FOR} {unknown_rows}"
    elif activations_unknown:
        known = f"{UNKNOWN} for {batch} ({UNKNOWN_FOR} {_unknown_rows(activations_unknown)})"
    else:
        known = f"{format_bytes(e.activation_bytes)} for {batch}"
    memory = f"Memory: activations {known} (each layer's output once"
    in_length_bytes = e.activation_bytes_in_length if e.activation_bytes is None else None  # each sums the rows
    if in_length_bytes is not None:
        memory = (
            f"Memory: activations {in_length_bytes} bytes per sample at sequence length T (each layer's output once"
        )
    if e.input_bytes is not None:
        memory += f"; input {format_bytes(e.input_bytes)}"
    return [macs, memory + ")", *_kv_cache_lines(e)]


UNKNOWN_FOR = "unknown for"
# Rows named in an "unknown for" line; past this many, how many more.
MAX_NAMED_UNKNOWN = 8


def _unknown_rows(records: Sequence[LayerRecord]) -> str:
    """``2 rows: a (Lambda), b (Custom)``, the first few named and the rest counted."""
    named = ", ".join(f"{r.name} ({r.class_name})" for r in records[:MAX_NAMED_UNKNOWN])
    more = f" and {len(records) - MAX_NAMED_UNKNOWN} more" if len(records) > MAX_NAMED_UNKNOWN else ""
    return f"{len(records)} {_rows(len(records))}: {named}{more}"


def _kv_cache_lines(explanation: Any) -> list[str]:
    """The key/value cache line, for a model with decoder attention; none otherwise."""
    e = explanation
    layers = e.kv_cache_layers
    if not layers:
        return []
    batch = "a batch of 1" if e.batch_size == 1 else f"a batch of {e.batch_size:,}"
    if e.kv_cache_bytes is None and e.kv_cache_bytes_in_length is not None:
        return [
            f"Key/value cache: {e.kv_cache_bytes_in_length} bytes per sample at sequence length T "
            f"(2 x {len(layers)} decoder layers x T x kv-heads x head-dim x dtype bytes; "
            f"{hints.GENERATION})"
        ]
    if e.kv_cache_bytes is None:
        return [
            f"Key/value cache: {UNKNOWN} (the sequence length is unknown: {hints.INPUT_SHAPE} "
            "counts it at T tokens)"
        ]
    elements = sum((record.kv_cache_elements or 0) * max(record.calls, 1) for record in layers)
    per_element = e.kv_cache_bytes / (elements * e.batch_size) if elements else 0
    dtype = f" x {per_element:g} bytes" if per_element else ""
    return [
        f"Key/value cache: {format_bytes(e.kv_cache_bytes)} for {batch} = {elements:,} keys and values per sample"
        f"{dtype} (2 x {len(layers)} decoder layers x sequence x kv-heads x head-dim)"
    ]
