"""The command line, run as a user runs it: the installed ``ascii-explain`` script in a subprocess.

Each subprocess imports TensorFlow (about 3 s here), so each one checks several
things; checks that need no new process (every tabulate format, option
plumbing) call ``cli.main`` in this process.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
import sys
import textwrap
import warnings
from pathlib import Path

import keras
import pytest
from keras import layers
from tabulate import tabulate_formats

import ascii_explain
from ascii_explain import cli, explain
from ascii_explain.examples import EXAMPLES
from ascii_explain.read.files import is_callable_spec
from ascii_explain.views import exports as export

from .cli_support import file_fingerprint, install_network_guard, run_cli, run_python

USER_MODULE = "cli_test_user_models"
# A user's module: a registered custom layer (no formula in ascii_explain), builders for module:callable.
USER_MODULE_SOURCE = textwrap.dedent(
    '''
    import keras
    from keras import layers


    @keras.saving.register_keras_serializable(package="cli_test")
    class Scale(layers.Layer):
        """Learned factors no ascii_explain formula knows about, sized by nothing its config or shapes say."""

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1] + 3,), initializer="ones", name="scale")

        def call(self, x):
            return x * keras.ops.mean(self.scale)


    def build_with_custom_layer():
        inputs = keras.Input((6,))
        x = layers.Dense(4, name="dense_in")(inputs)
        x = Scale(name="scale")(x)
        return keras.Model(inputs, layers.Dense(2, name="dense_out")(x), name="with_custom")


    def build_clean():
        inputs = keras.Input((5,))
        return keras.Model(inputs, layers.Dense(3, name="head")(inputs), name="clean")


    def not_a_model():
        return 42
    '''
)


def functional_bn_model():
    """A functional model with BatchNormalization and a skip connection."""
    inputs = keras.Input((8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = layers.Concatenate(name="skip")([x, inputs])
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(2, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name="bn_functional")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Saved files in one directory: bn.keras, bn.h5, custom.keras, the user's module and bad files."""
    directory = tmp_path_factory.mktemp("models")
    (directory / f"{USER_MODULE}.py").write_text(USER_MODULE_SOURCE, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(USER_MODULE, directory / f"{USER_MODULE}.py")
    assert spec is not None and spec.loader is not None
    user_module = importlib.util.module_from_spec(spec)
    sys.modules[USER_MODULE] = user_module
    spec.loader.exec_module(user_module)

    model = functional_bn_model()
    with warnings.catch_warnings():
        # Keras 3.15.1's weight writers call np.array(variable), which NumPy 2 flags as deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        model.save(directory / "bn.keras")
        model.save(directory / "bn.h5")  # legacy HDF5 (Keras also logs a "legacy format" warning)
        user_module.build_with_custom_layer().save(directory / "custom.keras")
    (directory / "junk.keras").write_bytes(b"this is not a zip archive\n")
    (directory / "truncated.h5").write_bytes((directory / "bn.h5").read_bytes()[:4096])
    (directory / "a_directory").mkdir()
    yield directory, model
    sys.modules.pop(USER_MODULE, None)


def layer_names(model) -> list[str]:
    return [layer.name for layer in model.layers]


def test_keras_file_is_explained_offline_and_left_unchanged(models, tmp_path):
    directory, model = models
    path = directory / "bn.keras"
    before = file_fingerprint(path)
    env, guard_log = install_network_guard(tmp_path)

    result = run_cli(str(path), "--check", cwd=directory, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "TensorFlow's log lines or warnings leaked onto stderr"
    for name in layer_names(model):
        assert name in result.stdout
    assert f"Total params: {model.count_params():,}" in result.stdout
    assert "agrees with Keras" in result.stdout
    assert guard_log.read_text() == "guard installed\n", "loading tried to use the network"
    assert file_fingerprint(path) == before


def test_h5_file_as_json_to_output_file(models, tmp_path):
    directory, model = models
    path = directory / "bn.h5"
    before = file_fingerprint(path)
    output = directory / "bn.json"
    env, guard_log = install_network_guard(tmp_path)

    result = run_cli(str(path), "--format", "json", "--output", str(output), cwd=directory, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    data = json.loads(output.read_text(encoding="utf-8"))
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert data["totals"]["params"] == data["totals"]["keras_params"] == model.count_params()
    assert data["totals"]["trainable"] == trainable
    assert data["totals"]["non_trainable"] == 2 * 4  # BatchNormalization's moving mean and variance
    assert [layer["name"] for layer in data["layers"]] == layer_names(model)
    assert all(layer["matches"] and layer["source"] == "formula" for layer in data["layers"])
    assert data["layers"][layer_names(model).index("bn")]["class_name"] == "BatchNormalization"
    assert guard_log.read_text() == "guard installed\n", "loading tried to use the network"
    assert file_fingerprint(path) == before


def _looks_like_html(text: str) -> bool:
    # The notebook view: its root, the header, and bn's row in the tree.
    return text.startswith('<div class="ascii-explain"') and 'class="ae-header"' in text and 'data-layer="bn"' in text


def _looks_like_markdown(text: str) -> bool:
    lines = text.splitlines()
    return all(line.startswith("|") for line in lines) and "= (3*3*3+1)*4 = " in text and lines[1].startswith("|--")


def _looks_like_rst(text: str) -> bool:
    return text.splitlines()[0].startswith("====") and "BatchNormalization" in text


@pytest.mark.parametrize(
    ("fmt", "looks_right"),
    [("html", _looks_like_html), ("markdown", _looks_like_markdown), ("rst", _looks_like_rst)],
)
def test_formats_through_the_console_script(models, fmt, looks_right):
    """text and json are covered above; every tabulate format is checked in-process below."""
    directory, model = models
    result = run_cli(str(directory / "bn.keras"), "--format", fmt, cwd=directory)
    assert result.returncode == 0, result.stderr
    assert looks_right(result.stdout), result.stdout
    assert f"{model.count_params():,}" in result.stdout


# "html" is both: the CLI's own HTML (export.to_html, the notebook's table) wins over tabulate's.
@pytest.mark.parametrize("fmt", [*cli.OWN_FORMATS, *(f for f in tabulate_formats if f not in cli.OWN_FORMATS)])
def test_every_format_writes_what_the_exporter_gives(models, fmt, tmp_path):
    directory, model = models
    output = tmp_path / "out.txt"
    assert cli.main([str(directory / "bn.keras"), "--format", fmt, "--output", str(output), "--width", "90"]) == 0
    explanation = explain(keras.saving.load_model(directory / "bn.keras", compile=False))
    expected = {
        "text": lambda: explanation.render(width=90),
        "json": lambda: export.to_json(explanation),
        "html": lambda: export.to_html(explanation),
    }.get(fmt, lambda: export.to_table(explanation, fmt))()
    assert output.read_text(encoding="utf-8") == expected + "\n"
    assert f"{model.count_params():,}" in expected


def test_check_lists_a_custom_layer_and_exits_1(models):
    directory, _ = models
    result = run_cli("custom.keras", "--custom", USER_MODULE, "--check", cwd=directory)

    assert result.returncode == 1, result.stderr
    problems = result.stderr.splitlines()
    assert problems == [line for line in problems if line.startswith("ascii-explain: --check: ")]
    assert len(problems) == 1, problems
    assert "layer 'scale' (Scale): no registered formula" in problems[0]
    assert "scale 7 = 7" in problems[0]  # 4 features + 3
    assert "dense_in" in result.stdout, "the explanation is still printed"


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        ("missing.keras", "no such file"),
        ("a_directory", "neither a keras-hub preset (no config.json) nor a SavedModel"),
        ("junk.keras", "not a valid .keras file"),
        ("truncated.h5", "cannot load the model: OSError"),
        ("custom.keras", "unknown class 'Scale'"),
        (f"{USER_MODULE}:not_a_model", "not_a_model() returned a builtins.int, not a keras.Model"),
    ],
)
def test_bad_input_exits_2_with_one_line(models, argument, problem):
    directory, _ = models
    result = run_cli(argument, cwd=directory)

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"ascii-explain: {argument}: ")
    assert problem in lines[0]
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(models):
    directory, _ = models
    result = run_cli("missing.keras", "--debug", cwd=directory)
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("ascii-explain: missing.keras: no such file")


def test_module_callable_is_explained_and_checked(models):
    directory, _ = models
    result = run_cli(f"{USER_MODULE}:build_clean", "--check", "--format", "github", cwd=directory)
    assert result.returncode == 0, result.stderr
    assert "| head " in result.stdout
    assert "= (5+1)*3 = 18`" in result.stdout  # the arithmetic in a code span


def test_python_dash_m_explains_the_builtin_example(tmp_path):
    result = run_python("-m", "ascii_explain", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"]["name"] == "seed002_vgg_mnist"
    assert data["totals"]["params"] == EXAMPLES["seed002"]().count_params() == 329_962


def test_cli_and_plugin_import_without_keras(tmp_path):
    """pytest imports the plugin in every session; the CLI reports a missing file without TensorFlow."""
    code = (
        "import sys, ascii_explain, ascii_explain.cli, ascii_explain.pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow')))"
    )
    result = run_python("-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_output_never_overwrites_the_model_file(models, capsys):
    directory, _ = models
    path = directory / "bn.keras"
    before = file_fingerprint(path)
    assert cli.main([str(path), "--output", str(path)]) == 2
    assert "is the model file itself" in capsys.readouterr().err
    assert file_fingerprint(path) == before


def test_expand_nested_and_batch_size_reach_an_explain_that_takes_them(models, monkeypatch, capsys):
    directory, _ = models
    real_explain = ascii_explain.explain
    received: dict[str, object] = {}

    def explain_with_options(model, *, width=None, ascii_only=False, expand_nested=False, batch_size=None):
        received.update(expand_nested=expand_nested, batch_size=batch_size)
        return real_explain(model, width=width, ascii_only=ascii_only)

    monkeypatch.setattr(ascii_explain, "explain", explain_with_options)
    assert cli.main([str(directory / "bn.keras"), "--expand-nested", "--batch-size", "32"]) == 0
    assert received == {"expand_nested": True, "batch_size": 32}
    assert "not supported" not in capsys.readouterr().err


def test_the_real_explain_signature_decides(models, capsys):
    directory, _ = models
    accepted = inspect.signature(ascii_explain.explain).parameters
    assert cli.main([str(directory / "bn.keras"), "--batch-size", "8"]) == 0
    assert ("--batch-size is not supported" in capsys.readouterr().err) == ("batch_size" not in accepted)


def test_unknown_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--format", "yaml"])
    assert exit_info.value.code == 2
    assert "unknown format 'yaml'" in capsys.readouterr().err


def test_example_and_path_together_are_refused(capsys, tmp_path):
    assert cli.main([str(tmp_path / "x.keras"), "--example", "seed000"]) == 2
    assert "not both" in capsys.readouterr().err


def test_path_resolution_prefers_an_existing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert is_callable_spec("pkg.models:build")
    Path("pkg.models:build").write_text("")
    assert not is_callable_spec("pkg.models:build")
