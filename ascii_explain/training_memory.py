"""The training memory entry points: ``training_memory(model, ...)`` and ``quantized_weight_bytes(model, mode)``.

``training_memory`` is ``explain(model, batch_size=..., optimizer=...,
dtype_policy=...).training_memory``: the plan is read in ``read/training.py``
(weights, policy, Keras's own optimizer variables built value-less in
``read/optimizer_slots.py``) and computed in ``build/training_memory.py``,
where what is counted is documented. ``quantized_weight_bytes`` is the other
what-if: the weight bytes after ``model.quantize(mode)``, the model unchanged
(``read/quantized_weights.py``).
"""

from __future__ import annotations

from typing import Any

from .build.training_memory import LayerTrainingMemory, TrainingMemory
from .read.quantized_weights import QUANTIZATION_MODES, quantized_weight_bytes

__all__ = [
    "QUANTIZATION_MODES",
    "LayerTrainingMemory",
    "TrainingMemory",
    "quantized_weight_bytes",
    "training_memory",
]


def training_memory(model: Any, batch_size: int = 1, optimizer: Any = None, dtype_policy: Any = None) -> TrainingMemory:
    """The training memory plan of a built Keras model for ``batch_size`` samples (see ``explain``).

    ``optimizer`` is a name (``"adam"``), a Keras optimizer instance, or None
    for the model's compiled optimizer (none compiled: optimizer bytes 0, with
    a note). ``dtype_policy`` (a name or a ``keras.DTypePolicy``) plans as if
    the model had been built under that policy; None reads the model's own
    dtypes. The model and the optimizer are only read.
    """
    from .explain import explain

    plan = explain(model, batch_size=batch_size, optimizer=optimizer, dtype_policy=dtype_policy).training_memory
    assert plan is not None  # explain() always plans
    return plan
