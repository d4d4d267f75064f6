import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascii_explain.arithmetic import FormulaSyntaxError, evaluate, group, product, total


@pytest.mark.parametrize(
    "expression, value",
    [("(3*3*3+1)*2", 56), ("27*5 + 5", 140), ("3*3*(4//2)*4", 72), ("0", 0), ("7 - 2", 5), ("-3 + 4", 1)],
)
def test_evaluate_plain_arithmetic(expression, value):
    assert evaluate(expression) == value


@pytest.mark.parametrize(
    "expression",
    ["__import__('os')", "2**8", "1/2", "3.5*2", "", "abs(3)", "1 if 1 else 2", "(1", "x*2", "1e3"],
)
def test_evaluate_rejects_anything_else(expression):
    with pytest.raises(FormulaSyntaxError):
        evaluate(expression)


def test_builders():
    assert product([3, 3, 2]) == "3*3*2"
    assert product([]) == "1"
    assert group("27+1") == "(27+1)"
    assert group("3*3") == "3*3"
    assert group("(1+2)*3") == "(1+2)*3"
    assert total(["2", "", "3"]) == "2 + 3"
    assert total([]) == "0"


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6))
def test_product_and_sum_evaluate_to_python_arithmetic(numbers):
    expected_product = 1
    for number in numbers:
        expected_product *= number
    assert evaluate(product(numbers)) == expected_product
    assert evaluate(total(str(n) for n in numbers)) == sum(numbers)
    assert evaluate(f"{group(total(str(n) for n in numbers))}*3") == 3 * sum(numbers)
