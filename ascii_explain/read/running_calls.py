"""The layers whose traced calls are running now (read/call_shapes.py), outermost first, each with its call's index.

A call recorded inside others knows which call of each enclosing layer it ran
in: a block called twice (Stable Diffusion 3's x-stream DismantledBlock, pre-
and post-attention) runs some sublayers in one call and others in the next, and
each call's own contractions are told apart by those indices.
"""

from __future__ import annotations

import threading
from typing import Any

_STACK = threading.local()


def running() -> list[int]:
    """The ids of the layers whose traced calls are running now, outermost first."""
    stack = getattr(_STACK, "ids", None)
    if stack is None:
        stack = _STACK.ids = []
    return stack


def running_layers() -> list[Any]:
    """The layers of ``running()``, in the same order."""
    stack = getattr(_STACK, "layers", None)
    if stack is None:
        stack = _STACK.layers = []
    return stack


def running_indices() -> list[int]:
    """The call index (0 for a layer's first call) of each layer of ``running()``, in the same order."""
    stack = getattr(_STACK, "indices", None)
    if stack is None:
        stack = _STACK.indices = []
    return stack


def enclosing_calls() -> dict[int, int]:
    """{id of a running layer: the index of its running call}: where a call starting now runs."""
    return dict(zip(running(), running_indices(), strict=True))


def held_by_caller(layer: Any) -> frozenset:
    """{id of the innermost running layer} when ``layer`` is one of its own sublayers, else empty."""
    layers = running_layers()
    if not layers:
        return frozenset()
    caller = layers[-1]
    try:
        held = any(sub is layer for sub in caller._flatten_layers(include_self=False, recursive=False))
    except Exception:  # noqa: BLE001 - a caller whose sublayers cannot be listed holds nothing we can tell
        held = False
    return frozenset({id(caller)}) if held else frozenset()


class running_as:
    """While the block runs, ``layer``'s call number ``index`` is on the stack of running calls."""

    def __init__(self, layer: Any, index: int) -> None:
        self.layer = layer
        self.index = index

    def __enter__(self) -> None:
        running().append(id(self.layer))
        running_layers().append(self.layer)
        running_indices().append(self.index)

    def __exit__(self, *exc: Any) -> None:
        running().pop()
        running_layers().pop()
        running_indices().pop()
