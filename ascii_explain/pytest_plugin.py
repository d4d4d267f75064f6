"""pytest plugin of ascii_explain: the ``explain_model`` fixture, usable without an import.

Registered through the ``pytest11`` entry point, so pytest imports this module
in every session of an environment where ascii_explain is installed, even of
projects that never use the fixture. It must stay cheap: importing Keras and
TensorFlow takes seconds, so it happens only when a test asks for
``explain_model`` (the package's ``__init__`` imports lazily for the same reason).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest


@pytest.fixture
def explain_model() -> Callable[..., Any]:
    """A function ``explain_model(model, allow_fallback=False) -> Explanation``.

    It explains the built Keras model and fails the test, listing every layer
    whose formula disagrees with Keras's ``count_params()`` or that has no
    formula (unless ``allow_fallback=True``), with the numbers. It returns the
    Explanation for further assertions (``.total_params``, ``.layer(name)``, ``str()``).
    """
    from ascii_explain.testing import assert_formulas_match

    def check(model: Any, allow_fallback: bool = False) -> Any:
        __tracebackhide__ = True  # pytest: point at the user's line
        return assert_formulas_match(model, allow_fallback=allow_fallback)

    return check
