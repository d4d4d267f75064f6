"""Costs in T (polynomial.py): whole coefficients kept as ints, fractions exact, never a float; the arithmetic
agrees with evaluating at numbers."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from ascii_explain.polynomial import SEQUENCE, Polynomial, evaluate_at, evaluate_polynomial

coefficients = st.dictionaries(st.integers(0, 3), st.integers(-50, 50), max_size=4)


@given(coefficients, coefficients, st.integers(1, 6), st.integers(0, 40))
def test_arithmetic_agrees_with_numbers_at_every_point(a: dict, b: dict, divisor: int, t: int) -> None:
    p, q = Polynomial(a), Polynomial(b)
    at = lambda poly: poly.at(t)  # noqa: E731
    assert at(p + q) == at(p) + at(q)
    assert at(p * q) == at(p) * at(q)
    assert at(p - q) == at(p) - at(q)
    quotient = (p * SEQUENCE).floordiv(Polynomial.constant(divisor))  # a polynomial in T over a number: exact
    assert at(quotient) == Fraction(at(p) * t, divisor)
    assert all(type(c) is Fraction for c in quotient.terms.values())
    assert evaluate_polynomial(quotient.text()) == quotient  # the text evaluates back to it
    assert evaluate_at(quotient.text(), t) == at(quotient)


def test_whole_and_fractional_coefficients_compare_and_hash_alike() -> None:
    whole = Polynomial({1: 3, 0: Fraction(4, 2)})
    assert whole == Polynomial({1: Fraction(3), 0: 2}) and hash(whole) == hash(Polynomial({1: 3, 0: 2}))
    assert whole.coefficient(0) == Fraction(2) and type(whole.coefficient(0)) is Fraction
    eighths = Polynomial({1: 3}).floordiv(Polynomial.constant(8))
    assert eighths.terms == {1: Fraction(3, 8)} and eighths.text() == "(3*T)//8"
    assert (eighths * 8).text() == "3*T"
