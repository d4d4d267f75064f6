"""Model diff: layers paired by name then position, deltas checked against Keras's own counts."""

from __future__ import annotations

import json

import keras
import pytest
from keras import layers

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.cli_diff import diff_main
from ascii_explain.diff import ADDED, CHANGED, REMOVED, UNCHANGED, diff

# Module-level builders, so the CLI can load them as tests.test_diff:<name>.


def base_cnn(width=64, batch_norm=False, dropout=True, conv2_name="conv2"):
    stack = [
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(width, 3, activation="relu", name=conv2_name),
    ]
    if batch_norm:
        stack.append(layers.BatchNormalization(name="bn2"))
    stack.append(layers.GlobalAveragePooling2D(name="gap"))
    if dropout:
        stack.append(layers.Dropout(0.5, name="drop"))
    stack.append(layers.Dense(10, activation="softmax", name="logits"))
    return keras.Sequential(stack, name="cnn")


def widened_cnn():
    return base_cnn(width=128)


def narrowed_cnn():
    return base_cnn(width=48)


def statuses(model_diff):
    return [(row.status, row.name) for row in model_diff.rows]


def test_widened_layer():
    before, after = base_cnn(), widened_cnn()
    d = diff(before, after)
    assert statuses(d) == [
        (UNCHANGED, "conv1"),
        (UNCHANGED, "pool1"),
        (CHANGED, "conv2"),
        (CHANGED, "gap"),
        (CHANGED, "drop"),
        (CHANGED, "logits"),
    ]
    conv2 = d.rows[2]
    assert conv2.before is not None and conv2.after is not None
    assert conv2.changed_fields == ("params", "macs", "output_shape", "formula")
    assert (conv2.before.params, conv2.after.params) == (
        before.get_layer("conv2").count_params(),
        after.get_layer("conv2").count_params(),
    )
    assert evaluate(conv2.after.formula) == conv2.after.params == (3 * 3 * 32 + 1) * 128
    assert conv2.before.output_shape == (None, 11, 11, 64) and conv2.after.output_shape == (None, 11, 11, 128)
    assert d.rows[3].changed_fields == ("output_shape",)  # the pooling only passes the width on
    assert d.params_delta == after.count_params() - before.count_params() == sum(r.params_delta for r in d.rows)
    assert d.macs_delta == explain(after).total_macs - explain(before).total_macs > 0
    assert conv2.macs_delta == 11 * 11 * 3 * 3 * 32 * 64


def test_inserted_and_removed_layers_keep_their_places():
    d = diff(base_cnn(), base_cnn(batch_norm=True, dropout=False))
    assert statuses(d) == [
        (UNCHANGED, "conv1"),
        (UNCHANGED, "pool1"),
        (UNCHANGED, "conv2"),
        (ADDED, "bn2"),
        (UNCHANGED, "gap"),
        (REMOVED, "drop"),
        (UNCHANGED, "logits"),
    ]
    added = d.rows[3]
    assert added.before is None and added.params_delta == 4 * 64 == d.params_delta
    removed = d.rows[5]
    assert removed.after is None and removed.params_delta == 0
    text = d.to_text(100)
    assert " + " in text and " - " in text and "conv1" not in text  # unchanged rows hidden by default
    assert "conv1" in d.to_text(100, show_unchanged=True)


def test_removed_weighted_layer_counts_negative():
    d = diff(base_cnn(batch_norm=True), base_cnn())
    (removed,) = d.changes
    assert removed.status == REMOVED and removed.name == "bn2" and removed.params_delta == -256 == d.params_delta


def test_renamed_layer_pairs_by_position():
    d = diff(base_cnn(), base_cnn(conv2_name="conv_wide"))
    (renamed,) = d.changes
    assert renamed.status == CHANGED and renamed.renamed
    assert renamed.before is not None and renamed.after is not None
    assert (renamed.before.name, renamed.after.name) == ("conv2", "conv_wide")
    assert renamed.changed_fields == ("name",)
    assert d.params_delta == 0
    assert "renamed conv2 -> conv_wide" in d.to_text(100)


def test_renamed_and_widened_in_one():
    d = diff(base_cnn(), base_cnn(width=96, conv2_name="conv_wide"))
    row = next(row for row in d.rows if row.renamed)
    assert row.changed_fields == ("name", "params", "macs", "output_shape", "formula")
    assert not [row for row in d.rows if row.status in (ADDED, REMOVED)]


def test_identical_models_give_an_empty_diff():
    d = diff(base_cnn(), base_cnn())
    assert not d and d.changes == () and d.params_delta == 0 and d.macs_delta == 0
    assert all(row.status == UNCHANGED for row in d.rows) and len(d.rows) == 6
    assert "(no layer changed)" in d.to_text(100)
    assert d.to_dict()["params_delta"] == 0


def test_explanations_are_accepted_and_give_the_same_diff():
    a, b = base_cnn(), widened_cnn()
    assert diff(explain(a), explain(b)).to_dict() == diff(a, b).to_dict()


def test_json_and_markdown_views():
    d = diff(base_cnn(), base_cnn(width=128, batch_norm=True))
    data = json.loads(d.to_json())
    assert data["params_delta"] == d.params_delta
    assert [layer["status"] for layer in data["layers"]] == [row.status for row in d.rows]
    conv2 = next(layer for layer in data["layers"] if layer["name"] == "conv2")
    assert conv2["before"]["output_shape"] == [None, 11, 11, 64]
    assert conv2["after"]["params"] == (3 * 3 * 32 + 1) * 128
    markdown = d.to_markdown()
    assert "| ~ | conv2 | Conv2D | 18,496 -> 36,992 | +18,496 |" in markdown
    assert "| + | bn2 | BatchNormalization | 512 | +512 |" in markdown
    assert "conv1" not in markdown and "conv1" in d.to_markdown(show_unchanged=True)


def test_golden_widened(golden):
    before, after = base_cnn(), widened_cnn()
    text = diff(before, after).to_text(width=100)
    # Invariant checked alongside the picture: the printed total delta is Keras's own.
    delta = after.count_params() - before.count_params()
    assert f"Params: {before.count_params():,} -> {after.count_params():,} ({delta:+,}" in text
    golden("diff_widened.txt", text)


# ------------------------------------------------------------------ command line


@pytest.fixture
def cwd_is_the_worktree(monkeypatch, request):
    """module:callable names resolve against the working directory, as on the command line."""
    monkeypatch.chdir(request.config.rootpath)


@pytest.mark.parametrize(
    ("after", "option", "code"),
    [
        ("widened_cnn", [], 0),  # +98.3%, no threshold
        ("widened_cnn", ["--fail-on-growth", "50"], 1),
        ("widened_cnn", ["--fail-on-growth", "98.3"], 1),
        ("widened_cnn", ["--fail-on-growth", "98.4"], 0),
        ("narrowed_cnn", ["--fail-on-growth", "0"], 0),  # shrinking never fails
        ("base_cnn", ["--fail-on-growth", "0"], 0),  # no growth is not more than 0%
    ],
)
def test_fail_on_growth_exit_codes(cwd_is_the_worktree, capsys, after, option, code):
    assert diff_main(["tests.test_diff:base_cnn", f"tests.test_diff:{after}", *option]) == code
    out, err = capsys.readouterr()
    assert out.startswith("Diff: cnn -> cnn")
    assert ("more than --fail-on-growth" in err) == (code == 1)


def test_cli_formats_and_saved_files(cwd_is_the_worktree, tmp_path, capsys):
    path = tmp_path / "cnn.keras"
    base_cnn().save(path)
    assert diff_main([str(path), "tests.test_diff:widened_cnn", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["params_delta"] == widened_cnn().count_params() - base_cnn().count_params()
    assert diff_main([str(path), str(path), "--format", "markdown"]) == 0
    assert "Layers: 0 added, 0 removed, 0 changed, 6 unchanged" in capsys.readouterr().out


def test_cli_bad_input_is_one_line(tmp_path, capsys):
    assert diff_main([str(tmp_path / "missing.keras"), str(tmp_path / "missing.keras")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
