"""assert_formulas_match and the explain_model fixture, in-process and in a user's own test suite."""

from __future__ import annotations

import re
import textwrap

import keras
import pytest
from keras import layers

from ascii_explain import Explanation
from ascii_explain.examples import seed003_batchnorm
from ascii_explain.testing import assert_formulas_match

from .cli_support import run_python


class ScaledDense(layers.Dense):
    """A Dense subclass with one more weight: the registry finds Dense's formula, which misses it."""

    def build(self, input_shape):
        super().build(input_shape)
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")

    def call(self, inputs):
        return super().call(inputs) * self.scale


class Offset(layers.Layer):
    """A custom layer with no registered formula, sized by nothing its config or shapes say: counted from its shape."""

    def build(self, input_shape):
        self.offset = self.add_weight(shape=(input_shape[-1] + 2,), initializer="zeros", name="offset")

    def call(self, inputs):
        return inputs + keras.ops.mean(self.offset)


def model_of(*hidden):
    inputs = keras.Input((4,))
    x = inputs
    for layer in hidden:
        x = layer(x)
    return keras.Model(inputs, x, name="under_test")


def test_passes_silently_and_returns_the_explanation():
    explanation = assert_formulas_match(seed003_batchnorm())
    assert isinstance(explanation, Explanation)
    assert explanation.total_params == 37_633


def test_lists_every_disagreeing_layer_with_its_numbers():
    model = model_of(ScaledDense(3, name="scaled"), Offset(name="offset"), layers.Dense(2, name="fine"))
    with pytest.raises(AssertionError) as failure:
        assert_formulas_match(model)
    message = str(failure.value)
    assert "2 problem(s) in Functional 'under_test'" in message
    # Dense's formula gives (4+1)*3 = 15 and misses the 3 scale weights: the row follows the weights (18).
    assert "layer 'scaled' (ScaledDense): its inherited formula differs from its weights" in message
    assert "scale 3: a weight Dense's formula does not have" in message
    assert "counted from the weights (kernel 4*3 + bias 3 + scale 3 = 18)" in message  # no repeated step
    assert "Keras's count_params() gives 18" in message
    assert "layer 'offset' (Offset): no registered formula; counted from weight shapes (offset 5 = 5)" in message
    assert "'fine'" not in message


def test_allow_fallback_accepts_layers_without_a_formula_but_not_wrong_ones():
    assert_formulas_match(model_of(Offset(name="offset")), allow_fallback=True)
    with pytest.raises(AssertionError, match="'scaled'"):
        assert_formulas_match(model_of(ScaledDense(3, name="scaled")), allow_fallback=True)


USER_TESTS = textwrap.dedent(
    '''
    """A user's test suite: no conftest, no plugin import; the fixture comes from the entry point."""
    import keras
    from keras import layers

    from ascii_explain.testing import assert_formulas_match


    class ScaledDense(layers.Dense):
        def build(self, input_shape):
            super().build(input_shape)
            self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")

        def call(self, inputs):
            return super().call(inputs) * self.scale


    def my_cnn():
        return keras.Sequential(
            [
                keras.Input((12, 12, 3)),
                layers.Conv2D(8, 3, name="conv"),
                layers.BatchNormalization(name="bn"),
                layers.Flatten(),
                layers.Dense(10, name="logits"),
            ]
        )


    def my_model_with_a_custom_dense():
        return keras.Sequential([keras.Input((4,)), ScaledDense(3, name="scaled")])


    def test_helper_passes():
        assert_formulas_match(my_cnn())


    def test_fixture_passes_and_returns_the_explanation(explain_model):
        explanation = explain_model(my_cnn())
        assert explanation.total_params == my_cnn().count_params()


    def test_helper_deliberately_fails():
        assert_formulas_match(my_model_with_a_custom_dense())


    def test_fixture_deliberately_fails(explain_model):
        explain_model(my_model_with_a_custom_dense())
    '''
)


def test_a_users_suite_with_the_helper_and_the_fixture(tmp_path):
    (tmp_path / "test_my_models.py").write_text(USER_TESTS, encoding="utf-8")
    result = run_python("-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_models.py", cwd=tmp_path)
    output = result.stdout + result.stderr

    assert "fixture 'explain_model' not found" not in output, (
        "the pytest11 entry point is not registered: reinstall the package (pip install -e .)"
    )
    summary = re.search(r"(\d+) failed, (\d+) passed", output)
    assert summary, output
    assert (int(summary.group(1)), int(summary.group(2))) == (2, 2), output
    assert result.returncode == 1
    for test in ("test_helper_deliberately_fails", "test_fixture_deliberately_fails"):
        assert f"FAILED test_my_models.py::{test}" in output
    assert "layer 'scaled' (ScaledDense): its inherited formula differs from its weights" in output
    assert "Keras's count_params() gives 18" in output
