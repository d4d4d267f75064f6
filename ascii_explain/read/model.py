"""The way in: check what ``explain``/``trace`` were given, pick its reader once, read it into facts.

A model is read by exactly one reader: :data:`keras3.KERAS3` for Keras 3 on any
backend, :data:`legacy.LEGACY` for Keras 2's ``tf_keras``. Which one is
decided here, once, from the object's class.
"""

from __future__ import annotations

from typing import Any

import keras

from . import legacy
from .facts import ModelFacts, WeightFacts
from .keras3 import KERAS3
from .reader import Reader
from .unallocated import values_left_unallocated


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


def read_model(obj: Any) -> ModelFacts:
    """Validate ``obj`` (a model or a layer), then read it into facts with its one reader.

    A model built without weight values (``StatelessScope(initialize_variables=False)``,
    or from a config by ``stateless.model_from_path``) is read from shapes alone:
    no value is computed or stored while it is read.
    """
    reader = open_reader(obj)
    with values_left_unallocated(obj):
        return reader.model_facts(obj)


def open_reader(obj: Any) -> Reader:
    """The reader for ``obj``, after one clear error for anything it cannot read, nested pieces included."""
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
    if not built:
        kind = "model" if reader.is_model(obj) else "layer"
        raise NotBuiltError(f"The {kind} {obj.name!r} is not built, so it has no weights to explain; {_HOW_TO_BUILD}.")
    unbuilt = _unbuilt_inside(obj, reader)
    if unbuilt:
        raise NotBuiltError(
            f"Layers {', '.join(repr(name) for name in unbuilt)} inside {obj.name!r} are not built, so their "
            f"weights do not exist yet; {_HOW_TO_BUILD}. A sublayer that call() never uses stays unbuilt: "
            "build it yourself (layer.build(input_shape)) or remove it."
        )
    return reader


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
        if not getattr(layer, "built", False):
            unbuilt.append(name)
        if reader.is_model(layer) or not reader.is_keras_builtin(layer):
            stack.extend((inner, name) for inner in reversed(reader.sublayers(layer)))
    return unbuilt


def is_model(obj: Any) -> bool:
    """A Keras 3 or a Keras 2 (``tf_keras``) model (what the command line accepts)."""
    return isinstance(obj, keras.Model) or legacy.is_model(obj)


def layer_weights(layer: Any) -> list[WeightFacts]:
    """One layer's weights as facts, read by its Keras's reader."""
    return (legacy.LEGACY if legacy.is_legacy(layer) else KERAS3).weights(layer)
