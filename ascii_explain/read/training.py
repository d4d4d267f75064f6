"""What a training memory plan reads from Keras: the dtype policy and the optimizer's variables.

``read_training(obj, weights, optimizer, dtype_policy)`` turns the model (or
layer) ``explain`` was given, and the weights its reader already listed
(``ModelFacts.weight_holders``), into :class:`TrainingFacts`, plain data that
``build/training_memory.py`` does the byte arithmetic on. It is two steps, so
``explain`` can read what needs the model at once and plan later
(``build/lazy_training.py``):

* ``read_training_options(obj, optimizer, dtype_policy)`` reads what needs the
  model or the user's arguments, cheaply: the dtype policy the plan is made
  under (the model's own, or a what-if one) and the optimizer to plan with
  (serialized: the one given, or the compiled one);
* ``training_facts(variables, options)`` needs neither: every weight once
  (``read/training_variables.py``: with the top-level layer that holds it,
  from the reader's facts, no second walk of the model) and the optimizer's
  variables as Keras itself builds them (``read/optimizer_slots.py``, on
  stand-ins): on all the trainable weights, on none (the iteration counter,
  learning rate and loss scale every build makes), and on each top-level
  layer's trainable weights alone (for the per-layer rows).

Only shapes, dtypes, paths and flags are read: no variable's value, so a model
whose variables were created without values (``StatelessScope(initialize_variables=False)``)
is planned like any other, and nothing is allocated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import keras

from .. import hints
from .dtypes import planned_dtype
from .facts import WeightHolders
from .optimizer_slots import (
    OptimizerVariable,
    StandInSpec,
    built_optimizer_variables,
    built_with_owners,
    factored_slots,
    fresh_optimizer,
    optimizer_config,
    optimizer_label,
    probed_slots,
)
from .training_variables import VariableFacts, training_variables

LOSS_SCALE_POLICY = "mixed_float16"  # the policy under which model.compile() wraps the optimizer


@dataclass(frozen=True)
class TrainingFacts:
    """Everything the plan needs from Keras, read once; no Keras object inside."""

    variables: tuple[VariableFacts, ...]
    # The policy the plan is made under (the model's, or the what-if one) ...
    policy_name: str
    # ... and, for a what-if policy only, the dtypes it gives floating variables and outputs.
    what_if_variable_dtype: Optional[str] = None
    what_if_compute_dtype: Optional[str] = None
    # The optimizer: "" when none was given and none is compiled.
    optimizer_label: str = ""
    # Keras's own optimizer variables built on all trainable weights, on none, and per owner.
    optimizer_variables: tuple[OptimizerVariable, ...] = ()
    optimizer_shared_variables: tuple[OptimizerVariable, ...] = ()
    optimizer_variables_by_owner: dict[str, tuple[OptimizerVariable, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def has_optimizer(self) -> bool:
        return bool(self.optimizer_label)

    def planned_variable_dtype(self, dtype: str) -> str:
        return planned_dtype(dtype, self.what_if_variable_dtype)

    def planned_output_dtype(self, dtype: str) -> str:
        return planned_dtype(dtype, self.what_if_compute_dtype)


@dataclass(frozen=True)
class TrainingOptions:
    """What the plan needs from the model and the user's arguments, read at once: no Keras object inside."""

    policy_name: str
    what_if_variable_dtype: Optional[str] = None
    what_if_compute_dtype: Optional[str] = None
    # The optimizer's serialized config and label; None and "" when none was given and none is compiled.
    optimizer_config: Optional[dict[str, Any]] = None
    optimizer_label: str = ""
    notes: tuple[str, ...] = ()


def read_training(
    obj: Any, weights: WeightHolders, optimizer: Any = None, dtype_policy: Any = None
) -> TrainingFacts:
    """The training facts of a built model or layer whose reader listed ``weights``; ``optimizer`` and
    ``dtype_policy`` as ``explain`` takes them (``read_training_options``)."""
    return training_facts(training_variables(weights), read_training_options(obj, optimizer, dtype_policy))


def read_training_options(obj: Any, optimizer: Any = None, dtype_policy: Any = None) -> TrainingOptions:
    """The policy and optimizer to plan with: ``optimizer`` and ``dtype_policy`` as ``explain`` takes them.

    ``optimizer``: a name ("adam"), a Keras optimizer, or None for the model's
    compiled one. ``dtype_policy``: None for the model's own dtypes, else a
    policy name or ``keras.DTypePolicy`` to plan under. A bad name raises here.
    Neither the model nor the optimizer is changed: the optimizer is only serialized.
    """
    policy = None if dtype_policy is None else _policy(dtype_policy)
    notes: list[str] = []
    config, label = _optimizer(obj, optimizer, notes)
    return TrainingOptions(
        policy_name=policy.name if policy is not None else _own_policy_name(obj),
        what_if_variable_dtype=str(policy.variable_dtype) if policy is not None else None,
        what_if_compute_dtype=str(policy.compute_dtype) if policy is not None else None,
        optimizer_config=config,
        optimizer_label=label,
        notes=tuple(notes),
    )


def training_facts(variables: tuple[VariableFacts, ...], options: TrainingOptions) -> TrainingFacts:
    """The facts the plan is made of: the weights, and the optimizer's variables Keras builds on them.

    Reads no model: without an optimizer this is plain data put together; with
    one, a fresh optimizer of its class and config is built on value-less stand-ins.
    """
    policy_name = options.policy_name
    notes = list(options.notes)
    config, label = options.optimizer_config, options.optimizer_label
    facts = TrainingFacts(
        variables=variables,
        policy_name=policy_name,
        what_if_variable_dtype=options.what_if_variable_dtype,
        what_if_compute_dtype=options.what_if_compute_dtype,
        notes=tuple(notes),
    )
    if config is None:
        return facts

    wrap_loss_scale = policy_name == LOSS_SCALE_POLICY

    def built(specs: Sequence[StandInSpec]) -> tuple[OptimizerVariable, ...]:
        return tuple(built_optimizer_variables(fresh_optimizer(config, wrap_loss_scale), specs))

    def spec(variable: VariableFacts) -> StandInSpec:
        return StandInSpec(
            path=variable.path,
            shape=tuple(int(dim or 0) for dim in variable.shape),
            dtype=facts.planned_variable_dtype(variable.dtype),
            overwrite_with_gradient=variable.overwrite_with_gradient,
        )

    trainable = [variable for variable in variables if variable.trainable]
    by_owner: dict[str, list[StandInSpec]] = {}
    for variable in trainable:
        by_owner.setdefault(variable.owner, []).append(spec(variable))
    specs = [spec(v) for v in trainable]
    # Keras's own optimizers make each weight's slots from its shape and dtype: from a probe built once per
    # config (read/optimizer_slots.py), under a loss-scale wrapper too; any other is built on these weights.
    probed: Optional[tuple[list[OptimizerVariable], Optional[list[Optional[int]]]]]
    probed = probed_slots(config, specs, wrap_loss_scale) or factored_slots(config, specs, wrap_loss_scale)
    if probed is None:
        probed = built_with_owners(fresh_optimizer(config, wrap_loss_scale), specs)
    listed, owners = probed
    first = tuple(listed)
    if owners is not None:  # one build, each slot given to the layer of the weight it was made from
        shared = tuple(variable for variable, owner in zip(listed, owners, strict=True) if owner is None)
        owner_variables: dict[str, tuple[OptimizerVariable, ...]] = {
            layer: tuple(
                variable
                for variable, owner in zip(listed, owners, strict=True)
                if owner is None or trainable[owner].owner == layer
            )
            for layer in by_owner
        }
    else:  # a slot made from no weight (Adafactor, a loss-scale wrapper): the same optimizer built per layer
        shared = built([])
        owner_variables = {owner: built(specs) for owner, specs in by_owner.items()}
    if wrap_loss_scale and "LossScaleOptimizer" not in label:
        notes.append(f"{label} wrapped in a LossScaleOptimizer, as model.compile() does under {LOSS_SCALE_POLICY}")
        label = f"LossScaleOptimizer({label})"
    return TrainingFacts(
        variables=variables,
        policy_name=policy_name,
        what_if_variable_dtype=options.what_if_variable_dtype,
        what_if_compute_dtype=options.what_if_compute_dtype,
        optimizer_label=label,
        optimizer_variables=first,
        optimizer_shared_variables=shared,
        # Per layer: its slots as the optimizer built on that layer's weights alone holds them, plus the shared ones.
        optimizer_variables_by_owner=owner_variables,
        notes=tuple(notes),
    )


def _policy(dtype_policy: Any) -> Any:
    try:
        return keras.dtype_policies.get(dtype_policy)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"dtype_policy {dtype_policy!r} is not a Keras dtype policy; give a name such as "
            f"'mixed_float16', 'mixed_bfloat16', 'bfloat16' or 'float32' ({error})"
        ) from None


def _own_policy_name(obj: Any) -> str:
    policy = getattr(obj, "dtype_policy", None)
    name = getattr(policy, "name", "")
    if not name:  # tf_keras names it ``_dtype_policy``/``dtype``; fall back to the global policy's name
        name = getattr(getattr(obj, "_dtype_policy", None), "name", "") or keras.config.dtype_policy().name
    return str(name)


def _optimizer(obj: Any, optimizer: Any, notes: list[str]) -> tuple[Optional[dict[str, Any]], str]:
    """(serialized config, label) of the optimizer to plan with; (None, "") when there is none."""
    if optimizer is None:
        compiled = getattr(obj, "optimizer", None)  # a keras.Model has one only once compiled
        if compiled is None:
            notes.append("no optimizer given and the model is not compiled: optimizer bytes 0")
            return None, ""
        if not isinstance(compiled, keras.optimizers.Optimizer):  # a tf_keras model's compiled optimizer
            notes.append(
                f"the compiled optimizer ({type(compiled).__name__}) is not a Keras 3 optimizer: "
                f"{hints.OPTIMIZER} to plan its variables"
            )
            return None, ""
        return optimizer_config(compiled), optimizer_label(compiled)
    if isinstance(optimizer, str):
        try:
            # keras.optimizers.get(name) makes a new instance with default settings; it is only a template.
            template = keras.optimizers.get(optimizer)
        except ValueError:
            raise ValueError(
                f"optimizer {optimizer!r} is not a Keras optimizer name; give one such as 'adam', 'adamw', "
                "'sgd', 'rmsprop', 'adafactor' or 'lion', or a keras.optimizers instance"
            ) from None
        return optimizer_config(template), optimizer_label(template)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer_config(optimizer), optimizer_label(optimizer)
    raise TypeError(f"optimizer must be a name, a keras optimizer or None, got {type(optimizer).__name__}")
