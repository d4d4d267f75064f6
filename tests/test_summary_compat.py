"""summary()'s contract: the assertions people write against keras.Model.summary's text hold with patch() on.

Each assertion is checked FIRST against Keras's own summary (patch() off), then
against ours (patch() on), on the same model: if Keras's text did not satisfy it,
the test would be checking a wish, not the contract. Keras 3.15.1's words,
numbers and notation (``Total params: 41 (168.00 B)``, ``0 (unbuilt)``,
``(None, 26, 26, 32)``, ``()``) are what scripts match, so those are what must
match in both.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

import keras
import numpy as np
import pytest
from keras import layers, ops

import ascii_explain

KERAS_SUMMARY = keras.Model.summary


@pytest.fixture(autouse=True)
def always_unpatched():
    ascii_explain.unpatch()
    yield
    ascii_explain.unpatch()
    assert keras.Model.summary is KERAS_SUMMARY


def summaries(model: Any, **kwargs: Any) -> dict[str, list[str]]:
    """{"keras": print_fn's calls with Keras's summary, "ascii_explain": with patch() on}."""
    calls: dict[str, list[str]] = {"keras": [], "ascii_explain": []}
    model.summary(print_fn=calls["keras"].append, **kwargs)
    ascii_explain.patch()
    try:
        model.summary(print_fn=calls["ascii_explain"].append, **kwargs)
    finally:
        ascii_explain.unpatch()
    return calls


def holds_for_both(model: Any, check: Callable[[str], Any], **kwargs: Any) -> dict[str, str]:
    """Run ``check`` on Keras's text, then on ours; both must pass. print_fn is called alike."""
    calls = summaries(model, **kwargs)
    assert len(calls["ascii_explain"]) == len(calls["keras"]), calls
    texts = {who: "".join(parts) for who, parts in calls.items()}
    for who in ("keras", "ascii_explain"):  # Keras first: the assertion must describe Keras's output
        try:
            check(texts[who])
        except AssertionError as error:
            raise AssertionError(f"fails on {who}'s summary:\n{texts[who]}") from error
    return texts


def totals_in(text: str) -> dict[str, int]:
    """The totals lines as scripts parse them: {"Total": 41, "Trainable": 13, ...}."""
    found = re.findall(r"(Total|Trainable|Non-trainable|Optimizer) params: ([\d,]+) \((\d+\.\d\d [KMGTP]?B)\)", text)
    return {word: int(count.replace(",", "")) for word, count, _ in found}


def optimizer_count(model: Any) -> int:
    return sum(math.prod(variable.shape) for variable in model.optimizer.variables)


def small_mlp() -> keras.Model:
    return keras.Sequential([keras.Input((3,)), layers.Dense(3, name="hidden"), layers.Dense(1, name="out")])


# ----------------------------------------------------------------------------- totals and optimizer params


def test_uncompiled_model_totals():
    model = small_mlp()

    def check(text: str) -> None:
        assert "Total params: 16 (64.00 B)" in text
        assert "Trainable params: 16" in text and "Non-trainable params: 0" in text
        assert "Optimizer params" not in text
        assert totals_in(text) == {"Total": 16, "Trainable": 16, "Non-trainable": 0}

    holds_for_both(model, check)


def test_compiled_but_not_fitted_has_no_optimizer_params_yet():
    model = small_mlp()
    model.compile(optimizer="adam", loss="mse")
    holds_for_both(model, lambda text: ("Optimizer params" not in text) or pytest.fail("optimizer not built yet"))


def test_fitted_model_counts_optimizer_params_in_the_total():
    model = small_mlp()
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)
    slots = optimizer_count(model)
    assert slots == 2 * 16 + 2  # Adam: two slots a weight, plus iterations and learning rate (an independent count)

    def check(text: str) -> None:
        totals = totals_in(text)
        assert totals == {"Total": 16 + slots, "Trainable": 16, "Non-trainable": 0, "Optimizer": slots}
        assert f"Optimizer params: {slots}" in text
        assert totals["Total"] == totals["Trainable"] + totals["Non-trainable"] + totals["Optimizer"]

    holds_for_both(model, check)


def test_built_optimizer_with_a_frozen_layer():
    model = small_mlp()
    model.get_layer("hidden").trainable = False
    model.compile(optimizer="sgd", loss="mse")
    model.optimizer.build(model.trainable_variables)
    slots = optimizer_count(model)

    def check(text: str) -> None:
        assert totals_in(text) == {"Total": 16 + slots, "Trainable": 4, "Non-trainable": 12, "Optimizer": slots}
        assert "Non-trainable params: 12 (48.00 B)" in text

    holds_for_both(model, check)


# ----------------------------------------------------------------------------- unbuilt models


def test_unbuilt_sequential_is_summarised_not_raised():
    model = keras.Sequential([layers.Dense(3, name="first"), layers.Dense(1, name="second")])

    def check(text: str) -> None:
        assert "first" in text and "second" in text
        assert text.count("0 (unbuilt)") == 2
        assert "Total params: 0 (0.00 B)" in text

    texts = holds_for_both(model, check)
    assert "model.build((None, ...))" in texts["ascii_explain"]  # and how to build it


class LeavesOneUnbuilt(keras.Model):
    """build() builds one sublayer; the other is never used, so it stays unbuilt."""

    def __init__(self) -> None:
        super().__init__(name="leaves_one_unbuilt")
        self.used = layers.Dense(4, name="used")
        self.spare = layers.Dense(2, name="spare")

    def build(self, input_shape: Any) -> None:
        self.used.build(input_shape)

    def call(self, x: Any) -> Any:
        return self.used(x)


def test_custom_build_leaving_a_sublayer_unbuilt():
    model = LeavesOneUnbuilt()
    model.build((None, 3))

    def check(text: str) -> None:
        # Keras draws "spare (Dense) | ? | 0 (unbuilt)"; ours explains the built part and marks the
        # unbuilt row (issue 13: state "unbuilt", 0 parameters as Keras counts it).
        assert re.search(r"spare\b", text) and "unbuilt" in text
        assert "(None, 4)" in text  # the built layer's shape, from its build shape
        assert totals_in(text) == {"Total": 16, "Trainable": 16, "Non-trainable": 0}

    texts = holds_for_both(model, check)
    assert "unbuilt (never called; 0 parameters, as Keras counts): spare (Dense)" in texts["ascii_explain"]


# ----------------------------------------------------------------------------- shapes


def test_op_in_the_graph_with_show_trainable():
    inputs = keras.Input((4,), name="features")
    hidden = layers.Dense(3, name="hidden")(inputs)
    model = keras.Model(inputs, ops.mean(hidden))

    def check(text: str) -> None:
        assert "mean" in text
        assert re.search(r"\(\)", text)  # the scalar's shape
        assert "(None, 3)" in text and "(None, 4)" in text
        assert "Trainable params: 15" in text
        assert re.search(r"\bY\b", text)  # the Dense's trainable flag

    holds_for_both(model, check, show_trainable=True)


class Attending(keras.Model):
    def __init__(self) -> None:
        super().__init__(name="attending")
        self.attention = layers.MultiHeadAttention(num_heads=2, key_dim=4, output_shape=(4,), name="attention")
        self.head = layers.Dense(10, name="head")

    def call(self, x: Any) -> Any:
        return self.head(self.attention(x, x))


def test_subclassed_model_with_multi_head_attention():
    model = Attending()
    model(np.zeros((1, 2, 3), "float32"))
    expected = model.attention.compute_output_shape((1, 2, 3), (1, 2, 3))
    assert tuple(expected) == (1, 2, 4)

    def check(text: str) -> None:
        assert "(1, 2, 4)" in text and "(1, 2, 10)" in text
        assert f"Total params: {model.count_params():,}" in text

    holds_for_both(model, check)


class ReturnsDict(layers.Layer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dense = layers.Dense(10)

    def build(self, input_shape: Any) -> None:
        self.dense.build(input_shape)

    def call(self, x: Any) -> Any:
        return {"scores": self.dense(x)}

    def compute_output_shape(self, input_shape: Any) -> Any:
        return {"scores": (*input_shape[:-1], 10)}


class UsesDict(keras.Model):
    def __init__(self) -> None:
        super().__init__(name="uses_dict")
        self.scorer = ReturnsDict(name="scorer")

    def call(self, x: Any) -> Any:
        return self.scorer(x)["scores"]


def test_layer_returning_a_dict():
    model = UsesDict()
    model(np.zeros((1, 3), "float32"))
    holds_for_both(model, lambda text: ("scorer" in text and "(1, 10)" in text) or pytest.fail("shape"))


# ----------------------------------------------------------------------------- expand_nested, layer_range


def has_row(text: str, name: str, count: int) -> bool:
    """A table row for ``name`` with its count: Keras's "inner_a (Dense) | (None, 5) | 25 |", or
    our operation row "Dense  XXXXX ----  25  49.0%  inner_a"."""
    keras_row = rf"\b{name} \(\w+\)\s.*\s{count}\s+│"
    our_row = rf"\s{count}\s+[\d.]+%.*\b{name}$"
    return bool(re.search(keras_row, text, flags=re.M) or re.search(our_row, text, flags=re.M))


def nested_model() -> keras.Model:
    inner = keras.Sequential(
        [keras.Input((4,)), layers.Dense(5, name="inner_a"), layers.Dense(3, name="inner_b")], name="block"
    )
    inputs = keras.Input((4,), name="x")
    return keras.Model(inputs, layers.Dense(2, name="top")(inner(inputs)), name="outer")


def test_nested_models_expand_only_when_asked():
    model = nested_model()

    def collapsed(text: str) -> None:
        # One row for the nested model, with its count. (Our row's arithmetic names its
        # inner layers, "inner_a 25 + inner_b 18", so "inner_a" not in text holds only for Keras.)
        assert re.search(r"block\b.*\b43\b|\b43\b.*\bblock\b", text)
        assert not has_row(text, "inner_a", 25)  # no row of its own

    def expanded(text: str) -> None:
        assert has_row(text, "inner_a", 25) and has_row(text, "inner_b", 18) and "block" in text
        assert f"Total params: {model.count_params():,}" in text

    holds_for_both(model, collapsed)
    holds_for_both(model, expanded, expand_nested=True)


def test_layer_range_shows_only_those_layers():
    model = keras.Sequential(
        [keras.Input((8,)), layers.Dense(6, name="d1"), layers.Dense(4, name="d2"), layers.Dense(2, name="d3")]
    )

    def check(text: str) -> None:
        assert re.search(r"\bd2\b", text)
        assert not re.search(r"\bd1\b", text) and not re.search(r"\bd3\b", text)
        assert f"Total params: {model.count_params():,}" in text  # the totals stay the whole model's

    holds_for_both(model, check, layer_range=("d2", "d2"))


# ----------------------------------------------------------------------------- print_fn


def test_print_fn_gets_the_whole_text_once():
    calls = summaries(small_mlp())
    assert len(calls["keras"]) == len(calls["ascii_explain"]) == 1
    assert all(parts[0].endswith("\n") for parts in calls.values())


def test_keras_print_msg_gets_line_break_false(capsys):
    from keras.src.utils import io_utils

    model = small_mlp()
    outputs = {}
    for patched in (False, True):
        if patched:
            ascii_explain.patch()
        model.summary(print_fn=io_utils.print_msg)
        ascii_explain.unpatch()
        outputs[patched] = capsys.readouterr().out
    for out in outputs.values():
        assert out.endswith("\n") and not out.endswith("\n\n")  # one newline: Keras passed line_break=False
        assert "Trainable params: 16" in out


def test_absl_logging_when_interactive_logging_is_off(monkeypatch):
    from absl import logging

    logged: list[str] = []
    monkeypatch.setattr(logging, "info", lambda message, *args: logged.append(message))
    keras.config.disable_interactive_logging()
    try:
        model = small_mlp()
        model.summary()
        ascii_explain.patch()
        model.summary()
    finally:
        keras.config.enable_interactive_logging()
    assert len(logged) == 2
    assert all("Total params: 16" in message for message in logged)


# ----------------------------------------------------------------------------- keras-hub tasks


def test_keras_hub_task_without_preprocessor():
    from .hub_corpus import bert_classifier

    model = bert_classifier()

    def check(text: str) -> None:
        assert f"Total params: {model.count_params():,}" in text
        assert "bert_backbone" in text

    holds_for_both(model, check)


def test_keras_hub_task_with_a_tiny_preprocessor():
    keras_hub = pytest.importorskip("keras_hub")
    from .hub_corpus import bert

    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "quick", "fox"]
    tokenizer = keras_hub.models.BertTokenizer(vocabulary=vocabulary)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=8)
    model = keras_hub.models.BertTextClassifier(backbone=bert(), num_classes=3, preprocessor=preprocessor)

    def check(text: str) -> None:
        assert 'Preprocessor: "bert_text_classifier_preprocessor' in text
        assert "bert_tokenizer (BertTokenizer)" in text  # its Vocab size column is cut at 80 columns by rich
        assert f"Total params: {model.count_params():,}" in text

    holds_for_both(model, check)
