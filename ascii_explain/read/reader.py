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
import weakref
from typing import Any, Optional, Sequence

import keras
from keras.src.models.functional import Functional, functional_like_constructor
from keras.src.utils import summary_utils

from ..build.records import Call, OutputShape, Shape
from ..layers.operations import operation_macs
from .call_shapes import CallShapes
from .call_units import OWN_CALL_NOT_TRACED, own_call_macs
from .facts import (
    KIND_LAYER,
    KIND_SUBCLASSED,
    OUTSIDE_GRAPH,
    OWN_WEIGHTS,
    GraphFacts,
    LayerFacts,
    ModelFacts,
    WeightFacts,
    WeightHolders,
)
from .hub import call_takes_cache, hub_config, is_hub_layer
from .light_config import config_of
from .rs import is_rs_layer, rs_config
from .shape_values import flat_output_shapes, flat_shapes, graph_unknowns_kept, shape_size, variable_shape
from .traced_macs import TracedMacs, trace_first_call
from .traced_reading import TracedCallsReader, with_first_call_shapes
from .weight_totals import WeightTotalsReader

# (layer or keras.ops operation, its calls in this model, is it an operation?)
RawEntry = tuple[Any, list[Call], bool]


class RawGraph:
    """A model's graph as a reader finds it: live layers with their calls, before they become facts."""

    def __init__(self, kind: str, entries: list[RawEntry], input_names: list[str], output_names: list[str]) -> None:
        self.kind = kind
        self.entries = entries
        self.input_names = input_names
        self.output_names = output_names


class Reader(TracedCallsReader, WeightTotalsReader):
    """Reads layers and models of one Keras into facts. Subclasses fill in the methods that differ.

    What it reads of a traced forward is ``TracedCallsReader``'s (read/traced_reading.py), the
    model's totals ``WeightTotalsReader``'s (read/weight_totals.py).
    """

    # Top-level packages whose layer classes count as Keras's own.
    builtin_packages: tuple[str, ...] = ("keras",)
    is_legacy = False
    # Set on a copy by :meth:`at_shapes` for ``explain(model, input_shape=...)``:
    # every layer's traced call shapes (``read/call_shapes.py``) by id(layer),
    # and the model's concrete input shapes by input name.
    traced: Optional[dict[int, CallShapes]] = None
    given_inputs: Optional[dict[str, Shape]] = None
    graph_unknowns_kept = False  # traced beside inputs of unknown length (at_shapes: partly_static)
    # Set on the copy each :meth:`model_facts` reads with: the sublayers read so far, by
    # (id(layer), id(parent), outside_graph). A task model holding its backbone as an attribute
    # and calling a Functional feature extractor made of the backbone's layers (keras-hub's
    # DepthAnything) has the backbone's blocks read once for each: their facts are the same
    # (the same layer, parent and traced calls), so the second read takes the first's.
    sublayers_read: Optional[dict[tuple[int, int, bool], tuple[Any, Any, LayerFacts]]] = None
    # ... and each variable's own facts, by id (the variable kept with them): ``weights``.
    variables_read: Optional[dict[int, tuple[Any, tuple[str, Any, str, bool, str, bool]]]] = None

    def at_shapes(
        self,
        traced: dict[int, CallShapes],
        given_inputs: Optional[dict[str, Shape]],
        partly_static: bool = False,
        untraced: frozenset[int] = frozenset(),
    ) -> Reader:
        """A copy of this reader that reads shapes from a traced forward at concrete input shapes.

        ``partly_static``: traced at batch 1 with some inputs' axes unknown (read/partly_static.py): a graph
        layer's output keeps the axes its graph leaves unknown (``graph_unknowns_kept``). ``untraced``: ids
        of the layers the trace did not run (those fed such axes, and theirs): read as without a trace, not
        as layers the forward never called.
        """
        reader = copy.copy(self)
        reader.traced, reader.given_inputs = traced, given_inputs
        reader.graph_unknowns_kept = partly_static
        reader.untraced = untraced
        reader.units = {}
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

    def weight_path(self, layer: Any, variable: Any) -> str:
        """The weight's path below the layer ("query/kernel" in MultiHeadAttention); its name where unknown."""
        return self.weight_name(variable)

    def term_renames(self, layer: Any) -> dict[str, str]:
        return {}

    def raw_graph(self, model: Any, include_input_layer: bool) -> RawGraph:
        raise NotImplementedError

    def summary_order(self, obj: Any) -> list[str]:
        raise NotImplementedError

    def summary_layers(self, model: Any) -> list[Any]:
        """The layers keras.Model.summary lists, in its order (built or not)."""
        return list(model.layers) if self.is_model(model) else [model]

    def summary_output_shape(self, layer: Any) -> Optional[OutputShape]:
        """The Output Shape keras.Model.summary shows for a built layer; None for "?"."""
        shape = self.output_shape(layer)
        if shape is None:
            shape = self._computed_output_shape(layer, self.build_shape(layer, None), [])
        return shape

    # -- shared ----------------------------------------------------------------

    def is_keras_builtin(self, layer: Any) -> bool:
        """A layer class that Keras itself defines (its module is under ``keras.``, or ``tf_keras.`` for Keras 2)."""
        return type(layer).__module__.split(".")[0] in self.builtin_packages

    def sublayers(self, layer: Any) -> list[Any]:
        """The layers a layer or subclassed model tracks directly (not recursively).

        ``Layer._flatten_layers``: private, the same walk ``Model.layers`` uses
        (checked on Keras 3.15.1 and tf_keras 2.21); it finds sublayers assigned
        as attributes or held in lists and dicts, in assignment order.
        A layer tracked both directly and inside another direct sublayer (ViTDet's
        MLP keeps its Dense layers in a list it then wraps in a Sequential) is
        left to the one that holds it, so its weights are counted once.
        """
        flatten = getattr(layer, "_flatten_layers", None)
        if flatten is None:
            return []
        direct = list(flatten(include_self=False, recursive=False))
        inside = {
            id(nested)
            for sub in direct
            if hasattr(sub, "_flatten_layers")
            for nested in sub._flatten_layers(include_self=False, recursive=True)
        }
        return [sub for sub in direct if id(sub) not in inside]

    def config(self, layer: Any) -> Optional[dict[str, Any]]:
        """``layer.get_config()``, or None when a custom layer cannot produce one.

        Inside ``read_model``, initializers, regularizers and constraints are given as
        their class names only (``read/light_config.py``): nothing reads more of them.
        A keras-hub layer's config is completed by its public attributes
        (``read/hub.py``: keras-hub 0.32.0's get_config() fails for several), a keras-rs
        layer's by the facts its get_config() leaves out (``read/rs.py``).
        """
        try:
            config: Optional[dict[str, Any]] = _graph_config_head(layer) or dict(config_of(layer))
        except Exception:  # custom layers may raise NotImplementedError or worse
            config = None
        if is_hub_layer(layer) or (config is None and not layer.weights):
            # A weightless layer's formula needs no config; its attributes stand in for one that failed
            # (keras.layers.Identity given dtype= by keras-hub's DINOv2 cannot serialize, 3.15.1).
            config = hub_config(layer, config)
        if config is not None and is_rs_layer(layer):  # keras-rs: the candidates and placements (read/rs.py)
            config = rs_config(layer, config)
        return None if config is None else self.normalize_config(layer, config)

    def weights(
        self, layer: Any, exclude: Optional[set[int]] = None, variables: Optional[list[Any]] = None
    ) -> list[WeightFacts]:
        """The layer's weights, each counted once, with Keras's trainable flag.

        A frozen layer (``layer.trainable = False``) keeps its variables'
        ``trainable`` flags but Keras reports none of them as trainable, so both
        must hold. ``variables``: ``layer.weights`` when the caller has it already
        (the property walks every sublayer each time it is read).
        """
        seen: set[int] = set(exclude or ())
        result = []
        layer_trainable = layer.trainable
        # A block's weights are its parts' too: each variable's own facts are read once per read
        read = self.variables_read if self.variables_read is not None else {}
        for variable in layer.weights if variables is None else variables:
            if id(variable) in seen:
                continue
            seen.add(id(variable))
            known = read.get(id(variable))
            if known is None:
                known = read[id(variable)] = (variable, self._variable_facts(variable))
            name, shape, dtype, created_trainable, path, overwrite = known[1]
            result.append(
                WeightFacts(
                    name=name,
                    shape=shape,
                    dtype=dtype,
                    trainable=bool(layer_trainable) and created_trainable,
                    id=id(variable),
                    path=self.weight_path(layer, variable),
                    created_trainable=created_trainable,
                    variable_path=path,
                    overwrite_with_gradient=overwrite,
                )
            )
        return result

    def _variable_facts(self, variable: Any) -> tuple[str, Any, str, bool, str, bool]:
        """(name, shape, dtype, trainable, path, overwritten by its gradient): what a variable's facts hold
        whichever layer lists it."""
        return (
            self.weight_name(variable),
            variable_shape(variable),
            self.dtype_name(variable.dtype),
            bool(variable.trainable),
            variable_path(variable),
            bool(getattr(variable, "overwrite_with_gradient", False)),
        )

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
                class_name = str(value.get("class_name", ""))
                if isinstance(inner, str):
                    name = inner.rpartition(">")[2]
                elif class_name and class_name != "function":  # an object (a ReLU layer): its class says more
                    name = class_name
                elif isinstance(inner, dict):
                    name = str(inner.get("name", ""))
        if not name:
            # No config (a callable object Keras cannot serialize makes get_config() fail): the
            # function's name, or the object's class ("<lambda>", "my_act", "Doubler").
            function = getattr(layer, "activation", None)
            if callable(function):
                name = str(getattr(function, "__name__", "") or type(function).__name__)
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
        if calls or parent is None or self.sublayers_read is None:  # a graph's entry: its calls are its own
            return self._read_layer_facts(layer, calls, outside_graph, parent)
        key = (id(layer), id(parent), outside_graph)
        known = self.sublayers_read.get(key)
        if known is None or known[0] is not layer or known[1] is not parent:
            facts = self._read_layer_facts(layer, calls, outside_graph, parent)
            known = self.sublayers_read[key] = (layer, parent, facts)
        return known[2]

    def _read_layer_facts(self, layer: Any, calls: Sequence[Call], outside_graph: bool, parent: Any) -> LayerFacts:
        first_input = self.input_shape(layer)
        built = bool(getattr(layer, "built", True))
        variables = list(getattr(layer, "weights", None) or ())  # read once: the property walks every sublayer
        # Never built, but weights made in __init__ (a rotary inv_freq): count them, as Keras's totals do.
        unbuilt_with_weights = not built and bool(variables)
        built = built or unbuilt_with_weights
        config = self.config(layer)
        build_shape = self.build_shape(layer, first_input)
        output_shape = self.output_shape(layer)
        traced = self.traced.get(id(layer)) if self.traced is not None else None
        unit = self._unit(layer, traced, parent)  # before its sublayers': theirs are within it
        if traced is not None:  # explain(model, input_shape=...): the shapes of the traced call win
            build_shape = traced.build_style(layer) or build_shape
            first_input = traced.input_shape() or first_input
            if traced.output is not None and (output_shape is None or flat_shapes(traced.output)):
                # the traced call's shapes, unless the graph's are whole where the trace's are not (an output
                # holding a dict of tensors: DINOv2's encoder, whose graph node has its three tensors)
                # Traced beside inputs of unknown length, an axis the graph leaves unknown stays so.
                keep = self.graph_unknowns_kept and output_shape is not None
                output_shape = graph_unknowns_kept(output_shape, traced.output) if keep else traced.output
            calls = with_first_call_shapes(calls, first_input, output_shape)
        elif self.given_inputs is not None and isinstance(layer, keras.layers.InputLayer):
            given = self.given_inputs.get(str(layer.output.name))
            if given is not None:
                output_shape = given
                calls = with_first_call_shapes(calls, None, given)
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
        traced_macs: TracedMacs = TracedMacs(None)
        traceable = built and not unbuilt_with_weights and not is_model and not (live_sublayers and not builtin)
        if traceable and self._needs_trace(layer):
            traced_macs = self._traced_macs(layer, traced, unit)
        elif built and traced is not None and unit is not None and unit.macs is not None:
            traced_macs = TracedMacs(unit.macs)
        elif built and traced is not None and traced.macs is not None:
            # a registered count's cross-check, free from the traced forward; a nested model's too, so the
            # block holding it can take its sublayers' traced calls off its own (build/costs.py, own_macs)
            traced_macs = TracedMacs(traced.macs)
        elif not built and not live_sublayers and traced is not None and traced.macs is not None:
            # Never built by the model (Keras answered it from compute_output_spec), but called
            # in the traced forward at the input_shape (D-FINE's DFineIntegral): what it computed there.
            traced_macs = TracedMacs(traced.macs)
        return LayerFacts(
            name=layer.name,
            layer_class=type(layer),
            class_name=type(layer).__name__,
            config=config,
            build_shape=build_shape,
            input_shape=first_input,
            output_shape=output_shape,
            output_dtypes=self.output_dtypes(layer) or (traced.output_dtypes if traced is not None else None),
            weights=tuple(self.weights(layer, variables=variables)),
            # Keras's count_params() raises on an unbuilt layer; its summary counts it 0.
            keras_params=_keras_params(layer, built, unbuilt_with_weights, variables),
            built=built,
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
            repeats=unit.repeats if unit is not None and unit.sets_repeats else self._repeats(traced, parent),
            calls_differ=unit is not None and unit.differ,
            samples=traced.samples if traced is not None else 1,
            output_samples=traced.output_samples if traced is not None else 1,
            outside_parent_calls=self._outside_parent_calls(traced, parent),
            not_called_in_trace=(
                self.traced is not None and traced is None and built and not is_model
                and id(layer) not in self.untraced
                and all(sub.not_called_in_trace for sub in sublayers)
            ),
            caches_keys_values=not builtin and _caches_keys_values(layer, parent),
            traced_macs=traced_macs.parts,
            traced_macs_note=traced_macs.note,
            traced_kinds=traced_macs.kinds,
            unbuilt_with_weights=unbuilt_with_weights,
            layer_id=id(layer),
        )

    def operation_facts(self, operation: Any, calls: list[Call]) -> LayerFacts:
        """A keras.ops call in a Functional graph: its name and class; it has no weights or config to read.

        An operation that is not element-wise or data movement (``matmul``, ``einsum``) is traced
        at batch 1 for its mult-adds.
        """
        traced = TracedMacs(None)
        shapes = self.traced.get(id(operation)) if self.traced is not None else None
        if shapes is not None and shapes.output is not None:  # explain(model, input_shape=...): it ran traced
            calls = list(with_first_call_shapes(calls, shapes.input_shape(), shapes.output))
        if not self.is_legacy and operation_macs(type(operation).__name__) is None:
            traced = TracedMacs(shapes.macs, shapes.macs_note) if shapes is not None else trace_first_call(operation)
        return LayerFacts(
            name=str(operation.name),
            layer_class=type(operation),
            class_name=type(operation).__name__,
            is_operation=True,
            calls=tuple(calls),
            # its output's dtypes, so the operation's output has bytes like a layer's (issue 24)
            output_dtypes=self.output_dtypes(operation),
            traced_macs=traced.parts,
            traced_macs_note=traced.note,
            output_samples=shapes.output_samples if shapes is not None else 1,
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
        """A layer's output shape outside any symbolic graph, where Keras's summary knows it.

        As Keras 3.15.1's ``summary_utils.format_layer_shape``: the layer's
        ``compute_output_shape`` on the shapes its ``build`` received, passed by
        argument name (``query_shape=..., value_shape=...`` for attention), the
        result flattened (a dict of outputs in key order, as ``keras.tree``
        flattens it). A layer that does not implement it, or raises, is None ("?").
        """
        build_shapes = self.build_shapes_by_argument(layer, build_shape)
        if build_shapes is None:
            return None
        if type(layer).compute_output_shape is keras.layers.Layer.compute_output_shape:
            return None  # Keras's default only raises NotImplementedError
        try:
            computed = layer.compute_output_shape(**build_shapes)
        except Exception:  # a shape Keras cannot compute is shown as "?", never a crash
            return None
        return flat_output_shapes(computed)

    def build_shapes_by_argument(self, layer: Any, build_shape: Any) -> Optional[dict[str, Any]]:
        """``{argument name: shape}`` that ``build`` received, or None when unknown.

        The Keras 3 reader reads ``_build_shapes_dict``; here, a one-argument build's shape.
        """
        return {"input_shape": build_shape} if isinstance(build_shape, tuple) else None

    def model_facts(self, obj: Any) -> ModelFacts:
        """Read the object ``explain`` was given (a model, or one layer) into facts."""
        if self.sublayers_read is None:  # each read on its own copy: what it read is forgotten after
            reader = copy.copy(self)
            reader.sublayers_read, reader.variables_read = {}, {}
            return reader.model_facts(obj)
        is_model = self.is_model(obj)
        if is_model:
            graph = self.graph_facts(obj, include_input_layer=False)
            outside = self.outside_graph_entries(obj, graph)
            if outside:
                graph = dataclasses.replace(graph, entries=(*graph.entries, *outside))
        else:
            graph = GraphFacts(KIND_LAYER, (self.layer_facts(obj, outside_graph=True),))
        # every weight of the rows (each once by id): model.weights, read once for the totals and the training plan
        everything = tuple(weight for entry in graph.entries for weight in entry.weights)
        totals = self.weight_totals_of(obj, everything)
        trainable, non_trainable = totals.trainable.count, totals.non_trainable.count
        return ModelFacts(
            name=obj.name,
            class_name=type(obj).__name__,
            is_model=is_model,
            graph=graph,
            input_shapes=tuple(self.model_input_shapes(obj)) if is_model else (),
            keras_total_params=trainable + non_trainable,
            keras_trainable_params=trainable,
            keras_non_trainable_params=non_trainable,
            input_sample_bytes=self.input_sample_bytes(obj) if is_model else None,
            summary_order=tuple(self.summary_order(obj)),
            keras_totals=totals,
            weight_holders=self.weight_holders(obj, graph.entries, everything),
        )

    def weight_holders(
        self, obj: Any, entries: Sequence[LayerFacts], everything: tuple[WeightFacts, ...]
    ) -> WeightHolders:
        """Who holds each weight first, and which train, from the facts already read (``WeightHolders``).

        The training plan gives a weight several top-level layers share to the first in
        ``model.layers`` order (a layer used inside a nested model and on its own), and what no
        layer of that list holds (a subclassed model's ``add_weight``, a Functional model's layer
        held only as an attribute) to the model. Each listed layer's weights are its row's, read
        once; a listed layer that has no row of its own (a layer tracked directly and inside
        another sublayer too) is read here. ``everything`` is every weight of the rows.
        """
        # tf_keras's trainable_weights leave out a frozen sublayer's weights whatever their flags, which
        # the facts do not follow down: for it (only), the one list is read as Keras gives it.
        trainable_ids = frozenset(id(v) for v in obj.trainable_weights) if self.is_legacy else None
        model_trainable = bool(obj.trainable)
        if not self.is_model(obj):
            return WeightHolders(((obj.name, everything),), model_trainable, trainable_ids)
        by_layer = {entry.layer_id: entry.weights for entry in entries if entry.layer_id}
        holders = []
        for layer in obj.layers:
            if type(layer).__name__ == "InputLayer":
                continue
            weights = by_layer.get(id(layer))
            holders.append((layer.name, weights if weights is not None else tuple(self.weights(layer))))
        holders.append((obj.name, everything))
        return WeightHolders(tuple(holders), model_trainable, trainable_ids)

    def outside_graph_entries(self, model: Any, graph: GraphFacts) -> list[LayerFacts]:
        """Rows for the model's weights that no entry of its graph holds (issue 21, item 5).

        A layer reachable through an attribute but never called by the model (an unused
        encoder stem) is read as any layer, marked OUTSIDE_GRAPH; the weights the model
        created itself (``add_weight`` in its ``build``, a Perceiver's latent array) are one
        row named after the model, marked OWN_WEIGHTS. Keras counts both in its totals.
        """
        held: set[int] = set()
        for entry in graph.entries:
            held.update(entry.weight_ids)
        # A layer with a row holds all its weights (its row read them all): not walked again.
        with_rows = {entry.layer_id for entry in graph.entries if entry.layer_id and not entry.is_operation}
        extra: list[LayerFacts] = []
        flatten = getattr(model, "_flatten_layers", None)  # private, 3.15.1 (and tf_keras): Model.layers' walk
        for layer in flatten(include_self=False, recursive=False) if flatten is not None else ():
            if id(layer) in with_rows:
                continue
            weights = getattr(layer, "weights", None) or []
            if any(id(variable) not in held for variable in weights):
                facts = self.layer_facts(layer, outside_graph=True)
                extra.append(dataclasses.replace(facts, placement=OUTSIDE_GRAPH))
                held.update(facts.weight_ids)
        own = self.weights(model, exclude=held)
        if own:
            own_call = own_call_macs(model, self.traced) if graph.kind == KIND_SUBCLASSED else None
            extra.append(
                LayerFacts(
                    name=model.name,
                    layer_class=type(model),
                    class_name=type(model).__name__,
                    config=self.config(model),
                    build_shape=next(iter(self.model_input_shapes(model)), None),
                    weights=tuple(own),
                    keras_params=sum(shape_size(weight.shape) for weight in own),
                    trainable=bool(model.trainable),
                    placement=OWN_WEIGHTS,
                    traced_macs=own_call.parts if own_call is not None else None,
                    traced_macs_note=own_call.note if own_call is not None else OWN_CALL_NOT_TRACED,
                )
            )
        return extra



_GRAPH_SERIALIZERS = (Functional.get_config, keras.Sequential.get_config)
_SERIALIZES_ITS_GRAPH: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()  # by class


def _graph_config_head(layer: Any) -> Optional[dict[str, Any]]:
    """A nested Functional or Sequential model's config without its layers: what its own ``get_config`` starts with.

    Their ``get_config()`` serializes every layer of the graph again (Keras 3.15.1: each layer's
    own ``get_config``, which that layer's row reads anyway; Sequential deep-copies them too): a
    feature-pyramid Functional inside keras-hub's RetinaNet is a tenth of explaining it. A model's
    row is the sum of its layers' rows (build/model.py), and nothing reads its config's layers.
    None for any other layer, and for a subclass with its own constructor (Keras serializes it
    as any model: its constructor's arguments).
    """
    kind = type(layer)
    serializes = _SERIALIZES_ITS_GRAPH.get(kind)
    if serializes is None:
        own = kind.get_config in _GRAPH_SERIALIZERS
        serializes = _SERIALIZES_ITS_GRAPH[kind] = own and (
            kind.get_config is not Functional.get_config or functional_like_constructor(kind)
        )
    return {"name": layer.name, "trainable": layer.trainable} if serializes else None


def variable_path(variable: Any) -> str:
    """Keras 3's ``variable.path`` ("dense/kernel"); tf_keras has only the name ("dense/kernel:0")."""
    path = getattr(variable, "path", None)
    if isinstance(path, str) and path:
        return path
    return str(variable.name).split(":")[0]


def _keras_params(layer: Any, built: bool, unbuilt_with_weights: bool, variables: list[Any]) -> int:
    """``count_params()``; for a layer never built that owns weights (which count_params refuses), their sizes.

    ``variables`` is ``layer.weights``, read by the caller. Where the layer's ``count_params`` is Keras 3's
    own (3.15.1: ``summary_utils.count_params(self.weights)`` once built), that same function is given
    that same list, rather than have the method walk the sublayers for it again.
    """
    if unbuilt_with_weights:
        return sum(shape_size(variable_shape(variable)) for variable in {id(v): v for v in variables}.values())
    if not built:
        return 0
    if type(layer).count_params is _KERAS_COUNT_PARAMS:
        return int(summary_utils.count_params(variables))
    return int(layer.count_params())



_KERAS_COUNT_PARAMS = keras.layers.Layer.count_params


def _caches_keys_values(layer: Any, parent: Any) -> bool:
    """A decoder's attention: its call takes a key/value cache, and so does its parent block's (if it has one).

    keras-hub's Whisper encoder uses the cached attention class too, but its
    block's call takes no cache: an encoder keeps none.
    """
    if not call_takes_cache(layer):
        return False
    return parent is None or call_takes_cache(parent)
