"""Output-shape arithmetic: the notation, its evaluator, and helpers the families' shape functions share.

Why a 16x16 input gives 14x14 after a valid 3x3 convolution: for convolution,
transposed convolution, pooling, zero padding, cropping and upsampling layers,
one small pure function per family (in ``conv.py``, ``pooling.py``,
``reshaping.py``) turns the layer's config and input shape into a
:class:`ShapeFormula`: a short description of the mode (``"valid, stride 2"``)
and, for each spatial axis, an expression in the notation people write by
hand, e.g. ``floor((14-3)/2)+1``.

Notation, decided once: the expressions use ``floor(a/b)``, ``ceil(a/b)``,
``max(a,b)`` and ``a%b`` because that is how the seeds (and the Keras docs)
write them; :func:`evaluate_shape` reads exactly that notation back with exact
rational arithmetic, so the printed expression is itself what the tests
evaluate against the shape Keras computes — there is no second, hidden form.
``arithmetic.evaluate`` (``+ - * //`` only) stays the evaluator of parameter
and mult-add formulas.

Each shape function mirrors a Keras 3 shape rule (checked on 3.15.1):
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
from typing import Callable, Optional, Sequence


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


def described(name: str, values: tuple[int, ...]) -> str:
    """``", stride 2"`` when every axis agrees, ``", stride 2x1"`` otherwise; "" for all ones."""
    if all(value == 1 for value in values):
        return ""
    shown = str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))
    return f", {name} {shown}"


def shape_formula(kind: str, dims: Sequence[Optional[int]], axis: Callable[[int, int], str]) -> ShapeFormula:
    """The ShapeFormula whose axis ``i`` of input size ``n`` reads ``axis(i, n)`` (unknown sizes stay unknown)."""
    expressions = tuple("" if n is None else axis(index, n) for index, n in enumerate(dims))
    sizes = tuple(evaluate_shape(e) if e else None for e in expressions)
    return ShapeFormula(kind, expressions, sizes)


def window(k: int, d: int) -> str:
    """The effective kernel extent, ``d*(k-1)+1``, written plainly when the dilation is 1."""
    return str(k) if d == 1 else f"({d}*({k}-1)+1)"
