"""How much memory training a model takes at a batch size, per layer and in total: byte arithmetic on facts.

``plan_training_memory(records, training, output_dtypes, batch_size)`` turns
the top-level records and the facts ``read/training.py`` read into a
:class:`TrainingMemory`: bytes of the weights, their gradients, the
optimizer's variables and the activations, each with its arithmetic as a
plain expression (``ascii_explain.arithmetic.evaluate`` turns it into the
number), and the same split per top-level row of the diagram.

What is counted, and how:

* **weights**: every variable of the model once (shared ones once), elements
  times the variable's dtype size, as ``model.summary()`` counts them.
* **gradients**: one per trainable variable, in the variable's dtype
  (Keras's ``Trainer`` asks the backend for ``d loss / d variable`` of each
  ``model.trainable_variables``; under a mixed policy those are float32).
* **optimizer**: exactly the bytes of Keras's own optimizer variables once
  built on the model's trainable variables (momentums, velocities, Adafactor's
  factored moments and placeholders, the iteration counter, the learning
  rate, a LossScaleOptimizer's scale and step counter). They are not
  predicted from a table: ``read/optimizer_slots.py`` builds a fresh optimizer
  of the same class and config on value-less stand-ins and lists what it made.
  A layer's share is the same optimizer built on its weights alone, less
  what a build on no weights makes (``optimizer_shared``).
* **activations**: what each top-level layer keeps from its forward pass for
  its backward pass, for ``batch_size`` samples, nothing fused, freed or
  recomputed: the layer family's figure (``LayerRecord.saved_elements`` in
  the compute dtype plus ``saved_mask_elements`` dropout masks at one byte
  each; ``layers/saved_activations.py``: a Dense keeps its input, an LSTM
  every step's gates and states, attention its probabilities), a block's its
  parts' sum. A layer whose family has no figure keeps its output once (the
  default, listed in ``outputs_once_layers``). Each layer's figure is its own:
  a tensor two layers keep (a ReLU's output that the next Dense keeps as its
  input) counts in each. ``outputs_once`` keeps the former convention, each
  layer's output once (``Explanation.activation_bytes_by_layer``). The
  model's inputs are not included. None when a dimension is unknown (a
  variable sequence length).
* **recomputation** (``recompute=``, Korthikanti et al. 2022): ``"selective"``
  keeps all that but attention's probabilities (and their dropout mask and
  dropped probabilities), recomputed in the backward pass; ``"full"`` makes
  every top-level row a checkpoint that keeps only its inputs and recomputes
  the rest (for a model of transformer blocks, each block's input).

Dtype policies: the plan reads the dtypes the model really has (a model built
under ``mixed_float16`` has float32 variables, gradients and slots and float16
outputs). Under a what-if policy every floating variable is counted at the
policy's variable dtype and every floating output at its compute dtype, as if
the model had been built under that global policy; integer and boolean ones
keep theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from .. import arithmetic
from ..read.dtypes import dtype_bytes
from ..read.facts import OUTSIDE_GRAPH
from ..read.optimizer_slots import OptimizerVariable
from ..read.training import TrainingFacts
from ..read.training_variables import VariableFacts
from .costs import output_bytes_of
from .records import LayerRecord, neurons_of
from .saved_activations import saved_bytes


@dataclass(frozen=True)
class LayerTrainingMemory:
    """One top-level row's share of the plan, in bytes.

    ``optimizer`` is the bytes of the optimizer variables that mirror this
    layer's trainable weights; ``activations`` what it keeps for its backward
    pass, for the batch (None when unknown).
    """

    name: str
    weights: int
    gradients: int
    optimizer: int
    activations: Optional[int]

    @property
    def total(self) -> Optional[int]:
        if self.activations is None:
            return None
        return self.weights + self.gradients + self.optimizer + self.activations


@dataclass(frozen=True)
class TrainingMemory:
    """Bytes of training memory for ``batch_size`` samples, and the arithmetic of each part.

    Every ``*_expression`` is plain integer arithmetic that evaluates to the
    number beside it. ``optimizer_shared`` is the part of ``optimizer`` that
    mirrors no layer (iteration counter, learning rate, loss scale); the
    layers' ``optimizer`` plus it equal ``optimizer``. ``optimizer_name`` is ""
    when no optimizer was given and the model is not compiled (optimizer 0).
    ``what_if`` says the dtypes are a policy's, not the model's own.
    """

    batch_size: int
    dtype_policy: str
    optimizer_name: str
    weights: int
    gradients: int
    optimizer: int
    activations: Optional[int]
    weights_expression: str
    gradients_expression: str
    optimizer_expression: str
    activations_expression: str
    optimizer_shared: int = 0
    # Each top-level layer's output once for the batch (the convention before the kept activations),
    # and the rows whose family has no saved-activations figure (counted at that default).
    outputs_once: Optional[int] = None
    outputs_once_layers: tuple[str, ...] = ()
    recompute: str = ""  # "", "selective" or "full" (see the module's docstring)
    layers: tuple[LayerTrainingMemory, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    what_if: bool = False
    # Rows whose output size is unknown (a None dimension), and the bytes of the rows that are
    # known: with any unknown, ``activations`` and ``total`` are None but the known part is still
    # said (issue 21: one unknown never erases a total).
    activations_unknown: tuple[str, ...] = ()
    known_activations: int = 0

    @property
    def known_total(self) -> int:
        """weights + gradients + optimizer + the activations that are known (the total when none is unknown)."""
        return self.weights + self.gradients + self.optimizer + self.known_activations

    @property
    def total(self) -> Optional[int]:
        """weights + gradients + optimizer + activations; None when the activations are unknown."""
        if self.activations is None:
            return None
        return self.weights + self.gradients + self.optimizer + self.activations

    @property
    def total_expression(self) -> str:
        if self.activations is None:
            return ""
        return arithmetic.total(str(part) for part in (self.weights, self.gradients, self.optimizer, self.activations))

    @property
    def has_optimizer(self) -> bool:
        return bool(self.optimizer_name)

    def layer(self, name: str) -> LayerTrainingMemory:
        for row in self.layers:
            if row.name == name:
                return row
        raise KeyError(f"no layer named {name!r} in the training memory plan")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: the four parts, the total, their expressions, the layers and the notes."""
        return {
            "batch_size": self.batch_size,
            "dtype_policy": self.dtype_policy,
            "what_if": self.what_if,
            "optimizer_name": self.optimizer_name,
            "weights": self.weights,
            "gradients": self.gradients,
            "optimizer": self.optimizer,
            "optimizer_shared": self.optimizer_shared,
            "activations": self.activations,
            "total": self.total,
            "outputs_once": self.outputs_once,
            "recompute": self.recompute,
            "outputs_once_layers": list(self.outputs_once_layers),
            "expressions": {
                "weights": self.weights_expression,
                "gradients": self.gradients_expression,
                "optimizer": self.optimizer_expression,
                "activations": self.activations_expression,
                "total": self.total_expression,
            },
            "layers": [
                {
                    "name": row.name,
                    "weights": row.weights,
                    "gradients": row.gradients,
                    "optimizer": row.optimizer,
                    "activations": row.activations,
                }
                for row in self.layers
            ],
            "notes": list(self.notes),
            "activations_unknown": list(self.activations_unknown),
            "known_activations": self.known_activations,
        }


def plan_training_memory(
    records: Sequence[LayerRecord],
    training: TrainingFacts,
    output_dtypes: dict[str, Optional[tuple[str, ...]]],
    batch_size: int,
    recompute: Optional[str] = None,
) -> TrainingMemory:
    """The plan for the top-level ``records`` (each layer once, as the totals count them).

    ``output_dtypes`` maps a row's name to its outputs' dtypes (read with the
    graph), needed only under a what-if policy, where outputs are re-counted
    in the policy's compute dtype. Each top-level record gets its share in
    ``gradient_bytes``, ``optimizer_bytes`` and ``activation_bytes``.
    """
    notes = list(training.notes)
    variables = training.variables
    trainable = [variable for variable in variables if variable.trainable]
    weights, weights_expression = _bytes_and_expression(
        [(v.elements, training.planned_variable_dtype(v.dtype)) for v in variables]
    )
    gradients, gradients_expression = _bytes_and_expression(
        [(v.elements, training.planned_variable_dtype(v.dtype)) for v in trainable]
    )

    optimizer, optimizer_expression = _bytes_and_expression(
        [(variable.elements, variable.dtype) for variable in training.optimizer_variables]
    )
    shared = _bytes_of(training.optimizer_shared_variables) if training.has_optimizer else 0
    slots_by_owner = {
        owner: _bytes_of(built) - shared for owner, built in training.optimizer_variables_by_owner.items()
    }
    if training.has_optimizer and shared + sum(slots_by_owner.values()) != optimizer:
        notes.append(
            f"{training.optimizer_label}'s variables depend on several layers at once; the per-layer optimizer "
            f"bytes do not add up to the total ({optimizer:,} bytes)"
        )

    rows_records = [record for record in records if record.class_name != "InputLayer"]
    output_by_row = {
        record.name: _activation_bytes(record, training, output_dtypes.get(record.name), batch_size)
        for record in rows_records
    }
    # Rows at the default, whole (no figure) or in part (a block with parts at their output once).
    outputs_once_layers = tuple(
        record.name for record in rows_records if record.saved_elements is None or record.saved_note
    )
    activation_by_row = {
        record.name: _kept_bytes(record, training, batch_size, recompute, output_by_row[record.name])
        for record in rows_records
    }
    outputs_once = None if None in output_by_row.values() else sum(size or 0 for size in output_by_row.values())
    unknown = [name for name, size in activation_by_row.items() if size is None]
    known_activations = sum(size for size in activation_by_row.values() if size is not None)
    if unknown:
        notes.append(f"activations unknown: a dimension of {', '.join(unknown)}'s output is unknown")
        activations: Optional[int] = None
        activations_expression = ""
    else:
        per_sample = sum(size for size in activation_by_row.values() if size is not None) // batch_size
        activations_expression = f"{batch_size}*{per_sample}"
        activations = arithmetic.evaluate(activations_expression)

    by_owner: dict[str, list[VariableFacts]] = {}
    for variable in variables:
        by_owner.setdefault(variable.owner, []).append(variable)
    names = [record.name for record in rows_records]
    names.extend(owner for owner in by_owner if owner not in activation_by_row)  # a model's own weights
    rows = tuple(
        LayerTrainingMemory(
            name=name,
            weights=_variable_bytes(by_owner.get(name, ()), training),
            gradients=_variable_bytes([v for v in by_owner.get(name, ()) if v.trainable], training),
            optimizer=slots_by_owner.get(name, 0),
            activations=activation_by_row.get(name, 0),
        )
        for name in names
    )
    rows_by_name = {row.name: row for row in rows}
    for record in rows_records:
        row = rows_by_name[record.name]
        record.gradient_bytes = row.gradients
        record.optimizer_bytes = row.optimizer
        record.activation_bytes = row.activations
    return TrainingMemory(
        batch_size=batch_size,
        dtype_policy=training.policy_name,
        optimizer_name=training.optimizer_label,
        weights=weights,
        gradients=gradients,
        optimizer=optimizer,
        activations=activations,
        weights_expression=weights_expression,
        gradients_expression=gradients_expression,
        optimizer_expression=optimizer_expression,
        activations_expression=activations_expression,
        optimizer_shared=shared,
        outputs_once=outputs_once,
        outputs_once_layers=outputs_once_layers,
        recompute=recompute or "",
        layers=rows,
        notes=tuple(notes),
        what_if=training.what_if_variable_dtype is not None,
        activations_unknown=tuple(unknown),
        known_activations=known_activations,
    )


def _activation_bytes(
    record: LayerRecord, training: TrainingFacts, dtypes: Optional[tuple[str, ...]], batch_size: int
) -> Optional[int]:
    """The row's output for the batch: ``output_bytes`` times the batch, re-counted under a what-if policy."""
    if training.what_if_compute_dtype is None or record.placement == OUTSIDE_GRAPH:  # never called: 0 bytes
        return None if record.output_bytes is None else record.output_bytes * batch_size
    sample = output_bytes_of(record.output_shape, dtypes, training.planned_output_dtype)
    return None if sample is None else sample * batch_size


RECOMPUTE = ("selective", "full")


def _kept_bytes(
    record: LayerRecord, training: TrainingFacts, batch_size: int, recompute: Optional[str], output: Optional[int]
) -> Optional[int]:
    """The row's kept activations for the batch, in its compute dtype (the what-if policy's when planned).

    The family's figure (less what selective recomputation recomputes), or
    only the row's inputs under full recomputation, or its ``output`` bytes
    for the batch when its family has no figure.
    """
    if record.placement == OUTSIDE_GRAPH:  # never called: nothing of its forward is kept for a backward
        return 0
    dtype = training.planned_output_dtype(record.saved_dtype)
    if recompute == "full":
        inputs = neurons_of(record.input_shape)
        return None if inputs is None else batch_size * inputs * dtype_bytes(dtype)
    if record.saved_elements is None:
        return output
    elements, masks = record.saved_elements, record.saved_mask_elements
    if recompute == "selective":
        elements, masks = elements - record.saved_selective[0], masks - record.saved_selective[1]
    sample = saved_bytes(elements, masks, dtype)
    return None if sample is None else sample * batch_size


def _bytes_and_expression(parts: Sequence[tuple[int, str]]) -> tuple[int, str]:
    """Elements grouped by dtype size: ``"329962*4 + 1*8"`` and its value."""
    elements_by_size: dict[int, int] = {}
    for elements, dtype in parts:
        size = dtype_bytes(dtype)
        elements_by_size[size] = elements_by_size.get(size, 0) + elements
    terms = [f"{elements}*{size}" for size, elements in sorted(elements_by_size.items(), reverse=True) if elements]
    expression = arithmetic.total(terms)
    return arithmetic.evaluate(expression), expression


def _bytes_of(variables: Sequence[OptimizerVariable]) -> int:
    return sum(variable.elements * dtype_bytes(variable.dtype) for variable in variables)


def _variable_bytes(variables: Sequence[VariableFacts], training: TrainingFacts) -> int:
    return sum(v.elements * dtype_bytes(training.planned_variable_dtype(v.dtype)) for v in variables)
