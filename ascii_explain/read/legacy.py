"""Keras 2 models built with ``tf_keras``: everything that differs from Keras 3, in one place.

``read/model.py`` asks :func:`is_legacy` once per model and, for a ``tf_keras``
model or layer, reads it with :data:`LEGACY` (a :class:`LegacyReader`), whose
methods return what the Keras 3 reader returns. The rest of ascii_explain
(formulas, records, rendering) never learns which Keras built the model:
shapes, configs and weight names come out in Keras 3's form.

What differs in Keras 2 (``tf_keras`` 2.21, checked against its source):

- Classes: ``tf_keras.layers.Dense`` is not ``keras.layers.Dense``, so the
  formula registry, keyed by Keras 3 classes, cannot find it along the MRO.
  :func:`keras3_counterpart` maps a ``tf_keras`` class to the Keras 3 class of
  the same name; a user's subclass still finds its own registration first.
- Shapes: ``layer.input_shape`` / ``output_shape`` exist (public Keras 2 API),
  but raise for shared layers; ``_inbound_nodes[0]`` (private, ``Node.input_shapes``
  / ``output_shapes``) gives the first call, as Keras 3's nodes do. An
  InputLayer's node reports its shape as a one-element list.
- Build shapes: ``get_build_config()`` exists (tf_keras >= 2.13) and returns
  tuples; a layer built without one has ``_build_input_shape`` None.
- Weight names: ``variable.name`` is the scoped ``"dense/kernel:0"``; Keras 3's
  is ``"kernel"``. DepthwiseConv1D/2D call their kernel ``depthwise_kernel``
  where Keras 3 calls it ``kernel``: :func:`term_names` renames the formula's
  term so the diagram uses the model's own name (``LayerFacts.term_renames``).
- Graphs: a Functional model keeps ``_network_nodes`` (keys ``"<layer>_ib-<i>"``)
  and each node lists its inputs through ``iterate_inbound()``; the rows keep
  Keras 2's own ``model.layers`` order (a topological order by depth).
- Configs: BatchNormalization's ``axis`` is the list of positive axes fixed by
  ``build`` and, with ``virtual_batch_size``, shifted by one for the virtual
  batch axis that ``build`` inserts (the build shape does not have it). Its
  ``fused`` option picks a kernel, not weights, and is not in the config. GRU
  (v2: ``tf_keras.layers.GRU``) defaults ``reset_after=True`` like Keras 3, but
  the v1 GRU (``tf.compat.v1.keras.layers.GRU``, also named ``GRU``) defaults to
  ``False``; both write it into the config, which is made explicit here so no
  formula relies on a default.
"""

from __future__ import annotations

import re
import sys
from typing import Any, Optional

from ..build.records import Call, OutputShape, Shape
from .facts import KIND_FUNCTIONAL, KIND_SEQUENTIAL, KIND_SUBCLASSED, WeightTotal
from .reader import RawGraph, Reader

# Top-level packages whose layers follow the Keras 2 API.
LEGACY_PACKAGES = ("tf_keras",)

# Keras 2 weight names that Keras 3 spells differently, by layer class name: {keras2_name: keras3_name}.
_WEIGHT_RENAMES: dict[str, dict[str, str]] = {
    "DepthwiseConv1D": {"depthwise_kernel": "kernel"},
    "DepthwiseConv2D": {"depthwise_kernel": "kernel"},
}

_VARIABLE_SUFFIX = re.compile(r":\d+$")


def _legacy_module() -> Any:
    """The ``tf_keras`` package if something imported it (never imported here: it loads TensorFlow)."""
    for name in LEGACY_PACKAGES:
        module = sys.modules.get(name)
        if module is not None:
            return module
    return None


def is_legacy(obj: Any) -> bool:
    """True for a ``tf_keras`` layer or model (including ``tf.keras`` with TF_USE_LEGACY_KERAS=1)."""
    module = _legacy_module()
    if module is None:
        return False
    try:
        return isinstance(obj, module.layers.Layer)
    except AttributeError:  # a half-imported tf_keras
        return False


def is_model(obj: Any) -> bool:
    module = _legacy_module()
    return module is not None and isinstance(obj, module.Model)


def is_legacy_class(klass: type) -> bool:
    return klass.__module__.split(".", 1)[0] in LEGACY_PACKAGES


def keras3_counterpart(klass: type) -> Optional[type]:
    """For a class in a layer's MRO, the Keras 3 class whose registered functions stand in for it, or None.

    Keras 3 classes are their own: None. A ``tf_keras`` class maps to the Keras 3
    class of the same name, so Keras 2 layers use the same formulas, mult-add
    and shape functions (passed to the registries' ``find_*`` as ``counterpart``).
    Only classes defined inside ``tf_keras`` are mapped: a user's ``class
    Dense(tf_keras.layers.Layer)`` is not Keras's Dense.
    """
    if not is_legacy_class(klass):
        return None
    import keras

    counterpart = getattr(keras.layers, klass.__name__, None)
    return counterpart if isinstance(counterpart, type) else None


def weight_name(variable: Any) -> str:
    """The weight's own name, as Keras 3 gives it: ``"dense/kernel:0"`` -> ``"kernel"``.

    Names that Keras 2 spells differently (``depthwise_kernel``) are kept: the
    diagram names each term as the model's own Keras names the weight.
    """
    return _VARIABLE_SUFFIX.sub("", str(variable.name)).rsplit("/", 1)[-1]


def dtype_name(dtype: Any) -> str:
    """``tf.float32`` (a tf.DType, as tf_keras variables and tensors carry) -> ``"float32"``."""
    return str(getattr(dtype, "name", dtype))


def output_dtypes(layer: Any) -> Optional[tuple[str, ...]]:
    """Dtypes of the layer's outputs at its first call, or None when never called in a graph."""
    nodes = getattr(layer, "_inbound_nodes", None) or []  # private, tf_keras 2.21
    if not nodes:
        return None
    try:
        tensors = nodes[0].output_tensors  # one tensor, or a list for several outputs
    except Exception:
        return None
    if not isinstance(tensors, (list, tuple)):
        tensors = [tensors]
    return tuple(dtype_name(tensor.dtype) for tensor in tensors)


def term_names(layer: Any) -> dict[str, str]:
    """Formula term names (Keras 3's weight names) -> the names this Keras 2 layer gives its weights."""
    for klass in type(layer).__mro__:
        renames = _WEIGHT_RENAMES.get(klass.__name__)
        if renames is not None and is_legacy_class(klass):
            return {keras3: keras2 for keras2, keras3 in renames.items()}
    return {}


def normalize_config(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    """A Keras 2 config in the form Keras 3's formulas read (a new dict; the layer is untouched)."""
    names = {klass.__name__ for klass in type(layer).__mro__ if is_legacy_class(klass)}
    config = dict(config)
    if "BatchNormalization" in names:
        axis = config.get("axis", -1)
        axis = [axis] if isinstance(axis, int) else list(axis)
        if config.get("virtual_batch_size") is not None and layer.built:
            # BatchNormalization.build inserts the virtual batch axis at 1 and adds 1 to every axis.
            axis = [a - 1 if a > 0 else a for a in axis]
        config["axis"] = axis
    if "GRU" in names or "GRUCell" in names:
        config["reset_after"] = bool(config.get("reset_after", getattr(layer, "reset_after", True)))
    return config


# tf_keras's attention builds from its call's signature, keeping each shape on the layer
# (``MultiHeadAttention._build_from_signature``: ``_query_shape``, ``_value_shape``, ``_key_shape``,
# tf_keras 2.21); Keras 3's formulas receive them as the ``shapes_dict`` Keras 3 records.
_SIGNATURE_SHAPES = ("query", "value", "key")


def _signature_shapes(layer: Any) -> Optional[dict[str, Any]]:
    shapes = {name: getattr(layer, f"_{name}_shape", None) for name in _SIGNATURE_SHAPES}
    if shapes["query"] is None or shapes["value"] is None:
        return None
    return {f"{name}_shape": _shape_tree(shape) for name, shape in shapes.items() if shape is not None}


def build_shape(layer: Any) -> Any:
    """The shape ``build`` received, as the Keras 3 reader gives it (batch axis first)."""
    signature = _signature_shapes(layer)
    if signature is not None:
        return signature
    try:
        config = layer.get_build_config()
    except Exception:  # an old tf_keras without it, or a custom override that fails
        config = None
    if config and config.get("input_shape") is not None:
        return _shape_tree(config["input_shape"])
    shape = getattr(layer, "_build_input_shape", None)  # private, tf_keras 2.21 base_layer
    if shape is not None:
        return _shape_tree(shape)
    return input_shape(layer)


def input_shape(layer: Any) -> Optional[OutputShape]:
    """Shape of the layer's input at its first call; None when never called in a graph."""
    return _first_node_shapes(layer, "input_shapes")


def output_shape(layer: Any) -> Optional[OutputShape]:
    """Shape of the layer's output at its first call; None when never called in a graph."""
    return _first_node_shapes(layer, "output_shapes")


def _first_node_shapes(layer: Any, attribute: str) -> Optional[OutputShape]:
    # Layer._inbound_nodes and Node.input_shapes / output_shapes: tf_keras 2.21 (engine/node.py).
    nodes = getattr(layer, "_inbound_nodes", None) or []
    if not nodes:
        return None
    try:
        shapes = getattr(nodes[0], attribute)
    except Exception:  # a node without tensors (e.g. a layer called on eager data)
        return None
    return _one_or_tuple(_shape_tree(shapes))  # an InputLayer's node gives [shape]


def _shape_tree(value: Any) -> Any:
    """TensorShapes, tuples and (nested) lists of them -> tuples of ints and None."""
    if value is None:
        return None
    if hasattr(value, "as_list"):  # tf.TensorShape
        try:
            value = value.as_list()
        except ValueError:  # unknown rank
            return None
    if isinstance(value, dict):
        return {key: _shape_tree(part) for key, part in value.items()}
    if isinstance(value, (list, tuple)):
        if value and all(_is_dim(part) for part in value):
            return _shape(value)
        if not value:
            return ()
        return tuple(_shape_tree(part) for part in value)
    return value


def _is_dim(value: Any) -> bool:
    return value is None or isinstance(value, int) or hasattr(value, "__index__")


def _shape(value: Any) -> Shape:
    return tuple(None if dim is None else int(dim) for dim in value)


def _raw_graph(model: Any, include_input_layer: bool) -> RawGraph:
    """A Keras 2 model's layers (in its own ``model.layers`` order), each with its calls in this model.

    A subclassed model (no graph network) lists its layers with no calls.
    """
    module = _legacy_module()
    sequential = isinstance(model, module.Sequential)
    kind = KIND_SEQUENTIAL if sequential else KIND_FUNCTIONAL
    # Functional._is_graph_network and _network_nodes: private, tf_keras 2.21 (engine/functional.py).
    if not getattr(model, "_is_graph_network", False):
        layers = list(model.layers)
        if sequential:  # a chain by definition
            chain = [(layer, [Call((layers[i - 1].name,) if i else ())], False) for i, layer in enumerate(layers)]
            return RawGraph(kind, chain, [], [layers[-1].name] if layers else [])
        return RawGraph(KIND_SUBCLASSED, [(layer, [], False) for layer in layers], [], [])
    network_nodes = set(getattr(model, "_network_nodes", ()))

    def model_nodes(layer: Any) -> list[Any]:
        return [node for i, node in enumerate(layer._inbound_nodes) if f"{layer.name}_ib-{i}" in network_nodes]

    layers = list(model.layers)
    if sequential and include_input_layer:
        # Sequential.layers hides the InputLayer; its graph has it (Functional.layers of the same model).
        inputs = [t._keras_history.layer for t in model.inputs]
        layers = [layer for layer in inputs if layer not in layers] + layers
    call_numbers: dict[tuple[str, int], int] = {}
    for layer in layers:
        indices = [i for i in range(len(layer._inbound_nodes)) if f"{layer.name}_ib-{i}" in network_nodes]
        for number, index in enumerate(indices, start=1):
            call_numbers[(layer.name, index)] = number if len(indices) > 1 else 0
    entries: list[tuple[Any, list[Call], bool]] = []
    for layer in layers:
        calls = []
        for node in model_nodes(layer):
            inbound = [] if node.is_input else list(node.iterate_inbound())
            calls.append(
                Call(
                    inbound=tuple(str(parent.name) for parent, _, _, _ in inbound),
                    input_shape=_one_or_tuple(_shape_tree(node.input_shapes)),
                    output_shape=_one_or_tuple(_shape_tree(node.output_shapes)),
                    inbound_calls=tuple(call_numbers.get((parent.name, index), 0) for parent, index, _, _ in inbound),
                )
            )
        entries.append((layer, calls, False))
    names = (
        [str(t._keras_history.layer.name) for t in model.inputs],
        [str(t._keras_history.layer.name) for t in model.outputs],
    )
    return RawGraph(kind, entries, names[0], names[1])


def _one_or_tuple(tree: Any) -> Any:
    if isinstance(tree, tuple) and len(tree) == 1 and isinstance(tree[0], tuple):
        return tree[0]
    return tree


class LegacyReader(Reader):
    """Reads ``tf_keras`` models and layers into the facts the Keras 3 reader gives."""

    builtin_packages = ("keras", *LEGACY_PACKAGES)
    is_legacy = True

    def is_model(self, obj: Any) -> bool:
        return is_model(obj)

    def build_shape(self, layer: Any, first_input_shape: Any) -> Any:
        return build_shape(layer)

    def input_shape(self, layer: Any) -> Optional[OutputShape]:
        return input_shape(layer)

    def output_shape(self, layer: Any) -> Optional[OutputShape]:
        return output_shape(layer)

    def output_dtypes(self, layer: Any) -> Optional[tuple[str, ...]]:
        return output_dtypes(layer)

    def normalize_config(self, layer: Any, config: dict[str, Any]) -> dict[str, Any]:
        return normalize_config(layer, config)

    def weight_name(self, variable: Any) -> str:
        return weight_name(variable)

    def dtype_name(self, dtype: Any) -> str:
        return dtype_name(dtype)

    def term_renames(self, layer: Any) -> dict[str, str]:
        return term_names(layer)

    def raw_graph(self, model: Any, include_input_layer: bool) -> RawGraph:
        return _raw_graph(model, include_input_layer)

    def summary_order(self, obj: Any) -> list[str]:
        """tf_keras 2.21's layer_utils.print_summary lists ``model.layers``; a layer is its own row."""
        if not is_model(obj):
            return [obj.name]
        return [layer.name for layer in obj.layers]

    def optimizer_total(self, model: Any) -> Optional[WeightTotal]:
        """tf_keras's summary (layer_utils.print_summary) prints no optimizer line, so none is read."""
        return None


LEGACY = LegacyReader()
