"""Contractions a traced call made past Keras's backend functions: TensorFlow ops read from the trace's graph.

``traced_macs.py`` counts the contractions that go through Keras's backend
functions (``keras.ops.matmul``, a ``Dense``'s kernel product, ...). A layer can
also call TensorFlow itself -- ``tf.matmul`` or ``x @ w`` on backend tensors in
a ``keras.layers.Lambda`` or a custom ``call`` -- and no Keras function sees that.
Counting it 0 would be a wrong number, so on the TensorFlow backend, where
the symbolic trace builds a scratch ``FuncGraph``, each frame also reads the
graph operations created while it was open and not inside an intercepted
Keras function, and counts their contractions by the same convention:

* ``MatMul`` / ``BatchMatMul*``: batch x rows x contracted size x columns (an
  outer product of two activations, contracted size 1, multiplies nothing
  summed: 0);
* ``Einsum``: the product of every index's size when an index is summed over;
* ``Conv*`` / ``DepthwiseConv*``: output elements x kernel volume (x input
  channels for a full convolution); ``Conv*BackpropInput`` (a transposed
  convolution): input elements x kernel volume x filters.

A contraction whose size is unknown, or one inside a called function
(``PartitionedCall``, a ``tf.function`` inside the layer) that is not read,
makes the frame's count unknown rather than short. On JAX and PyTorch a
direct ``jnp.matmul`` / ``torch.matmul`` leaves no graph to read: it is not
seen (README, "Traced counts").

Graph operation ids (``Graph.version`` + 1: the last id given; ``_nodes_by_id``,
private, TensorFlow 2.21) bound what one frame created; ranges created inside
intercepted Keras functions are recorded by ``traced_macs`` and skipped here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

MATMUL_OPS = ("MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3")
CONV_OPS = ("Conv1D", "Conv2D", "Conv3D")
DEPTHWISE_OPS = ("DepthwiseConv2dNative",)
TRANSPOSED_OPS = ("Conv2DBackpropInput", "Conv3DBackpropInputV2")
EINSUM_OPS = ("Einsum",)
CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")


class UnreadContraction(ValueError):
    """A graph contraction whose size cannot be read (a None dimension, a called function)."""


@dataclass
class GraphWindow:
    """The graph a frame traces into and the op ids it starts after; ``skipped`` ranges belong to Keras functions."""

    graph: Any
    start: int
    skipped: list[tuple[int, int]] = field(default_factory=list)


def current_graph() -> Optional[Any]:
    """The TensorFlow FuncGraph being traced into, or None (another backend, or eager execution)."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    if tf.executing_eagerly():
        return None
    graph = tf.compat.v1.get_default_graph()
    return graph if hasattr(graph, "_nodes_by_id") else None


def open_window() -> Optional[GraphWindow]:
    graph = current_graph()
    return None if graph is None else GraphWindow(graph, last_id(graph))


def last_id(graph: Any) -> int:
    """The id of the graph's newest operation: ``version`` counts them, ids start at 2 (TensorFlow 2.21)."""
    return int(graph.version) + 1


def contractions_outside(window: GraphWindow) -> list[int]:
    """The MACs of each contraction op created in ``window`` outside its skipped ranges (raises if one is unread)."""
    graph = window.graph
    nodes = graph._nodes_by_id  # private, TensorFlow 2.21: {op id: Operation}
    counts = []
    for op_id in range(window.start + 1, last_id(graph) + 1):
        if any(start < op_id <= end for start, end in window.skipped):
            continue
        if op_id not in nodes:  # a mapping without .get (TensorFlow's OpsById)
            continue
        op = nodes[op_id]
        macs = op_macs(op)
        if macs:
            counts.append(macs)
    return counts


def op_macs(op: Any) -> int:
    """One TensorFlow operation's multiply-accumulates, by this project's convention (0 if not a contraction)."""
    kind = op.type
    if kind in CALL_OPS:
        raise UnreadContraction("its call runs a TensorFlow function whose contractions are not read")
    if kind in MATMUL_OPS:
        return _matmul(op)
    if kind in EINSUM_OPS:
        return _einsum(op)
    if kind in CONV_OPS:
        kernel = _shape(op.inputs[1])
        return _size(_shape(op.outputs[0])) * _size(kernel[:-1])
    if kind in DEPTHWISE_OPS:
        kernel = _shape(op.inputs[1])
        return _size(_shape(op.outputs[0])) * _size(kernel[:-2])
    if kind in TRANSPOSED_OPS:
        kernel = _shape(op.inputs[1])  # (*spatial, filters, in)
        return _size(_shape(op.inputs[2])) * _size(kernel[:-1])
    return 0


def _matmul(op: Any) -> int:
    a, b = (_shape(tensor) for tensor in op.inputs[:2])
    attributes = ("transpose_a", "transpose_b") if op.type == "MatMul" else ("adj_x", "adj_y")
    m, k = (a[-1], a[-2]) if op.get_attr(attributes[0]) else (a[-2], a[-1])
    n = b[-2] if op.get_attr(attributes[1]) else b[-1]
    if k == 1 and m * n > 1 and not any(_from_variable(tensor) for tensor in op.inputs[:2]):
        return 0  # an outer product of two activations written as a matmul: nothing summed (traced_macs.py)
    batch = _size(a[:-2] if len(a) >= len(b) else b[:-2])
    return batch * m * k * n


def _from_variable(tensor: Any) -> bool:
    """A weight read into the graph (``ReadVariableOp``): a product by it is a layer's, counted as Dense counts."""
    return tensor.op.type == "ReadVariableOp"


def _einsum(op: Any) -> int:
    inputs, output = op.get_attr("equation").decode().replace(" ", "").split("->")
    operands = inputs.split(",")
    if len(operands) < 2:
        return 0
    sizes = einsum_index_sizes(operands, [_shape(tensor) for tensor in op.inputs])
    kept = set(output.replace("...", ""))
    if all(label in kept or label.startswith(".") for label in sizes):
        return 0
    return _size(sizes.values())


def _shape(tensor: Any) -> tuple[int, ...]:
    dims = tensor.shape.as_list() if tensor.shape.rank is not None else None
    if dims is None or any(dim is None for dim in dims):
        raise UnreadContraction("a dimension of a TensorFlow contraction's operand is unknown (None)")
    return tuple(dims)


def _size(shape: Any) -> int:
    size = 1
    for dim in shape:
        size *= int(dim)
    return size


def einsum_index_sizes(operands: list[str], shapes: list[tuple[int, ...]]) -> dict[str, int]:
    """Each index's size in an einsum's operands (``"..."`` axes as ``.1``, ``.2``... from the right)."""
    sizes: dict[str, int] = {}
    for letters, shape in zip(operands, shapes, strict=True):
        if "..." in letters:
            head, tail = letters.split("...")
            middle = len(shape) - len(head) - len(tail)
            labels = list(head) + [f".{middle - i}" for i in range(middle)] + list(tail)
        else:
            labels = list(letters)
        for label, dim in zip(labels, shape, strict=True):
            sizes[label] = max(sizes.get(label, 1), dim)
    return sizes
