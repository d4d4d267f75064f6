"""How many mult-adds one contraction the trace intercepted makes, and which of its operands are weights.

The counting convention is read/traced_macs.py's (its docstring lists it); each
function reads the backend function's arguments and result, and raises
:class:`UnknownTraceDimension` on a ``None`` dimension.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import keras

from .graph_contractions import einsum_index_sizes


class UnknownTraceDimension(ValueError):
    """A contraction on a tensor with a ``None`` dimension: its count is unknown."""



def _shape(value: Any) -> tuple[int, ...]:
    shape = getattr(value, "shape", None)
    if shape is None:
        return ()
    dims = []
    for dim in tuple(shape):
        if dim is None:
            raise UnknownTraceDimension("a dimension of a contraction's operand is unknown (None)")
        dims.append(int(dim))
    return tuple(dims)


def _size(shape: Sequence[int]) -> int:
    size = 1
    for dim in shape:
        size *= dim
    return size


def _matmul(args: Sequence[Any], kwargs: dict[str, Any], result: Any) -> int:
    first = _shape(args[0] if args else kwargs["x1"])
    if not first:
        return 0
    output = _shape(result)
    second = args[1] if len(args) > 1 else kwargs.get("x2")
    if first[-1] == 1 and _size(output[-2:]) > 1 and not _is_weight(second):
        # Nothing summed: an outer product of two activations written as a matmul (SmolLM3's rotary
        # positions x frequencies), element-wise products, 0 as for einsum (graph_contractions.py counts
        # TF's MatMul the same way). By a weight, it is a layer on one feature: the Dense convention, in*units.
        return 0
    return _size(output) * first[-1]


WEIGHT_AND_ACTIVATION = "weight"  # an activation by a weight (a Dense's input by its kernel)
TWO_ACTIVATIONS = "activations"  # a product of two activations (attention's scores)
TWO_WEIGHTS = "weights"
UNKNOWN_OPERANDS = "unknown"


def operand_kind(name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    """Which of a contraction's first two operands are weights (its backward differs: layers/traced_backward.py)."""
    operands = list(args[1:3] if name == "einsum" else args[:2])
    if name == "dot_product_attention":
        return TWO_ACTIVATIONS
    if len(operands) < 2:
        operands += [value for key, value in kwargs.items() if key in ("x1", "x2", "inputs", "kernel")]
    if len(operands) < 2:
        return UNKNOWN_OPERANDS
    weights = sum(1 for operand in operands[:2] if _is_weight(operand))
    return (TWO_ACTIVATIONS, WEIGHT_AND_ACTIVATION, TWO_WEIGHTS)[weights]


def _is_weight(value: Any) -> bool:
    """A layer's weight (a Dense's kernel reaches the backend's matmul as the Keras variable itself)."""
    return isinstance(value, keras.Variable)


def _dot(args: Sequence[Any], kwargs: dict[str, Any], result: Any) -> int:
    first = _shape(args[0] if args else kwargs["x1"])
    second = _shape(args[1] if len(args) > 1 else kwargs["x2"])
    if not first or not second:  # a scalar: an element-wise product
        return 0
    return _size(_shape(result)) * first[-1]


def _tensordot(args: Sequence[Any], kwargs: dict[str, Any], result: Any) -> int:
    first = _shape(args[0] if args else kwargs["x1"])
    axes = args[2] if len(args) > 2 else kwargs.get("axes", 2)
    if isinstance(axes, int):
        contracted = first[len(first) - axes:] if axes else ()
    else:
        first_axes = axes[0] if isinstance(axes[0], (list, tuple)) else [axes[0]]
        contracted = tuple(first[axis] for axis in first_axes)
    return _size(_shape(result)) * _size(contracted)


def _einsum(args: Sequence[Any], kwargs: dict[str, Any], result: Any) -> int:
    subscripts, operands = args[0], args[1:]
    if len(operands) < 2:  # a trace, a transpose or a sum over one operand multiplies nothing
        return 0
    equation = str(subscripts).replace(" ", "")
    inputs = equation.split("->")[0].split(",")
    sizes = einsum_index_sizes(inputs, [_shape(operand) for operand in operands])
    if "->" in equation:
        kept = set(equation.split("->")[1].replace("...", ""))
    else:  # implicit output: the letters that appear once
        letters = "".join(inputs).replace("...", "")
        kept = {letter for letter in letters if letters.count(letter) == 1}
    if all(label in kept or label.startswith(".") for label in sizes):
        return 0  # nothing summed over (an outer product): element-wise multiplies, 0 by the convention
    return _size(list(sizes.values()))


def _conv(args: Sequence[Any], kwargs: dict[str, Any], result: Any) -> int:
    kernel = _shape(args[1] if len(args) > 1 else kwargs["kernel"])
    return _size(_shape(result)) * _size(kernel[:-1])  # kernel: (*spatial, in / groups, filters)


def _depthwise_conv(args: Sequence[Any], kwargs: dict[str, Any], result: Any) -> int:
    kernel = _shape(args[1] if len(args) > 1 else kwargs["kernel"])
    return _size(_shape(result)) * _size(kernel[:-2])  # kernel: (*spatial, channels, multiplier)


def _separable_conv(args: Sequence[Any], kwargs: dict[str, Any], result: Any) -> int:
    depthwise = _shape(args[1] if len(args) > 1 else kwargs["depthwise_kernel"])
    pointwise = _shape(args[2] if len(args) > 2 else kwargs["pointwise_kernel"])
    outputs = _size(_shape(result))
    positions = outputs // pointwise[-1]
    return positions * depthwise[-2] * depthwise[-1] * _size(depthwise[:-2]) + outputs * pointwise[-2]


def _conv_transpose(args: Sequence[Any], kwargs: dict[str, Any], result: Any) -> int:
    inputs = _shape(args[0] if args else kwargs["inputs"])
    kernel = _shape(args[1] if len(args) > 1 else kwargs["kernel"])
    return _size(inputs) * _size(kernel[:-1])  # kernel: (*spatial, filters, in): each input scattered


def _dot_product_attention(args: Sequence[Any], kwargs: dict[str, Any], result: Any) -> int:
    query = _shape(args[0] if args else kwargs["query"])  # (batch, queries, heads, head size)
    key = _shape(args[1] if len(args) > 1 else kwargs["key"])  # (batch, keys, kv-heads, head size)
    value = _shape(args[2] if len(args) > 2 else kwargs["value"])
    batch, queries, heads, size = query
    return batch * queries * heads * key[1] * size + batch * queries * heads * key[1] * value[-1]


COUNTERS: dict[str, Callable[[Sequence[Any], dict[str, Any], Any], int]] = {
    "matmul": _matmul,
    "dot": _dot,
    "tensordot": _tensordot,
    "einsum": _einsum,
    "conv": _conv,
    "depthwise_conv": _depthwise_conv,
    "separable_conv": _separable_conv,
    "conv_transpose": _conv_transpose,
    "dot_product_attention": _dot_product_attention,
}
