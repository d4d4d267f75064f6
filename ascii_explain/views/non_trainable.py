"""The totals' non-trainable lines: how many parameters each reason accounts for, and in which layers.

``non-trainable 296: moving statistics, updated by the forward pass, not by gradients (embedder, encoder)``.
Each weight is counted once, as the totals count it, so the lines add up to Keras's non-trainable count.
"""

from __future__ import annotations

from typing import Any


def non_trainable_reasons(explanation: Any) -> list[str]:
    """One line per reason: how many parameters, and in which layers."""
    # reason -> (count, names in order, each once: a dict keeps the order and finds a name at once)
    by_reason: dict[str, tuple[int, dict[str, None]]] = {}
    for record in explanation.top_level:
        # Weights an earlier row already holds (a backbone held as an attribute and nested in the graph)
        # are counted there: left out here as in the totals, so the reasons add up to the non-trainable total.
        already_counted = record.duplicate_params - record.duplicate_trainable_params
        for term in record.term_list:
            if term.trainable:
                continue
            left_out = min(already_counted, term.count)
            already_counted -= left_out
            if term.count == left_out:
                continue
            reason = term.reason or "marked non-trainable by the layer"
            count, layer_names = by_reason.get(reason, (0, {}))
            layer_names[record.name] = None
            by_reason[reason] = (count + term.count - left_out, layer_names)
    lines = []
    for reason, (count, layer_names) in by_reason.items():
        names = list(layer_names)
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        lines.append(f"  non-trainable {count:,}: {reason} ({shown})")
    return lines
