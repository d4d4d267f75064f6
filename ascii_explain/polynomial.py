"""Polynomials in the sequence length ``T``: what a cost is when the length is not known.

A transformer's mult-adds, activations and key/value cache depend on a
sequence axis that is ``None`` until the model is called. The MACs functions
(``ascii_explain/layers``) build plain arithmetic strings from the dimensions
they are given; handed :data:`SEQUENCE` for that axis, they build the same
strings with ``T`` in them (``"T*16*4*4 + 4*T*T*4"``). :func:`evaluate_polynomial`
reads such a string back, with the same ``ast`` whitelist as ``arithmetic.evaluate``
plus the one name ``T`` and integer powers, into a :class:`Polynomial`; its
``text()`` evaluates, at every ``T``, to the value it was read from.

No computer-algebra library is needed for this: every cost here is a
polynomial in one variable with rational coefficients (bytes of a sub-byte
dtype are eighths), so a dict from degree to coefficient is the whole of it.
"""

from __future__ import annotations

import ast
import functools
import re
from fractions import Fraction
from math import gcd as _gcd
from typing import Mapping, Union

SYMBOL = "T"

Number = Union[int, Fraction]
_ALLOWED_CHARS = re.compile(r"^[0-9T+\-*/() ]*$")


def _exact(coefficient: Number) -> Number:
    """An int for a whole coefficient, else a Fraction (never a float)."""
    if type(coefficient) is int:
        return coefficient
    fraction = coefficient if type(coefficient) is Fraction else Fraction(coefficient)
    return fraction.numerator if fraction.denominator == 1 else fraction


class PolynomialError(ValueError):
    """An expression that is not a polynomial in T (a floor division by T, a fraction of T under ``//``)."""


class Polynomial:
    """``sum(coefficient * T**degree)``; immutable, with exact rational coefficients.

    It stands in for a dimension too: ``str()`` is parenthesised arithmetic
    a MACs function can put into its product (``f"{tokens}*{hidden}"``), and
    ``int()`` refuses (the value is not a number until T is chosen).
    """

    __slots__ = ("_terms",)

    def __init__(self, terms: Mapping[int, Number] | None = None) -> None:
        # Whole coefficients are kept as ints, the rest as Fractions: int arithmetic is many times faster than
        # Fraction's (pure Python on 3.11), and a model's costs in T are whole but for sub-byte dtypes' bits // 8.
        self._terms: dict[int, Number] = {degree: _exact(c) for degree, c in (terms or {}).items() if c}

    @classmethod
    def symbol(cls) -> Polynomial:
        return cls({1: 1})

    @classmethod
    def constant(cls, value: Number) -> Polynomial:
        return cls({0: value})

    @property
    def terms(self) -> dict[int, Fraction]:
        """Degree -> coefficient, zero coefficients left out."""
        return {degree: Fraction(c) for degree, c in self._terms.items()}

    @property
    def degree(self) -> int:
        return max(self._terms, default=0)

    def coefficient(self, degree: int) -> Fraction:
        return Fraction(self._terms.get(degree, 0))

    @property
    def is_constant(self) -> bool:
        return self.degree == 0

    def at(self, value: int) -> Fraction:
        """The value at ``T = value`` (exact)."""
        return sum((c * Fraction(value) ** d for d, c in self._terms.items()), Fraction(0))

    # ----------------------------------------------------------- arithmetic

    @staticmethod
    def _of(other: object) -> Polynomial:
        if isinstance(other, Polynomial):
            return other
        if isinstance(other, (int, Fraction)) and not isinstance(other, bool):
            return Polynomial.constant(other)
        return NotImplemented  # type: ignore[return-value]

    def __add__(self, other: object) -> Polynomial:
        right = self._of(other)
        if right is NotImplemented:
            return NotImplemented
        terms = dict(self._terms)
        for d, c in right._terms.items():
            terms[d] = terms.get(d, 0) + c
        return Polynomial(terms)

    __radd__ = __add__

    def __neg__(self) -> Polynomial:
        return Polynomial({d: -c for d, c in self._terms.items()})

    def __sub__(self, other: object) -> Polynomial:
        right = self._of(other)
        if right is NotImplemented:
            return NotImplemented
        return self + (-right)

    def __rsub__(self, other: object) -> Polynomial:
        return (-self) + other

    def __mul__(self, other: object) -> Polynomial:
        right = self._of(other)
        if right is NotImplemented:
            return NotImplemented
        terms: dict[int, Number] = {}
        for d1, c1 in self._terms.items():
            for d2, c2 in right._terms.items():
                terms[d1 + d2] = terms.get(d1 + d2, 0) + c1 * c2
        return Polynomial(terms)

    __rmul__ = __mul__

    def __pow__(self, exponent: int) -> Polynomial:
        if not isinstance(exponent, int) or isinstance(exponent, bool) or exponent < 0:
            raise PolynomialError(f"only non-negative integer powers of T, got {exponent!r}")
        result = Polynomial.constant(1)
        for _ in range(exponent):
            result = result * self
        return result

    def floordiv(self, divisor: Polynomial) -> Polynomial:
        """A constant divided by a constant is floored, as in ``arithmetic.evaluate``; a polynomial in T
        divided by a constant is divided exactly (the only such division here is bits // 8 of a
        sub-byte dtype, whose bytes the consumer rounds up). A division by T is not a polynomial."""
        if not divisor.is_constant or not divisor.coefficient(0):
            raise PolynomialError("a division by T (or by 0) is not a polynomial in T")
        d = divisor.coefficient(0)
        if self.is_constant:
            return Polynomial.constant(Fraction(self.coefficient(0) // d))
        return Polynomial({k: Fraction(c) / d for k, c in self._terms.items()})

    def __int__(self) -> int:
        if self.is_constant and self.coefficient(0).denominator == 1:
            return int(self.coefficient(0))
        raise TypeError(f"{self.text()} is not a number until {SYMBOL} is chosen")

    def __bool__(self) -> bool:
        return bool(self._terms)

    def __eq__(self, other: object) -> bool:
        right = self._of(other)
        if right is NotImplemented:
            return NotImplemented
        return self._terms == right._terms

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._terms.items())))

    # ----------------------------------------------------------- text

    def text(self) -> str:
        """Highest degree first, ``128*T**2 + 81920*T + 16``; ``0`` for zero. Evaluates back to itself
        (rational coefficients, eighths of a byte, as ``(integer polynomial)//denominator``)."""
        if not self._terms:
            return "0"
        denominator = 1
        for c in self._terms.values():
            denominator = denominator * c.denominator // _gcd(denominator, c.denominator)
        if denominator != 1:
            whole = Polynomial({d: c * denominator for d, c in self._terms.items()})
            return f"({whole.text()})//{denominator}"
        out = ""
        for d in sorted(self._terms, reverse=True):
            whole_c = int(self._terms[d])
            power = "" if d == 0 else SYMBOL if d == 1 else f"{SYMBOL}**{d}"
            magnitude = abs(whole_c)
            body = str(magnitude) if not power else power if magnitude == 1 else f"{magnitude}*{power}"
            if not out:
                out = ("-" if whole_c < 0 else "") + body
            else:
                out += f" {'-' if whole_c < 0 else '+'} {body}"
        return out

    def __str__(self) -> str:
        text = self.text()
        return text if len(self._terms) <= 1 and "/" not in text and not text.startswith("-") else f"({text})"

    def __repr__(self) -> str:
        return f"Polynomial({self.text()!r})"


SEQUENCE = Polynomial.symbol()


def is_symbolic(value: object) -> bool:
    """True for a dimension that is a polynomial in T (the unknown sequence length), not a number."""
    return isinstance(value, Polynomial)


def evaluate_polynomial(expression: str) -> Polynomial:
    """Read a plain arithmetic string in ``T`` (digits, ``T``, ``+ - * // **``, parentheses) as a polynomial."""
    if not isinstance(expression, str):
        raise PolynomialError(f"not arithmetic in {SYMBOL}: {expression!r}")
    return _read_polynomial(expression)


@functools.lru_cache(maxsize=4096)  # a model's rows repeat the same few expressions; a Polynomial is immutable
def _read_polynomial(expression: str) -> Polynomial:
    if not isinstance(expression, str) or not _ALLOWED_CHARS.match(expression) or not expression.strip():
        raise PolynomialError(f"not arithmetic in {SYMBOL}: {expression!r}")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise PolynomialError(f"not arithmetic in {SYMBOL}: {expression!r}") from error
    return _node(tree.body, expression)


def _node(node: ast.AST, expression: str) -> Polynomial:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return Polynomial.constant(node.value)
    if isinstance(node, ast.Name) and node.id == SYMBOL:
        return Polynomial.symbol()
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_node(node.operand, expression)
    if isinstance(node, ast.BinOp):
        left, right = _node(node.left, expression), _node(node.right, expression)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.FloorDiv):
            return left.floordiv(right)
        if isinstance(node.op, ast.Pow) and right.is_constant and right.coefficient(0).denominator == 1:
            return left ** int(right.coefficient(0))
    raise PolynomialError(f"not arithmetic in {SYMBOL}: {expression!r}")


def evaluate_at(expression: str, value: int) -> Fraction:
    """The expression's value at ``T = value``: what the printed polynomial says."""
    return evaluate_polynomial(expression).at(value)
