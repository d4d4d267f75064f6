"""Shared test set-up: quiet TensorFlow, a golden-file fixture, hypothesis profiles."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

GOLDEN_DIR = Path(__file__).parent / "golden"

# Building a Keras layer per example takes milliseconds, not microseconds:
# no deadline, and no complaint that examples are slow to generate.
settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    max_examples=200,
)
settings.register_profile(
    "slow",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    max_examples=1200,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current output instead of comparing (read the diff!)",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare text with tests/golden/<name>; ``pytest --update-golden`` rewrites it on purpose."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.write_text(text + "\n", encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; create it with pytest --update-golden"
        expected = path.read_text(encoding="utf-8").rstrip("\n")
        assert text == expected, f"output differs from {path}; if the change is intended, run pytest --update-golden"

    return check
