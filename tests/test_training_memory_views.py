# mypy: disable-error-code="union-attr,operator,misc"
# (e.training_memory and the records' byte fields are Optional, None when unknown; these tests assert they are known.)
"""Training memory through explain(): the records, the text totals, HTML, Markdown, JSON and the command line.

The plan's numbers are checked against Keras in test_training_memory.py; here,
that every view shows the same plan, that each printed expression evaluates to
the number printed beside it, and that a model whose variables hold no values
is planned without a value being made.
"""

from __future__ import annotations

import json
import re

import keras
import numpy as np
import pytest
from keras import layers, ops

from ascii_explain import cli, explain, training_memory
from ascii_explain.arithmetic import evaluate


def cnn():
    return keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layers.Conv2D(8, 3, activation="relu", name="conv"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Flatten(name="flat"),
            layers.Dense(4, name="logits"),
        ],
        name="cnn",
    )


def part_lines(text):
    """{part: (bytes, expression)} from the training memory block of a diagram or Markdown list."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"^[-\s]*(weights|gradients|optimizer|activations)\s+\S+ \S+\s+(.+?) = ([\d,]+)", line)
        if match:
            found[match.group(1)] = (int(match.group(3).replace(",", "")), match.group(2).replace("\\*", "*"))
    return found


# ------------------------------------------------------------------ records and the plan


def test_explain_plans_and_the_records_carry_each_rows_share():
    model = cnn()
    e = explain(model, batch_size=4, optimizer="adam")
    plan = e.training_memory
    assert plan == training_memory(model, batch_size=4, optimizer="adam")
    assert plan.optimizer_name == "Adam" and plan.batch_size == 4
    rows = {row.name: row for row in plan.layers}
    assert list(rows) == [record.name for record in e.top_level]
    for record in e.top_level:
        row = rows[record.name]
        assert (record.gradient_bytes, record.optimizer_bytes, record.activation_bytes) == (
            row.gradients,
            row.optimizer,
            row.activations,
        )
        # Adam: two float32 slots per trainable float32 weight, and the gradient is one more copy.
        assert record.optimizer_bytes == 2 * record.gradient_bytes == 2 * 4 * record.params
    # What each keeps for its backward pass (float32, no dropout): conv its input and the ReLU's output,
    # the pooling its input and where each maximum came from, Flatten nothing, logits its input.
    kept = {"conv": 12 * 12 + 10 * 10 * 8, "pool": 10 * 10 * 8 + 5 * 5 * 8, "flat": 0, "logits": 5 * 5 * 8}
    assert {record.name: record.activation_bytes for record in e.top_level} == {
        name: 4 * 4 * elements for name, elements in kept.items()
    }
    assert sum(r.gradient_bytes for r in e.top_level) == plan.gradients == 4 * model.count_params()
    assert sum(r.optimizer_bytes for r in e.top_level) + plan.optimizer_shared == plan.optimizer
    assert sum(r.activation_bytes for r in e.top_level) == plan.activations
    assert plan.outputs_once == e.activation_bytes and plan.outputs_once_layers == ()


def test_functional_model_with_an_operation_row_has_a_row_for_it():
    """A keras.ops call is a row of its own (no weights); its output is counted as explain() counts it."""
    inputs = keras.Input((6,))
    x = layers.Dense(6, name="d1")(inputs)
    x = ops.add(x, inputs)
    outputs = layers.Dense(2, name="d2")(x)
    model = keras.Model(inputs, outputs)
    e = explain(model, batch_size=3, optimizer="sgd")
    plan = e.training_memory
    rows = [record.name for record in e.top_level if record.class_name != "InputLayer"]
    assert [row.name for row in plan.layers] == rows and len(rows) == 3
    # The operation row has no saved-activations figure: its output once (the default); d2 keeps its input.
    operation = rows[1]
    assert plan.outputs_once_layers == (operation,)
    assert {row.name: row.activations for row in plan.layers} == {
        "d1": 3 * 6 * 4,
        operation: e.activation_bytes_by_layer[operation],
        "d2": 3 * 6 * 4,
    }
    assert plan.outputs_once == e.activation_bytes
    assert sum(row.weights for row in plan.layers) == plan.weights == 4 * model.count_params()
    assert plan.optimizer == 8 + 4  # plain SGD: the iteration counter (int64) and learning rate (float32) only


def test_a_subclassed_models_own_weight_is_a_row():
    class Scaled(keras.Model):
        def __init__(self):
            super().__init__(name="scaled")
            self.dense = layers.Dense(3, name="inner")

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(3,), initializer="ones", name="scale")
            self.dense.build(input_shape)

        def call(self, x):
            return self.dense(x) * self.scale

    model = Scaled()
    model(np.zeros((1, 5), "float32"))
    plan = explain(model, optimizer="adam").training_memory
    assert plan.layer("scaled").gradients == 3 * 4
    assert sum(row.weights for row in plan.layers) == plan.weights == 4 * model.count_params()


def test_a_lone_layer_is_planned():
    layer = layers.Dense(5)
    layer.build((None, 7))
    plan = explain(layer, optimizer="adam").training_memory
    assert plan.weights == plan.gradients == (7 * 5 + 5) * 4
    assert plan.optimizer == 2 * plan.gradients + 8 + 4


def test_without_an_optimizer_the_plan_exists_but_is_not_drawn():
    e = explain(cnn(), batch_size=2)
    assert e.training_memory.optimizer == 0 and not e.training_memory.has_optimizer
    assert e.training_memory.gradients == 4 * e.total_params
    assert "Training memory" not in e.render() and "Training memory" not in e.to_html()
    assert json.loads(e.to_json())["training_memory"]["optimizer_name"] == ""


def test_the_compiled_optimizer_is_used_and_left_unbuilt():
    model = cnn()
    model.compile(optimizer=keras.optimizers.SGD(momentum=0.9), loss="mse")
    e = explain(model, batch_size=2)
    assert "Training memory for a batch of 2 with SGD (float32)" in e.render()
    assert e.training_memory.optimizer == 4 * model.count_params() + 8 + 4  # one momentum per weight
    assert not model.optimizer.built and not model.optimizer.variables[2:]


# ------------------------------------------------------------------ views


def test_text_totals_show_each_part_with_arithmetic_that_evaluates_to_it():
    e = explain(cnn(), batch_size=16, optimizer="adamw")
    plan = e.training_memory
    text = e.render(width=100)
    assert "Training memory for a batch of 16 with AdamW (float32): " in text
    parts = part_lines(text)
    assert set(parts) == {"weights", "gradients", "optimizer", "activations"}
    for name, (printed, expression) in parts.items():
        assert evaluate(expression) == printed == getattr(plan, name), name
    assert "(what each layer keeps for its backward pass)" in text


def test_markdown_and_html_show_the_same_block():
    e = explain(cnn(), batch_size=16, optimizer="rmsprop")
    markdown = e.to_markdown()
    assert "- Training memory for a batch of 16 with RMSprop (float32):" in markdown
    assert part_lines(markdown) == part_lines(e.render())
    html = e.to_html()
    assert "Training memory for a batch of 16 with RMSprop (float32):" in html
    assert f"{e.training_memory.optimizer_expression} = {e.training_memory.optimizer:,}" in html


def test_json_holds_the_plan_and_the_per_layer_fields():
    e = explain(cnn(), batch_size=8, optimizer="lion")
    data = json.loads(e.to_json())
    assert data["training_memory"] == e.training_memory.to_dict()
    assert data["training_memory"]["total"] == e.training_memory.total
    conv = next(layer for layer in data["layers"] if layer["name"] == "conv")
    assert conv["gradient_bytes"] == (3 * 3 * 1 * 8 + 8) * 4
    assert conv["optimizer_bytes"] == conv["gradient_bytes"]  # Lion: one momentum per weight
    assert conv["activation_bytes"] == 8 * (12 * 12 * 1 + 10 * 10 * 8) * 4  # its input and the ReLU's output
    assert (conv["saved_elements"], conv["saved_formula"]) == (12 * 12 * 1 + 10 * 10 * 8, "12*12*1 + 10*10*8")


def test_what_if_policy_is_named_in_the_totals():
    model = cnn()
    e = explain(model, batch_size=2, optimizer="adam", dtype_policy="mixed_bfloat16")
    assert "with Adam (mixed_bfloat16, what-if)" in e.render()
    float32 = explain(model, batch_size=2, optimizer="adam").training_memory
    assert e.training_memory.activations * 2 == float32.activations
    assert all(str(v.dtype) == "float32" for v in model.weights)


def test_bad_optimizer_and_policy_say_what_to_give():
    with pytest.raises(ValueError, match="not a Keras optimizer name; give one such as 'adam'"):
        explain(cnn(), optimizer="adamm")
    with pytest.raises(ValueError, match="is not a Keras dtype policy"):
        explain(cnn(), dtype_policy="float33")


# ------------------------------------------------------------------ variables without values


def test_a_model_whose_variables_have_no_values_is_planned_without_making_one():
    """The config-only path builds models this way: every variable a shape and dtype, no value."""
    from keras.src.backend.common.stateless_scope import StatelessScope

    with StatelessScope(initialize_variables=False):
        model = keras.Sequential(
            [keras.Input((10,), dtype="int32"), layers.Embedding(100, 16), layers.LSTM(8), layers.Dense(3)],
            name="valueless",
        )
    made = []
    for variable in model.weights:
        assert variable._value is None  # private (Keras 3.15.1): the value a variable holds, None when deferred
        initializer = variable._initializer

        def counting(*args, _initializer=initializer, _path=variable.path, **kwargs):
            made.append(_path)
            return _initializer(*args, **kwargs)

        variable._initializer = counting
    e = explain(model, batch_size=4, optimizer="adam")
    assert made == []
    assert all(variable._value is None for variable in model.weights)
    plan = e.training_memory
    params = 100 * 16 + 4 * (16 * 8 + 8 * 8 + 8) + (8 * 3 + 3)
    assert plan.weights == plan.gradients == 4 * params
    assert plan.optimizer == 2 * 4 * params + 8 + 4
    # Embedding: its output once (no figure); LSTM: its input and 7 per unit per step; Dense: its input.
    assert plan.activations == 4 * (10 * 16 + (10 * 16 + 10 * 7 * 8) + 8) * 4


# ------------------------------------------------------------------ command line


@pytest.fixture
def cwd_is_the_worktree(monkeypatch, request):
    """module:callable names resolve against the working directory, as on the command line."""
    monkeypatch.chdir(request.config.rootpath)


def test_cli_optimizer_plans_training_memory(cwd_is_the_worktree, capsys):
    spec = "tests.test_training_memory_views:cnn"
    assert cli.main([spec, "--batch-size", "16", "--optimizer", "adam"]) == 0
    out = capsys.readouterr().out
    plan = training_memory(cnn(), batch_size=16, optimizer="adam")
    assert "Training memory for a batch of 16 with Adam (float32)" in out
    assert part_lines(out)["optimizer"] == (plan.optimizer, plan.optimizer_expression)
    assert cli.main([spec, "--optimizer", "sgd", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["training_memory"]["optimizer_name"] == "SGD"


def test_cli_recompute_plans_the_kept_activations(cwd_is_the_worktree, capsys):
    spec = "tests.test_training_memory_views:cnn"
    assert cli.main([spec, "--optimizer", "adam", "--recompute", "full", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["training_memory"]
    full = explain(cnn(), optimizer="adam", recompute="full").training_memory
    assert data["recompute"] == "full" and data["activations"] == full.activations
    # each row's inputs only: conv 12*12*1, pool 10*10*8, flat and logits 5*5*8 floats
    assert full.activations == (12 * 12 + 10 * 10 * 8 + 2 * 5 * 5 * 8) * 4


def test_cli_unknown_optimizer_is_one_line_and_exit_2(cwd_is_the_worktree, capsys):
    assert cli.main(["tests.test_training_memory_views:cnn", "--optimizer", "adamm"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--optimizer adamm" in err and "'adam'" in err


@pytest.mark.parametrize(
    ("extra", "code"),
    [([], 0), (["--fail-on-growth", "10"], 1), (["--fail-on-growth", "1000"], 0), (["--format", "json"], 0)],
)
def test_cli_diff_subcommand_exit_codes(cwd_is_the_worktree, capsys, extra, code):
    argv = ["diff", "tests.test_diff:base_cnn", "tests.test_diff:widened_cnn", *extra]
    assert cli.main(argv) == code
    out, err = capsys.readouterr()
    if "json" in extra:
        assert json.loads(out)["params_delta"] > 0
    else:
        assert out.startswith("Diff: cnn -> cnn")
    assert ("more than --fail-on-growth 10%" in err) == (code == 1)


def test_cli_diff_bad_input_exits_2_with_one_line(tmp_path, capsys):
    assert cli.main(["diff", str(tmp_path / "a.keras"), "tests.test_diff:base_cnn"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ascii-explain diff: ") and "no such file" in err


def test_diff_accepts_paths_and_module_callables(cwd_is_the_worktree, tmp_path):
    from ascii_explain import diff
    from tests.test_diff import base_cnn, widened_cnn

    path = tmp_path / "base.keras"
    base_cnn().save(path)
    by_path = diff(path, "tests.test_diff:widened_cnn")
    by_model = diff(base_cnn(), widened_cnn())
    assert by_path.params_delta == by_model.params_delta == widened_cnn().count_params() - base_cnn().count_params()
