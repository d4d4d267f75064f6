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
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any, Mapping, Optional

import keras

from .traced_macs import counting_contractions, frame
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
    # How many of its call's leading rows make one sample of the forward: a layer called inside windows
    # (SAM's and Swin's attention on (windows*batch, ...)) or on frames folded into the batch (VideoPrism).
    # Its formula, per leading row, times this is per sample.
    batch_folds: int = 1

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


def concrete_call_shapes(model: Any, input_shapes: Any, deferred: Optional[ExitStack] = None) -> dict[int, CallShapes]:
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
    inputs = _symbolic_inputs(model, input_shapes)
    # The forward's batch: every layer's count is per sample. Not a layer's own first axis: Gemma3n's
    # decoder blocks take the AltUp streams stacked in front of the batch, (streams, batch, T, C).
    batch = _forward_batch(inputs)
    # A layer the model's own call never built is unbuilt again after; one built without weights only
    # when ``deferred`` closes (read/untouched.py), so its facts are read first.
    with builds_undone(model, layers, deferred):
        try:
            for layer in layers:
                if "call" in vars(layer):  # already shadowed (a layer shared twice) or user-patched
                    continue
                object.__setattr__(layer, "call", _recording_call(layer, records, batch))
                shadowed.append(layer)
            # Operation.compute_output_spec (public ``keras.Operation``) traces ``model.call``
            # through the backend; Functional's and Layer's own overrides would answer from
            # compute_output_shape where a layer defines one, and never enter its sublayers.
            with counting_contractions():
                keras.Operation.compute_output_spec(model, inputs)
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


def _forward_batch(inputs: Any) -> Optional[int]:
    """The leading size of the forward's first input (its batch), None when it is unknown or 0."""
    for tensor in keras.tree.flatten(inputs):
        shape = tuple(getattr(tensor, "shape", ()) or ())
        if shape and isinstance(shape[0], int) and shape[0] > 0:
            return shape[0]
        return None
    return None


def _folds(arguments: Mapping[str, Any], batch: Optional[int]) -> int:
    """The first tensor argument's leading size over the forward's batch, when a whole multiple of it above 1."""
    if not batch:
        return 1
    for shape in arguments.values():
        if isinstance(shape, tuple) and shape and isinstance(shape[0], int):
            leading = shape[0]
            return leading // batch if leading > batch and leading % batch == 0 else 1
        if shape is not None:
            return 1  # a list or dict of tensors first: not one leading axis to read
    return 1


def _recording_call(layer: Any, records: dict[int, CallShapes], batch: Optional[int]) -> Any:
    original = layer.call  # the bound method of the class
    try:
        signature: Optional[inspect.Signature] = inspect.signature(original)
    except (TypeError, ValueError):
        signature = None

    def call(*args: Any, **kwargs: Any) -> Any:
        if id(layer) in records:
            result = original(*args, **kwargs)
            records[id(layer)] = replace(records[id(layer)], calls=records[id(layer)].calls + 1)
            return result
        with frame() as counted:  # the first call's contractions, its sublayers' included
            result = original(*args, **kwargs)
        if signature is not None:
            bound = signature.bind_partial(*args, **kwargs).arguments
        else:
            bound = {f"arg{index}": value for index, value in enumerate(args)} | dict(kwargs)
        arguments = {name: _shape_tree(value) for name, value in bound.items()}
        parts = None if counted.unknown or batch is None else tuple(part // batch for part in counted.parts)
        note = counted.unknown or ("" if batch is not None else "the batch size of its call is unknown")
        folds = _folds(arguments, batch)
        records[id(layer)] = CallShapes(arguments, _shape_tree(result), macs=parts, macs_note=note, batch_folds=folds)
        return result

    return call


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
