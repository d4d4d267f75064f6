"""Plain integer arithmetic strings: building them and evaluating them safely.

Every formula ascii_explain prints is a string such as ``(3*3*3+1)*2``. The
promise is that the string, read as integer arithmetic, equals the count we
print next to it. ``evaluate`` is the one place that reads such a string back,
so tests and the explanation itself can check that promise. It parses with
``ast`` and accepts only integers, ``+ - * //`` and parentheses: never ``eval``.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable

_ALLOWED_CHARS = re.compile(r"^[0-9+\-*/() ]*$")
_BINARY_OPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b,
}


class FormulaSyntaxError(ValueError):
    """A formula string is not plain integer arithmetic."""


def evaluate(expression: str) -> int:
    """Evaluate a plain integer arithmetic string (digits, + - * //, parentheses)."""
    if not isinstance(expression, str):  # as before the cache: re.match raises TypeError
        return _evaluate(expression)
    return _evaluate_cached(expression)


# A model repeats the same few expressions (every 3x3 conv of a width, every
# bias); parsing each once keeps explaining linear in the layers, not in ast.parse.
# Only values are cached, never errors, and the cache is bounded.
@functools.lru_cache(maxsize=4096)
def _evaluate_cached(expression: str) -> int:
    return _evaluate(expression)


def _evaluate(expression: str) -> int:
    if not _ALLOWED_CHARS.match(expression) or not expression.strip():
        raise FormulaSyntaxError(f"not plain integer arithmetic: {expression!r}")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise FormulaSyntaxError(f"not plain integer arithmetic: {expression!r}") from error
    return _evaluate_node(tree.body, expression)


def _evaluate_node(node: ast.AST, expression: str) -> int:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPS:
        left = _evaluate_node(node.left, expression)
        right = _evaluate_node(node.right, expression)
        return int(_BINARY_OPS[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate_node(node.operand, expression)
    raise FormulaSyntaxError(f"not plain integer arithmetic: {expression!r}")


def product(factors: Iterable[object]) -> str:
    """``product([3, 3, 2])`` -> ``"3*3*2"``; an empty product is ``"1"``."""
    parts = [str(factor) for factor in factors]
    return "*".join(parts) if parts else "1"


def group(expression: str) -> str:
    """Parenthesise an expression when it is a sum, so it can be multiplied."""
    if _has_top_level_sum(expression):
        return f"({expression})"
    return expression


def _has_top_level_sum(expression: str) -> bool:
    depth = 0
    for index, char in enumerate(expression):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char in "+-" and depth == 0 and index > 0:
            return True
    return False


def total(expressions: Iterable[str]) -> str:
    """Join expressions into one sum; no terms at all is ``"0"``."""
    parts = [expression for expression in expressions if expression]
    return " + ".join(parts) if parts else "0"
