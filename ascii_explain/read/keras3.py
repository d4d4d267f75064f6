"""Reading Keras 3 models and layers (any backend: TensorFlow, JAX, PyTorch).

Keras 3 layers have no ``input_shape``/``output_shape`` attributes (why
keras_sequential_ascii 0.1.1 crashes on Keras 3), so shapes come from the
layer's build config and from the symbolic graph's nodes. Everything read
here is backend-independent. Each access to a private attribute names the
Keras version it was checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import keras

from ..build.records import Call, OutputShape
from .facts import KIND_FUNCTIONAL, KIND_SEQUENTIAL, KIND_SUBCLASSED
from .graph_order import shapes_of, walk_functional
from .reader import RawGraph, Reader
from .shape_values import as_shape_tree


class Keras3Reader(Reader):
    builtin_packages = ("keras",)

    def is_model(self, obj: Any) -> bool:
        return isinstance(obj, keras.Model)

    def build_shape(self, layer: Any, first_input_shape: Any) -> Any:
        """The shape(s) the layer was built with, as a formula expects them.

        ``Layer.get_build_config()`` (public since Keras 3.0; checked on 3.15.1)
        returns ``{"input_shape": shape}`` for a one-argument ``build`` and
        ``{"shapes_dict": {...}}`` for several (attention layers). A layer whose
        ``build`` was never wrapped (no weights, e.g. Activation) has none; then
        the shape of its first call's input (``first_input_shape``) is used.
        """
        try:
            config = layer.get_build_config()
        except Exception:  # a custom get_build_config that fails: shapes unknown
            config = None
        if config:
            if "input_shape" in config:
                return as_shape_tree(config["input_shape"])
            if "shapes_dict" in config:
                return {key: as_shape_tree(value) for key, value in config["shapes_dict"].items()}
        return first_input_shape

    def build_shapes_by_argument(self, layer: Any, build_shape: Any) -> Optional[dict[str, Any]]:
        """``Layer._build_shapes_dict``: private, the ``{argument name: shape}`` that ``build`` received,
        which Keras's own summary passes to ``compute_output_shape`` (checked on 3.15.1)."""
        shapes = getattr(layer, "_build_shapes_dict", None)
        if isinstance(shapes, dict) and shapes:
            return {key: as_shape_tree(value) for key, value in shapes.items()}
        return None

    def input_shape(self, layer: Any) -> Optional[OutputShape]:
        """Shape of the layer's input at its first call, or None outside a symbolic graph."""
        return shapes_of(_first_node_attribute(layer, "input_tensors") or _own_graph_tensors(layer, "inputs"))

    def output_shape(self, layer: Any) -> Optional[OutputShape]:
        """Shape of the layer's output at its first call, or None outside a symbolic graph."""
        return shapes_of(_first_node_attribute(layer, "output_tensors") or _own_graph_tensors(layer, "outputs"))

    def output_dtypes(self, layer: Any) -> Optional[tuple[str, ...]]:
        """Dtypes of the layer's outputs at its first call, or None outside a symbolic graph."""
        tensors = _first_node_attribute(layer, "output_tensors") or _own_graph_tensors(layer, "outputs")
        if not tensors:
            return None
        return tuple(str(keras.backend.standardize_dtype(tensor.dtype)) for tensor in tensors)

    def weight_path(self, layer: Any, variable: Any) -> str:
        """``variable.path`` less the layer's own path: "query/kernel" under "att" (public; Keras 3.15.1)."""
        path = str(getattr(variable, "path", "") or "")
        prefix = f"{getattr(layer, 'path', '') or layer.name}/"
        if path.startswith(prefix):
            return path[len(prefix) :]
        return self.weight_name(variable)

    def summary_order(self, obj: Any) -> list[str]:
        """Layer names in the order ``keras.Model.summary`` lists them.

        ``layer_range`` counts in this order, so ours must too. Keras 3.15.1's
        ``summary_utils.print_summary`` uses ``model.layers`` for Sequential and
        subclassed models and the private ``model._operations`` for Functional ones.
        """
        if not isinstance(obj, keras.Model):
            return [obj.name]
        operations = obj.layers
        if not isinstance(obj, keras.Sequential) and hasattr(obj, "_operations"):
            operations = obj._operations  # Functional only; checked on Keras 3.15.1
        return [operation.name for operation in operations]

    def summary_layers(self, model: Any) -> list[Any]:
        """Keras 3.15.1's print_summary: ``model.layers`` (Sequential, subclassed), ``model._operations``
        (Functional: private, its layers and ops by depth; checked on 3.15.1)."""
        if not isinstance(model, keras.Model):
            return [model]
        if not isinstance(model, keras.Sequential) and getattr(model, "_operations", None) is not None:
            return list(model._operations)
        return list(model.layers)

    def raw_graph(self, model: Any, include_input_layer: bool) -> RawGraph:
        functional = _functional_of(model)
        if functional is not None:
            entries, inputs, outputs = walk_functional(functional)
            if isinstance(model, keras.Sequential) and not include_input_layer:
                entries = [entry for entry in entries if not isinstance(entry[0], keras.layers.InputLayer)]
            kind = KIND_SEQUENTIAL if isinstance(model, keras.Sequential) else KIND_FUNCTIONAL
            return RawGraph(kind, entries, inputs, outputs)
        if isinstance(model, keras.Sequential):
            # A Sequential without a symbolic graph: a chain by definition.
            layers = list(model.layers)
            chain = [(layer, [Call((layers[i - 1].name,) if i else ())], False) for i, layer in enumerate(layers)]
            return RawGraph(KIND_SEQUENTIAL, chain, [], [layers[-1].name] if layers else [])
        return RawGraph(KIND_SUBCLASSED, [(layer, [], False) for layer in self.sublayers(model)], [], [])


KERAS3 = Keras3Reader()


def _first_node_attribute(layer: Any, attribute: str) -> Any:
    # Operation._inbound_nodes: private, present in every Keras 3 release
    # (checked on 3.15.1). Node.input_tensors / output_tensors are lists.
    nodes = getattr(layer, "_inbound_nodes", None) or []
    if not nodes:
        return None
    return getattr(nodes[0], attribute, None)


def _own_graph_tensors(layer: Any, side: str) -> Any:
    """A graph model's own ``inputs`` or ``outputs`` (a list of KerasTensors) when no call of it is a node:
    a Functional held by a subclassed model, which calls it on arrays (a VAE's encoder). Keras's summary
    shows those shapes too (``layer.output_shape``). None for anything else."""
    if not isinstance(layer, keras.Model):
        return None
    functional = _functional_of(layer)
    try:
        tensors = getattr(functional, side, None) if functional is not None else None
    except (AttributeError, ValueError):
        return None
    return list(tensors) if tensors else None


def _functional_of(model: Any) -> Any:
    """The Functional graph behind a model, or None for a subclassed model."""
    if isinstance(model, keras.Sequential):
        # Sequential._functional: private, the Functional model Keras builds
        # once the input shape is known (checked on 3.15.1); None before that.
        return getattr(model, "_functional", None)
    # Functional (and Function) keep `_operations`, the graph's operations
    # ordered by depth (private; checked on 3.15.1). Subclassed models have none.
    if getattr(model, "_operations", None) is not None and hasattr(model, "outputs"):
        return model
    return None


@dataclass(frozen=True)
class CallStep:
    """One call of a layer inside a model's graph: who was called, and the symbolic outputs of that call."""

    name: str
    class_name: str
    outputs: tuple[Any, ...]


def graph_call_steps(model: Any) -> tuple[Any, list[CallStep]]:
    """(the graph's symbolic input structure, every layer call in execution order) of a graph model.

    A Functional model is its own graph; a Sequential model keeps one in
    ``_functional`` once built. Both are read through ``Function._nodes_by_depth``
    (deepest first is execution order), the map Keras itself runs the graph
    with (``Function._run_through_graph``). All three are private; checked on
    Keras 3.15.1. Returns (None, []) for a model without a graph (subclassed).
    """
    graph = model if isinstance(model, keras.Model) and hasattr(model, "_nodes_by_depth") else None
    if graph is None:
        graph = getattr(model, "_functional", None)
    if graph is None or not hasattr(graph, "_nodes_by_depth"):
        return None, []
    steps = []
    for depth in sorted(graph._nodes_by_depth, reverse=True):
        for node in graph._nodes_by_depth[depth]:
            if node.operation is None or node.is_input:
                continue
            operation = node.operation
            steps.append(CallStep(str(operation.name), type(operation).__name__, tuple(node.outputs)))
    return graph.input, steps
