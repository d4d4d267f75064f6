"""Which traced calls of a layer its row counts: its first call, or every call of one call of its parent.

A layer's mult-adds are one call's times its calls (``repeats`` per call of its
parent). That holds when the calls do the same work; Stable Diffusion 3's
MMDiT block calls its x-stream ``DismantledBlock`` twice, once before the joint
attention (its modulation and q/k/v projection) and once after (the output
projection and the MLP), and twice the first call is neither. From each call's
own traced contractions (``CallShapes.call_macs``) and the enclosing calls it
ran in (``CallShapes.call_callers``), the *unit* of a layer is the calls made
inside its parent's unit (the parent's first call, or all of them when the
parent's calls differ too): one call when they all count the same, else all of
them, summed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .call_shapes import CallShapes
from .traced_macs import TracedMacs

OWN_CALL_NOT_TRACED = "the model's own computation outside its layers is not traced"


@dataclass(frozen=True)
class CallUnit:
    """The call indices a row counts, their traced contractions (None: unknown), and whether they differ."""

    indices: tuple[int, ...]
    macs: Optional[tuple[int, ...]]
    differ: bool = False
    # repeats: calls of the layer in one unit of its parent; sets_repeats when this count is to replace
    # the average the reader gives otherwise (its parent's unit is several calls, or its own calls differ)
    repeats: int = 1
    sets_repeats: bool = False
    kinds: tuple[str, ...] = ()  # each contraction's operands, aligned with ``macs`` (() when not known)


def call_unit(traced: CallShapes, parent: Any, outer: Optional[CallUnit]) -> CallUnit:
    """The unit of a layer traced as ``traced`` whose parent (None at the model's level) has unit ``outer``."""
    calls = len(traced.call_macs)
    first_kinds = traced.call_kinds[0] if traced.call_kinds else ()
    if not calls:
        return CallUnit((0,), traced.macs)
    if parent is None or outer is None:
        inside = tuple(range(calls))  # the model's level: the graph gives its calls (or its first is counted)
        if parent is not None:  # a parent not traced: each call as the first, as before
            return CallUnit((0,), traced.macs, kinds=first_kinds)
    else:
        inside = tuple(
            index for index, where in enumerate(traced.call_callers) if where.get(id(parent)) in outer.indices
        )
    if not inside:
        return CallUnit((0,), traced.macs, kinds=first_kinds)
    counts = [traced.call_macs[index] for index in inside]
    differ = parent is not None and all(count is not None for count in counts) and len({sum(c) for c in counts}) > 1
    several = outer is not None and len(outer.indices) > 1
    kinds = [traced.call_kinds[index] if index < len(traced.call_kinds) else () for index in inside]
    if differ:
        parts: list[int] = []
        joined: list[str] = []
        for count, kind in zip(counts, kinds, strict=True):
            parts.extend(count)
            joined.extend(kind)
        return CallUnit(inside, tuple(parts), True, len(inside), True, tuple(joined))
    return CallUnit((inside[0],), counts[0], False, len(inside), several, kinds[0])


def own_call_macs(model: Any, traced: Optional[dict[int, CallShapes]]) -> Optional[TracedMacs]:
    """A subclassed model's own contractions (``ops.matmul(self.latents, keys)`` in its ``call``); None untraced.

    Its whole call's count (``concrete_call_shapes`` keeps it by ``id(model)``) less every call the
    model made of a layer directly (a call inside no other layer's): what is left ran in its own code.
    """
    if traced is None or id(model) not in traced:
        return None
    whole = traced[id(model)]
    if whole.macs is None:
        return TracedMacs(None, whole.macs_note or OWN_CALL_NOT_TRACED)
    inside = 0
    for key, shapes in traced.items():
        if key == id(model):
            continue
        for count, where in zip(shapes.call_macs, shapes.call_callers, strict=False):
            if where:  # called inside another layer: counted in that layer's call
                continue
            if count is None:
                return TracedMacs(None, f"a layer it calls has unknown mult-adds: {shapes.macs_note}")
            inside += sum(count)
    own = sum(whole.macs) - inside
    return TracedMacs((own,) if own else ()) if own >= 0 else TracedMacs(None, OWN_CALL_NOT_TRACED)
