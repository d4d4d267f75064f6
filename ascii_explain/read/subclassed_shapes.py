"""A subclassed model's forward traced at the shape it was built with (it has no symbolic inputs).

``explain(model)`` on a Functional model traces its forward at batch 1 when a
block's inner shapes or own products need it (read/model.py). A subclassed
model has no ``model.inputs`` to take the shapes from, but Keras records the
shape its ``build`` received (``get_build_config()``, public since Keras 3.0):
a Perceiver's ``ops.matmul(self.latents, keys)`` in the model's own ``call``,
or a retrieval layer it calls that no graph gives a shape, are then counted at
that shape, the batch axis set to 1. The inputs are the model's compute dtype
(a build config holds no dtypes; Keras's Embedding casts its indices itself).
"""

from __future__ import annotations

from typing import Any, Optional

import keras


def build_shape_inputs(model: Any) -> Optional[tuple[Any, Any, bool]]:
    """(KerasTensors at the model's build shape with batch 1, that shape, whether the build's batch was None),
    or None when the shape is not fully known."""
    try:
        inputs = list(model.inputs or [])
    except (AttributeError, ValueError):
        inputs = []
    if inputs:
        return None  # Functional or Sequential: their own inputs give the shapes
    try:
        config = model.get_build_config() or {}
    except Exception:  # noqa: BLE001 - a custom get_build_config that fails: no shape to trace at
        return None
    shape = config.get("input_shape")
    if shape is None:
        return None
    at_one = _at_batch_one(shape)
    if at_one is None:
        return None
    dtype = getattr(model, "compute_dtype", None) or "float32"
    tensors = keras.tree.map_shape_structure(lambda dims: keras.KerasTensor(dims, dtype=dtype), at_one)
    return tensors, at_one, _batch_unknown(shape)


def _batch_unknown(shape: Any) -> bool:
    """Whether the build shape's batch axis is None (a model called on data has its batch there instead)."""
    if isinstance(shape, dict):
        return any(_batch_unknown(value) for value in shape.values())
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(item, (list, tuple)) for item in shape):
        return any(_batch_unknown(item) for item in shape)
    return isinstance(shape, (list, tuple)) and bool(shape) and shape[0] is None


def _at_batch_one(shape: Any) -> Any:
    """The shape (or a list/dict of shapes) with batch 1; None when another axis is unknown."""
    if isinstance(shape, dict):
        parts = {key: _at_batch_one(value) for key, value in shape.items()}
        return None if any(part is None for part in parts.values()) else parts
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(item, (list, tuple)) for item in shape):
        items = [_at_batch_one(item) for item in shape]
        return None if any(item is None for item in items) else items
    if not isinstance(shape, (list, tuple)) or not shape:
        return None
    rest = tuple(shape)[1:]
    if any(not isinstance(dim, int) for dim in rest):
        return None
    return (1, *rest)


