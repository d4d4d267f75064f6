"""The mult-adds of one layer no MACs function covers, from its first call traced alone.

Without a traced forward of the whole model (no ``input_shape``, no static-shape
trace), such a layer's count comes from tracing its own first call at batch 1,
on the arguments Keras recorded in the model's graph. Keras's symbolic execution
runs it first, as the shapes pass runs a model (``call_shapes.symbolic_call_contractions``);
the backend's trace (``traced_macs.trace_macs``, a TensorFlow graph) only when the
call needs what only a backend tensor has. Both count the same contractions
(``tests/test_symbolic_pass.py`` checks them against each other on the corpus's layers).
"""

from __future__ import annotations

from typing import Any

import keras

from .call_shapes import symbolic_call_contractions
from .traced_macs import TracedMacs, first_call_arguments, trace_macs


def trace_layer_first_call(operation: Any) -> TracedMacs:
    """``operation``'s first call at batch 1: its contractions, in Keras's execution if it can, else the backend's."""
    found = first_call_arguments(operation)
    if isinstance(found, TracedMacs):
        return found
    args, kwargs = found
    if isinstance(operation, keras.layers.Layer):
        counted = symbolic_call_contractions(operation, args, kwargs)
        if counted is not None:
            if counted.unknown:
                return TracedMacs(None, counted.unknown)
            return TracedMacs(tuple(counted.parts), kinds=tuple(counted.kinds))
    return trace_macs(operation, args, kwargs)
