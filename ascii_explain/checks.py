"""Problems worth failing on: a formula that disagrees with Keras, a layer with no formula, an internal error.

A layer without weights and without a formula, or an unbuilt one, is not a
problem: "no weights" and "unbuilt" are facts (README, "States and marks").
A subclass whose weights differ from the formula it inherits is explained from
its weights, and is a problem (register a formula for it), fallbacks allowed or not.

One list of plain sentences, shared by ``ascii-explain --check`` and
``ascii_explain.testing.assert_formulas_match`` so both say the same thing.
"""

from __future__ import annotations

from .explanation import Explanation
from .views.arithmetic_text import arithmetic_text, internal_error_text


def formula_problems(explanation: Explanation, allow_fallback: bool = False) -> list[str]:
    """One sentence per problem, with the numbers; [] when every formula agrees with Keras.

    A layer counted from its weight shapes (no registered formula) is a problem
    unless ``allow_fallback``: its count is right by construction, but nothing
    explains it.
    """
    problems = []
    for record in explanation.layers:
        label = f"layer {record.name!r} ({record.class_name})"
        if record.internal_errors:
            problems.append(f"{label}: {internal_error_text(record)}")
        if record.weight_differences and record.matches:
            problems.append(
                f"{label}: its inherited formula differs from its weights ({'; '.join(record.weight_differences)}); "
                f"counted from the weights ({arithmetic_text(record)}), as Keras's count_params() gives "
                f"{record.keras_params:,}; register a formula with @ascii_explain.register_formula({record.class_name})"
            )
        if not record.matches:
            problems.append(
                f"{label}: formula {arithmetic_text(record)}, but Keras's count_params() gives {record.keras_params:,}"
            )
        elif record.is_fallback and not allow_fallback:
            problems.append(
                f"{label}: no registered formula; counted from weight shapes ({arithmetic_text(record)}); "
                f"register one with @ascii_explain.register_formula({record.class_name})"
            )
        if record.macs_disagree:
            problems.append(
                f"{label}: mult-add formula {record.macs_formula} = {record.macs:,}, but its call traced at the "
                f"same shapes counts {record.traced_macs:,} (README, \"Traced counts\")"
            )
    e = explanation
    if not e.totals_match:
        problems.append(
            f"model totals: formulas give {e.total_params:,} (trainable {e.trainable_params:,}, non-trainable "
            f"{e.non_trainable_params:,}), Keras gives {e.keras_total_params:,} (trainable "
            f"{e.keras_trainable_params:,}, non-trainable {e.keras_non_trainable_params:,})"
        )
    return problems
