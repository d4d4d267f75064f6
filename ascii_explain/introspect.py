"""The one module that reads Keras objects: layers, shapes, weights, graph nodes.

Everything else in ascii_explain works on plain records. Keras 3 layers have no
``input_shape``/``output_shape`` attributes (why keras_sequential_ascii 0.1.1
crashes on Keras 3), so shapes come from the layer's build config and from the
symbolic graph's nodes. Each access to a private attribute names the Keras
version it was checked against.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Optional

import keras

from .records import OutputShape, Shape


class NotBuiltError(ValueError):
    """The model or layer has no weights yet, so there is nothing to count."""


_ACCEPTED = "a keras.Model (Sequential, Functional or subclassed) or a keras.layers.Layer"
_HOW_TO_BUILD = (
    "build it first: start a Sequential model with keras.Input(shape), call "
    "model.build((None, ...)) with the input shape, or call the model on a batch of data"
)


def ensure_explainable(obj: Any) -> None:
    """Raise one clear error for anything ``explain`` cannot read."""
    if not isinstance(obj, keras.layers.Layer):
        raise TypeError(f"explain() takes {_ACCEPTED}; got {type(obj).__module__}.{type(obj).__qualname__}.")
    if not obj.built:
        kind = "model" if isinstance(obj, keras.Model) else "layer"
        raise NotBuiltError(f"The {kind} {obj.name!r} is not built, so it has no weights to explain; {_HOW_TO_BUILD}.")
    unbuilt = [layer.name for layer in getattr(obj, "layers", []) if not layer.built]
    if unbuilt:
        raise NotBuiltError(
            f"Layers {', '.join(repr(name) for name in unbuilt)} of {obj.name!r} are not built; {_HOW_TO_BUILD}."
        )


def is_model(obj: Any) -> bool:
    return isinstance(obj, keras.Model)


def model_layers(model: Any) -> list[Any]:
    """The layers in Keras's display order (``model.layers``)."""
    return list(model.layers)


def model_input_shapes(model: Any) -> list[Shape]:
    """Shapes of the model's symbolic inputs, batch axis included; [] when unknown."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return []
    return [_as_shape(tensor.shape) for tensor in inputs or []]


_UNREAD: Any = object()  # "not read yet": None is a real value (no symbolic call)


def build_shape(layer: Any, first_input_shape: Any = _UNREAD) -> Any:
    """The shape(s) the layer was built with, as a formula expects them.

    ``Layer.get_build_config()`` (public since Keras 3.0; checked on 3.15.1)
    returns ``{"input_shape": shape}`` for a one-argument ``build`` and
    ``{"shapes_dict": {...}}`` for several (attention layers). A layer whose
    ``build`` was never wrapped (no weights, e.g. Activation) has none; then
    the shape of its first call's input is used, if there is one
    (``first_input_shape`` when the caller has already read it).
    """
    try:
        config = layer.get_build_config()
    except Exception:  # a custom get_build_config that fails: shapes unknown
        config = None
    if config:
        if "input_shape" in config:
            return _as_shape_tree(config["input_shape"])
        if "shapes_dict" in config:
            return {key: _as_shape_tree(value) for key, value in config["shapes_dict"].items()}
    return input_shape(layer) if first_input_shape is _UNREAD else first_input_shape


def input_shape(layer: Any) -> Optional[OutputShape]:
    """Shape of the layer's input at its first call, or None outside a symbolic graph."""
    tensors = _first_node_attribute(layer, "input_tensors")
    return _shapes_of(tensors)


def output_shape(layer: Any) -> Optional[OutputShape]:
    """Shape of the layer's output at its first call, or None outside a symbolic graph."""
    tensors = _first_node_attribute(layer, "output_tensors")
    return _shapes_of(tensors)


@dataclass(frozen=True)
class LayerFacts:
    """Everything one layer's record reads from Keras, read once (``layer_facts``).

    Formulas, mult-adds, shape arithmetic and bytes all need the config, the
    build shape and the first call's shapes; reading them once per layer keeps
    ``get_config()`` (the costliest read: it serializes every initializer and
    regularizer) and the graph-node lookups to one each.
    """

    config: Optional[dict[str, Any]]
    build_shape: Any
    input_shape: Optional[OutputShape]
    output_shape: Optional[OutputShape]
    output_dtypes: Optional[tuple[str, ...]]
    weights: tuple[WeightInfo, ...]


def layer_facts(layer: Any) -> LayerFacts:
    """Read a layer's config, shapes, output dtypes and weights, each once."""
    first_input = input_shape(layer)
    return LayerFacts(
        config=layer_config(layer),
        build_shape=build_shape(layer, first_input),
        input_shape=first_input,
        output_shape=output_shape(layer),
        output_dtypes=output_dtypes(layer),
        weights=tuple(weights(layer)),
    )


def _first_node_attribute(layer: Any, attribute: str) -> Any:
    # Operation._inbound_nodes: private, present in every Keras 3 release
    # (checked on 3.15.1). Node.input_tensors / output_tensors are lists.
    nodes = getattr(layer, "_inbound_nodes", None) or []
    if not nodes:
        return None
    return getattr(nodes[0], attribute, None)


def _shapes_of(tensors: Any) -> Optional[OutputShape]:
    if not tensors:
        return None
    shapes = tuple(_as_shape(tensor.shape) for tensor in tensors)
    return shapes[0] if len(shapes) == 1 else shapes


def _as_shape(shape: Any) -> Shape:
    if type(shape) is tuple:  # KerasTensor.shape is already a tuple of ints and Nones: returned as is
        for dim in shape:
            if dim is not None and type(dim) is not int:
                break
        else:
            return shape
    return tuple(None if dim is None else int(dim) for dim in shape)


def _as_shape_tree(value: Any) -> Any:
    """Build configs hold shapes as tuples or lists, sometimes nested lists of shapes."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return tuple(_as_shape_tree(part) for part in value)
    if isinstance(value, (list, tuple)):
        return _as_shape(value)
    return value


def layer_config(layer: Any) -> Optional[dict[str, Any]]:
    """``layer.get_config()``, or None when a custom layer cannot produce one."""
    try:
        return dict(layer.get_config())
    except Exception:  # custom layers may raise NotImplementedError or worse
        return None


def sublayer_configs(layer: Any) -> dict[str, dict[str, Any]]:
    """``{name: get_config()}`` of the layer's direct sublayers (attention projections).

    ``Layer._flatten_layers(include_self=False, recursive=False)`` is private;
    present and unchanged in every Keras 3 release (checked on 3.15.1). A
    sublayer whose config fails is left out.
    """
    result: dict[str, dict[str, Any]] = {}
    for sublayer in layer._flatten_layers(include_self=False, recursive=False):
        config = layer_config(sublayer)
        if config is not None:
            result[sublayer.name] = config
    return result


def activation_name(layer: Any, config: Optional[dict[str, Any]]) -> str:
    """The activation shown on the data row: "" for none or linear."""
    name = ""
    if config is not None:
        value = config.get("activation")
        if isinstance(value, str):
            name = value
        elif isinstance(value, dict):  # a serialized activation object
            name = str(value.get("config", {}).get("name", value.get("class_name", "")))
    if not name:
        function = getattr(layer, "activation", None)
        name = getattr(function, "__name__", "") if callable(function) else ""
    return "" if name == "linear" else name


@dataclass(frozen=True)
class WeightInfo:
    name: str
    shape: Shape
    trainable: bool
    dtype: str


def weights(layer: Any) -> list[WeightInfo]:
    """The layer's weights, each counted once, with Keras's trainable flag.

    A frozen layer (``layer.trainable = False``) keeps its variables'
    ``trainable`` flags but Keras reports none of them as trainable, so both
    must hold.
    """
    seen: set[int] = set()
    result = []
    for variable in layer.weights:
        if id(variable) in seen:
            continue
        seen.add(id(variable))
        result.append(
            WeightInfo(
                name=str(variable.name),
                shape=_variable_shape(variable),
                trainable=bool(layer.trainable and variable.trainable),
                dtype=str(variable.dtype),
            )
        )
    return result


def _variable_shape(variable: Any) -> Shape:
    """A variable's shape as a tuple of ints.

    ``KerasVariable._shape`` (private, checked on 3.15.1) is the standardized
    tuple that ``KerasVariable.shape`` returns; the TensorFlow backend's
    ``shape`` wraps it in a ``tf.TensorShape`` first, which costs more than
    the rest of reading a weight. Anything else goes through ``.shape``.
    """
    shape = getattr(variable, "_shape", None)
    return _as_shape(shape if type(shape) is tuple else variable.shape)


def keras_param_count(layer: Any) -> int:
    return int(layer.count_params())


def keras_trainable_count(layer: Any) -> int:
    return _count_unique(layer.trainable_weights)


def _count_unique(variables: Any) -> int:
    seen: set[int] = set()
    count = 0
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            size = 1
            for dim in variable.shape:
                size *= int(dim)
            count += size
    return count


def model_param_counts(model: Any) -> tuple[int, int, int]:
    """Keras's own (total, trainable, non-trainable), each weight counted once.

    One walk of ``model.weights`` split the way ``Layer.trainable_weights``
    and ``non_trainable_weights`` split it (keras/src/layers/layer.py, checked
    on 3.15.1: a frozen model has no trainable weights, otherwise each
    variable's own flag decides); asking for both lists walks every layer twice.
    """
    seen: set[int] = set()
    trainable = non_trainable = 0
    model_trainable = bool(model.trainable)
    for variable in model.weights:
        if id(variable) in seen:
            continue
        seen.add(id(variable))
        size = 1
        for dim in _variable_shape(variable):
            size *= int(dim)  # type: ignore[arg-type]
        if model_trainable and variable.trainable:
            trainable += size
        else:
            non_trainable += size
    return trainable + non_trainable, trainable, non_trainable


def dtype_bits(dtype: Any) -> int:
    """Bits per element of a dtype, from Keras's own table (the one ``model.summary()`` uses).

    ``keras.src.utils.dtype_utils.dtype_size`` (private module, checked on
    3.15.1) gives float32 32, int8 8, bool 1, ... Keras 3 variables and
    tensors name their dtype with a string, so the answer is kept per string.
    """
    if isinstance(dtype, str):
        return _dtype_bits_by_name(dtype)
    return _dtype_bits(dtype)


@functools.lru_cache(maxsize=64)
def _dtype_bits_by_name(dtype: str) -> int:
    return _dtype_bits(dtype)


def _dtype_bits(dtype: Any) -> int:
    from keras.src.utils import dtype_utils

    return int(dtype_utils.dtype_size(keras.backend.standardize_dtype(dtype)))


def output_dtypes(layer: Any) -> Optional[tuple[str, ...]]:
    """Dtypes of the layer's outputs at its first call, or None outside a symbolic graph."""
    tensors = _first_node_attribute(layer, "output_tensors")
    if not tensors:
        return None
    return tuple(str(keras.backend.standardize_dtype(tensor.dtype)) for tensor in tensors)


def model_input_sample_bytes(model: Any) -> Optional[int]:
    """Bytes of one sample of the model's symbolic inputs; None when unknown."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs:
        return None
    bits = 0
    for tensor in inputs:
        size = 1
        for dim in tensor.shape[1:]:
            if dim is None:
                return None
            size *= int(dim)
        bits += size * dtype_bits(tensor.dtype)
    return -(-bits // 8)


@dataclass(frozen=True)
class CallStep:
    """One call of a layer inside a model's graph: the layer and the symbolic outputs of that call."""

    layer: Any
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
            steps.append(CallStep(node.operation, tuple(node.outputs)))
    return graph.input, steps
