"""The text diagram: golden file for seed 000, plus invariants checked on every model."""

from __future__ import annotations

import re

import keras
import pytest
from keras import layers

from ascii_explain import examples, explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.views.glyphs import GLYPHS

WIDTH = 100
ARITHMETIC = re.compile(r"params  .*? = ([0-9+\-*/() ]+) = (\d+)$")


def test_seed000_golden(golden):
    keras.backend.clear_session()  # layer names come from global counters
    golden("seed000_w100.txt", explain(examples.seed000_small_cnn()).render(width=WIDTH))


def test_seed003_golden(golden):
    keras.backend.clear_session()  # layer names come from global counters
    golden("seed003_w100.txt", explain(examples.seed003_batchnorm()).render(width=WIDTH))


def operation_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if " -----" in line]


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
@pytest.mark.parametrize("width", [80, 100, 140])
def test_invariants(name, width):
    e = explain(examples.EXAMPLES[name]())
    text = e.render(width=width)
    # The WEIGHTS(N) column adds up to the printed total.
    after_dashes = [re.split(r"-{5,}", row)[-1].strip() for row in operation_rows(text)]
    column = [int(re.split(r"\s{2,}", cells)[0].replace(",", "")) for cells in after_dashes]
    total_line = next(line for line in text.splitlines() if line.startswith("Total params:"))
    assert sum(column) == int(total_line.split()[2].replace(",", "")) == e.total_params
    # Every arithmetic line's expression evaluates to the count printed after it.
    arithmetic = [match for line in _joined_details(text) if (match := ARITHMETIC.search(line))]
    assert len(arithmetic) == len([r for r in e.layers if r.params])
    for match in arithmetic:
        assert evaluate(match.group(1)) == int(match.group(2))
    # No line is wider than asked for.
    assert max(len(line) for line in text.splitlines()) <= width


def _joined_details(text: str) -> list[str]:
    """Detail lines with their wrapped continuation lines (indented deeper) joined back."""
    joined: list[str] = []
    indent = None
    for line in text.splitlines():
        # Graph lanes ("|") and nesting bars (":") at the left count as indentation.
        content = line.lstrip(" |:")
        depth = len(line) - len(content)
        if indent is not None and content.strip() and depth > indent and not joined[-1].endswith("%"):
            joined[-1] += " " + content.strip()
            continue
        joined.append(content.strip())
        indent = depth if content.startswith("params") else None
    return joined


def test_neurons_column_and_activation_folding():
    text = explain(examples.seed000_small_cnn()).render(width=WIDTH)
    lines = text.splitlines()
    relu_rows = [line for line in lines if line.strip().startswith("relu")]
    # A folded Activation's name stays on the data row it folds into (issue 23: no name vanishes).
    assert "14   14    2" in relu_rows[0] and relu_rows[0].rstrip().endswith("392                          l2_act_relu")
    # Activation layers fold into the data row above, as keras_sequential_ascii draws them.
    assert not any(line.strip().startswith("Activation") for line in lines)
    assert "kernel 3*3*3*2 + bias 2 = (3*3*3+1)*2 = 56" in text
    assert "21.1%" in text and "52.8%" in text


def test_glyphs_come_from_keras_sequential_ascii():
    from keras_sequential_ascii.main import graphics

    for kind, glyph in graphics.items():
        assert GLYPHS[kind] == glyph
    assert "XXXXX" in explain(examples.seed001_mlp()).render(width=WIDTH)


def test_ascii_only_has_no_other_characters():
    e = explain(examples.seed003_batchnorm())
    assert "μ|σ" in e.render(width=WIDTH)
    plain = e.render(width=WIDTH, ascii_only=True)
    assert plain.isascii() and "m|s" in plain
    assert str(explain(e_model := examples.seed003_batchnorm(), ascii_only=True, width=WIDTH)).isascii()
    assert explain(e_model).render(width=WIDTH, ascii_only=True) == str(explain(e_model, ascii_only=True, width=WIDTH))


def test_non_trainable_reason_is_given():
    text = explain(examples.seed003_batchnorm()).render(width=WIDTH)
    assert "Non-trainable params: 64 (256.00 B)" in text
    assert "moving_mean 32 (non-trainable)" in text
    assert "non-trainable 64: moving statistics" in text and "(bn0)" in text


def test_narrow_width_keeps_names_and_numbers_and_says_what_it_left_out():
    e = explain(examples.seed002_vgg_mnist())
    text = e.render(width=72)
    assert "LAYER" in text  # names never go (issue 23); optional columns give way instead
    assert all(record.name in text for record in e.layers if record.class_name != "Activation")
    assert "262,400" in text and "329,962" in text
    assert text.splitlines()[1] == "(width 72 leaves out NEURONS, to keep the layer names)"
    assert "WEIGHTS(%)" not in text.splitlines()[1] and "%" in text.splitlines()[0]
    assert max(len(line) for line in text.splitlines()) <= 72


class Scale(keras.layers.Layer):
    """A custom layer with no registered formula. Its weight's size
    (two more than the features) is no config value nor shape, so nothing can be inferred from it (issue 21)."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1] + 2,), name="scale")

    def call(self, inputs):
        return inputs * keras.ops.mean(self.scale)


def test_fallback_is_marked_and_labelled():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), Scale(name="my_scale")])
    e = explain(model)
    record = e.layer("my_scale")
    assert record.source == "weights" and record.params == 5 == record.keras_params  # 3 features + 2
    assert e.fallbacks == [record]
    text = e.render(width=WIDTH)
    row = next(line for line in text.splitlines() if "my_scale" in line and "---" in line)
    assert row.startswith("?")
    assert "from weight shapes" in text
    assert "1 layer has no registered formula" in text


def test_mismatch_is_marked(monkeypatch):
    from ascii_explain.layers import Formula, FormulaTerm, register_formula, unregister_formula

    class WrongDense(layers.Dense):
        pass

    @register_formula(WrongDense)
    def wrong(config, input_shape):
        return Formula([FormulaTerm("kernel", f"{input_shape[-1]}*{config['units']}")])  # forgets the bias

    try:
        model = keras.Sequential([keras.Input((4,)), WrongDense(3, name="wrong")])
        e = explain(model)
    finally:
        unregister_formula(WrongDense)
    assert [r.name for r in e.mismatches] == ["wrong"]
    text = e.render(width=WIDTH)
    row = next(line for line in text.splitlines() if "wrong" in line and "---" in line)
    assert row.startswith("!")
    assert "MISMATCH: this formula gives 12, Keras's count_params() gives 15" in text
    assert "1 of 1 layers disagree with Keras" in text


def test_long_names_are_cut_in_the_middle():
    from ascii_explain.views.diagram_layout import shorten_name

    # Cut at word boundaries: the end whole from a boundary, the start a whole word.
    assert shorten_name("conv2_block1_1_conv", 12) == "conv~_1_conv"
    assert shorten_name("conv2_block1_1_bn", 14) == "conv2~1_1_bn"
    assert shorten_name("short", 12) == "short"
    assert len(shorten_name("conv2_block1_preact_bn", 9)) == 9
