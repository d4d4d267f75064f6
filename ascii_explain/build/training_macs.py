"""What one training step multiplies: forward + backward mult-adds, per layer and in total, from the records.

``plan_training_macs(records, batch_size)`` takes the top-level records, each
with the backward terms its layer family gave (``LayerRecord.backward_terms``:
input-grad, weight-grad, internal; ``layers/backward.py``), decides which
of them a training step needs, and sets ``backward_macs`` and
``backward_macs_formula`` on each record:

* **input-grad** only when the layer's inputs need a gradient: some weight
  before it in the graph trains. The first weighted layer after the model's
  inputs (and any layer before which every weight is frozen) takes no
  gradient into its inputs: there is none to take with respect to data.
* **weight-grad** only when the layer has trainable weights (none for a
  frozen layer, ``trainable=False``).
* **internal** (a recurrent state's, attention's scores') when either is.

"Before it in the graph" follows each row's inbound layers; a row with none
known (a subclassed model's layers) follows the order of the rows. A layer
called several times counts its backward once per call, as the forward
does. The totals: ``forward`` is ``Explanation.total_macs``; a step at
``batch_size`` is ``batch_size*(forward + backward)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from .. import arithmetic
from .records import LayerRecord, calls_counted

INPUT_LAYER = "InputLayer"


@dataclass(frozen=True)
class TrainingMacs:
    """Mult-adds of a training step: forward + backward per sample, and per step at ``batch_size``.

    ``backward_input`` is the part of ``backward`` that takes gradients into
    layers' inputs and internals, ``backward_weights`` the weights' gradients;
    ``no_input_gradient`` names the trained rows that take none into their
    inputs (nothing before them trains), ``frozen`` the rows whose weights do
    not train. ``unknown`` lists rows whose backward count is unknown (the
    totals are then lower bounds); every expression evaluates to its number.
    """

    batch_size: int
    forward: int
    backward: int
    backward_input: int
    backward_weights: int
    backward_expression: str
    no_input_gradient: tuple[str, ...] = ()
    frozen: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def per_sample(self) -> int:
        return self.forward + self.backward

    @property
    def per_sample_expression(self) -> str:
        return f"{self.forward} + {self.backward}"

    @property
    def per_step(self) -> int:
        """Mult-adds of one step of ``batch_size`` samples."""
        return self.batch_size * self.per_sample

    @property
    def per_step_expression(self) -> str:
        return f"{self.batch_size}*({self.per_sample_expression})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_size": self.batch_size,
            "forward": self.forward,
            "backward": self.backward,
            "backward_input": self.backward_input,
            "backward_weights": self.backward_weights,
            "per_sample": self.per_sample,
            "per_step": self.per_step,
            "expressions": {
                "backward": self.backward_expression,
                "per_sample": self.per_sample_expression,
                "per_step": self.per_step_expression,
            },
            "no_input_gradient": list(self.no_input_gradient),
            "frozen": list(self.frozen),
            "unknown": list(self.unknown),
            "notes": list(self.notes),
        }


def plan_training_macs(records: Sequence[LayerRecord], forward: int, batch_size: int) -> TrainingMacs:
    """The step for the top-level ``records`` (each weight once, as the totals count them), in graph order.

    ``forward`` is the per-sample forward total (``Explanation.total_macs``).
    Each record gets ``backward_macs`` and ``backward_macs_formula`` (None
    and "" when its terms are unknown).
    """
    carries_gradient: dict[str, bool] = {}  # row -> its output depends on a trainable weight
    any_before = False
    input_terms: list[str] = []
    weight_terms: list[str] = []
    no_input_gradient: list[str] = []
    frozen: list[str] = []
    unknown: list[str] = []
    for record in records:
        if record.class_name == INPUT_LAYER:
            carries_gradient[record.name] = False
            continue
        inbound = [name for name in record.inbound if name in carries_gradient]
        needs_input = any(carries_gradient[name] for name in inbound) if inbound else any_before
        trains = record.trainable_params - record.duplicate_trainable_params > 0
        carries_gradient[record.name] = needs_input or trains
        any_before = any_before or trains
        if not record.backward_terms:
            unknown.append(record.name)
            continue
        input_grad, weight_grad, internal = record.backward_terms
        weighted = bool(record.params)
        if weighted and not trains:
            frozen.append(record.name)
        if trains and not needs_input and arithmetic.evaluate(input_grad):
            no_input_gradient.append(record.name)
        parts_in = [input_grad] if needs_input else []
        if needs_input or trains:
            parts_in.append(internal)
        parts_weights = [weight_grad] if trains else []
        record_in = _sum(parts_in)
        record_weights = _sum(parts_weights)
        formula = _sum([record_in, record_weights])
        record.backward_macs = arithmetic.evaluate(formula)
        record.backward_macs_formula = formula
        calls = calls_counted(record)
        for terms, expression in ((input_terms, record_in), (weight_terms, record_weights)):
            value = arithmetic.evaluate(expression)
            if value:
                terms.append(str(value) if calls == 1 else f"{calls}*{value}")
    backward_input = arithmetic.evaluate(arithmetic.total(input_terms))
    backward_weights = arithmetic.evaluate(arithmetic.total(weight_terms))
    notes = []
    if unknown:
        notes.append(f"backward unknown in {', '.join(unknown)}: the totals are at least these")
    return TrainingMacs(
        batch_size=batch_size,
        forward=forward,
        backward=backward_input + backward_weights,
        backward_input=backward_input,
        backward_weights=backward_weights,
        backward_expression=f"{backward_input} + {backward_weights}",
        no_input_gradient=tuple(no_input_gradient),
        frozen=tuple(frozen),
        unknown=tuple(unknown),
        notes=tuple(notes),
    )


def _sum(expressions: Sequence[str]) -> str:
    """The non-zero expressions added, each parenthesised when a sum; "0" for none."""
    kept = [expression for expression in expressions if expression and arithmetic.evaluate(expression)]
    if len(kept) == 1:
        return kept[0]
    return arithmetic.total(arithmetic.group(expression) for expression in kept)
