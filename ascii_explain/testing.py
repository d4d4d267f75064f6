"""For users' test suites: "every formula matches Keras" as one assertion.

    from ascii_explain.testing import assert_formulas_match

    def test_my_model_is_explained():
        assert_formulas_match(build_my_model())

The pytest plugin (ascii_explain.pytest_plugin) offers the same check as the
``explain_model`` fixture, with no import.
"""

from __future__ import annotations

from typing import Any

from .checks import formula_problems
from .explain import explain
from .explanation import Explanation


def assert_formulas_match(model: Any, allow_fallback: bool = False) -> Explanation:
    """Explain ``model``; raise AssertionError listing every layer whose formula disagrees with Keras.

    A layer with no registered formula (a custom layer, counted from its weight
    shapes) is listed too, unless ``allow_fallback=True``. Passes silently and
    returns the Explanation when every layer is explained and agrees with
    ``layer.count_params()``. ``model`` must be built (see ``explain``).
    """
    __tracebackhide__ = True  # pytest: show the user's line, not this one
    explanation = explain(model)
    problems = formula_problems(explanation, allow_fallback=allow_fallback)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise AssertionError(
            f"ascii_explain: {len(problems)} problem(s) in {explanation.model_class} "
            f"{explanation.model_name!r}:\n{listed}"
        )
    return explanation
