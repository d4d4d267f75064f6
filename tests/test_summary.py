"""The drop-in summary: Keras's signature and meaning, print_fn, line_length, layer_range, patch/unpatch, colour."""

from __future__ import annotations

import inspect
import io
import re

import keras
import pytest
from keras import layers

import ascii_explain
from ascii_explain import examples, explain
from ascii_explain import keras_summary as drop_in
from ascii_explain.arithmetic import evaluate

from .test_diagram import ARITHMETIC, _joined_details

ANSI = re.compile(r"\x1b\[")
KERAS_SUMMARY = keras.Model.summary  # Keras's own, captured before any test patches it


@pytest.fixture(autouse=True)
def always_unpatched():
    ascii_explain.unpatch()
    yield
    ascii_explain.unpatch()
    assert keras.Model.summary is KERAS_SUMMARY


@pytest.fixture(scope="module")
def resnet50():
    return keras.applications.ResNet50(weights=None)


def capture(model, **kwargs) -> str:
    calls: list[str] = []
    ascii_explain.summary(model, print_fn=calls.append, **kwargs)
    assert len(calls) == 1
    return calls[0]


def keras_capture(model, **kwargs) -> str:
    calls: list[str] = []
    KERAS_SUMMARY(model, print_fn=calls.append, **kwargs)
    return "".join(calls)


# ----------------------------------------------------------------------------- signature


def test_signature_covers_keras_model_summary():
    ours = inspect.signature(ascii_explain.summary).parameters
    theirs = inspect.signature(KERAS_SUMMARY).parameters
    assert list(ours)[0] == "model" and list(theirs)[0] == "self"
    # Same names, same order, same defaults: any call that works with Keras works with us.
    assert list(ours)[1:] == list(theirs)[1:]
    for name in list(theirs)[1:]:
        assert ours[name].default == theirs[name].default, name
        assert ours[name].kind == theirs[name].kind, name


def test_patched_method_has_keras_signature():
    ascii_explain.patch()
    patched = inspect.signature(keras.Model.summary).parameters
    theirs = inspect.signature(KERAS_SUMMARY).parameters
    assert [(p.name, p.kind, p.default) for p in patched.values()] == [
        (p.name, p.kind, p.default) for p in theirs.values()
    ]


# ----------------------------------------------------------------------------- print_fn


def test_print_fn_is_called_as_keras_calls_it():
    model = examples.seed000_small_cnn()
    keras_calls: list[str] = []
    KERAS_SUMMARY(model, print_fn=keras_calls.append)
    ours: list[str] = []
    ascii_explain.summary(model, print_fn=ours.append)
    # Keras 3.15.1 calls print_fn once with the whole text, ending in a newline.
    assert len(ours) == len(keras_calls) == 1
    assert ours[0].endswith("\n") and keras_calls[0].endswith("\n")
    text = ours[0]
    assert text.startswith('Model: "seed000_small_cnn" (Sequential)')
    # explain()'s diagram with shapes in Keras's notation.
    assert explain(model).render(shape_style="keras") in text
    assert "kernel 3*3*3*2 + bias 2 = (3*3*3+1)*2 = 56" in text
    assert not ANSI.search(text)


def test_print_fn_with_a_logger_style_function():
    lines: list[str] = []
    ascii_explain.summary(examples.seed001_mlp(), print_fn=lambda message: lines.extend(message.splitlines()))
    assert any(line.startswith("Total params: 209") for line in lines)


def test_stdout_when_not_a_terminal_has_no_colour(capsys):
    ascii_explain.summary(examples.seed003_batchnorm(), line_length=100)
    out = capsys.readouterr().out
    assert "moving_mean 32 (non-trainable)" in out
    assert not ANSI.search(out)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stdout", terminal)
    model = examples.seed003_batchnorm()
    ascii_explain.summary(model, line_length=100)
    coloured = terminal.getvalue()
    assert ANSI.search(coloured)
    # Colour adds styles only: without the escapes, the text is exactly what print_fn gets.
    plain = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert plain == capture(model, line_length=100)


def test_absl_logging_when_interactive_logging_is_off(monkeypatch):
    from absl import logging

    logged: list[str] = []
    monkeypatch.setattr(logging, "info", lambda message, *args: logged.append(message))
    keras.config.disable_interactive_logging()
    try:
        ascii_explain.summary(examples.seed001_mlp())
    finally:
        keras.config.enable_interactive_logging()
    assert len(logged) == 1 and "Total params: 209" in logged[0]


# ----------------------------------------------------------------------------- line_length


def check_fits(text: str, width: int, explanation) -> None:
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    # Numbers are never cut: the WEIGHTS column adds up to the total, each arithmetic
    # line (joined with its continuation lines) evaluates to the count printed after it.
    column = [int(match.group(1).replace(",", "")) for row in lines if (match := re.search(r"-{4,} +([0-9,]+) ", row))]
    # Operation rows; a data row may hold dashes too, the graph lane leaving it ("+----- #####").
    assert len(column) == len([line for line in lines if "----" in line and "#####" not in line])
    assert sum(column) == explanation.total_params
    arithmetic = [match for line in _joined_details(text) if (match := ARITHMETIC.search(line))]
    assert len(arithmetic) == len([r for r in explanation.layers if r.params])
    for match in arithmetic:
        assert evaluate(match.group(1)) == int(match.group(2))
    total_line = next(line for line in lines if line.startswith("Total params:"))
    assert f"{explanation.total_params:,}" in total_line


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("show_trainable", [False, True])
def test_line_length_seed002(width, show_trainable):
    model = examples.seed002_vgg_mnist()
    text = capture(model, line_length=width, show_trainable=show_trainable)
    check_fits(text, width, explain(model))


@pytest.mark.parametrize("width", [60, 80, 120])
def test_line_length_resnet50(resnet50, width):
    text = capture(resnet50, line_length=width, show_trainable=True)
    e = explain(resnet50)
    check_fits(text, width, e)
    assert e.total_params == resnet50.count_params() == 25_636_712


def test_line_length_too_narrow_for_the_numbers(resnet50):
    with pytest.raises(ValueError, match="too narrow.*never cut"):
        capture(resnet50, line_length=30)
    with pytest.raises(TypeError, match="line_length"):
        capture(resnet50, line_length="80")


def test_default_width_is_100_off_a_terminal():
    text = capture(examples.seed000_small_cnn())
    assert explain(examples.seed000_small_cnn()).render(shape_style="keras").splitlines()[0] in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_several_outputs_wider_than_the_dimensions_column_go_on_their_own_lines():
    inputs = keras.Input((6, 6, 4))
    outputs = layers.LSTM(500, return_sequences=True, return_state=True, name="lstm")(layers.Reshape((36, 4))(inputs))
    model = keras.Model(inputs, outputs)
    text = capture(model, line_length=60)
    assert max(len(line) for line in text.splitlines()) <= 60
    # On lines of their own (wrapped there, since the name column keeps its room at 60).
    assert "shape [(None, 36, 500), (None, 500), (None, 500)]" in " ".join(text.split())
    assert "(None, 36, 4)" in text  # a single output stays in its column


# ----------------------------------------------------------------------------- layer_range, show_trainable, positions


def shown_layer_names(text: str, names: list[str]) -> list[str]:
    return [name for name in names if re.search(rf"\s{re.escape(name)}$", text, flags=re.M)]


@pytest.mark.parametrize(
    "layer_range",
    [("conv0", "bn0"), ("bn0", "conv0"), ("conv", "max_"), ("max_pool", "fc"), ("input_layer", "zero_padding2d")],
)
def test_layer_range_selects_what_keras_selects(layer_range):
    keras.backend.clear_session()  # default layer names come from global counters
    model = examples.seed003_batchnorm()
    names = [layer.name for layer in model.layers]
    ours = shown_layer_names(capture(model, line_length=140, layer_range=layer_range), names)
    keras_text = keras_capture(model, layer_range=layer_range)
    theirs = [name for name in names if re.search(rf"│ {re.escape(name)} \(", keras_text)]
    # An Activation folded into the row above keeps its name on that row (issue 23): every name Keras shows.
    assert ours == theirs
    assert ours


def test_layer_range_rows_and_totals():
    text = capture(examples.seed003_batchnorm(), line_length=100, layer_range=("conv0", "bn0"))
    operations = [line.split()[0] for line in text.splitlines() if "-----" in line]
    assert operations == ["Conv2D", "BatchNormalization"]
    assert "Showing layers 3 to 4 of 8 in keras.Model.summary's order (conv0 to bn0)" in text
    assert "Total params: 37,633" in text  # the totals stay the whole model's


def two_branches() -> keras.Model:
    """Keras lists this by depth (a1, b1, a2, b2); our diagram keeps each branch together (a1, a2, b1, b2)."""
    image = keras.Input((6, 6, 2), name="image")
    a = keras.layers.Conv2D(2, 1, name="a1")(image)
    b = keras.layers.Conv2D(2, 1, name="b1")(image)
    a = keras.layers.Conv2D(2, 1, name="a2")(a)
    b = keras.layers.Conv2D(2, 1, name="b2")(b)
    return keras.Model(image, keras.layers.Concatenate(name="joined")([a, b]))


@pytest.mark.parametrize("layer_range", [("a1", "b1"), ("b1", "b2"), ("a2", "joined")])
def test_layer_range_on_branches_selects_what_keras_selects(layer_range):
    model = two_branches()
    text = capture(model, line_length=140, layer_range=layer_range)
    ours = [line.split()[-1] for line in text.splitlines() if "-----" in line and "%" in line]  # operation rows
    theirs = re.findall(r"│ (\w+) +(?:\(|│)", keras_capture(model, layer_range=layer_range))  # "name (Type)" or wrapped
    assert sorted(ours) == sorted(theirs) and ours


def test_layer_range_errors():
    model = examples.seed003_batchnorm()
    with pytest.raises(ValueError, match="no layer name matches 'nope'"):
        capture(model, layer_range=("nope", "fc"))
    with pytest.raises(ValueError, match="two layer names"):
        capture(model, layer_range=("conv0",))


def test_show_trainable_matches_keras():
    model = keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(3, name="frozen"),
            layers.Dropout(0.1, name="drop"),
            layers.Dense(2, name="head"),
        ]
    )
    model.get_layer("frozen").trainable = False
    text = capture(model, line_length=100, show_trainable=True)
    header = text.splitlines()[2]
    assert "TRAINABLE" in header
    flags = {line.split()[-1]: line.split()[-2] for line in text.splitlines() if "-----" in line}
    assert flags == {"frozen": "N", "drop": "-", "head": "Y"}
    keras_text = keras_capture(model, show_trainable=True)
    for name, flag in flags.items():
        assert re.search(rf"{name} \(.*│\s+{re.escape(flag)}\s+│", keras_text), (name, flag)


def test_positions_are_checked_and_do_not_change_the_diagram():
    model = examples.seed000_small_cnn()
    assert capture(model, positions=[0.3, 0.6, 0.7, 1.0]) == capture(model)
    with pytest.raises(ValueError, match="increasing"):
        capture(model, positions=[0.6, 0.3, 1.0])
    with pytest.raises(ValueError, match="list of numbers"):
        capture(model, positions="wide")


# ----------------------------------------------------------------------------- expand_nested


def test_expand_nested_is_passed_to_explain_when_it_accepts_it(monkeypatch):
    received = []

    def explain_with_nested(model, *, width=None, ascii_only=False, expand_nested=False):
        received.append(expand_nested)
        return explain(model)

    monkeypatch.setattr(drop_in, "explain", explain_with_nested)
    capture(examples.seed001_mlp(), expand_nested=True)
    capture(examples.seed001_mlp())
    assert received == [True, False]


# ----------------------------------------------------------------------------- patch / unpatch


def test_patch_unpatch_round_trip():
    model = examples.seed003_batchnorm()
    keras_text = keras_capture(model)
    assert not ascii_explain.keras_summary.is_patched()

    ascii_explain.patch()
    ascii_explain.patch()  # idempotent: still one layer of patching
    assert ascii_explain.keras_summary.is_patched()
    calls: list[str] = []
    model.summary(print_fn=calls.append, line_length=80)
    assert calls == [capture(model, line_length=80)]
    assert "moving_mean 32 (non-trainable)" in calls[0]
    # Every kind of model: Sequential and Functional inherit keras.Model.summary.
    sequential: list[str] = []
    examples.seed001_mlp().summary(print_fn=sequential.append)
    assert "(4+1)*7 = 35" in sequential[0]

    ascii_explain.unpatch()
    ascii_explain.unpatch()  # idempotent
    assert keras.Model.summary is KERAS_SUMMARY
    restored: list[str] = []
    model.summary(print_fn=restored.append)
    assert "".join(restored) == keras_text


def test_unpatch_without_patch_is_a_no_op():
    ascii_explain.unpatch()
    assert keras.Model.summary is KERAS_SUMMARY


def test_patched_summary_of_an_unbuilt_model_is_keras_table_and_how_to_build():
    ascii_explain.patch()
    model = keras.Sequential([layers.Dense(3, name="first"), layers.Dense(1, name="second")])
    calls: list[str] = []
    model.summary(print_fn=calls.append)
    assert len(calls) == 1
    text = calls[0]
    assert re.search(r"first \(Dense\) +\? +0 \(unbuilt\)", text)
    assert "Total params: 0 (0.00 B)" in text
    assert "the model 'sequential" in text and "model.build((None, ...))" in text
    with pytest.raises(ascii_explain.NotBuiltError):
        explain(model)  # explain() has nothing to explain yet


def test_rich_print_colours_the_diagram_without_changing_it():
    from rich.console import Console

    e = explain(examples.seed003_batchnorm())
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=200, soft_wrap=True)
    console.print(e)
    coloured = buffer.getvalue()
    assert ANSI.search(coloured)
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured).rstrip("\n") == str(e)
