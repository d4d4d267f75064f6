"""keras-hub's vision backbones (tests/hub_vision_corpus.py): formulas against Keras, mult-adds against TF's graph.

The corpus-wide checks (no fallback row, totals equal Keras's, mult-adds known)
run in tests/test_transformers.py and tests/test_realworld.py, which iterate
the merged corpus. Here: every formula of the vision tables equals
count_params() term by term over the vision corpus and over varied configs,
and each model's total mult-adds equal an independent count, the contractions
of TensorFlow's graph of the forward pass (MatMul, BatchMatMul, Einsum,
Conv2D and depthwise Conv2D).
"""

from __future__ import annotations

import functools
import os
import warnings

import pytest

keras_hub = pytest.importorskip("keras_hub")

from ascii_explain import explain  # noqa: E402

from . import hub_vision_corpus  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def graph_macs(function, specs):
    """Contractions of TF's graph of ``function`` at ``specs``, called functions included.

    As tests/test_hub_layers.graph_contraction_macs counts them (MatMul,
    BatchMatMul, Einsum with a summed index, Conv2D ``output elements x kh x kw x
    kernel input``), plus depthwise convolutions (``output elements x kh x kw``) and
    transposed ones (``input elements x kh x kw x filters``),
    and descending into the functions a graph calls: Keras compiles grouped
    convolutions on TF as a called XLA function.
    """
    import tensorflow as tf

    return _graph_ops_macs(tf.function(function).get_concrete_function(specs).graph)


def _size(shape):
    size = 1
    for dim in shape:
        size *= int(dim)
    return size


def _graph_ops_macs(graph):
    total = 0
    for op in graph.get_operations():
        if op.type in ("StatefulPartitionedCall", "PartitionedCall"):
            total += _graph_ops_macs(graph._functions[op.get_attr("f").name].graph)
        elif op.type == "MatMul":
            a, b = (tuple(t.shape) for t in op.inputs)
            m, k = (a[1], a[0]) if op.get_attr("transpose_a") else a
            n = b[0] if op.get_attr("transpose_b") else b[1]
            total += m * k * n
        elif op.type.startswith("BatchMatMul"):
            a, b = (tuple(t.shape) for t in op.inputs)
            m, k = (a[-1], a[-2]) if op.get_attr("adj_x") else (a[-2], a[-1])
            n = b[-2] if op.get_attr("adj_y") else b[-1]
            total += _size(a[:-2] if len(a) >= len(b) else b[:-2]) * m * k * n
        elif op.type == "Einsum":
            operands, output = op.get_attr("equation").decode().split("->")
            operands = operands.split(",")
            if set("".join(operands)) <= set(output):  # no summed index: element-wise, not a contraction
                continue
            sizes = {}
            for letters, tensor in zip(operands, op.inputs, strict=True):
                sizes.update(zip(letters, (int(d) for d in tensor.shape), strict=True))
            total += _size(sizes.values())
        elif op.type in ("Conv2D", "Conv3D"):
            kernel = tuple(op.inputs[1].shape)
            total += _size(op.outputs[0].shape) * _size(kernel[:-1])
        elif op.type == "Conv2DBackpropInput":  # a transposed convolution: input positions x kernel volume
            kernel = tuple(op.inputs[1].shape)
            total += _size(op.inputs[2].shape) * _size(kernel[:-1])
        elif op.type == "DepthwiseConv2dNative":
            kernel = tuple(op.inputs[1].shape)
            total += _size(op.outputs[0].shape) * kernel[0] * kernel[1]
    return total


@functools.cache
def corpus_model(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hub_vision_corpus.VISION_MODELS[name]()
