"""A model with inputs of fixed size beside inputs of unknown length: which of its graph's layers the trace skips.

SAM3 takes a fixed-size image beside tokens and boxes of any number; CLIP and
SigLIP an image beside tokens; Stable Diffusion 3 a latent image beside its
prompts. Traced at batch 1 with the unknown axes left unknown, what depends
only on the fixed inputs (a vision encoder, a VAE) gets its inner shapes and
mult-adds. A layer of the graph fed an axis of unknown size learns nothing
from the trace (its mult-adds stay unknown, as without it) and its call on such
axes may leave Keras's symbolic execution for a backend graph (SAM3's box
encoder: an ``ops.cond``, 0.3 s): it is not run. Its output is the one the
graph holds, at the trace's batch, and the layers after it run on that.
"""

from __future__ import annotations

from typing import Any, Iterator

import keras


def graph_operations(model: Any) -> Iterator[Any]:
    """Every operation of the model's Functional graph and of the models nested in it, each graph once."""
    models, seen = [model], set()
    while models:
        current = models.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for operation in getattr(current, "operations", None) or []:
            if isinstance(operation, keras.Model):
                models.append(operation)
            yield operation


def has_unknown_axis(tensor: Any) -> bool:
    """A tensor with an axis of unknown size past the batch axis."""
    return any(dim is None for dim in tuple(tensor.shape)[1:])


def graph_layers_fed_unknown_axes(model: Any) -> dict[int, Any]:
    """``{id(layer): its graph outputs as KerasTensors at batch 1}`` for every layer of the model's graphs (nested
    Functional models too) called once there on an input with an axis of unknown size past the batch.

    The outputs are the node's, flat (``Node.outputs``): Keras's graph run maps a call's flattened result
    onto them, so a layer returning a tuple or a dict is answered by the same tensors in the same order."""
    answered: dict[int, Any] = {}
    for operation in graph_operations(model):
        if not isinstance(operation, keras.layers.Layer):
            continue  # a keras.ops node infers its shape in Python: it runs
        if isinstance(operation, keras.Model) and getattr(operation, "inputs", None):
            continue  # a nested graph runs: its own layers are answered one by one
        nodes = list(getattr(operation, "_inbound_nodes", ()))
        if len(nodes) == 1 and any(has_unknown_axis(t) for t in keras.tree.flatten(nodes[0].input_tensors)):
            answered[id(operation)] = [_at_batch_one(tensor) for tensor in nodes[0].outputs]
    return answered


def _at_batch_one(tensor: Any) -> Any:
    shape = tuple(tensor.shape)
    if shape and shape[0] is None:
        shape = (1, *shape[1:])
    return keras.KerasTensor(shape, dtype=tensor.dtype, sparse=getattr(tensor, "sparse", False))
