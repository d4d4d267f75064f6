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
# .ci/run's JAX and PyTorch runs (scripts/backend_matrix.sh --subset): building a layer there traces
# its output spec through the backend (jax.eval_shape, torch's meta device), several times slower.
settings.register_profile(
    "backend",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    max_examples=10,
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


# What .ci/run also runs on the JAX and PyTorch backends (scripts/backend_matrix.sh --subset):
# the seeds' models, every formula family, a few applications, and the user-facing entry points.
# The full matrix (scripts/backend_matrix.sh) runs the whole suite on each backend.
BACKEND_SUBSET_MODULES = {
    "test_seeds",
    "test_formulas_seed_layers",
    "test_formulas_core",
    "test_formulas_conv",
    "test_formulas_normalization",
    "test_formulas_recurrent",
    "test_formulas_attention",
    "test_model_kinds",
    "test_testing_helper",
    "test_backends",
    "test_trace",
    "test_macs",
    "test_memory",
    "test_summary",
    "test_training_macs_jax",  # skips off JAX: the compiled gradient step is XLA's
    "test_saved_activations_torch",  # skips off PyTorch: autograd's saved tensors are torch's
}
# Single tests from larger modules: a few applications, the CLI on a saved model and a built-in example.
BACKEND_SUBSET_TESTS = {
    "test_applications.py::test_application[ResNet50]",
    "test_applications.py::test_application[MobileNetV2]",
    "test_cli.py::test_keras_file_is_explained_offline_and_left_unchanged",
    "test_cli.py::test_h5_file_as_json_to_output_file",
    "test_cli.py::test_module_callable_is_explained_and_checked",
    "test_cli.py::test_python_dash_m_explains_the_builtin_example",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.path.stem
        if module in BACKEND_SUBSET_MODULES or f"{item.path.name}::{item.name}" in BACKEND_SUBSET_TESTS:
            item.add_marker(pytest.mark.backend_subset)
