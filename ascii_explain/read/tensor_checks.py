"""While a model is read: Keras's ``backend.is_tensor`` answers "not a tensor" by the value's type, remembered.

On TensorFlow, ``keras.src.backend.is_tensor`` is ``tf.is_tensor``, whose
last test is ``isinstance`` against a ``runtime_checkable`` Protocol: for
anything that is not a tensor (a KerasTensor, a config value) Python 3.11
walks the Protocol's attributes on every call. Keras asks it for every
argument of every layer call (``layer.py: is_backend_tensor_or_symbolic``)
and every value it serializes in ``get_config``, so a read of a transformer
spends a tenth of its time there (benchmarks/bench_explain.py). While
explain() reads, a type once answered "not a tensor" is not asked again; a
type with ``__getattr__`` (a proxy whose answer may depend on what it wraps)
is always asked. Keras's function is put back after, under a lock.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator

_LOCK = threading.RLock()


@contextlib.contextmanager
def tensor_checks_by_type() -> Iterator[None]:
    from keras.src import backend

    with _LOCK:
        original = backend.is_tensor
        if getattr(original, "_ascii_explain_by_type", False):  # re-entered (explain inside explain)
            yield
            return
        not_tensors: set[type] = set()

        def is_tensor(value: Any) -> bool:
            kind = type(value)
            if kind in not_tensors:
                return False
            answer = original(value)
            if not answer and getattr(kind, "__getattr__", None) is None:
                not_tensors.add(kind)
            return answer

        is_tensor._ascii_explain_by_type = True  # type: ignore[attr-defined]
        backend.is_tensor = is_tensor
        try:
            yield
        finally:
            backend.is_tensor = original
