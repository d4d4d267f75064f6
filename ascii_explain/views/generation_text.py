"""Text and JSON views of a generation plan (``build/generation.py``'s ``Generation``).

The plan holds only numbers and arithmetic our own code wrote (no name or
text from the model), so nothing here needs ``safe_text``. The plan is taken
as it comes (duck-typed), so the views import nothing from ``build/``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Optional

from .formatting import format_bytes


def generation_to_dict(plan: Any) -> dict[str, Any]:
    """Every field as plain JSON types, with the derived totals beside them."""
    data = asdict(plan)
    data["steps"] = [dict(step) for step in data["steps"]]
    data["total_macs"] = plan.total_macs
    data["machine_balance"] = plan.machine_balance
    data["bandwidth_bound"] = plan.bandwidth_bound
    return data


def _seconds(value: Optional[float]) -> str:
    if value is None:
        return "?"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:,.3g} {unit}"
    return f"{value / 1e-9:,.3g} ns"


def _step_line(label: str, step: Any) -> str:
    line = (
        f"  {label} (position {step.position:,}, {step.keys:,} keys): {step.macs:,} MACs, "
        f"{format_bytes(step.bytes_read)} read, {step.intensity:,.3g} MACs/byte"
    )
    if step.time_lower_bound is not None:
        line += f", at least {_seconds(step.time_lower_bound)}"
    return line


def generation_text(plan: Any) -> str:
    """The plan in a few lines: prefill, the decode step's formula, its first and last steps, the cache, the device."""
    p = plan
    batch = "a batch of 1" if p.batch == 1 else f"a batch of {p.batch:,}"
    per_batch = "" if p.batch == 1 else f" x {p.batch:,} samples"
    lines = [
        f"Generation: a prompt of {p.prompt:,} tokens, then {p.new_tokens:,} new, for {batch}",
        f"Prefill: {p.prefill_macs_formula} at T = {p.prompt:,}{per_batch} = {p.prefill_macs:,} MACs",
        f"Decode step over K cached keys, per sample: {p.decode_macs_formula} MACs "
        "(per-token work once, attention over the K keys)",
        _step_line("first new token", p.steps[0]),
    ]
    if len(p.steps) > 1:
        lines.append(_step_line("last new token", p.steps[-1]))
    lines.append(
        f"  all {len(p.steps):,} decode steps: {p.decode_macs:,} MACs; with prefill {p.total_macs:,} MACs "
        f"(about {2 * p.total_macs:,} FLOPs)"
    )
    lines.append(
        f"Bytes read per step: weights {format_bytes(p.weight_bytes)} (each once) + the key/value cache, "
        f"{p.kv_cache_bytes_formula} bytes per sample at K keys; "
        f"{format_bytes(p.kv_cache_bytes_final)} after {p.prompt + p.new_tokens:,} positions"
    )
    balance = p.machine_balance
    if balance is not None:
        bound = "bandwidth-bound" if p.bandwidth_bound else "not bandwidth-bound at every step"
        lines.append(
            f"Device: {p.peak_flops:,.4g} FLOP/s, {p.bandwidth:,.4g} bytes/s: balance {balance:,.3g} MACs/byte "
            f"(peak / 2 / bandwidth); decoding is {bound} (intensity {p.steps[0].intensity:,.3g} "
            f"to {p.steps[-1].intensity:,.3g} MACs/byte)"
        )
    else:
        lines.append(
            f"Intensity {p.steps[0].intensity:,.3g} to {p.steps[-1].intensity:,.3g} MACs/byte: decoding is "
            "bandwidth-bound on any device whose peak FLOP/s / 2 / bandwidth exceeds it "
            "(give peak_flops= and bandwidth= for the roofline bound)"
        )
    if p.decode_time_lower_bound is not None:
        lines.append(
            f"Roofline lower bound: prefill {_seconds(p.prefill_time_lower_bound)}, decode "
            f"{_seconds(p.decode_time_lower_bound)} for {len(p.steps):,} tokens "
            f"({_seconds(p.steps[0].time_lower_bound)} to {_seconds(p.steps[-1].time_lower_bound)} per token)"
        )
    return "\n".join(lines)
