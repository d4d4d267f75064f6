"""How much memory training a Keras model takes at a batch size, per layer and in total.

``training_memory(model, batch_size, optimizer=None, dtype_policy=None)``
returns a ``TrainingMemory``: bytes of the weights, their gradients, the
optimizer's variables and the activations, each with its arithmetic as a plain
expression (``ascii_explain.arithmetic.evaluate`` turns it into the number),
and the same split per top-level layer.

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
  predicted from a table: a fresh optimizer of the same class and config is
  built on stand-in variables with the trainable variables' paths, shapes and
  dtypes, its variables are created without values (see
  ``optimizer_slots.built_optimizer_variables``), counted and dropped. Nothing is
  allocated, and neither the model nor the caller's optimizer changes.
* **activations**: each top-level layer's output once for ``batch_size``
  samples, nothing fused, freed or recomputed: the convention of
  ``Explanation.activation_bytes_by_layer`` (``LayerRecord.output_bytes`` times
  the batch), i.e. what a plain forward pass produces and the backward pass
  keeps. The model's inputs are not included. None when a dimension is
  unknown (a variable sequence length).

Dtype policies: the plan reads the dtypes the model really has (a model built
under ``mixed_float16`` has float32 variables, gradients and slots and float16
outputs). ``dtype_policy="mixed_bfloat16"`` is a what-if: every floating
variable is counted at the policy's variable dtype and every floating output at
its compute dtype, as if the model had been built under that global policy;
integer and boolean ones keep theirs. The model is not changed.
``quantized_weight_bytes(model, "int8")`` is the other what-if: weight bytes
after ``model.quantize(mode)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Union

import keras

from . import arithmetic
from .optimizer_slots import (
    OptimizerVariable,
    built_optimizer_variables,
    dtype_bytes,
    fresh_optimizer,
    optimizer_label,
)

PlanOptimizer = Union[str, "keras.optimizers.Optimizer", None]


@dataclass(frozen=True)
class LayerTrainingMemory:
    """One top-level layer's share of the plan, in bytes.

    ``optimizer`` is the bytes of the optimizer variables that mirror this
    layer's trainable weights; ``activations`` is its output for the batch
    (None when unknown).
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
    layers' ``optimizer`` plus it equal ``optimizer``.
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
    layers: tuple[LayerTrainingMemory, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

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
            "optimizer_name": self.optimizer_name,
            "weights": self.weights,
            "gradients": self.gradients,
            "optimizer": self.optimizer,
            "optimizer_shared": self.optimizer_shared,
            "activations": self.activations,
            "total": self.total,
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
        }


# ---------------------------------------------------------------- public entry


def training_memory(
    model: Any,
    batch_size: int = 1,
    optimizer: PlanOptimizer = None,
    dtype_policy: Union[str, Any, None] = None,
) -> TrainingMemory:
    """The training memory plan of a built Keras model for ``batch_size`` samples.

    ``optimizer`` is a name (``"adam"``), a Keras optimizer instance, or None
    for the model's compiled optimizer (none compiled: optimizer bytes 0, with
    a note). ``dtype_policy`` (a name or a ``keras.DTypePolicy``) plans as if
    the model had been built under that policy; None reads the model's own
    dtypes. The model and the optimizer are only read.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    policy = None if dtype_policy is None else keras.dtype_policies.get(dtype_policy)
    notes: list[str] = []

    layers = _top_level_layers(model)
    owned = _variables_by_layer(model, layers)
    trainable_ids = {id(variable) for variable in model.trainable_variables}

    def stored_dtype(variable: Any) -> str:
        return _planned_variable_dtype(variable.dtype, policy)

    # weights and gradients ---------------------------------------------------
    all_variables = [variable for variables in owned.values() for variable in variables]
    trainable = _unique(model.trainable_variables)
    weights, weights_expression = _bytes_and_expression(
        [(_size(variable), stored_dtype(variable)) for variable in all_variables]
    )
    gradients, gradients_expression = _bytes_and_expression(
        [(_size(variable), stored_dtype(variable)) for variable in trainable]
    )

    # optimizer -----------------------------------------------------------------
    plan_policy_name = policy.name if policy is not None else _model_policy_name(model)
    template, label = _optimizer_template(model, optimizer, notes)
    layer_slots: dict[str, int] = {name: 0 for name in owned}
    optimizer_bytes, optimizer_expression, shared = 0, "0", 0
    if template is not None:
        wrap_loss_scale = plan_policy_name == "mixed_float16"
        specs = [(variable, stored_dtype(variable)) for variable in trainable]
        built = built_optimizer_variables(fresh_optimizer(template, wrap_loss_scale), specs)
        optimizer_bytes, optimizer_expression = _bytes_and_expression(
            [(variable.elements, variable.dtype) for variable in built]
        )
        # Per layer: the same optimizer built on that layer's weights alone,
        # less what it builds on no weights at all (counter, learning rate).
        shared = _bytes_of(built_optimizer_variables(fresh_optimizer(template, wrap_loss_scale), []))
        for name, variables in owned.items():
            layer_specs = [
                (variable, stored_dtype(variable)) for variable in variables if id(variable) in trainable_ids
            ]
            if layer_specs:
                fresh = fresh_optimizer(template, wrap_loss_scale)
                layer_slots[name] = _bytes_of(built_optimizer_variables(fresh, layer_specs)) - shared
        if shared + sum(layer_slots.values()) != optimizer_bytes:
            notes.append(
                f"{label}'s variables depend on several layers at once; the per-layer optimizer bytes "
                f"do not add up to the total ({optimizer_bytes:,} bytes)"
            )
        if wrap_loss_scale and not _is_loss_scale(template):
            notes.append(f"{label} wrapped in a LossScaleOptimizer, as model.compile() does under mixed_float16")
            label = f"LossScaleOptimizer({label})"

    # activations ---------------------------------------------------------------
    activation_by_layer, activations, activations_expression = _activations(model, layers, batch_size, policy, notes)

    rows = tuple(
        LayerTrainingMemory(
            name=name,
            weights=_bytes_of_variables(variables, stored_dtype),
            gradients=_bytes_of_variables([v for v in variables if id(v) in trainable_ids], stored_dtype),
            optimizer=layer_slots.get(name, 0),
            activations=activation_by_layer.get(name),
        )
        for name, variables in owned.items()
    )
    return TrainingMemory(
        batch_size=batch_size,
        dtype_policy=plan_policy_name,
        optimizer_name=label,
        weights=weights,
        gradients=gradients,
        optimizer=optimizer_bytes,
        activations=activations,
        weights_expression=weights_expression,
        gradients_expression=gradients_expression,
        optimizer_expression=optimizer_expression,
        activations_expression=activations_expression,
        optimizer_shared=shared,
        layers=rows,
        notes=tuple(notes),
    )


def quantized_weight_bytes(model: Any, mode: str) -> int:
    """Bytes of the model's weights after ``model.quantize(mode)`` ("int8" or "int4"), model unchanged.

    Mirrors ``keras.Model.quantize`` (Keras 3.15.1): every leaf layer whose
    ``quantize`` Keras implements for its exact class (Dense, EinsumDense,
    Embedding, ReversibleEmbedding) replaces its kernel or embeddings with
    int8 values (int4: two values packed per int8 byte) plus float scales;
    other layers keep their weights. Each such layer is re-created from its
    config, built and quantized inside a stateless scope, and its variables
    counted: the copy's kernel exists only as the zeros its initializer gives
    while one layer is quantized.
    """
    from .quantized_weights import quantized_weight_bytes as _count

    return _count(model, mode)


# ---------------------------------------------------------------- helpers


def _top_level_layers(model: Any) -> list[Any]:
    """The rows of the plan: a model's top-level layers (InputLayer left out), or a lone layer itself."""
    if isinstance(model, keras.Model):
        return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    return [model]


def _variables_by_layer(model: Any, layers: Sequence[Any]) -> dict[str, list[Any]]:
    """Each top-level layer's variables, a variable shared by several layers under the first.

    Variables the model holds itself (a subclassed model's ``add_weight``) form
    a row named after the model, so the rows add up to ``model.weights``.
    """
    seen: set[int] = set()
    owned: dict[str, list[Any]] = {}
    for layer in layers:
        mine = []
        for variable in layer.weights:
            if id(variable) not in seen:
                seen.add(id(variable))
                mine.append(variable)
        owned[layer.name] = mine
    own = [variable for variable in _unique(model.weights) if id(variable) not in seen]
    if own:
        owned[model.name] = owned.get(model.name, []) + own
    return owned


def _unique(variables: Sequence[Any]) -> list[Any]:
    seen: set[int] = set()
    result = []
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            result.append(variable)
    return result


def _size(variable: Any) -> int:
    elements = 1
    for dim in variable.shape:
        elements *= int(dim)
    return elements


def _is_floating(dtype: str) -> bool:
    return "float" in keras.backend.standardize_dtype(dtype)


def _planned_variable_dtype(dtype: Any, policy: Any) -> str:
    """The dtype a variable is counted in: its own, or under a what-if policy the policy's variable dtype."""
    dtype = keras.backend.standardize_dtype(dtype)
    if policy is not None and _is_floating(dtype):
        return str(policy.variable_dtype)
    return str(dtype)


def _planned_output_dtype(dtype: Any, policy: Any) -> str:
    dtype = keras.backend.standardize_dtype(dtype)
    if policy is not None and _is_floating(dtype):
        return str(policy.compute_dtype)
    return str(dtype)


def _model_policy_name(model: Any) -> str:
    policy = getattr(model, "dtype_policy", None)
    return str(getattr(policy, "name", "") or keras.config.dtype_policy().name)


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


def _bytes_of_variables(variables: Sequence[Any], stored_dtype: Any) -> int:
    return sum(_size(variable) * dtype_bytes(stored_dtype(variable)) for variable in variables)


def _is_loss_scale(optimizer: Any) -> bool:
    return isinstance(optimizer, keras.optimizers.LossScaleOptimizer)


def _optimizer_template(model: Any, optimizer: PlanOptimizer, notes: list[str]) -> tuple[Any, str]:
    """The optimizer whose class and config the plan builds, and its label; (None, "") when none."""
    if optimizer is None:
        compiled = getattr(model, "optimizer", None)  # a keras.Model has it only once compiled
        if compiled is None:
            notes.append("no optimizer given and the model is not compiled: optimizer bytes 0")
            return None, ""
        return compiled, optimizer_label(compiled)
    if isinstance(optimizer, str):
        # keras.optimizers.get(name) makes a new instance with default settings; it is only a template.
        template = keras.optimizers.get(optimizer)
        return template, optimizer_label(template)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer, optimizer_label(optimizer)
    raise TypeError(f"optimizer must be a name, a keras optimizer or None, got {type(optimizer).__name__}")


def _activations(
    model: Any, layers: Sequence[Any], batch_size: int, policy: Any, notes: list[str]
) -> tuple[dict[str, Optional[int]], Optional[int], str]:
    """Each top-level layer's output bytes for the batch, the total and its expression.

    Without a what-if policy this is ``explain(model, batch_size).activation_bytes_by_layer``,
    the same numbers the diagram's memory line adds up. With one, each output
    is re-counted as elements times the policy's compute dtype size (floating
    outputs only).
    """
    from . import explain

    explanation = explain(model, batch_size=batch_size)
    by_layer: dict[str, Optional[int]] = {}
    per_sample: list[tuple[int, str]] = []  # (elements, dtype) for the what-if expression
    sample_bytes: list[int] = []
    unknown: list[str] = []
    layers_by_name = {layer.name: layer for layer in layers}
    for record in explanation.top_level:
        if record.class_name == "InputLayer":
            continue
        if policy is None:
            size = record.output_bytes
            by_layer[record.name] = None if size is None else size * batch_size
            if size is None:
                unknown.append(record.name)
            else:
                sample_bytes.append(size)
            continue
        outputs = _outputs(record.output_shape, layers_by_name.get(record.name))
        if outputs is None:
            by_layer[record.name] = None
            unknown.append(record.name)
            continue
        planned = [(elements, _planned_output_dtype(dtype, policy)) for elements, dtype in outputs]
        per_sample.extend(planned)
        by_layer[record.name] = batch_size * sum(elements * dtype_bytes(dtype) for elements, dtype in planned)
    if unknown:
        notes.append(f"activations unknown: a dimension of {', '.join(unknown)}'s output is unknown")
        return by_layer, None, ""
    if policy is None:
        expression = f"{batch_size}*{sum(sample_bytes)}"
    else:
        _, sample_expression = _bytes_and_expression(per_sample)
        expression = f"{batch_size}*{arithmetic.group(sample_expression)}"
    return by_layer, arithmetic.evaluate(expression), expression


def _outputs(shape: Any, layer: Any) -> Optional[list[tuple[int, str]]]:
    """(elements per sample, dtype) of each output of a layer; None when a dimension is unknown."""
    if shape is None or layer is None:
        return None
    shapes = list(shape) if shape and all(isinstance(part, tuple) for part in shape) else [shape]
    dtypes = _output_dtypes(layer, len(shapes))
    result = []
    for part, dtype in zip(shapes, dtypes, strict=True):
        if any(dim is None for dim in part[1:]):
            return None
        elements = 1
        for dim in part[1:]:  # per sample: the batch axis left out
            elements *= int(dim)
        result.append((elements, dtype))
    return result


def _output_dtypes(layer: Any, count: int) -> list[str]:
    """The dtypes of a layer's symbolic outputs (``layer.output``), else its compute dtype for each."""
    try:
        output = layer.output  # public; raises when the layer has no single symbolic call
        tensors = keras.tree.flatten(output)
        if len(tensors) == count:
            return [keras.backend.standardize_dtype(tensor.dtype) for tensor in tensors]
    except (AttributeError, ValueError, RuntimeError):
        pass
    return [keras.backend.standardize_dtype(layer.compute_dtype)] * count
