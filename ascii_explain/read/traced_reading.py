"""How a reader reads a layer's traced calls (read/call_shapes.py): its counted calls, repeats and contractions.

A mixin of :class:`read.reader.Reader`: with ``explain(model, input_shape=...)``
(or a static-shape trace) every layer's calls in the traced forward are known;
these methods turn them into a layer's facts (``repeats``, ``traced_macs``,
``outside_parent_calls``) relative to the parent the layer is read under.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

from ..build.records import Call, OutputShape
from ..layers import find_macs
from .call_shapes import CallShapes
from .call_units import CallUnit, call_unit
from .layer_trace import trace_layer_first_call
from .traced_macs import TracedMacs

NOT_CALLED_NOTE = "not called in the traced forward (its methods' products count in its caller's own part)"


class TracedCallsReader:
    """The traced-forward part of a reader: ``traced`` and ``units`` are set on a copy by ``Reader.at_shapes``."""

    is_legacy = False
    traced: Optional[dict[int, CallShapes]] = None
    # The calls of each traced layer its row counts (read/call_units.py), by id(layer): its first call,
    # or all its calls in its parent's counted calls when they do different work.
    units: Optional[dict[int, CallUnit]] = None
    untraced: frozenset[int] = frozenset()  # ids of layers the trace did not run (Reader.at_shapes)

    def _needs_trace(self, layer: Any) -> bool:
        """No MACs function covers the layer: its mult-adds can only come from tracing its call."""
        # A Keras 3 reader's layers are Keras 3 classes: no counterpart to look up (the legacy reader never traces).
        return not self.is_legacy and find_macs(type(layer)) is None

    def _unit(self, layer: Any, traced: Optional[CallShapes], parent: Any) -> Optional[CallUnit]:
        """The calls the layer's row counts, within its parent's (read/call_units.py); None when not traced."""
        if traced is None or self.units is None:
            return None
        outer = self.units.get(id(parent)) if parent is not None else None
        unit = call_unit(traced, parent, outer)
        self.units[id(layer)] = unit
        return unit

    def _traced_macs(self, layer: Any, traced: Optional[CallShapes], unit: Optional[CallUnit] = None) -> TracedMacs:
        """The contractions of the layer's first call: from the traced forward if there was one, else its own trace."""
        if traced is not None and unit is not None and unit.differ:
            return TracedMacs(unit.macs, traced.macs_note if unit.macs is None else "", unit.kinds)
        if traced is not None:
            kinds = traced.call_kinds[0] if traced.call_kinds else ()
            return TracedMacs(traced.macs, traced.macs_note, kinds)
        if self.traced is not None and id(layer) not in self.untraced:
            # Not called in the traced forward: it computed nothing there. Its methods may have run (SAM's
            # prompt encoder calls its positional embedding's methods): their products are its caller's
            # own part (build/costs.py, own_macs).
            return TracedMacs((), NOT_CALLED_NOTE)
        return trace_layer_first_call(layer)

    def _outside_parent_calls(self, traced: Optional[CallShapes], parent: Any) -> bool:
        """Traced, its parent traced too, none of its calls ran inside the parent's, and whoever called it
        counts it: called by no layer, or by one holding it as its own sublayer (SAM3's box head). A part a
        caller reached through a sublayer's method (Gemma3n's processor runs its text model's projection)
        stays its parent's work: the caller's sum does not hold it."""
        if traced is None or parent is None or self.traced is None or id(parent) not in self.traced:
            return False
        if id(parent) in traced.calls_within:
            return False
        return not traced.calls_within or bool(traced.callers_holding)

    def _repeats(self, traced: Optional[CallShapes], parent: Any) -> int:
        """Calls of a sublayer per call of its parent in the traced forward (1 when unknown)."""
        if traced is None or parent is None or self.traced is None:
            return 1
        outer = self.traced.get(id(parent))
        if outer is None or not outer.calls:
            return 1
        # only the calls made inside the parent's calls (a sublayer may be called from outside it too)
        inside = traced.calls_within.get(id(parent), traced.calls)
        return max(1, inside // outer.calls)


def with_first_call_shapes(
    calls: Sequence[Call], input_shape: Optional[OutputShape], output_shape: Optional[OutputShape]
) -> Sequence[Call]:
    """The graph's calls, the first one's shapes taken from the traced forward (the others as the graph has them)."""
    if not calls:
        return calls
    first = calls[0]
    replaced = dataclasses.replace(
        first,
        input_shape=input_shape if input_shape is not None else first.input_shape,
        output_shape=output_shape if output_shape is not None else first.output_shape,
    )
    return (replaced, *calls[1:])
