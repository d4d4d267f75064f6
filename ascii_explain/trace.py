"""``trace(model, sample)``: run a small input through a model and see every layer's output.

Seed 000 wanted to "watch the computation with a small input". ``trace`` runs
the sample through the model's own layers, in inference mode, and keeps each
layer call's output: small arrays are shown in full, larger ones summarized
(shape, min, max, mean and a corner). ``str(result)`` is text, and Jupyter
shows ``result._repr_html_()``.

How, and why the model is not changed: a second ``keras.Model`` is built from
the model's symbolic input to the outputs of every layer call in its graph
(the SAME layer objects, so the same weights). Building a Functional model
from existing symbolic tensors only reads the graph: it calls no layer, adds
no node and creates no weight (the tests check the weights, config and nodes
before and after). Only public Keras API runs the sample (``keras.Model``,
calling it with ``training=False``, ``keras.ops.convert_to_numpy``), so any
Keras 3 backend works (the backend matrix runs the trace tests on JAX and
PyTorch too). Keras 2 (``tf_keras``) models are refused with a clear error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from .read.keras3 import graph_call_steps
from .read.model import open_reader
from .read.unallocated import unallocated_variables
from .views.trace_html import render_trace_html
from .views.trace_text import render_trace_text


@dataclass(frozen=True)
class TraceStep:
    """One layer call's output on the sample: plain numpy arrays, one per output tensor."""

    name: str
    class_name: str
    values: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class TraceResult:
    """What ``trace`` returns: the input and every layer call's output, in execution order."""

    model_name: str
    inputs: tuple[np.ndarray, ...]
    steps: tuple[TraceStep, ...]
    # True when the sample had no batch axis and trace added one.
    added_batch_axis: bool = False

    @property
    def batch_size(self) -> int:
        return int(self.inputs[0].shape[0]) if self.inputs and self.inputs[0].ndim else 1

    @property
    def output(self) -> np.ndarray:
        """The last step's (first) output: the model's output for a single-output Sequential model."""
        return self.steps[-1].values[0]

    def step(self, name: str) -> TraceStep:
        """The (first) step of the layer called ``name``."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no traced layer named {name!r}; layers: {', '.join(s.name for s in self.steps)}")

    def render(self, width: int = 100) -> str:
        return render_trace_text(self, width=width)

    def __str__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        return render_trace_html(self)


_NEEDS_GRAPH = (
    "trace() runs a Sequential or Functional model layer by layer; {name!r} is a subclassed model, whose "
    "call() is Python code with no graph of layers to follow. Wrap its layers in a Functional model "
    "(keras.Model(inputs, outputs)) to trace it."
)


def trace(model: Any, sample: Any) -> TraceResult:
    """Run ``sample`` through ``model`` in inference mode and keep every layer call's output.

    ``model`` is a built Sequential or Functional ``keras.Model``. ``sample`` is
    an array (or a list/dict of arrays for several inputs) with or without
    the batch axis; keep it small. The model is not changed.

    ``model`` may also be a path (a ``.keras`` file or a keras-hub preset
    directory): tracing needs the values, so they are loaded with it. A model
    built without values (from a config, or in a stateless scope) is refused:
    its "outputs" would be the initializers' random numbers.
    """
    if isinstance(model, (str, os.PathLike)):
        from .read.stateless import model_from_path

        model = model_from_path(model, weights=True)
    reader = open_reader(model)
    if unallocated_variables(model):
        raise ValueError(
            f"trace() needs weight values; {model.name!r} holds shapes only (built from its config, or in a "
            "stateless scope), so its outputs would be random numbers. Load it with its weights: "
            "trace(path, sample), explain(path, weights=True), or keras.saving.load_model(path)."
        )
    if reader.is_legacy:
        raise TypeError(
            f"trace() runs Keras 3 models (on any backend); {model.name!r} is a Keras 2 (tf_keras) model. "
            "explain() reads it; to see its layers' outputs, build "
            "tf_keras.Model(model.inputs, [layer.output for layer in model.layers]) and call it."
        )
    if not reader.is_model(model):
        raise TypeError(
            f"trace() takes a Sequential or Functional keras.Model; got the layer {model.name!r}. "
            "Put it in a model first, e.g. keras.Sequential([keras.Input(shape), layer])."
        )
    graph_input, steps = graph_call_steps(model)
    if graph_input is None or not steps:
        raise TypeError(_NEEDS_GRAPH.format(name=model.name))
    inputs, added = _prepare_inputs(graph_input, sample)
    outputs = [output for step in steps for output in step.outputs]
    # A read-only view of the same layers: see the module docstring.
    probe = keras.Model(graph_input, outputs, name=f"{model.name}_trace")
    values = probe(_structured(graph_input, inputs), training=False)
    if len(outputs) == 1 and not isinstance(values, (list, tuple)):
        values = [values]  # Keras unwraps a one-element output list
    arrays = [np.asarray(keras.ops.convert_to_numpy(value)) for value in values]
    result_steps = []
    position = 0
    for step in steps:
        count = len(step.outputs)
        result_steps.append(TraceStep(step.name, step.class_name, tuple(arrays[position : position + count])))
        position += count
    return TraceResult(model.name, tuple(inputs), tuple(result_steps), added)


def _flat_inputs(graph_input: Any) -> list[Any]:
    if isinstance(graph_input, dict):
        return list(graph_input.values())
    if isinstance(graph_input, (list, tuple)):
        return list(graph_input)
    return [graph_input]


def _structured(graph_input: Any, arrays: list[np.ndarray]) -> Any:
    """Arrays in the structure of the graph's input (a tensor, a list, or a dict)."""
    if isinstance(graph_input, dict):
        return dict(zip(graph_input, arrays, strict=True))
    if isinstance(graph_input, (list, tuple)):
        return list(arrays)
    return arrays[0]


def _prepare_inputs(graph_input: Any, sample: Any) -> tuple[list[np.ndarray], bool]:
    """Each input as a numpy array of the model's dtype, batch axis added when missing."""
    symbolic = _flat_inputs(graph_input)
    if isinstance(graph_input, dict) and isinstance(sample, dict):
        missing = set(graph_input) - set(sample)
        if missing:
            raise ValueError(f"trace() sample is missing inputs {sorted(missing)}; the model takes {list(graph_input)}")
        parts = [sample[key] for key in graph_input]
    elif len(symbolic) > 1:
        if not isinstance(sample, (list, tuple)) or len(sample) != len(symbolic):
            raise ValueError(f"the model takes {len(symbolic)} inputs; pass trace() a list of {len(symbolic)} arrays")
        parts = list(sample)
    else:
        parts = [sample]
    arrays, added = [], False
    for tensor, part in zip(symbolic, parts, strict=True):
        array, was_added = _one_input(tensor, part)
        arrays.append(array)
        added = added or was_added
    batches = {array.shape[0] for array in arrays}
    if len(batches) > 1:
        raise ValueError(f"trace() inputs have different batch sizes: {sorted(batches)}")
    return arrays, added


def _one_input(tensor: Any, part: Any) -> tuple[np.ndarray, bool]:
    expected = tuple(tensor.shape)
    try:
        array = np.asarray(part, dtype=keras.backend.standardize_dtype(tensor.dtype))
    except (TypeError, ValueError) as error:
        raise ValueError(f"trace() could not read the sample as a {tensor.dtype} array: {error}") from error
    added = False
    if array.ndim == len(expected) - 1:
        array, added = array[np.newaxis, ...], True
    if array.ndim != len(expected) or any(
        want is not None and int(want) != got for want, got in zip(expected[1:], array.shape[1:], strict=True)
    ):
        shown = tuple("batch" if i == 0 else dim for i, dim in enumerate(expected))
        raise ValueError(
            f"trace() sample has shape {np.shape(part)}; the model's input takes {shown} "
            f"(or {tuple(expected[1:])} for one sample)"
        )
    return array, added
