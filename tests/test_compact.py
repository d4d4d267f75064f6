"""The compact view (issue 23): one line per layer, Keras's columns plus the formula and mult-adds."""

from __future__ import annotations

import keras
import pytest

import ascii_explain
from ascii_explain import cli, examples, explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.keras_summary import is_patched
from ascii_explain.safe_text import columns
from ascii_explain.views.formatting import format_macs

from . import hub_corpus
from .test_terminal_width import WIDTHS, name_shown


@pytest.fixture(scope="module")
def resnet():
    model = keras.applications.ResNet50(weights=None)
    return model, explain(model)


def _layer_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("") + 1  # after the header (and the line saying what was left out)
    return lines[start : lines.index("", start)]


def test_resnet50_compact_is_no_longer_than_keras_summary(resnet):
    model, explanation = resnet
    assert not is_patched()
    printed: list[str] = []
    model.summary(print_fn=printed.append)
    keras_lines = "".join(printed).splitlines()
    compact = explanation.render(detail="compact", width=100).splitlines()
    assert len(compact) <= len(keras_lines)
    assert len(_layer_lines("\n".join(compact))) == len(model.layers)  # one line per layer


def test_each_line_has_its_count_formula_and_macs(resnet):
    model, explanation = resnet
    lines = _layer_lines(explanation.render(detail="compact", width=120))
    assert len(lines) == len(model.layers)
    by_name = {line.split()[0]: line for line in lines}
    for layer in model.layers:
        record = explanation.layer(layer.name)
        line = by_name[layer.name]
        assert line.startswith(f"  {layer.name} ({type(layer).__name__})")
        params = f"{layer.count_params():,}"
        assert f"  {params}  " in line + "  "
        if record.params and record.formula != str(record.params):
            formula = line.split(f"  {params}  ", 1)[1].rsplit("  ", 1)[0].strip()
            assert evaluate(formula) == layer.count_params(), line
        assert line.endswith(format_macs(record.macs) if record.macs else "-")


@pytest.mark.parametrize("width", WIDTHS)
def test_compact_at_every_width(resnet, width):
    _, explanation = resnet
    text = explanation.render(detail="compact", width=width)
    lines = text.splitlines()
    assert max(map(columns, lines)) <= width
    layer_lines = [line.rstrip() for line in _layer_lines(text)]
    for record in explanation.top_level:
        # the name, whole or cut, before " (Class)"
        assert any(name_shown(record.name, [line.split(" (")[0]]) for line in layer_lines), record.name


def test_macs_are_written_with_units():
    assert format_macs(30_900_000_000_000) == "30.9 T"
    assert format_macs(118_013_952) == "118 M"
    assert format_macs(12_673) == "12.7 K"
    assert format_macs(999) == "999"
    assert format_macs(3_857_973_248) == "3.86 G"


def test_cli_compact_and_patch_detail(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    expected = explain(examples.seed000_small_cnn()).render(detail="compact", width=90, interface="cli")
    assert cli.main(["--example", "seed000", "--compact", "--width", "90"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == expected
    model = examples.seed000_small_cnn()
    ascii_explain.patch(detail="compact")
    try:
        printed: list[str] = []
        model.summary(print_fn=printed.append, line_length=90)
    finally:
        ascii_explain.unpatch()
    assert "Formula" in printed[0] and "(3*3*3+1)*2" in printed[0] and "params  kernel" not in printed[0]
    with pytest.raises(ValueError, match="detail must be"):
        ascii_explain.patch(detail="short")


def test_compact_goldens(golden):
    keras.backend.clear_session()  # layer names come from global counters
    golden("seed002_compact_w100.txt", explain(examples.seed002_vgg_mnist()).render(detail="compact", width=100))
    golden(
        "llama_tiny_t16_compact_w100.txt",
        explain(hub_corpus.llama(), input_shape=(1, 16)).render(detail="compact", width=100),
    )


def test_80_column_diagram_golden(golden):
    keras.backend.clear_session()
    golden("seed003_w80.txt", explain(examples.seed003_batchnorm()).render(width=80))
