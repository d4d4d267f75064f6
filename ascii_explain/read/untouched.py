"""A traced forward leaves the model as it was: what it built is unbuilt again, what it connected disconnected.

Tracing ``model.call`` (``call_shapes.py``) runs every layer's ``__call__``,
and ``Layer._maybe_build`` builds any layer not built yet (Keras 3.15.1). A
layer can be unbuilt in a working model: a block that defines
``compute_output_shape`` is never called while its functional model is
constructed, so a Sequential its ``build()`` creates (keras.io's Involution)
stays unbuilt, and Keras's ``count_params()`` counts it 0. The trace would
build it -- new variables, ``count_params()`` 0 -> 36 -- and, as
``Sequential.build`` constructs a functional graph, add nodes to its layers.

:func:`builds_undone` restores such layers exactly: their attribute
dictionaries (``built``, variables, the tracker's lock and stores, a
Sequential's ``_functional``) as they were, the contents of the lists, dicts
and sets they held put back in place (the tracker keeps references to the
layer's own lists). Every layer's inbound and outbound node lists are put back
too, and Keras's deferred-initialisation list. Only previously unbuilt layers
are snapshotted: a built layer's ``build()`` never runs again.
"""

from __future__ import annotations

from collections.abc import MutableSequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional

_NODE_LISTS = ("_inbound_nodes", "_outbound_nodes")  # keras.Operation's, 3.15.1


@dataclass(frozen=True)
class _Saved:
    """One object's attributes and, for each container among them (one level down too), its contents."""

    obj: Any
    attributes: dict
    contents: tuple[tuple[Any, Any], ...]

    def restore(self) -> None:
        for container, content in self.contents:
            _put_back(container, content)
        attributes = vars(self.obj)
        attributes.clear()  # past Layer.__setattr__: nothing is tracked anew, the state is as saved
        attributes.update(self.attributes)


def snapshot(obj: Any) -> _Saved:
    """``obj``'s state as ``_Saved`` can put it back (attributes, and containers' contents two levels deep)."""
    attributes = dict(vars(obj))
    contents: list[tuple[Any, Any]] = []
    seen: set[int] = set()
    for value in attributes.values():
        _save_contents(value, contents, seen, levels=2)
    return _Saved(obj, attributes, tuple(contents))


def _save_contents(value: Any, contents: list, seen: set[int], levels: int) -> None:
    if levels == 0 or id(value) in seen:
        return
    if isinstance(value, list):
        items: Any = list(value)
        children = items
    elif isinstance(value, dict):
        items = dict(value)
        children = list(items.values())
    elif isinstance(value, set):
        items = set(value)
        children = []
    else:
        return
    seen.add(id(value))
    contents.append((value, items))
    for child in children:
        _save_contents(child, contents, seen, levels - 1)


def _put_back(container: Any, content: Any) -> None:
    # The builtin methods, not a subclass's (Keras's TrackedList/TrackedDict track what they are given).
    if isinstance(container, list):
        list.__setitem__(container, slice(None), content)
    elif isinstance(container, dict):
        dict.clear(container)
        dict.update(container, content)
    else:
        set.clear(container)
        set.update(container, content)


def _put_back_sequence(node_list: Any, content: list) -> None:
    if list(node_list) == content:  # as it was (a TensorFlow ListWrapper keeps its items apart from the list's)
        return
    list.__setitem__(node_list, slice(None), content)  # past a TrackedList's tracking
    storage = getattr(node_list, "_storage", None)
    if isinstance(storage, list):  # TensorFlow's ListWrapper (a layer tracked by tf.Module): its own items
        list.__setitem__(storage, slice(None), content)


def _built_without_weights(layer: Any) -> bool:
    try:
        return bool(getattr(layer, "built", False)) and not list(getattr(layer, "weights", None) or [])
    except Exception:  # noqa: BLE001 - a layer whose weights cannot be listed is put back at once
        return False


def _restore_all(states: list) -> None:
    for state in states:
        state.restore()


@contextmanager
def builds_undone(model: Any, layers: list, deferred: Optional[ExitStack] = None) -> Iterator[None]:
    """Within: trace ``model`` freely. After: every layer of ``layers`` unbuilt before is as it was, nodes too.

    ``layers`` is every layer nested in ``model`` (``_flatten_layers``). With ``deferred``, a layer the
    trace built without creating any weight (RWKV-7's TimeShift, built only by a real call) is put back
    when ``deferred`` closes instead: the caller reads its facts first (its shapes, no weight, not
    ``unbuilt``) and the model still ends up as it was. A layer that gained weights is put back at once,
    so no count ever sees weights the model does not have.
    """
    from keras.src.backend.common import global_state

    unbuilt = [layer for layer in [model, *layers] if not getattr(layer, "built", True)]
    saved = [snapshot(layer) for layer in unbuilt]
    saved += [snapshot(vars(layer)["_tracker"]) for layer in unbuilt if "_tracker" in vars(layer)]
    nodes = [
        (node_list, list(node_list))
        for layer in [model, *layers]
        for name in _NODE_LISTS
        if isinstance(node_list := vars(layer).get(name), MutableSequence)  # TensorFlow's ListWrapper too
    ]
    pending = global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True)
    pending_before = list(pending)
    scopes_before = list(global_state.get_global_attribute("name_scope_stack") or ())
    try:
        yield
    finally:
        # Keras's name scopes as they were: a block's build in the traced forward can leave its scope on
        # the stack (a block holding an unbuilt Dropout, Keras 3.15.1), and every weight made after in
        # this process would be named under it ("_with_dropout/dense_2/kernel").
        scopes = global_state.get_global_attribute("name_scope_stack")
        if scopes is not None:
            scopes[:] = scopes_before
        later = [layer for layer in unbuilt if deferred is not None and _built_without_weights(layer)]
        kept = {id(layer) for layer in later} | {id(vars(layer).get("_tracker")) for layer in later}
        for state in saved:
            if id(state.obj) not in kept:
                state.restore()
        if deferred is not None and kept:
            deferred.callback(_restore_all, [state for state in saved if id(state.obj) in kept])
        for node_list, content in nodes:
            _put_back_sequence(node_list, content)
        pending = global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True)
        pending[:] = [variable for variable in pending_before if getattr(variable, "_value", None) is None]
