"""Concrete shapes of every layer's call at a given input shape, without rebuilding or changing the model.

``build()`` records ``(None, None, 16)`` for a text model's layers: the
sequence axis is unknown until a call. For mult-adds at a sequence length
(issue 14, Required 3) each layer — sublayers inside composite blocks
included — needs the shapes it is called with at that length.

:func:`concrete_call_shapes` runs ``keras.Operation.compute_output_spec`` (the
base class's: it traces ``model.call``) on ``keras.KerasTensor`` inputs of the given shapes. Keras traces the forward
symbolically (the TensorFlow backend: placeholders in a scratch FuncGraph;
JAX: ``jax.eval_shape``): no weight is created and no graph node is added to
the model, because the layers see backend tensors, not KerasTensors. While it
runs, each layer's ``call`` is shadowed by an instance attribute that records
the shapes of its arguments and result at its first call; the attribute is
removed afterwards, whatever happens. Only public ``keras.Operation``
and ``_flatten_layers`` (private, the walk ``Model.layers`` uses, 3.15.1) are
relied on.

That backend trace is the fallback: first, Keras's own symbolic execution runs
``model.call`` on the KerasTensors (``_traced(symbolic=True)``, what it shadows
in keras_execution.py), each layer's ``symbolic_call`` shadowed to run its own
``call``, and a layer the call makes as it runs (none of the model's) runs its
own call too, unrecorded (``_layers_made_in_the_pass_run_symbolically``).
"""

from __future__ import annotations

import inspect
import threading
import weakref
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Mapping, Optional

import keras

from .keras_execution import (
    PASS_STATE,
    all_dense,
    as_keras_tensors,
    backend_traced,
    build_not_recorded,
    graph_tensors_as_keras_tensors,
    keras_symbolic_execution,
    scratch_graph,
)
from .running_calls import enclosing_calls, held_by_caller, running, running_as
from .shape_values import is_shape
from .traced_macs import (
    Frame,
    counting_contractions,
    frame,
    mark_open_frames_unknown,
    open_frame_counts,
    restore_frame_counts,
)
from .untouched import builds_undone

_PASS_LOCK = threading.RLock()  # Layer.symbolic_call shadowed by one pass at a time (nested passes: in turn)


@dataclass(frozen=True)
class CallShapes:
    """One layer's first call: argument shapes by parameter name, the output shape(s), and how often it ran.

    ``calls`` counts every call in the forward (ALBERT runs one shared block
    ``num_layers`` times): a layer's mult-adds at these shapes are its
    per-call count times ``calls``. A sublayer's count already includes its
    parent's repetitions.
    """

    arguments: Mapping[str, Any]
    output: Any
    calls: int = 1
    # The contractions of the first call, counted while it ran (read/traced_macs.py), per sample;
    # None when one of them had an unknown size (``macs_note`` says which).
    macs: Optional[tuple[int, ...]] = None
    macs_note: str = ""
    # Rows of this call per sample of the model: its leading size over the model's batch. A layer
    # after a window partition (Swin, MaxViT: ``reshape(x, (-1, window * window, C))``) sees
    # batch * windows rows, and a formula written per row counts one window unless multiplied.
    samples: int = 1
    # ... and of its output: a window partition's Reshape reads one row per sample and writes four.
    output_samples: int = 1
    # Calls made while each enclosing layer was running, by id(layer): a sublayer that
    # is also called from outside its owner (SAM3's box head, called by its DETR decoder
    # and by the backbone) repeats within its owner only as often as the owner calls it.
    calls_within: Mapping[int, int] = field(default_factory=dict)
    # ... and those of them calling it as one of their own sublayers (not a grandchild reached through a
    # sublayer's method: Gemma3n's embedding processor runs its text model's per-layer projection).
    callers_holding: frozenset = frozenset()
    # Every call's own contractions per sample (None: unknown), in call order, and for each call the
    # index of the call of every enclosing layer it ran in ({id(layer): index}): a block called twice
    # for different work (SD3's DismantledBlock, pre- and post-attention) is not twice its first call.
    call_macs: tuple = ()
    call_callers: tuple = ()
    call_kinds: tuple = ()  # ... and each call's contractions' operands (read/contraction_counts.py)
    # The dtypes of the first call's output, one per tensor when ``output`` is one shape or a flat tuple of
    # them (None otherwise): a layer called only inside another's call has no graph node to read them from.
    output_dtypes: Optional[tuple[str, ...]] = None

    def input_shape(self) -> Any:
        """The shapes of the tensors the call received, in argument order: one shape, or a tuple of them."""
        shapes = [shape for shape in self.arguments.values() if shape is not None and is_shape(shape)]
        if not shapes:
            return None
        return shapes[0] if len(shapes) == 1 else tuple(shapes)

    def build_style(self, layer: Any) -> Any:
        """The shapes in the form formulas and MACs functions receive (``get_build_config``'s form).

        A layer built from several shapes (``shapes_dict``, e.g. MultiHeadAttention's
        ``query_shape``/``value_shape``) gets ``{"<argument>_shape": shape}`` for the
        arguments it was called with; any other layer gets its first argument's shape.
        """
        try:
            config = layer.get_build_config() or {}
        except Exception:
            config = {}
        if "shapes_dict" in config:
            return {
                f"{name}_shape": shape
                for name, shape in self.arguments.items()
                if shape is not None and f"{name}_shape" in _known_shape_keys(layer, config)
            }
        for shape in self.arguments.values():
            if shape is not None:
                return shape
        return None


def _known_shape_keys(layer: Any, config: Mapping[str, Any]) -> set[str]:
    """The ``*_shape`` names ``build`` accepts (a key given only at call time, e.g. ``key_shape``, counts too)."""
    keys = set(config["shapes_dict"])
    try:
        keys |= {f"{name}_shape" for name in inspect.signature(layer.build).parameters}
        keys |= set(inspect.signature(layer.build).parameters)
    except (TypeError, ValueError):
        pass
    return keys


def _shape_tree(value: Any) -> Any:
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, (list, tuple, dict)):
        try:
            return tuple(None if dim is None else int(dim) for dim in shape)
        except TypeError:
            return None
    if isinstance(value, (list, tuple)):
        shapes = tuple(_shape_tree(item) for item in value)
        return shapes if any(item is not None for item in shapes) else None
    return None


def concrete_call_shapes(
    model: Any,
    input_shapes: Any,
    deferred: Optional[ExitStack] = None,
    symbolic_inputs: Any = None,
    answered: Optional[dict[int, Any]] = None,
) -> dict[int, CallShapes]:
    """``{id(layer): CallShapes}`` for every layer of ``model`` called in a forward pass at ``input_shapes``.

    ``input_shapes`` follows the model's inputs: a shape (batch axis included),
    a list of shapes in ``model.inputs`` order, or a dict by input name
    (keras-hub backbones: ``{"token_ids": (1, 128), "padding_mask": (1, 128)}``).
    Dtypes are the model's input dtypes. A layer never called in that forward (Bloom's
    unbuilt AlibiBias when no mask is given) is absent. The model's own entry, by ``id(model)``,
    holds what its whole call counted (a subclassed model's own products are that less its layers').
    ``symbolic_inputs``: KerasTensors to call it on instead (a subclassed model has no ``inputs``:
    read/subclassed_shapes.py). ``answered``: ``{id(layer): its outputs}`` for layers whose calls the
    symbolic pass does not run, answering with those outputs (read/partly_static.py); they are absent.
    """
    layers = list(model._flatten_layers(include_self=False, recursive=True))
    # keras.ops nodes of the Functional graphs (GetItem, Multiply, matmul, ...): their outputs are activations
    # too, and they get their shapes and mult-adds
    layers += _graph_operations([model, *layers])
    inputs = _symbolic_inputs(model, input_shapes) if symbolic_inputs is None else symbolic_inputs
    # A layer the model's own call never built is unbuilt again after; one built without weights only
    # when ``deferred`` closes (read/untouched.py), so its facts are read first.
    with builds_undone(model, layers, deferred):
        with counting_contractions():
            try:
                batch = _model_batch(input_shapes)
                return _traced(model, layers, inputs, symbolic=True, model_batch=batch, answered=answered)
            except Exception:  # noqa: BLE001 - Keras's symbolic execution could not run it: the backend's trace can
                return _traced(model, layers, inputs, symbolic=False, model_batch=_model_batch(input_shapes))


def _traced(
    model: Any,
    layers: list,
    inputs: Any,
    symbolic: bool,
    model_batch: Optional[int] = None,
    answered: Optional[dict[int, Any]] = None,
) -> dict[int, CallShapes]:
    """Run ``model.call`` on ``inputs`` with every layer's calls recorded; Keras's symbolic execution or the backend's.

    Symbolic (``symbolic=True``): the KerasTensors go through ``model.call``
    itself, each layer's ``symbolic_call`` (what ``keras.Operation.__call__``
    runs on KerasTensors) shadowed to run its own ``call`` on them
    (``_symbolic_call``), so keras.ops infer the shapes in Python -- a
    fraction of a backend graph's cost -- and no graph node is made. A ``tf.*``
    function given a KerasTensor gets a placeholder (keras_execution.scratch_graph)
    and the sublayers called on its result get KerasTensors again. A layer whose
    call needs what only a backend tensor has is traced alone by the backend,
    its sublayers recorded inside that trace.
    Backend (``symbolic=False``): ``keras.Operation.compute_output_spec``
    (public) traces the whole ``model.call`` in the backend (a TensorFlow
    FuncGraph, ``jax.eval_shape``); Functional's and Layer's own overrides
    would answer from compute_output_shape and never enter the sublayers.
    """
    records = _Records(model_batch, answered)
    with _calls_recorded(layers, records, symbolic):
        with frame() as whole:  # the model's whole call: its own products are this less its layers'
            if symbolic:
                with _in_keras_execution(inputs):
                    model.call(inputs)
            else:
                keras.Operation.compute_output_spec(model, inputs)
        parts = _per_sample(whole, model_batch, model_batch)
        records[id(model)] = CallShapes({}, None, macs=parts, macs_note=whole.unknown, call_macs=(parts,))
    return dict(records.by_layer)


def symbolic_call_contractions(layer: Any, args: tuple, kwargs: dict[str, Any]) -> Optional[Frame]:
    """One call of ``layer`` on these KerasTensors in Keras's symbolic execution: what it contracted.

    The per-layer trace of a layer no MACs function covers (read/traced_reading.py), as the shapes pass
    runs a whole model (``_traced``): its sublayers run their own calls on KerasTensors, keras.ops infer
    the shapes in Python, a ``tf.*`` function gets a scratch-graph placeholder. The backend's trace of
    the same call costs a TensorFlow graph (13 ms for a Lambda doubling its input). None when the call
    cannot run so (it needs what only a backend tensor has): the backend then traces it, as before.
    """
    sublayers = list(layer._flatten_layers(include_self=False, recursive=True))
    records = _Records()
    with builds_undone(layer, sublayers), counting_contractions(), _calls_recorded(sublayers, records, symbolic=True):
        try:
            # the frame inside the scratch graph: it reads the graph ops the call itself makes (a ``tf.matmul``)
            with _in_keras_execution((args, kwargs)), frame() as counted:
                layer.call(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a call needing backend tensors: the backend's trace instead
            return None
    return counted


@contextmanager
def _in_keras_execution(inputs: Any) -> Iterator[None]:
    """Run a call on ``inputs`` (KerasTensors) in Keras's symbolic execution, on a scratch graph on TensorFlow."""
    dense_only = not any(getattr(value, "sparse", False) for value in keras.tree.flatten(inputs))
    previous, PASS_STATE.dense_only = PASS_STATE.dense_only, dense_only
    PASS_STATE.symbolic += 1
    try:
        with keras_symbolic_execution(), scratch_graph():
            yield
    finally:
        PASS_STATE.dense_only = previous
        PASS_STATE.symbolic -= 1


@contextmanager
def _calls_recorded(layers: list, records: _Records, symbolic: bool) -> Iterator[None]:
    """Each layer's ``call`` (and, for the symbolic pass, ``symbolic_call``) recording into ``records``."""
    shadowed: list[tuple[Any, str]] = []
    rebuilt: list[tuple[Any, Any]] = []
    try:
        for layer in layers:
            if "call" not in vars(layer):  # else already shadowed (a layer shared twice) or user-patched
                object.__setattr__(layer, "call", _recording_call(layer, records))
                shadowed.append((layer, "call"))
            if not getattr(layer, "built", True):  # Keras keeps a wrapped build() on each instance: wrap it again
                rebuilt.append((layer, layer.build))
                object.__setattr__(layer, "build", build_not_recorded(layer.build))
            if symbolic and "symbolic_call" not in vars(layer):
                object.__setattr__(layer, "symbolic_call", _symbolic_call(layer, records))
                shadowed.append((layer, "symbolic_call"))
        with _layers_made_in_the_pass_run_symbolically(records) if symbolic else nullcontext():
            yield
    finally:
        for layer, name in shadowed:
            object.__delattr__(layer, name)
        for layer, build in rebuilt:
            object.__setattr__(layer, "build", build)


class _Records:
    """The calls recorded so far, with a log of changes so a failed symbolic call's records can be taken back."""

    def __init__(self, model_batch: Optional[int] = None, answered: Optional[dict[int, Any]] = None) -> None:
        self.by_layer: dict[int, CallShapes] = {}
        self.model_batch = model_batch  # the batch the model is traced at (CallShapes.samples)
        self.answered = answered or {}  # {id(layer): outputs} for calls the symbolic pass does not run
        self._log: list[tuple[int, Optional[CallShapes]]] = []

    def __contains__(self, key: int) -> bool:
        return key in self.by_layer

    def __getitem__(self, key: int) -> CallShapes:
        return self.by_layer[key]

    def __setitem__(self, key: int, value: CallShapes) -> None:
        self._log.append((key, self.by_layer.get(key)))
        self.by_layer[key] = value

    def mark(self) -> int:
        return len(self._log)

    def undo(self, mark: int) -> None:
        while len(self._log) > mark:
            key, before = self._log.pop()
            if before is None:
                del self.by_layer[key]
            else:
                self.by_layer[key] = before


def _symbolic_call(operation: Any, records: _Records) -> Any:
    """``symbolic_call`` for ``operation`` in the symbolic pass: its own call run on the KerasTensors.

    A keras.ops operation answers with its class's shape inference (recorded
    like a call). A layer runs its (recording) ``call``; if that raises, what
    it recorded and counted is taken back and the backend traces the layer
    alone, as the backend pass would have. A result computed eagerly (a
    position embedding broadcast from a variable) becomes its KerasTensor.
    No ``Node`` is made: the pass adds nothing to the graph.
    """
    if not isinstance(operation, keras.layers.Layer):
        return _recording_call(operation, records, type(operation).compute_output_spec.__get__(operation))

    def symbolic_call(*args: Any, **kwargs: Any) -> Any:
        if PASS_STATE.building:  # a build() calling its sublayers (a Sequential making its graph) is not the forward
            return type(operation).symbolic_call(operation, *args, **kwargs)
        answer = records.answered.get(id(operation))
        if answer is not None:
            return answer
        return _own_call_on_keras_tensors(operation, records, args, kwargs)

    return symbolic_call


def _own_call_on_keras_tensors(layer: Any, records: _Records, args: tuple, kwargs: dict) -> Any:
    """``layer.call`` run on KerasTensors; if it raises, what it recorded and counted is taken back and the
    backend traces the layer alone."""
    if PASS_STATE.dense_only:
        args, kwargs = all_dense((args, kwargs))
    mark, counts = records.mark(), open_frame_counts()
    try:
        outputs = layer.call(*args, **kwargs)
    except Exception:  # noqa: BLE001 - its call needs backend tensors: the backend traces it instead
        records.undo(mark)
        restore_frame_counts(counts)
        with backend_traced():
            return keras.Operation.compute_output_spec(layer, *args, **kwargs)
    return as_keras_tensors(outputs)


@contextmanager
def _layers_made_in_the_pass_run_symbolically(records: _Records) -> Iterator[None]:
    """``Layer.symbolic_call`` for a layer the model's call makes as it runs (Flux's ``ApplyRoPE()(q, k, pe)``).

    Such a layer is none of the model's, so it has no shadow of its own; on
    KerasTensors ``Layer.__call__`` (its dtype conversion, training argument and
    masks done) asks ``Layer.compute_output_spec``, which, without a
    ``compute_output_shape`` of its own, traces the call in a backend graph
    (Keras 3.15.1): a TensorFlow FuncGraph per call. Its own call run on the
    KerasTensors infers the same shapes, its contractions counted the same way,
    as a recorded layer's (``_symbolic_call``; it is not recorded itself). A layer
    answering from its own ``compute_output_shape`` or ``compute_output_spec``
    still does, as without the pass.
    """
    from keras.src.layers.layer import Layer
    from keras.src.utils.python_utils import is_default

    original = vars(Layer)["symbolic_call"]

    def symbolic_call(layer: Any, *args: Any, **kwargs: Any) -> Any:
        traced_by_keras = type(layer).compute_output_spec is Layer.compute_output_spec and is_default(
            layer.compute_output_shape
        )
        if not PASS_STATE.symbolic or PASS_STATE.building or not traced_by_keras:
            return original(layer, *args, **kwargs)
        return _own_call_on_keras_tensors(layer, records, args, kwargs)

    with _PASS_LOCK:
        Layer.symbolic_call = symbolic_call
        try:
            yield
        finally:
            Layer.symbolic_call = original


def _graph_operations(owners: list[Any]) -> list[Any]:
    """The keras.ops operations (``ops.matmul`` on KerasTensors) of the Functional graphs among ``owners``."""
    found: dict[int, Any] = {}
    for owner in owners:
        if not isinstance(owner, keras.Model):
            continue
        try:
            operations = list(getattr(owner, "operations", None) or [])
        except Exception:  # noqa: BLE001 - a model without a graph has no operations to record
            continue
        for operation in operations:
            if not isinstance(operation, keras.layers.Layer):
                found.setdefault(id(operation), operation)
    return list(found.values())


def _recording_call(layer: Any, records: Any, original: Any = None) -> Any:
    """``original`` (the layer's class ``call``, bound) recording its first call's shapes and contractions."""
    original = original or layer.call  # the bound method of the class
    signature = _call_signature(original)

    def call(*args: Any, **kwargs: Any) -> Any:
        if PASS_STATE.building:
            return original(*args, **kwargs)
        args, kwargs = graph_tensors_as_keras_tensors((args, kwargs))
        callers = tuple(running())  # the layers whose calls this one runs inside
        where = enclosing_calls()
        holding = held_by_caller(layer)
        index = records[id(layer)].calls if id(layer) in records else 0
        with frame() as counted, running_as(layer, index):  # this call's contractions, its sublayers' included
            result, stand_in_note = _run_or_stand_in(layer, original, args, kwargs)
        if stand_in_note:
            counted.unknown = stand_in_note
        model_batch = getattr(records, "model_batch", None)
        if id(layer) in records:
            record = records[id(layer)]
            records[id(layer)] = replace(
                record,
                calls=record.calls + 1,
                calls_within=_counted(record, callers),
                callers_holding=record.callers_holding | holding,
                call_macs=(*record.call_macs, _per_sample(counted, _call_batch(args, kwargs, signature), model_batch)),
                call_callers=(*record.call_callers, where),
                call_kinds=(*record.call_kinds, tuple(counted.kinds)),
            )
            return result
        if signature is not None:
            bound = signature.bind_partial(*args, **kwargs).arguments
        else:
            bound = {f"arg{index}": value for index, value in enumerate(args)} | dict(kwargs)
        arguments = {name: _shape_tree(value) for name, value in bound.items()}
        batch = _batch_of(arguments)
        samples = _rows_per_sample(batch, model_batch)
        parts = _per_sample(counted, batch, model_batch)
        note = counted.unknown or ("" if batch is not None else "the batch size of its call is unknown")
        output = _shape_tree(result)
        records[id(layer)] = CallShapes(
            arguments,
            output,
            macs=parts,
            macs_note=note,
            samples=samples,
            output_samples=_rows_per_sample(_batch_of({"output": output}), model_batch),
            calls_within={caller: 1 for caller in callers},
            callers_holding=holding,
            call_macs=(parts,),
            call_callers=(where,),
            call_kinds=(tuple(counted.kinds),),
            output_dtypes=_dtypes_of(result),
        )
        return result

    return call


def _dtypes_of(value: Any) -> Optional[tuple[str, ...]]:
    """The dtype of one tensor, or of each of a flat list or tuple of them (as ``_shape_tree`` gives shapes)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    dtypes = []
    for item in items:
        dtype = getattr(item, "dtype", None)
        if dtype is None or isinstance(item, (list, tuple, dict)):
            return None
        try:
            dtypes.append(str(keras.backend.standardize_dtype(dtype)))
        except (TypeError, ValueError):
            return None
    return tuple(dtypes) or None


# By the class's function (weakly: a class made in a loop goes with its function): one per class, not per layer.
_SIGNATURES: weakref.WeakKeyDictionary[Any, Optional[inspect.Signature]] = weakref.WeakKeyDictionary()


def _call_signature(method: Any) -> Optional[inspect.Signature]:
    """``inspect.signature`` of a bound ``call`` (self left out); the same for every instance of a class."""
    function = getattr(method, "__func__", None)
    if function is None or getattr(method, "__self__", None) is None:
        return _signature_or_none(method)
    if function not in _SIGNATURES:
        _SIGNATURES[function] = _signature_or_none(method)
    return _SIGNATURES[function]


def _signature_or_none(method: Any) -> Optional[inspect.Signature]:
    try:
        return inspect.signature(method)
    except (TypeError, ValueError):
        return None


def _per_sample(counted: Any, batch: Optional[int], model_batch: Optional[int]) -> Optional[tuple[int, ...]]:
    """A call's contractions per model sample (windows folded into the batch axis count per model sample)."""
    if _rows_per_sample(batch, model_batch) > 1:
        batch = model_batch
    return None if counted.unknown or batch is None else tuple(part // batch for part in counted.parts)


def _call_batch(args: tuple, kwargs: dict, signature: Optional[inspect.Signature]) -> Optional[int]:
    """The leading size of a call's first tensor argument, as ``_batch_of`` reads the first call's."""
    values = signature.bind_partial(*args, **kwargs).arguments if signature is not None else {"args": args}
    return _batch_of({name: _shape_tree(value) for name, value in values.items()})


def _model_batch(input_shapes: Any) -> Optional[int]:
    """The batch the model is traced at: the leading size of its first input shape."""
    shape = input_shapes
    while isinstance(shape, Mapping) and shape:
        shape = next(iter(shape.values()))
    while isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, Mapping)):
        shape = shape[0]
        while isinstance(shape, Mapping) and shape:
            shape = next(iter(shape.values()))
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], int) and shape[0] > 0:
        return int(shape[0])
    return None


def _rows_per_sample(batch: Optional[int], model_batch: Optional[int]) -> int:
    """A tensor's leading size over the model's batch when it is a larger multiple of it, else 1."""
    if batch is not None and model_batch and batch > model_batch and batch % model_batch == 0:
        return batch // model_batch
    return 1


def _counted(record: CallShapes, callers: tuple[int, ...]) -> dict[int, int]:
    within = dict(record.calls_within)
    for caller in callers:
        within[caller] = within.get(caller, 0) + 1
    return within


def _run_or_stand_in(layer: Any, original: Any, args: tuple, kwargs: dict) -> tuple[Any, str]:
    """The call's result; or, when the call cannot run symbolically, a stand-in of the shapes Keras gives.

    Some calls read a tensor's value (Stable Diffusion 3's scheduler passes its
    ``num_steps`` input to ``linspace`` as the count): no symbolic trace can run
    them. Keras itself answered such a layer from ``compute_output_spec`` when the
    model was built; here its output is a graph placeholder of those shapes (the
    TensorFlow backend's scratch FuncGraph; nothing allocated), so the trace goes
    on for every other layer. The stand-in's own mult-adds, and those of every call
    it sits in, are unknown, with the note returned (else ""). Any other error, on
    another backend, or when Keras cannot give the shapes either, the error stands.
    """
    try:
        return original(*args, **kwargs), ""
    except Exception as error:  # noqa: BLE001 - re-raised unless it says the call needs a value
        # Only TF's "a symbolic tensor used as a Python value" error: any other (a wrong
        # input_shape, a bug in the call) stands, and explain says the shape cannot run.
        if type(error).__name__ != "OperatorNotAllowedInGraphError":
            raise
        stand_in = _stand_in_output(layer, args, kwargs)
        if stand_in is None:
            raise
        note = f"its call cannot run symbolically ({type(error).__name__}): shapes from its compute_output_spec"
        mark_open_frames_unknown(f"{layer.name!r}: {note}")
        return stand_in, note


def _stand_in_output(layer: Any, args: tuple, kwargs: dict) -> Any:
    """Graph placeholders of the shapes ``layer.compute_output_spec`` gives for these arguments, or None."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    def spec(value: Any) -> Any:
        if isinstance(value, tf.Tensor):
            return keras.KerasTensor(tuple(value.shape), dtype=value.dtype.name)
        return value

    try:
        if tf.executing_eagerly():  # a placeholder needs the trace's graph
            return None
        specs, keyword_specs = keras.tree.map_structure(spec, args), keras.tree.map_structure(spec, kwargs)
        output = layer.compute_output_spec(*specs, **keyword_specs)
        return keras.tree.map_structure(
            lambda tensor: tf.compat.v1.placeholder(tensor.dtype, tuple(tensor.shape)), output
        )
    except Exception:  # noqa: BLE001 - Keras cannot give the shapes either: the original error stands
        return None


def _batch_of(arguments: Mapping[str, Any]) -> Optional[int]:
    """The leading size of the call's first tensor argument (the trace's batch), None when there is none."""
    for shape in arguments.values():
        while isinstance(shape, tuple) and shape and isinstance(shape[0], tuple):
            shape = shape[0]
        if isinstance(shape, tuple) and shape and isinstance(shape[0], int) and shape[0] > 0:
            return shape[0]
    return None


def _symbolic_inputs(model: Any, input_shapes: Any) -> Any:
    """KerasTensors of the given shapes in the structure ``model.input`` has (a dict for keras-hub backbones).

    ``input_shapes``: ``{input name: shape}`` (``read/input_shapes.py``), or
    a shape, or a list of shapes in ``model.inputs`` order. Dtypes are the
    inputs' own.
    """
    inputs = model.inputs
    if not isinstance(input_shapes, Mapping):
        if input_shapes and isinstance(input_shapes[0], (list, tuple)):
            input_shapes = {tensor.name: shape for tensor, shape in zip(inputs, input_shapes, strict=True)}
        else:
            input_shapes = {tensor.name: input_shapes for tensor in inputs}
    return keras.tree.map_structure(
        lambda tensor: keras.KerasTensor(tuple(input_shapes[tensor.name]), dtype=tensor.dtype), _input_structure(model)
    )


def _input_structure(model: Any) -> Any:
    """``model.input``: one tensor, a list or a dict; a Sequential's from its inputs (it is never called itself)."""
    try:
        return model.input
    except AttributeError:  # Operation.input reads the model's own nodes; a Sequential's graph is inside it
        inputs = list(model.inputs)
        return inputs[0] if len(inputs) == 1 else inputs
