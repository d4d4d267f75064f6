"""Keras's auto-name counters put back after explain() has read a model.

Every Keras object made without a name takes the next of a process-wide
counter (``keras.src.utils.naming.uniquify``: "reshape", "reshape_1", ...,
Keras 3.15.1). Reading a model makes many such objects that never outlive the
read: the shapes pass's keras.ops operations and KerasTensors, an optimizer's
stand-ins, a trace's placeholders. Left counted, they would rename what the
user builds next (``keras.layers.Reshape(...)`` named "reshape_2" after
explaining a ViT, "reshape" in a fresh process), so the counters are put back
as they were. Nothing made during the read is kept by the explanation, so no
name given later can meet one of them in a model.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

_COUNTERS = "object_name_uids"  # keras.src.utils.naming's global attribute


@contextlib.contextmanager
def auto_names_kept() -> Iterator[None]:
    """Run the block, then give Keras's auto-name counters back the values they had before it."""
    from keras.src.backend.common import global_state

    counters = global_state.get_global_attribute(_COUNTERS)
    before = None if counters is None else dict(counters)
    try:
        yield
    finally:
        if counters is None:
            global_state.set_global_attribute(_COUNTERS, None)  # as it was: not made yet (Keras makes it on first use)
        else:
            counters.clear()
            counters.update(before or {})
            global_state.set_global_attribute(_COUNTERS, counters)
