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
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional

import keras

from .traced_macs import counting_contractions, frame, mark_open_frames_unknown
from .untouched import builds_undone


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
    # Calls made while each enclosing layer was running, by id(layer): a sublayer that
    # is also called from outside its owner (SAM3's box head, called by its DETR decoder
    # and by the backbone) repeats within its owner only as often as the owner calls it.
    calls_within: Mapping[int, int] = field(default_factory=dict)

    def input_shape(self) -> Any:
        """The shapes of the tensors the call received, in argument order: one shape, or a tuple of them."""
        shapes = [shape for shape in self.arguments.values() if shape is not None and _is_shape(shape)]
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


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(dim is None or isinstance(dim, int) for dim in value)


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


def concrete_call_shapes(model: Any, input_shapes: Any) -> dict[int, CallShapes]:
    """``{id(layer): CallShapes}`` for every layer of ``model`` called in a forward pass at ``input_shapes``.

    ``input_shapes`` follows the model's inputs: a shape (batch axis included),
    a list of shapes in ``model.inputs`` order, or a dict by input name
    (keras-hub backbones: ``{"token_ids": (1, 128), "padding_mask": (1, 128)}``).
    Dtypes are the model's input dtypes. A layer never called in that forward (Bloom's
    unbuilt AlibiBias when no mask is given) is absent.
    """
    layers = list(model._flatten_layers(include_self=False, recursive=True))
    # keras.ops nodes of the Functional graphs (GetItem, Multiply, matmul, ...): their outputs are activations
    # too, and they get their shapes and mult-adds
    layers += _graph_operations([model, *layers])
    records: dict[int, CallShapes] = {}
    shadowed = []
    with builds_undone(model, layers):  # a layer the model's own call never built is unbuilt again after
        try:
            for layer in layers:
                if "call" in vars(layer):  # already shadowed (a layer shared twice) or user-patched
                    continue
                object.__setattr__(layer, "call", _recording_call(layer, records))
                shadowed.append(layer)
            # Operation.compute_output_spec (public ``keras.Operation``) traces ``model.call``
            # through the backend; Functional's and Layer's own overrides would answer from
            # compute_output_shape where a layer defines one, and never enter its sublayers.
            with counting_contractions():
                keras.Operation.compute_output_spec(model, _symbolic_inputs(model, input_shapes))
        finally:
            for layer in shadowed:
                object.__delattr__(layer, "call")
    return records


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


def _recording_call(layer: Any, records: dict[int, CallShapes]) -> Any:
    original = layer.call  # the bound method of the class
    try:
        signature: Optional[inspect.Signature] = inspect.signature(original)
    except (TypeError, ValueError):
        signature = None

    def call(*args: Any, **kwargs: Any) -> Any:
        callers = tuple(_running())  # the layers whose calls this one runs inside
        if id(layer) in records:
            with _running_as(layer):
                result = _run_or_stand_in(layer, original, args, kwargs)[0]
            record = records[id(layer)]
            records[id(layer)] = replace(record, calls=record.calls + 1, calls_within=_counted(record, callers))
            return result
        with frame() as counted, _running_as(layer):  # the first call's contractions, its sublayers' included
            result, stand_in_note = _run_or_stand_in(layer, original, args, kwargs)
        if stand_in_note:
            counted.unknown = stand_in_note
        if signature is not None:
            bound = signature.bind_partial(*args, **kwargs).arguments
        else:
            bound = {f"arg{index}": value for index, value in enumerate(args)} | dict(kwargs)
        arguments = {name: _shape_tree(value) for name, value in bound.items()}
        batch = _batch_of(arguments)
        parts = None if counted.unknown or batch is None else tuple(part // batch for part in counted.parts)
        note = counted.unknown or ("" if batch is not None else "the batch size of its call is unknown")
        records[id(layer)] = CallShapes(
            arguments, _shape_tree(result), macs=parts, macs_note=note, calls_within={caller: 1 for caller in callers}
        )
        return result

    return call


_STACK = threading.local()


def _running() -> list[int]:
    """The ids of the layers whose traced calls are running now, outermost first."""
    stack = getattr(_STACK, "ids", None)
    if stack is None:
        stack = _STACK.ids = []
    return stack


class _running_as:
    """While the block runs, ``layer`` is on the stack of running calls."""

    def __init__(self, layer: Any) -> None:
        self.layer_id = id(layer)

    def __enter__(self) -> None:
        _running().append(self.layer_id)

    def __exit__(self, *exc: Any) -> None:
        _running().pop()


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
