"""``get_config()`` without serializing the initializers, regularizers and constraints no formula reads.

A layer's ``get_config()`` serializes each of its initializers, regularizers
and constraints through ``serialization_lib.serialize_keras_object`` (Keras
3.15.1: ``initializers.serialize``, ``regularizers.serialize``,
``constraints.serialize``): a fifth of explaining ResNet50V2, for dicts that
nothing of ascii_explain reads -- formulas, mult-adds and shapes read sizes,
flags and the dtype policy, and ``build/inferred.py`` skips nested dicts. While
the reader asks a layer for its config (:func:`config_of`), those three
functions give the object's class name only::

    "kernel_initializer": {"class_name": "GlorotUniform", "config": {}, "read": "class name only"}

The dtype policy, which formulas read, stays Keras's own serialization, made
once per kind of policy and copied (every layer serializes its own policy
object, each paying ``tf.is_tensor``'s Protocol checks on Python 3.11).
Everything else is ``get_config()``'s own (a quantization config, a wrapper's
inner layer). The functions are shadowed in every module
that holds them (``keras.src.initializers`` and the ``keras.initializers``
API module import them by name) only while :func:`light_serialization` is
open, and only the reading thread sees the light answer: any other thread, and
any other call in this one, gets Keras's own serialization. (A Keras module
imported for the first time during a read, taking one of them by name, keeps
the shadow: outside a read it is the original's answer, one call later.)
"""

from __future__ import annotations

import contextlib
import threading
import types
from typing import Any, Iterator

from .module_holders import modules_holding

LIGHT_WORDS = "class name only"


class _Reading(threading.local):
    depth = 0  # inside config_of in this thread: the shadows answer lightly


_READING = _Reading()
_LOCK = threading.RLock()
_INSTALLED = 0  # open light_serialization contexts (any thread): the shadows stay while one is open
_SHADOWED: list[tuple[Any, str, Any]] = []  # what the open contexts shadowed, put back by the last to close


def config_of(layer: Any) -> Any:
    """``layer.get_config()``, its initializers, regularizers and constraints as class names where shadowed."""
    _READING.depth += 1
    try:
        return layer.get_config()
    finally:
        _READING.depth -= 1


@contextlib.contextmanager
def light_serialization() -> Iterator[None]:
    """While open, :func:`config_of` leaves out what no formula reads; everything is put back after."""
    global _INSTALLED
    with _LOCK:
        if _INSTALLED == 0:
            shadows: dict[int, Any] = {}  # one shadow per original, whichever modules hold it
            for module, name, original, make in _aliases():
                shadow = shadows.setdefault(id(original), make(original))
                _SHADOWED.append((module, name, original))
                setattr(module, name, shadow)
        _INSTALLED += 1
    try:
        yield
    finally:
        with _LOCK:
            _INSTALLED -= 1
            if _INSTALLED == 0:  # the last one open, in any thread, puts them back
                for module, name, original in _SHADOWED:
                    setattr(module, name, original)
                _SHADOWED.clear()


def _light(original: Any) -> Any:
    """An initializer's, regularizer's or constraint's ``serialize``: the class name only, in a read."""

    def serialize(obj: Any) -> Any:
        if _READING.depth and obj is not None and not isinstance(obj, (str, dict)):
            return {"class_name": type(obj).__name__, "config": {}, "read": LIGHT_WORDS}
        return original(obj)

    serialize.__wrapped__ = original  # type: ignore[attr-defined]
    return serialize


def _remembered(original: Any) -> Any:
    """``dtype_policies.serialize``, Keras's own answer remembered per (class, config) while the context is open.

    Formulas read the dtype policy (``layers/quantization.py``), so it stays whole; but every layer serializes
    its own policy object, the same few policies, each paying ``tf.is_tensor``'s Protocol checks (Python 3.11).
    The answer depends only on the policy's class and its config; each caller gets its own copy.
    """
    answers: dict[Any, Any] = {}
    keys: dict[int, tuple[Any, Any]] = {}  # id(policy) -> (policy, its key): most layers share a policy object

    def serialize(policy: Any) -> Any:
        if not _READING.depth:
            return original(policy)
        known = keys.get(id(policy))
        if known is None or known[0] is not policy:
            known = keys[id(policy)] = (policy, _policy_key(policy))
        key = known[1]
        if key is None:
            return original(policy)
        if key not in answers:
            answers[key] = original(policy)
        return _copied(answers[key])

    serialize.__wrapped__ = original  # type: ignore[attr-defined]
    return serialize


def _remembered_activation(original: Any) -> Any:
    """``activations.serialize``, Keras's answer for a plain function remembered while the context is open.

    Every Dense, Conv and Activation layer serializes its activation function: the same few functions
    (``relu``, ``linear``), each through ``serialization_lib`` (a tenth of a ResNet's configs). A plain
    function's answer depends only on the function (Keras 3.15.1: its name, or its registered name): a
    string, or a dict each caller gets its own copy of. Anything else (a callable object, a layer) is
    serialized each time.
    """
    answers: dict[int, tuple[Any, Any]] = {}  # id(function) -> (function, answer): the function kept alive

    def serialize(activation: Any) -> Any:
        if not _READING.depth or type(activation) is not types.FunctionType or activation.__name__ == "<lambda>":
            return original(activation)  # a lambda's serialization warns each time: left as Keras's
        known = answers.get(id(activation))
        if known is None or known[0] is not activation:
            known = answers[id(activation)] = (activation, original(activation))
        return _copied(known[1])

    serialize.__wrapped__ = original  # type: ignore[attr-defined]
    return serialize


def _policy_key(policy: Any) -> Any:
    """(class, config items) when the config holds plain values only; None: serialize it each time."""
    try:
        items = tuple(policy.get_config().items())
    except Exception:  # noqa: BLE001 - Keras's own serialization then says what is wrong
        return None
    if not all(isinstance(value, (str, int, float, bool, type(None))) for _, value in items):
        return None
    return (type(policy), items)


def _copied(answer: Any) -> Any:
    if isinstance(answer, dict):
        return {key: _copied(value) for key, value in answer.items()}
    if isinstance(answer, list):
        return [_copied(value) for value in answer]
    return answer


def _aliases() -> list[tuple[Any, str, Any, Any]]:
    """(module, attribute, original, shadow maker) for each module of Keras holding one of the serialize functions
    (``module_holders.py``: its API modules import them by name)."""
    from keras.src import activations, constraints, dtype_policies, initializers, regularizers

    def unshadowed(module: Any) -> Any:  # while shadowed, the original is behind __wrapped__
        return getattr(module.serialize, "__wrapped__", module.serialize)

    makers = (
        (initializers, _light),
        (regularizers, _light),
        (constraints, _light),
        (dtype_policies, _remembered),
        (activations, _remembered_activation),
    )
    make_for = {id(unshadowed(module)): make for module, make in makers}
    holders = modules_holding([("serialize", unshadowed(module)) for module, _ in makers])
    return [(module, name, original, make_for[id(original)]) for module, name, original in holders]
