"""The reader: one Keras model in, plain facts out (``read/facts.py``).

:class:`Reader` holds what Keras 3 and Keras 2 (``tf_keras``) read alike
(weights, counts, sublayers, the walk that turns a graph into facts);
``read/keras3.py`` and ``read/legacy.py`` subclass it with what differs
(shapes, configs, weight names, graphs). ``read/model.py`` picks one reader
per model, once, so no function asks "is this tf_keras?" again.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Optional, Sequence

import keras

from ..build.records import Call, OutputShape, Shape
from .call_shapes import CallShapes
from .dtypes import dtype_bits
from .facts import KIND_LAYER, KIND_SUBCLASSED, GraphFacts, LayerFacts, ModelFacts, WeightFacts
from .hub import call_takes_cache, hub_config, is_hub_layer

# (layer or keras.ops operation, its calls in this model, is it an operation?)
RawEntry = tuple[Any, list[Call], bool]


class RawGraph:
    """A model's graph as a reader finds it: live layers with their calls, before they become facts."""

    def __init__(self, kind: str, entries: list[RawEntry], input_names: list[str], output_names: list[str]) -> None:
        self.kind = kind
        self.entries = entries
        self.input_names = input_names
        self.output_names = output_names


class Reader:
    """Reads layers and models of one Keras into facts. Subclasses fill in the methods that differ."""

    # Top-level packages whose layer classes count as Keras's own.
    builtin_packages: tuple[str, ...] = ("keras",)
    is_legacy = False
    # Set on a copy by :meth:`at_shapes` for ``explain(model, input_shape=...)``:
    # every layer's traced call shapes (``read/call_shapes.py``) by id(layer),
    # and the model's concrete input shapes by input name.
    traced: Optional[dict[int, CallShapes]] = None
    given_inputs: Optional[dict[str, Shape]] = None

    def at_shapes(self, traced: dict[int, CallShapes], given_inputs: Optional[dict[str, Shape]]) -> Reader:
        """A copy of this reader that reads shapes from a traced forward at concrete input shapes."""
        reader = copy.copy(self)
        reader.traced, reader.given_inputs = traced, given_inputs
        return reader

    # -- what differs between Keras 3 and tf_keras (subclasses) -------------

    def is_model(self, obj: Any) -> bool:
        raise NotImplementedError

    def build_shape(self, layer: Any, first_input_shape: Any) -> Any:
        raise NotImplementedError

    def input_shape(self, layer: Any) -> Optional[OutputShape]:
        raise NotImplementedError

    def output_shape(self, layer: Any) -> Optional[OutputShape]:
        raise NotImplementedError

    def output_dtypes(self, layer: Any) -> Optional[tuple[str, ...]]:
        raise NotImplementedError

    def normalize_config(self, layer: Any, config: dict[str, Any]) -> dict[str, Any]:
        return config

    def weight_name(self, variable: Any) -> str:
        return str(variable.name)

    def dtype_name(self, dtype: Any) -> str:
        return str(dtype)

    def term_renames(self, layer: Any) -> dict[str, str]:
        return {}

    def raw_graph(self, model: Any, include_input_layer: bool) -> RawGraph:
        raise NotImplementedError

    def summary_order(self, obj: Any) -> list[str]:
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------

    def is_keras_builtin(self, layer: Any) -> bool:
        """A layer class that Keras itself defines (its module is under ``keras.``, or ``tf_keras.`` for Keras 2)."""
        return type(layer).__module__.split(".")[0] in self.builtin_packages

    def sublayers(self, layer: Any) -> list[Any]:
        """The layers a layer or subclassed model tracks directly (not recursively).

        ``Layer._flatten_layers``: private, the same walk ``Model.layers`` uses
        (checked on Keras 3.15.1 and tf_keras 2.21); it finds sublayers assigned
        as attributes or held in lists and dicts, in assignment order.
        """
        flatten = getattr(layer, "_flatten_layers", None)
        if flatten is None:
            return []
        return list(flatten(include_self=False, recursive=False))

    def config(self, layer: Any) -> Optional[dict[str, Any]]:
        """``layer.get_config()``, or None when a custom layer cannot produce one.

        A keras-hub layer's config is completed by its public attributes
        (``read/hub.py``: keras-hub 0.32.0's get_config() fails for several).
        """
        try:
            config: Optional[dict[str, Any]] = dict(layer.get_config())
        except Exception:  # custom layers may raise NotImplementedError or worse
            config = None
        if is_hub_layer(layer) or (config is None and not layer.weights):
            # A weightless layer's formula needs no config; its attributes stand in for one that failed
            # (keras.layers.Identity given dtype= by keras-hub's DINOv2 cannot serialize, 3.15.1).
            config = hub_config(layer, config)
        return None if config is None else self.normalize_config(layer, config)

    def weights(self, layer: Any, exclude: Optional[set[int]] = None) -> list[WeightFacts]:
        """The layer's weights, each counted once, with Keras's trainable flag.

        A frozen layer (``layer.trainable = False``) keeps its variables'
        ``trainable`` flags but Keras reports none of them as trainable, so both
        must hold.
        """
        seen: set[int] = set(exclude or ())
        result = []
        layer_trainable = layer.trainable
        for variable in layer.weights:
            if id(variable) in seen:
                continue
            seen.add(id(variable))
            result.append(
                WeightFacts(
                    name=self.weight_name(variable),
                    shape=variable_shape(variable),
                    dtype=self.dtype_name(variable.dtype),
                    trainable=bool(layer_trainable and variable.trainable),
                    id=id(variable),
                )
            )
        return result

    def activation_name(self, layer: Any, config: Optional[dict[str, Any]]) -> str:
        """The activation shown on the data row: "" for none or linear."""
        name = ""
        if config is not None:
            value = config.get("activation")
            if isinstance(value, str):
                name = value
            elif isinstance(value, dict):  # a serialized activation: a function or an object
                # A registered function's "config" is its registered name, a string
                # ('keras_hub>gelu_approximate', keras 3.15.1); an object's is a dict.
                inner = value.get("config")
                if isinstance(inner, dict):
                    name = str(inner.get("name", value.get("class_name", "")))
                elif isinstance(inner, str):
                    name = inner.rpartition(">")[2]
                else:
                    name = str(value.get("class_name", ""))
        if not name:
            function = getattr(layer, "activation", None)
            name = getattr(function, "__name__", "") if callable(function) else ""
        return "" if name == "linear" else name

    def layer_facts(
        self, layer: Any, calls: Sequence[Call] = (), outside_graph: bool = False, parent: Any = None
    ) -> LayerFacts:
        """Read one layer (its nested model's graph or its sublayers too) into facts.

        ``outside_graph``: the layer sits in a subclassed model or is explained
        alone, where no graph gives its output shape; ``compute_output_shape``
        is then asked (see :meth:`_computed_output_shape`). ``parent``: the
        layer whose sublayer this is (None at a model's level).
        """
        first_input = self.input_shape(layer)
        config = self.config(layer)
        build_shape = self.build_shape(layer, first_input)
        output_shape = self.output_shape(layer)
        traced = self.traced.get(id(layer)) if self.traced is not None else None
        if traced is not None:  # explain(model, input_shape=...): the shapes of the traced call win
            build_shape = traced.build_style(layer) or build_shape
            first_input = traced.input_shape() or first_input
            output_shape = traced.output if traced.output is not None else output_shape
            calls = _with_first_call_shapes(calls, first_input, output_shape)
        elif self.given_inputs is not None and isinstance(layer, keras.layers.InputLayer):
            given = self.given_inputs.get(str(layer.output.name))
            if given is not None:
                output_shape = given
                calls = _with_first_call_shapes(calls, None, given)
        is_model = self.is_model(layer)
        builtin = self.is_keras_builtin(layer)
        live_sublayers = self.sublayers(layer)
        sublayers: tuple[LayerFacts, ...] = ()
        sublayer_configs: dict[str, dict[str, Any]] = {}
        if live_sublayers and not is_model and not builtin:
            sublayers = tuple(self.layer_facts(sub, outside_graph=True, parent=layer) for sub in live_sublayers)
            sublayer_configs = {sub.name: sub.config for sub in sublayers if sub.config is not None}
        elif live_sublayers and not is_model:
            for sub in live_sublayers:  # a sublayer whose config fails is left out
                sub_config = self.config(sub)
                if sub_config is not None:
                    sublayer_configs[sub.name] = sub_config
        held: set[int] = set()
        for sub in live_sublayers:
            held.update(id(variable) for variable in getattr(sub, "weights", None) or ())
        graph = model_layers = None
        if is_model:
            graph = self.graph_facts(layer, include_input_layer=True)
            model_layers = self._in_keras_order(layer, graph)
        computed = None
        if outside_graph and output_shape is None and traced is None:
            computed = self._computed_output_shape(layer, build_shape, live_sublayers)
        return LayerFacts(
            name=layer.name,
            layer_class=type(layer),
            class_name=type(layer).__name__,
            config=config,
            build_shape=build_shape,
            input_shape=first_input,
            output_shape=output_shape,
            output_dtypes=self.output_dtypes(layer),
            weights=tuple(self.weights(layer)),
            keras_params=int(layer.count_params()),
            trainable=bool(layer.trainable),
            activation=self.activation_name(layer, config),
            is_model=is_model,
            is_keras_builtin=builtin,
            calls=tuple(calls),
            term_renames=self.term_renames(layer),
            sublayer_configs=sublayer_configs,
            sublayers=sublayers,
            has_sublayers=bool(live_sublayers),
            held_weight_ids=frozenset(held),
            graph=graph,
            model_layers=model_layers or (),
            computed_output_shape=computed,
            call_arguments=dict(traced.arguments) if traced is not None else None,
            repeats=self._repeats(traced, parent),
            caches_keys_values=not builtin and _caches_keys_values(layer, parent),
        )

    def _repeats(self, traced: Optional[CallShapes], parent: Any) -> int:
        """Calls of a sublayer per call of its parent in the traced forward (1 when unknown)."""
        if traced is None or parent is None or self.traced is None:
            return 1
        outer = self.traced.get(id(parent))
        if outer is None or not outer.calls:
            return 1
        return max(1, traced.calls // outer.calls)

    def operation_facts(self, operation: Any, calls: list[Call]) -> LayerFacts:
        """A keras.ops call in a Functional graph: its name and class; it has no weights or config to read."""
        return LayerFacts(
            name=str(operation.name),
            layer_class=type(operation),
            class_name=type(operation).__name__,
            is_operation=True,
            calls=tuple(calls),
        )

    def graph_facts(self, model: Any, include_input_layer: bool) -> GraphFacts:
        """The model's layers in a readable topological order, each read into facts with its calls.

        ``include_input_layer=False`` leaves out a Sequential model's InputLayer,
        as ``Sequential.layers`` does (the top-level diagram draws it as the
        "Input" row); a nested Sequential keeps it so its rows start like a
        nested Functional model's.
        """
        raw = self.raw_graph(model, include_input_layer)
        outside = raw.kind == KIND_SUBCLASSED
        entries = tuple(
            self.operation_facts(obj, calls) if is_operation else self.layer_facts(obj, calls, outside_graph=outside)
            for obj, calls, is_operation in raw.entries
        )
        return GraphFacts(raw.kind, entries, tuple(raw.input_names), tuple(raw.output_names))

    def _in_keras_order(self, model: Any, graph: GraphFacts) -> tuple[LayerFacts, ...]:
        """``model.layers`` as facts, reusing the graph's (each layer read once)."""
        by_name = {entry.name: entry for entry in graph.entries if not entry.is_operation}
        return tuple(by_name.get(layer.name) or self.layer_facts(layer) for layer in model.layers)

    def _computed_output_shape(self, layer: Any, build_shape: Any, sublayers: list[Any]) -> Optional[OutputShape]:
        """A layer's output shape outside any symbolic graph, where Keras knows it.

        From ``compute_output_shape`` (public) on the shape ``build`` received,
        when the class implements it and has no sublayers (whose symbolic calls
        would add nodes to the model); anything else is None, drawn as "?".
        """
        built_with = build_shape if isinstance(build_shape, tuple) else None
        if built_with is None or sublayers:
            return None
        if type(layer).compute_output_shape is keras.layers.Layer.compute_output_shape:
            return None
        try:
            computed = layer.compute_output_shape(built_with)
        except Exception:  # a shape Keras cannot compute is shown as "?", never a crash
            return None
        try:
            return as_shape_tree(computed)
        except (TypeError, ValueError):
            return None

    def model_facts(self, obj: Any) -> ModelFacts:
        """Read the object ``explain`` was given (a model, or one layer) into facts."""
        is_model = self.is_model(obj)
        if is_model:
            graph = self.graph_facts(obj, include_input_layer=False)
        else:
            graph = GraphFacts(KIND_LAYER, (self.layer_facts(obj, outside_graph=True),))
        total, trainable, non_trainable = self.param_counts(obj)
        return ModelFacts(
            name=obj.name,
            class_name=type(obj).__name__,
            is_model=is_model,
            graph=graph,
            input_shapes=tuple(self.model_input_shapes(obj)) if is_model else (),  # concrete when given
            keras_total_params=total,
            keras_trainable_params=trainable,
            keras_non_trainable_params=non_trainable,
            input_sample_bytes=self.input_sample_bytes(obj) if is_model else None,
            summary_order=tuple(self.summary_order(obj)),
        )

    def model_input_shapes(self, model: Any) -> list[Shape]:
        """Shapes of the model's inputs (the given ones with input_shape), batch axis included; [] when unknown."""
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            return []
        given = self.given_inputs or {}
        return [given.get(str(tensor.name)) or as_shape(tensor.shape) for tensor in inputs or []]

    def input_sample_bytes(self, model: Any) -> Optional[int]:
        """Bytes of one sample of the model's symbolic inputs; None when unknown."""
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            return None
        if not inputs:
            return None
        bits = 0
        given = self.given_inputs or {}
        for tensor in inputs:
            size = 1
            for dim in (given.get(str(tensor.name)) or tensor.shape)[1:]:
                if dim is None:
                    return None
                size *= int(dim)
            bits += size * dtype_bits(tensor.dtype)
        return -(-bits // 8)

    def param_counts(self, model: Any) -> tuple[int, int, int]:
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
            for dim in variable_shape(variable):
                size *= int(dim)  # type: ignore[arg-type]
            if model_trainable and variable.trainable:
                trainable += size
            else:
                non_trainable += size
        return trainable + non_trainable, trainable, non_trainable


def _with_first_call_shapes(
    calls: Sequence[Call], input_shape: Optional[OutputShape], output_shape: Optional[OutputShape]
) -> Sequence[Call]:
    """The graph's calls, the first one's shapes taken from the traced forward (the others as the graph has them)."""
    if not calls:
        return calls
    first = calls[0]
    replaced = dataclasses.replace(
        first,
        input_shape=input_shape if input_shape is not None else first.input_shape,
        output_shape=output_shape if output_shape is not None else first.output_shape,
    )
    return (replaced, *calls[1:])


def _caches_keys_values(layer: Any, parent: Any) -> bool:
    """A decoder's attention: its call takes a key/value cache, and so does its parent block's (if it has one).

    keras-hub's Whisper encoder uses the cached attention class too, but its
    block's call takes no cache: an encoder keeps none.
    """
    if not call_takes_cache(layer):
        return False
    return parent is None or call_takes_cache(parent)


def variable_shape(variable: Any) -> Shape:
    """A variable's shape as a tuple of ints.

    ``KerasVariable._shape`` (private, checked on 3.15.1) is the standardized
    tuple that ``KerasVariable.shape`` returns; the TensorFlow backend's
    ``shape`` wraps it in a ``tf.TensorShape`` first, which costs more than
    the rest of reading a weight. Anything else (a tf_keras variable's
    ``_shape`` is a TensorShape) goes through ``.shape``.
    """
    shape = getattr(variable, "_shape", None)
    return as_shape(shape if type(shape) is tuple else variable.shape)


def as_shape(shape: Any) -> Shape:
    if type(shape) is tuple:  # KerasTensor.shape is already a tuple of ints and Nones: returned as is
        for dim in shape:
            if dim is not None and type(dim) is not int:
                break
        else:
            return shape
    return tuple(None if dim is None else int(dim) for dim in shape)


def as_shape_tree(value: Any) -> Any:
    """Build configs hold shapes as tuples or lists, sometimes nested lists of shapes."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return tuple(as_shape_tree(part) for part in value)
    if isinstance(value, (list, tuple)):
        return as_shape(value)
    return value
