"""The training memory plan as totals lines: one line with the whole, one per part with its arithmetic.

Shared by the text diagram, HTML and Markdown through the view model's totals
(``views/model.py``); JSON carries the plan itself (``TrainingMemory.to_dict``).
The plan is shown when it has an optimizer or a what-if dtype policy: without
either, its optimizer part would be a silent 0.
"""

from __future__ import annotations

from typing import Any, Optional

from .formatting import format_bytes, format_count

# Why the activations are what they are, in the words of the README's convention.
ACTIVATION_CONVENTION = "what each layer keeps for its backward pass"


RECOMPUTE_CONVENTION = {
    "selective": "kept for the backward pass, attention's probabilities recomputed",
    "full": "each layer's inputs only, the rest recomputed",
}


def activation_convention(plan: Any) -> str:
    return RECOMPUTE_CONVENTION.get(getattr(plan, "recompute", ""), ACTIVATION_CONVENTION)


def is_shown(plan: Any) -> bool:
    return plan is not None and (plan.has_optimizer or plan.what_if)


def training_memory_lines(plan: Any) -> list[str]:
    """``Training memory ...: <total>`` then ``  <part> <size>  <expression> = <bytes>`` per part, then notes."""
    if not is_shown(plan):
        return []
    batch = "a batch of 1" if plan.batch_size == 1 else f"a batch of {plan.batch_size:,}"
    optimizer = plan.optimizer_name or "no optimizer"
    policy = f"{plan.dtype_policy}, what-if" if plan.what_if else plan.dtype_policy
    whole = format_bytes(plan.total)
    unknown = getattr(plan, "activations_unknown", ())
    if plan.total is None and unknown:  # the known part, and the rows whose outputs are unknown (issue 21)
        named = ", ".join(unknown[:8]) + (f" and {len(unknown) - 8} more" if len(unknown) > 8 else "")
        rows = "row" if len(unknown) == 1 else "rows"
        whole = f"{format_bytes(plan.known_total)} + activations unknown for {len(unknown)} {rows}: {named}"
    lines = [f"Training memory for {batch} with {optimizer} ({policy}): {whole}"]
    parts: list[tuple[str, Optional[int], str, str]] = [
        ("weights", plan.weights, plan.weights_expression, ""),
        ("gradients", plan.gradients, plan.gradients_expression, ""),
        ("optimizer", plan.optimizer, plan.optimizer_expression, ""),
        ("activations", plan.activations, plan.activations_expression, f" ({activation_convention(plan)})"),
    ]
    for name, size, expression, why in parts:
        arithmetic = f"{expression} = {format_count(size)}" if expression else format_count(size)
        lines.append(f"  {name:<11} {format_bytes(size):>10}  {arithmetic}{why}")
    lines.extend(f"  note: {note}" for note in plan.notes)
    return lines


def training_macs_lines(step: Any) -> list[str]:
    """``Training step mult-adds ...: <per step> = <arithmetic>``, then the forward and backward lines.

    Shown with ``explain(model, training=True)`` or an optimizer; the names
    listed come from the model (escaped by each view, as every totals line is).
    """
    if step is None:
        return []
    at_least = "at least " if step.unknown else ""
    batch = "a batch of 1" if step.batch_size == 1 else f"a batch of {step.batch_size:,}"
    lines = [
        f"Training step mult-adds for {batch}: {at_least}{format_count(step.per_step)} = "
        f"{step.batch_size}*({format_count(step.forward)} forward + {format_count(step.backward)} backward)",
        f"  backward {format_count(step.backward)} per sample = {format_count(step.backward_input)} into inputs "
        f"and internals + {format_count(step.backward_weights)} into weights (each layer's formula: "
        "record.backward_macs_formula)",
    ]
    if step.no_input_gradient:
        lines.append(
            "  no gradient into the inputs of " + ", ".join(step.no_input_gradient) + " (nothing before it trains)"
        )
    if step.frozen:
        lines.append("  no weight gradients in " + ", ".join(step.frozen) + " (frozen)")
    lines.extend(f"  note: {note}" for note in step.notes)
    return lines
