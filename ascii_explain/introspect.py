"""The one module that reads Keras objects: layers, shapes, weights, graph nodes.

Everything else in ascii_explain works on plain records. Keras 3 layers have no
``input_shape``/``output_shape`` attributes (why keras_sequential_ascii 0.1.1
crashes on Keras 3), so shapes come from the layer's build config and from the
symbolic graph's nodes. Each access to a private attribute names the Keras
version it was checked against.

Keras 2 models (``tf_keras``) differ in shapes, weight names, configs and
classes; each function here hands such an object to ``introspect_legacy``,
which returns what the Keras 3 path returns, so nothing past this module
needs to know which Keras built the model. Keras 3's own backends (TensorFlow,
JAX, PyTorch) need no branch: everything read here is backend-independent.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Optional

import keras

from . import introspect_legacy as legacy
from .records import Call, OutputShape, Shape


class NotBuiltError(ValueError):
    """The model or layer has no weights yet, so there is nothing to count."""


_ACCEPTED = (
    "a keras.Model (Sequential, Functional or subclassed) or a keras.layers.Layer "
    "(Keras 3 on any backend, or a Keras 2 tf_keras model or layer)"
)
_HOW_TO_BUILD = (
    "build it first: start a Sequential model with keras.Input(shape), call "
    "model.build((None, ...)) with the input shape, or call the model on a batch of data"
)


def ensure_explainable(obj: Any) -> None:
    """Raise one clear error for anything ``explain`` cannot read, nested pieces included."""
    if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
        raise TypeError(
            f"explain() takes {_ACCEPTED} instance; got the class {obj.__qualname__} itself. "
            f"Create it, build it, then pass the instance."
        )
    if not (isinstance(obj, keras.layers.Layer) or legacy.is_legacy(obj)):
        raise TypeError(f"explain() takes {_ACCEPTED}; got {type(obj).__module__}.{type(obj).__qualname__}.")
    built = getattr(obj, "built", None)
    if built is None:  # Layer.__init__ never ran (a subclass that forgot super().__init__())
        raise TypeError(
            f"{type(obj).__qualname__} is a keras Layer whose __init__ did not run; "
            "call super().__init__(**kwargs) first in its __init__."
        )
    if not built:
        kind = "model" if is_model(obj) else "layer"
        raise NotBuiltError(f"The {kind} {obj.name!r} is not built, so it has no weights to explain; {_HOW_TO_BUILD}.")
    unbuilt = _unbuilt_inside(obj)
    if unbuilt:
        raise NotBuiltError(
            f"Layers {', '.join(repr(name) for name in unbuilt)} inside {obj.name!r} are not built, so their "
            f"weights do not exist yet; {_HOW_TO_BUILD}. A sublayer that call() never uses stays unbuilt: "
            "build it yourself (layer.build(input_shape)) or remove it."
        )


def is_legacy(obj: Any) -> bool:
    """True for a Keras 2 (``tf_keras``) layer or model."""
    return legacy.is_legacy(obj)


def _unbuilt_inside(obj: Any) -> list[str]:
    """Paths ("outer/inner/dense") of every unbuilt layer nested anywhere in ``obj``.

    Keras's own layers are not looked into: their sublayers are internals
    (TextVectorization keeps a StringLookup that is never marked built).
    """
    unbuilt: list[str] = []
    if is_keras_builtin(obj) and not is_model(obj):
        return unbuilt
    stack = [(layer, obj.name) for layer in reversed(sublayers(obj))]
    seen: set[int] = set()
    while stack:
        layer, path = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        name = f"{path}/{getattr(layer, 'name', '?')}"
        if not getattr(layer, "built", False):
            unbuilt.append(name)
        if is_model(layer) or not is_keras_builtin(layer):
            stack.extend((inner, name) for inner in reversed(sublayers(layer)))
    return unbuilt


def is_model(obj: Any) -> bool:
    return isinstance(obj, keras.Model) or legacy.is_model(obj)


def keras_summary_order(obj: Any) -> list[str]:
    """Layer names in the order ``keras.Model.summary`` lists them.

    ``layer_range`` counts in this order, so ours must too. Keras 3.15.1's
    ``summary_utils.print_summary`` uses ``model.layers`` for Sequential and
    subclassed models and the private ``model._operations`` for Functional ones.
    """
    if legacy.is_model(obj):  # tf_keras 2.21 layer_utils.print_summary lists model.layers
        return [layer.name for layer in obj.layers]
    if not isinstance(obj, keras.Model):
        return [obj.name]
    operations = obj.layers
    if not isinstance(obj, keras.Sequential) and hasattr(obj, "_operations"):
        operations = obj._operations  # Functional only; checked on Keras 3.15.1
    return [operation.name for operation in operations]


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
    if legacy.is_legacy(layer):
        return legacy.build_shape(layer)
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
    if legacy.is_legacy(layer):
        return legacy.input_shape(layer)
    tensors = _first_node_attribute(layer, "input_tensors")
    return _shapes_of(tensors)


def output_shape(layer: Any) -> Optional[OutputShape]:
    """Shape of the layer's output at its first call, or None outside a symbolic graph."""
    if legacy.is_legacy(layer):
        return legacy.output_shape(layer)
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
        config = dict(layer.get_config())
    except Exception:  # custom layers may raise NotImplementedError or worse
        return None
    return legacy.normalize_config(layer, config) if legacy.is_legacy(layer) else config


def keras3_counterpart(layer_class: type) -> Optional[type]:
    """For a class in a layer's MRO, the Keras 3 class whose registered functions stand in for it, or None.

    Keras 3 classes are their own: None. A ``tf_keras`` class maps to the Keras 3
    class of the same name, so Keras 2 layers use the same formulas, mult-add
    and shape functions (passed to the registries' ``find_*`` as ``counterpart``).
    """
    return legacy.formula_counterpart(layer_class)


def formula_term_names(layer: Any) -> dict[str, str]:
    """Formula term names that this layer's Keras gives its weights under another name ({} for Keras 3)."""
    return legacy.term_names(layer) if legacy.is_legacy(layer) else {}


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


def weights(layer: Any, exclude: Optional[set[int]] = None) -> list[WeightInfo]:
    """The layer's weights, each counted once, with Keras's trainable flag.

    A frozen layer (``layer.trainable = False``) keeps its variables'
    ``trainable`` flags but Keras reports none of them as trainable, so both
    must hold.
    """
    seen: set[int] = set(exclude or ())
    result = []
    is_legacy = legacy.is_legacy(layer)
    for variable in layer.weights:
        if id(variable) in seen:
            continue
        seen.add(id(variable))
        result.append(
            WeightInfo(
                name=legacy.weight_name(variable) if is_legacy else str(variable.name),
                shape=_variable_shape(variable),
                trainable=bool(layer.trainable and variable.trainable),
                dtype=legacy.dtype_name(variable.dtype) if is_legacy else str(variable.dtype),
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


# ---------------------------------------------------------------------------
# Graphs: which layer reads which, for Functional, Sequential, nested and
# subclassed models. One walk per model, linear in nodes + edges.
# ---------------------------------------------------------------------------

KIND_FUNCTIONAL = "functional"
KIND_SEQUENTIAL = "sequential"
KIND_SUBCLASSED = "subclassed"
KIND_LAYER = "layer"


@dataclass
class GraphEntry:
    """One row's worth of graph: a layer (or a keras.ops operation) and its calls in this model."""

    layer: Any
    # One Call per time the layer is called in this model, in Keras's call
    # order. Empty for a subclassed model's sublayers: Keras records no graph
    # for a model called on data, so what reads what is unknown.
    calls: list[Call]
    is_operation: bool = False


@dataclass
class ModelGraph:
    kind: str
    entries: list[GraphEntry]
    input_names: list[str]
    output_names: list[str]


def model_graph(model: Any, include_input_layer: bool = True) -> ModelGraph:
    """The model's layers in a readable topological order, each with its calls.

    ``include_input_layer=False`` leaves out a Sequential model's InputLayer,
    as ``Sequential.layers`` does (the top-level diagram draws it as the
    "Input" row); a nested Sequential keeps it so its rows start like a
    nested Functional model's.
    """
    if legacy.is_model(model):
        kind, pairs, input_names, output_names = legacy.model_graph(model, include_input_layer)
        return ModelGraph(kind, [GraphEntry(layer, calls) for layer, calls in pairs], input_names, output_names)
    functional = _functional_of(model)
    if functional is not None:
        entries, inputs, outputs = _walk_functional(functional)
        if isinstance(model, keras.Sequential) and not include_input_layer:
            entries = [entry for entry in entries if not _is_input_layer(entry.layer)]
        kind = KIND_SEQUENTIAL if isinstance(model, keras.Sequential) else KIND_FUNCTIONAL
        return ModelGraph(kind, entries, inputs, outputs)
    if isinstance(model, keras.Sequential):
        # A Sequential without a symbolic graph: a chain by definition.
        layers = list(model.layers)
        entries = [
            GraphEntry(layer, [Call((layers[index - 1].name,) if index else ())]) for index, layer in enumerate(layers)
        ]
        return ModelGraph(KIND_SEQUENTIAL, entries, [], [layers[-1].name] if layers else [])
    return ModelGraph(KIND_SUBCLASSED, [GraphEntry(layer, []) for layer in sublayers(model)], [], [])


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


def _is_input_layer(layer: Any) -> bool:
    return isinstance(layer, keras.layers.InputLayer)


def _producing_node(tensor: Any) -> Any:
    """The Node whose call produced ``tensor``, or None for a raw input.

    KerasTensor._keras_history = (operation, node_index, tensor_index) and
    Operation._inbound_nodes: both private, both in every Keras 3 release
    (checked on 3.15.1); ``keras.src.ops.node`` documents them.
    """
    history: Any = getattr(tensor, "_keras_history", None)
    operation = getattr(history, "operation", None)
    if operation is None:
        return None
    return operation._inbound_nodes[history.node_index]


def _producer_name(tensor: Any) -> str:
    history = getattr(tensor, "_keras_history", None)
    operation = getattr(history, "operation", None)
    return str(operation.name) if operation is not None else "?"


def _walk_functional(model: Any) -> tuple[list[GraphEntry], list[str], list[str]]:
    """One pass over a Functional model's nodes (calls), then a topological order of them.

    Keras's own order (``model.layers``) sorts by depth from the outputs, which
    interleaves parallel branches: in an Inception block all four branches'
    first Conv2Ds come before any of their BatchNormalizations. Here a depth-
    first topological sort keeps each branch contiguous: after a node, its
    readiest child comes next (ties broken by Keras's order), and only when a
    branch ends at a merge still waiting for other inputs does another branch
    start. For a straight chain this is exactly Keras's order.
    """
    inputs = list(model.inputs)
    outputs = list(model.outputs)
    input_ids = {id(tensor): index for index, tensor in enumerate(inputs)}
    # Node.is_input: public attribute of keras.src.ops.node.Node (checked on 3.15.1).

    def inside(tensor: Any) -> Any:
        node = _producing_node(tensor)
        if node is None:
            return None
        # A model built from an intermediate tensor (keras.Model(x, y) with x
        # produced by a layer) stops there, as Keras's map_graph does.
        if id(tensor) in input_ids and not node.is_input:
            return None
        return node

    nodes: dict[int, Any] = {}
    parents: dict[int, list[Any]] = {}
    source_rank: dict[int, int] = {}
    stack = [tensor for tensor in outputs] + [tensor for tensor in inputs]
    while stack:
        tensor = stack.pop()
        node = inside(tensor)
        if node is None or id(node) in nodes:
            continue
        nodes[id(node)] = node
        if id(tensor) in input_ids:
            source_rank[id(node)] = input_ids[id(tensor)]
        node_parents: list[Any] = []
        for parent_tensor in node.input_tensors:
            parent = inside(parent_tensor)
            if parent is not None and all(parent is not seen for seen in node_parents):
                node_parents.append(parent)
                stack.append(parent_tensor)
        parents[id(node)] = node_parents

    # Keras's order of operations (Function.operations, public) breaks ties.
    operation_rank = {id(operation): index for index, operation in enumerate(model.operations)}
    node_rank = {
        node_id: (source_rank.get(node_id, len(inputs)), operation_rank.get(id(node.operation), len(operation_rank)))
        for node_id, node in nodes.items()
    }
    children: dict[int, list[Any]] = {node_id: [] for node_id in nodes}
    waiting = {node_id: len(node_parents) for node_id, node_parents in parents.items()}
    for node_id, node_parents in parents.items():
        for parent in node_parents:
            children[id(parent)].append(nodes[node_id])

    order: list[Any] = []

    def emit(node: Any) -> list[Any]:
        order.append(node)
        now_ready = []
        for child in children[id(node)]:
            waiting[id(child)] -= 1
            if not waiting[id(child)]:
                now_ready.append(child)
        return sorted(now_ready, key=lambda n: node_rank[id(n)])

    # The model's inputs come first, in model.inputs order, like a function's
    # arguments; then a depth-first walk from the first input's readers.
    sources = sorted((node for node_id, node in nodes.items() if not waiting[node_id]), key=lambda n: node_rank[id(n)])
    ready = [node for node in reversed(sources) if not node.is_input]
    first_readers: list[Any] = []
    for node in sources:
        if node.is_input:
            first_readers.extend(emit(node))
    ready.extend(reversed(first_readers))
    while ready:
        ready.extend(reversed(emit(ready.pop())))

    entries: dict[int, GraphEntry] = {}
    call_number: dict[int, int] = {}  # node id -> 1-based call in this model
    for node in order:
        operation = node.operation
        if id(operation) not in entries:
            entries[id(operation)] = GraphEntry(
                operation, [], is_operation=not isinstance(operation, keras.layers.Layer)
            )
            # Calls in Keras's call order (the index in _inbound_nodes, private,
            # checked on 3.15.1), keeping only the calls that are part of this model.
            model_nodes = [n for n in operation._inbound_nodes if id(n) in nodes]
            for number, model_node in enumerate(model_nodes, start=1):
                call_number[id(model_node)] = number if len(model_nodes) > 1 else 0
    for entry in entries.values():
        for node in entry.layer._inbound_nodes:
            if id(node) in nodes:
                tensors = list(node.input_tensors)
                entry.calls.append(
                    Call(
                        inbound=tuple(_producer_name(tensor) for tensor in tensors),
                        input_shape=_shapes_of(tensors),
                        output_shape=_shapes_of(node.output_tensors),
                        inbound_calls=tuple(call_number.get(id(_producing_node(tensor)), 0) for tensor in tensors),
                    )
                )
    return list(entries.values()), [_producer_name(t) for t in inputs], [_producer_name(t) for t in outputs]


def sublayers(layer: Any) -> list[Any]:
    """The layers a layer or subclassed model tracks directly (not recursively).

    ``Layer._flatten_layers``: private, the same walk ``Model.layers`` uses
    (checked on 3.15.1); it finds sublayers assigned as attributes or held in
    lists and dicts, in assignment order.
    """
    flatten = getattr(layer, "_flatten_layers", None)
    if flatten is None:
        return []
    return list(flatten(include_self=False, recursive=False))


def known_shapes(layer: Any) -> tuple[Optional[OutputShape], Optional[OutputShape]]:
    """(input, output) shapes of a layer outside any symbolic graph, where Keras knows them.

    The input is the shape ``build`` received (``get_build_config``, public).
    The output comes from the layer's first call if it was ever called
    symbolically, else from ``compute_output_shape`` (public) when the class
    implements it and has no sublayers (whose symbolic calls would add nodes
    to the model); anything else is None, drawn as "?".
    """
    shape = build_shape(layer)
    built_with = shape if isinstance(shape, tuple) else None
    known = output_shape(layer)
    if known is not None:
        return input_shape(layer) or built_with, known
    if built_with is None or sublayers(layer):
        return built_with, None
    if type(layer).compute_output_shape is keras.layers.Layer.compute_output_shape:
        return built_with, None
    try:
        computed = layer.compute_output_shape(built_with)
    except Exception:  # a shape Keras cannot compute is shown as "?", never a crash
        return built_with, None
    try:
        return built_with, _as_shape_tree(computed)
    except (TypeError, ValueError):
        return built_with, None


def is_keras_builtin(layer: Any) -> bool:
    """A layer class that Keras itself defines (its module is under ``keras.``, or ``tf_keras.`` for Keras 2)."""
    return type(layer).__module__.split(".")[0] == "keras" or legacy.is_legacy_class(type(layer))


def weight_ids(layer: Any) -> set[int]:
    """Identities of a layer's weights; none for a keras.ops operation (it has no ``weights``)."""
    return {id(variable) for variable in getattr(layer, "weights", None) or ()}


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
    if legacy.is_legacy(layer):
        return legacy.output_dtypes(layer)
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
