"""The way in: check what ``explain``/``trace`` were given, pick its reader once, read it into facts.

A model is read by exactly one reader: :data:`keras3.KERAS3` for Keras 3 on any
backend, :data:`legacy.LEGACY` for Keras 2's ``tf_keras``. Which one is
decided here, once, from the object's class.
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import keras

from ..layers import find_macs
from . import legacy
from .call_shapes import concrete_call_shapes
from .facts import ModelFacts, WeightFacts
from .input_shapes import InputShapeError, concrete_input_shapes
from .keras3 import KERAS3
from .light_config import light_serialization
from .own_products import may_multiply_itself
from .partly_static import graph_layers_fed_unknown_axes, graph_operations, has_unknown_axis
from .reader import Reader
from .shape_values import batch_none
from .subclassed_shapes import build_shape_inputs
from .unallocated import values_left_unallocated


class NotBuiltError(ValueError):
    """The model or layer has no weights yet, so there is nothing to count."""


_ACCEPTED = (
    "a keras.Model (Sequential, Functional or subclassed) or a keras.layers.Layer "
    "(Keras 3 on any backend, or a Keras 2 tf_keras model or layer)"
)


def read_model(obj: Any, input_shape: Any = None) -> ModelFacts:
    """Validate ``obj`` (a model or a layer), then read it into facts with its one reader.

    A model built without weight values (``StatelessScope(initialize_variables=False)``,
    or from a config by ``stateless.model_from_path``) is read from shapes alone:
    no value is computed or stored while it is read. ``input_shape``
    (``read/input_shapes.py``): read every shape from a forward traced at those
    input shapes (``read/call_shapes.py``), so the dynamic axes are concrete.
    Nothing of the model changes.
    """
    reader = open_reader(obj)
    # Layers the traced forward built without weights stay built while they are read (their rows have
    # shapes, not "unbuilt"), and are put back when this closes (read/untouched.py).
    with values_left_unallocated(obj), light_serialization(), ExitStack() as deferred:
        if input_shape is not None:
            reader = _at_input_shape(obj, reader, input_shape, deferred)
        elif _has_static_inputs_and_blocks(obj, reader):
            reader = _at_static_shape(obj, reader, deferred)
        elif _subclassed_needs_trace(obj, reader):
            reader = _at_build_shape(obj, reader, deferred)
        return reader.model_facts(obj)


def _has_static_inputs_and_blocks(obj: Any, reader: Reader) -> bool:
    """A Keras 3 model whose inputs are fully known but for the batch, with a block whose inner shapes are not.

    A block's sublayers sit outside the model's graph, so their shapes come
    only from their build() (ViT's attention is built on ``(None, None, 8)``);
    a traced forward at batch 1 gives them, as Keras computes them. The trace
    costs most of an explanation (a TensorFlow graph of the whole forward), so
    it runs only when some sublayer's shapes need it (``_needs_trace``), or a
    block's own contractions do.
    """
    if reader.is_legacy or not reader.is_model(obj):
        return False
    try:
        inputs = list(obj.inputs or [])
    except (AttributeError, ValueError):
        return False
    fixed = [tensor for tensor in inputs if not has_unknown_axis(tensor)]
    if not fixed:
        return False
    blocks = _blocks(obj, reader)
    if len(fixed) < len(inputs):
        # Some inputs of unknown length (SAM3's tokens and boxes beside its fixed-size image): the trace runs
        # with those axes unknown, so what depends only on the fixed inputs (its vision encoder) gets its
        # shapes and mult-adds; the layers fed those axes are not run (read/partly_static.py) and stay as
        # without the trace. It runs only for what it would tell of the others.
        fed_unknown_axes = graph_layers_fed_unknown_axes(obj)
        blocks = [block for block in blocks if id(block) not in fed_unknown_axes]
    elif _folds_positions_into_the_batch(obj):
        return True
    composites = [block for block in blocks if reader.sublayers(block) and not reader.is_model(block)]
    # A block whose mult-adds are its parts' sum (no function of its own) needs the trace for them too:
    # its own call's contractions outside its sublayers (``ops.matmul(q, k)``) are known only from it
    # (build/costs.py, own_macs).
    classes: list[Any] = [type(block) for block in composites]
    if any(find_macs(klass) is None and may_multiply_itself(klass) for klass in classes):
        return True
    return any(_needs_trace(block, reader) for block in blocks if reader.sublayers(block))


def _blocks(model: Any, reader: Reader) -> list[Any]:
    """The model's layers that are not Keras's own."""
    return [layer for layer in reader.sublayers(model) if not reader.is_keras_builtin(layer)]


def _folds_positions_into_the_batch(model: Any) -> bool:
    """A ``keras.ops.reshape`` of the graph that moves positions into the batch axis (a window partition).

    Its output holds fewer elements per sample than its input: the ``-1`` took
    the rest into the leading axis (``(None, 8, 8, C)`` to ``(None, 16, C)``:
    four windows per sample), which the graph's ``None`` batch hides. Only a
    trace at a known batch tells the layers after it how many rows a sample is
    (``read/call_shapes.py``: ``CallShapes.samples``).
    """
    for operation in graph_operations(model):
        if type(operation).__name__ == "Reshape" and not isinstance(operation, keras.layers.Layer):
            if any(_fewer_per_sample(node) for node in getattr(operation, "_inbound_nodes", ())):
                return True
    return False


def _fewer_per_sample(node: Any) -> bool:
    """A node whose output has fewer elements beyond the batch axis than its input (both fully known)."""
    try:
        before = tuple(node.input_tensors[0].shape)[1:]
        after = tuple(node.output_tensors[0].shape)[1:]
    except (AttributeError, IndexError, TypeError):
        return False
    if any(dim is None for dim in before + after):
        return False
    return math.prod(after) < math.prod(before)


def _needs_trace(block: Any, reader: Reader) -> bool:
    """Some layer inside ``block`` (blocks in blocks too) whose shapes its build() alone does not give.

    That is: unbuilt, built on a shape with an unknown axis beyond the batch,
    built with no recorded shape (a Dropout, built at creation, has none: its
    output shape then needs a call), or a custom layer with no
    ``compute_output_shape`` (its output is known only from a call).
    """
    stack = list(reader.sublayers(block))
    seen: set[int] = set()
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if not getattr(layer, "built", True):
            return True
        builtin = reader.is_keras_builtin(layer)
        if not builtin and type(layer).compute_output_shape is keras.layers.Layer.compute_output_shape:
            return True
        shapes = reader.build_shapes_by_argument(layer, None)  # none for a layer with Keras's default build()
        if shapes is None or any(_unknown_beyond_batch(shape) for shape in shapes.values()):
            return True
        if not builtin and not reader.is_model(layer):
            stack.extend(reader.sublayers(layer))
    return False


def _unknown_beyond_batch(shape: Any) -> bool:
    """A shape (or nested shapes) with None past the batch axis; anything not a shape counts as unknown."""
    if isinstance(shape, dict):
        return any(_unknown_beyond_batch(value) for value in shape.values())
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(item, (list, tuple)) for item in shape):
        return any(_unknown_beyond_batch(item) for item in shape)
    if not isinstance(shape, tuple):
        return shape is not None
    return any(dim is None for dim in shape[1:])


def _at_static_shape(obj: Any, reader: Reader, deferred: ExitStack) -> Reader:
    """Read the block's inner shapes from a forward traced at batch 1; as built if the trace fails."""
    shapes = {str(tensor.name): (1, *tuple(tensor.shape)[1:]) for tensor in obj.inputs}
    # inputs of unknown length beside fixed ones: the layers they feed are not run (read/partly_static.py)
    partly = any(map(has_unknown_axis, obj.inputs))
    answered = graph_layers_fed_unknown_axes(obj) if partly else None
    try:
        traced = concrete_call_shapes(obj, shapes, deferred, answered=answered)
    except Exception:  # noqa: BLE001 - only an aid: the model is read as built, unknown shapes stay unknown
        return reader
    untraced = frozenset(
        id(sub) for layer in _layers_by_id(obj, answered or {}) for sub in layer._flatten_layers(include_self=True)
    )
    return reader.at_shapes(traced, None, partly_static=partly, untraced=untraced)


def _layers_by_id(model: Any, ids: Any) -> list[Any]:
    """The model's layers (nested in it at any depth) whose ids are among ``ids``."""
    return [layer for layer in model._flatten_layers(include_self=False) if id(layer) in ids]


def _subclassed_needs_trace(obj: Any, reader: Reader) -> bool:
    """A subclassed Keras 3 model whose own call may multiply, or whose layers' shapes need a call."""
    if reader.is_legacy or not reader.is_model(obj) or isinstance(obj, keras.Sequential):
        return False
    try:
        if obj.inputs:
            return False  # Functional: _has_static_inputs_and_blocks decides
    except (AttributeError, ValueError):
        pass
    model_class: Any = type(obj)
    return (find_macs(model_class) is None and may_multiply_itself(model_class)) or _needs_trace(obj, reader)


def _at_build_shape(obj: Any, reader: Reader, deferred: ExitStack) -> Reader:
    """Read a subclassed model's shapes from a forward traced at its build shape (batch 1); as built if none."""
    found = build_shape_inputs(obj)
    if found is None:
        return reader
    inputs, shape, batch_unknown = found
    try:
        traced = concrete_call_shapes(obj, shape, deferred, symbolic_inputs=inputs)
    except Exception:  # noqa: BLE001 - only an aid: the model is read as built, unknown shapes stay unknown
        return reader
    if batch_unknown:  # built with no batch: its shapes are shown as Keras shows them, batch None (counts per sample)
        traced = {key: replace(record, arguments=batch_none(record.arguments), output=batch_none(record.output))
                  for key, record in traced.items()}  # fmt: skip
    return reader.at_shapes(traced, None)


def _at_input_shape(obj: Any, reader: Reader, input_shape: Any, deferred: ExitStack) -> Reader:
    if reader.is_legacy:
        raise InputShapeError("input_shape needs a Keras 3 model; a Keras 2 (tf_keras) model is read as built")
    if not reader.is_model(obj):
        raise InputShapeError(
            f"input_shape applies to a model; {obj.name!r} is a layer: build it at the shape you want instead"
        )
    given = concrete_input_shapes(obj, input_shape)
    try:
        traced = concrete_call_shapes(obj, given, deferred)
    except Exception as error:  # the model's own call failed at these shapes: say so, in one line
        raise InputShapeError(
            f"{obj.name!r} cannot run at input_shape {given}: {type(error).__name__}: {str(error).splitlines()[0]}"
        ) from error
    return reader.at_shapes(traced, given)


def open_reader(obj: Any) -> Reader:
    """The reader for ``obj``, after one clear error for anything it cannot read.

    Only ``obj`` itself must be built. A sublayer that ``call()`` never used
    (keras-hub Bloom's AlibiBias) stays unbuilt in a working model; Keras's
    summary counts it 0, and so does its row (state "unbuilt").
    """
    reader = open_reader_unchecked(obj)
    if not obj.built:
        raise NotBuiltError(_not_built_message(obj, reader))
    return reader


def open_reader_unchecked(obj: Any) -> Reader:
    """The reader for a Keras model or layer, built or not (one clear error for anything else)."""
    if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
        raise TypeError(
            f"explain() takes {_ACCEPTED} instance; got the class {obj.__qualname__} itself. "
            f"Create it, build it, then pass the instance."
        )
    is_legacy = legacy.is_legacy(obj)
    if not (isinstance(obj, keras.layers.Layer) or is_legacy):
        raise TypeError(f"explain() takes {_ACCEPTED}; got {type(obj).__module__}.{type(obj).__qualname__}.")
    reader: Reader = legacy.LEGACY if is_legacy else KERAS3
    built = getattr(obj, "built", None)
    if built is None:  # Layer.__init__ never ran (a subclass that forgot super().__init__())
        raise TypeError(
            f"{type(obj).__qualname__} is a keras Layer whose __init__ did not run; "
            "call super().__init__(**kwargs) first in its __init__."
        )
    return reader


def unbuilt_paths(obj: Any, reader: Reader) -> list[str]:
    """``obj``'s own name if it is not built, then every unbuilt layer nested in it ("outer/inner/dense")."""
    return ([] if obj.built else [str(obj.name)]) + _unbuilt_inside(obj, reader)


# The advice under the summary table of a model with unbuilt layers (keras_summary).
HOW_TO_BUILD = (
    "build it first: start a Sequential model with keras.Input(shape), call "
    "model.build((None, ...)) with the input shape, or call the model on a batch of data"
)


def _unbuilt_inside(obj: Any, reader: Reader) -> list[str]:
    """Paths ("outer/inner/dense") of every unbuilt layer nested anywhere in ``obj``.

    Keras's own layers are not looked into: their sublayers are internals
    (TextVectorization keeps a StringLookup that is never marked built).
    """
    unbuilt: list[str] = []
    if reader.is_keras_builtin(obj) and not reader.is_model(obj):
        return unbuilt
    stack = [(layer, obj.name) for layer in reversed(reader.sublayers(obj))]
    seen: set[int] = set()
    while stack:
        layer, path = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        name = f"{path}/{getattr(layer, 'name', '?')}"
        if not getattr(layer, "built", False) and not _never_has_weights(layer, reader):
            unbuilt.append(name)
        if reader.is_model(layer) or not reader.is_keras_builtin(layer):
            stack.extend((inner, name) for inner in reversed(reader.sublayers(layer)))
    return unbuilt


def _not_built_message(obj: Any, reader: Reader) -> str:
    """Why ``obj`` cannot be explained yet, with the advice that fits what it is."""
    name = repr(getattr(obj, "name", "?"))
    if not reader.is_model(obj):
        return (
            f"The layer {name} is not built, so it has no weights to explain; build it first: call it on data "
            "or call layer.build(input_shape)."
        )
    if type(obj).__name__ == "Sequential":
        if not list(getattr(obj, "layers", []) or []):
            return (
                f"The Sequential model {name} has no layers (at most an Input), so it is not built and has "
                "nothing to explain; add layers to it first (model.add(...))."
            )
        return (
            f"The model {name} is not built, so it has no weights to explain; build it first: start the "
            "Sequential model with keras.Input(shape), call model.build((None, ...)) with the input shape, or "
            "call the model on a batch of data."
        )
    return (
        f"The model {name} is not built, so it has no weights to explain; build it first: call the model on "
        "a batch of data, or call model.build((None, ...)) with the input shape."
    )


def _never_has_weights(layer: Any, reader: Reader) -> bool:
    """A layer that creates no weights when built: its class keeps Keras's own ``build`` and it has no sublayers.

    keras-hub's Bloom attention holds an AlibiBias that its call() skips
    without a mask, so it stays unbuilt (keras-hub 0.32.0); building it would
    create nothing, so nothing is missing from the counts.
    """
    build = getattr(type(layer), "build", None)
    return build is keras.layers.Layer.build and not reader.sublayers(layer)


def is_model(obj: Any) -> bool:
    """A Keras 3 or a Keras 2 (``tf_keras``) model (what the command line accepts)."""
    return isinstance(obj, keras.Model) or legacy.is_model(obj)


def layer_weights(layer: Any) -> list[WeightFacts]:
    """One layer's weights as facts, read by its Keras's reader."""
    return (legacy.LEGACY if legacy.is_legacy(layer) else KERAS3).weights(layer)
