"""Output-shape arithmetic: why a 16x16 input gives 14x14 after a valid 3x3 convolution.

For convolution, transposed convolution, pooling, zero padding, cropping and
upsampling layers, one small pure function per family turns the layer's
config and input shape into a :class:`ShapeFormula`: a short description of
the mode (``"valid, stride 2"``) and, for each spatial axis, an expression in
the notation people write by hand, e.g. ``floor((14-3)/2)+1``.

Notation, decided once: the expressions use ``floor(a/b)``, ``ceil(a/b)``,
``max(a,b)`` and ``a%b`` because that is how the seeds (and the Keras docs)
write them; :func:`evaluate_shape` reads exactly that notation back with exact
rational arithmetic, so the printed expression is itself what the tests
evaluate against the shape Keras computes — there is no second, hidden form.
``arithmetic.evaluate`` (``+ - * //`` only) stays the evaluator of parameter
and mult-add formulas.

Each function mirrors a Keras 3 shape rule (checked on 3.15.1):
``ops.operation_utils.compute_conv_output_shape`` (valid:
``floor((n-d*(k-1)-1)/s)+1``, same/causal: ``floor((n-1)/s)+1`` = ``ceil(n/s)``),
``compute_pooling_output_shape`` (valid ``floor((n-p)/s)+1``, same
``ceil(n/s)``), ``backend.common.backend_utils._get_output_shape_given_tf_padding``
for transposed convolutions, and each padding/cropping/upsampling layer's
``compute_output_shape``.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping, Optional, Sequence

import keras

from .class_lookup import Counterpart, nearest
from .formulas._shapes import as_tuple


@dataclass(frozen=True)
class ShapeFormula:
    """How a layer's spatial output dimensions follow from its input's."""

    # The mode in words: "valid", "same, stride 2", "transpose valid", "pad", ...
    kind: str
    # One expression per spatial axis, in axis order ("" when the input size is unknown).
    axes: tuple[str, ...]
    # The value of each expression: the output size of that axis (None when unknown).
    sizes: tuple[Optional[int], ...]

    @property
    def text(self) -> str:
        """``"valid, stride 2: floor((14-3)/2)+1 = 6"``; axes that read the same are shown once."""
        parts = [
            f"{axis} = {size}" if axis else "unknown (input size None)"
            for axis, size in zip(self.axes, self.sizes, strict=True)
        ]
        unique = list(dict.fromkeys(parts))
        return f"{self.kind}: " + ", ".join(unique)


ShapeFunction = Callable[[Mapping[str, Any], Sequence[Any]], ShapeFormula]
_REGISTRY: dict[type, ShapeFunction] = {}


def register_shape(*layer_classes: type) -> Callable[[ShapeFunction], ShapeFunction]:
    """Register ``function(config, input_shape) -> ShapeFormula`` for ``layer_classes``."""

    def decorator(function: ShapeFunction) -> ShapeFunction:
        for layer_class in layer_classes:
            _REGISTRY[layer_class] = function
        return function

    return decorator


def find_shape_function(layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[ShapeFunction]:
    """The shape function for the nearest class in ``layer_class``'s MRO (see class_lookup), or None."""
    return nearest(_REGISTRY, layer_class, counterpart)


def registered_shape_classes() -> list[type]:
    return list(_REGISTRY)


# ---------------------------------------------------------------- evaluation


class ShapeSyntaxError(ValueError):
    """A shape expression is not in the notation :func:`evaluate_shape` reads."""


_FUNCTIONS = {"floor", "ceil", "max"}


def evaluate_shape(expression: str) -> int:
    """Evaluate a shape expression: integers, ``+ - * / // %``, parentheses, floor(), ceil(), max().

    Division is exact (rational), so ``floor((16-3)/2)`` is 6 as on paper; the
    result must be a whole number. Parsed with ``ast``, never ``eval``.
    """
    if not isinstance(expression, str):
        return _evaluate_shape(expression)
    return _evaluate_shape_cached(expression)


# Layers of a model repeat the same axis arithmetic; each expression is parsed once.
@functools.lru_cache(maxsize=4096)
def _evaluate_shape_cached(expression: str) -> int:
    return _evaluate_shape(expression)


def _evaluate_shape(expression: str) -> int:
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise ShapeSyntaxError(f"not a shape expression: {expression!r}") from error
    value = _value(tree.body, expression)
    if value.denominator != 1:
        raise ShapeSyntaxError(f"{expression!r} is not a whole number ({value})")
    return int(value)


def _value(node: ast.AST, expression: str) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return Fraction(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_value(node.operand, expression)
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left, expression), _value(node.right, expression)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        if isinstance(node.op, ast.FloorDiv):
            return Fraction(left // right)
        if isinstance(node.op, ast.Mod):
            return left % right
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
        and node.args
    ):
        args = [_value(arg, expression) for arg in node.args]
        if node.func.id == "max":
            return max(args)
        if len(args) == 1:
            return Fraction(args[0].__floor__() if node.func.id == "floor" else args[0].__ceil__())
    raise ShapeSyntaxError(f"not a shape expression: {expression!r}")


# ------------------------------------------------------------------ helpers


def spatial_dims(config: Mapping[str, Any], input_shape: Sequence[Any], rank: int) -> list[Optional[int]]:
    """The ``rank`` spatial sizes of ``input_shape``, honouring ``data_format``."""
    if config.get("data_format") == "channels_first":
        dims = list(input_shape[2 : 2 + rank])
    else:
        dims = list(input_shape[1 : 1 + rank])
    return [None if dim is None else int(dim) for dim in dims]


def _per_axis(value: Any, rank: int) -> tuple[int, ...]:
    values = as_tuple(value)
    return values * rank if len(values) == 1 else values


def _described(name: str, values: tuple[int, ...]) -> str:
    """``", stride 2"`` when every axis agrees, ``", stride 2x1"`` otherwise; "" for all ones."""
    if all(value == 1 for value in values):
        return ""
    shown = str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))
    return f", {name} {shown}"


def _formula(kind: str, dims: Sequence[Optional[int]], axis: Callable[[int, int], str]) -> ShapeFormula:
    expressions = tuple("" if n is None else axis(index, n) for index, n in enumerate(dims))
    sizes = tuple(evaluate_shape(e) if e else None for e in expressions)
    return ShapeFormula(kind, expressions, sizes)


def _window(k: int, d: int) -> str:
    """The effective kernel extent, ``d*(k-1)+1``, written plainly when the dilation is 1."""
    return str(k) if d == 1 else f"({d}*({k}-1)+1)"


_conv = keras.src.layers.convolutional  # Keras 3 base classes (checked on 3.15.1)
_pool = keras.src.layers.pooling


# ------------------------------------------------------------ the functions


@register_shape(
    _conv.base_conv.BaseConv,
    _conv.base_depthwise_conv.BaseDepthwiseConv,
    _conv.base_separable_conv.BaseSeparableConv,
)
def conv_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
    """Convolution (also depthwise, separable): valid ``floor((n-k)/s)+1``; same, causal ``ceil(n/s)``.

    With dilation d the kernel spans ``d*(k-1)+1`` inputs, so valid reads
    ``floor((n-d*(k-1)-1)/s)+1``, as in Keras's ``compute_conv_output_shape``.
    """
    kernel = as_tuple(config["kernel_size"])
    rank = len(kernel)
    strides = _per_axis(config.get("strides", 1), rank)
    dilation = _per_axis(config.get("dilation_rate", 1), rank)
    padding = str(config.get("padding", "valid")).lower()
    kind = padding + _described("stride", strides) + _described("dilation", dilation)
    dims = spatial_dims(config, input_shape, rank)

    def axis(i: int, n: int) -> str:
        if padding == "valid":
            span = str(kernel[i]) if dilation[i] == 1 else f"{dilation[i]}*({kernel[i]}-1)-1"
            return f"floor(({n}-{span})/{strides[i]})+1"
        return f"ceil({n}/{strides[i]})"

    return _formula(kind, dims, axis)


@register_shape(_conv.base_conv_transpose.BaseConvTranspose)
def conv_transpose_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
    """Transposed convolution: valid ``(n-1)*s+k``, same ``n*s``.

    Keras (``_get_output_shape_given_tf_padding``): with the effective kernel
    ``k = d*(k-1)+1``, valid gives ``(n-1)*s+k+op`` where ``op`` is the
    ``output_padding`` or, when None, ``max(k,s)-k`` (so ``(n-1)*s+max(k,s)``
    when the stride exceeds the kernel); same gives ``n*s`` without
    ``output_padding`` and ``(n-1)*s+k%2+op`` with it.
    """
    kernel = as_tuple(config["kernel_size"])
    rank = len(kernel)
    strides = _per_axis(config.get("strides", 1), rank)
    dilation = _per_axis(config.get("dilation_rate", 1), rank)
    output_padding = config.get("output_padding")
    extra = None if output_padding is None else _per_axis(output_padding, rank)
    padding = str(config.get("padding", "valid")).lower()
    kind = "transpose " + padding + _described("stride", strides) + _described("dilation", dilation)
    dims = spatial_dims(config, input_shape, rank)

    def axis(i: int, n: int) -> str:
        k, s = _window(kernel[i], dilation[i]), strides[i]
        effective = dilation[i] * (kernel[i] - 1) + 1
        if padding == "valid":
            if extra is not None:
                return f"({n}-1)*{s}+{k}+{extra[i]}"
            return f"({n}-1)*{s}+{k}" if s <= effective else f"({n}-1)*{s}+max({k},{s})"
        if extra is None:
            return f"{n}*{s}"
        return f"({n}-1)*{s}+{k}%2+{extra[i]}"

    return _formula(kind, dims, axis)


@register_shape(_pool.base_pooling.BasePooling)
def pooling_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
    """Max/average pooling: valid ``floor((n-p)/s)+1``, same ``ceil(n/s)``; the stride defaults to the pool size.

    Mirrors Keras's ``compute_pooling_output_shape`` (same is written there as
    ``floor((n-1)/s)+1``, which equals ``ceil(n/s)``).
    """
    pool = as_tuple(config["pool_size"])
    rank = len(pool)
    strides = _per_axis(config.get("strides") or pool, rank)
    padding = str(config.get("padding", "valid")).lower()
    kind = padding + _described("stride", strides)
    dims = spatial_dims(config, input_shape, rank)

    def axis(i: int, n: int) -> str:
        if padding == "valid":
            return f"floor(({n}-{pool[i]})/{strides[i]})+1"
        return f"ceil({n}/{strides[i]})"

    return _formula(kind, dims, axis)


def _pairs(value: Any, rank: int) -> list[tuple[int, int]]:
    """ZeroPadding/Cropping configs: an int, a (before, after) pair, or one pair per axis."""
    if isinstance(value, int):
        return [(value, value)] * rank
    items = list(value)
    if rank == 1 and len(items) == 2 and all(isinstance(item, int) for item in items):
        return [(int(items[0]), int(items[1]))]
    pairs = []
    for item in items:
        pairs.append((item, item) if isinstance(item, int) else (int(item[0]), int(item[1])))
    return pairs


def _padding_shape(rank: int) -> ShapeFunction:
    def padding_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
        """Zero padding: ``n+before+after`` on each spatial axis."""
        pairs = _pairs(config["padding"], rank)
        return _formula("pad", spatial_dims(config, input_shape, rank), lambda i, n: f"{n}+{pairs[i][0]}+{pairs[i][1]}")

    return padding_shape


def _cropping_shape(rank: int) -> ShapeFunction:
    def cropping_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
        """Cropping: ``n-before-after`` on each spatial axis."""
        pairs = _pairs(config["cropping"], rank)
        dims = spatial_dims(config, input_shape, rank)
        return _formula("crop", dims, lambda i, n: f"{n}-{pairs[i][0]}-{pairs[i][1]}")

    return cropping_shape


def _upsampling_shape(rank: int) -> ShapeFunction:
    def upsampling_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
        """Upsampling: ``n*size`` on each spatial axis (each row/column repeated ``size`` times)."""
        sizes = _per_axis(config["size"], rank)
        return _formula("upsample", spatial_dims(config, input_shape, rank), lambda i, n: f"{n}*{sizes[i]}")

    return upsampling_shape


for _name, _factory in (
    ("ZeroPadding", _padding_shape),
    ("Cropping", _cropping_shape),
    ("UpSampling", _upsampling_shape),
):
    for _rank in (1, 2, 3):
        _layer_class = getattr(keras.layers, f"{_name}{_rank}D", None)
        if isinstance(_layer_class, type):
            register_shape(_layer_class)(_factory(_rank))
