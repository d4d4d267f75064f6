"""Issue 15's acceptance: ``explain(path)`` and ``ascii-explain PATH`` on models too large to build here.

A crafted ``.keras`` whose config.json describes Llama-2-7B and whose weights
file is a tiny Llama's, and a keras-hub preset directory holding the 7B config,
are explained with Keras's exact totals (6,738,415,616) through ``explain(path)``
and through the installed command line in a subprocess. A guard fails the run
if any weight value is allocated or read (27 GB if one were); the zip spy shows
the weights file is never opened.
"""

from __future__ import annotations

import json
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
from keras.src.backend.common.stateless_scope import StatelessScope

from ascii_explain import cli, explain, trace
from ascii_explain.read.unallocated import keep_unallocated

from .cli_support import run_cli, subprocess_env
from .stateless_support import (
    LLAMA_7B,
    LLAMA_7B_PUBLISHED_PARAMS,
    archive_config,
    install_value_guard,
    llama_params,
    refuse_values,
    spy_on_zip_members,
    write_llama_7b_archive,
    write_llama_7b_preset,
)

keras_hub = pytest.importorskip("keras_hub")

SEVEN_B = f"{LLAMA_7B_PUBLISHED_PARAMS:,}"  # "6,738,415,616"

# A user's module for module:callable: Llama-2-7B built in a stateless scope, as the README shows.
USER_MODULE = "stateless_user_models"
USER_MODULE_SOURCE = textwrap.dedent(
    f"""
    import keras_hub
    from keras.src.backend.common.stateless_scope import StatelessScope


    def llama_7b():
        with StatelessScope(initialize_variables=False):
            return keras_hub.models.LlamaBackbone(**{LLAMA_7B!r})
    """
)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("config_only")
    write_llama_7b_archive(directory)
    write_llama_7b_preset(directory / "llama2_7b_en")
    (directory / f"{USER_MODULE}.py").write_text(USER_MODULE_SOURCE, encoding="utf-8")
    small = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")], name="small")
    small.save(directory / "small.keras")
    (directory / "small_config.json").write_text(json.dumps(archive_config(directory / "small.keras")))
    lambda_model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x * 2, name="doubled")])
    lambda_model.save(directory / "lambda.keras")
    unknown = {"module": "my_layers", "class_name": "Mystery", "config": {}, "registered_name": "my_layers>Mystery"}
    (directory / "unknown.json").write_text(json.dumps(unknown))
    (directory / "notes").mkdir()
    (directory / "notes" / "readme.txt").write_text("not a model")
    (directory / "saved_model").mkdir()
    (directory / "saved_model" / "saved_model.pb").write_bytes(b"")
    return directory


@pytest.fixture
def zip_members_opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_on_zip_members(monkeypatch)


def assert_exact_7b(explanation: Any) -> None:
    assert llama_params(**LLAMA_7B) == LLAMA_7B_PUBLISHED_PARAMS  # the independent count
    assert explanation.keras_total_params == LLAMA_7B_PUBLISHED_PARAMS  # Keras's count_params()
    assert explanation.total_params == LLAMA_7B_PUBLISHED_PARAMS  # our formulas
    assert explanation.totals_match
    assert SEVEN_B in str(explanation)


def spy_on_load_model(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths ``keras.saving.load_model`` is called with: the one way values are loaded from a .keras."""
    loaded: list[str] = []
    real_load = keras.saving.load_model

    def spy(path: Any, **kwargs: Any) -> Any:
        loaded.append(path)
        return real_load(path, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", spy)
    return loaded


# ----------------------------------------------------------------- explain(path)


def test_explain_a_crafted_7b_keras_archive_reads_only_its_config(files, zip_members_opened, monkeypatch):
    refused = refuse_values(monkeypatch)

    explanation = explain(files / "llama_7b.keras")

    assert zip_members_opened == ["config.json"]
    assert refused == []
    assert explanation.model_class == "LlamaBackbone"
    assert_exact_7b(explanation)


def test_explain_a_7b_preset_directory(files, monkeypatch):
    refused = refuse_values(monkeypatch)

    explanation = explain(str(files / "llama2_7b_en"), expand_nested=True)

    assert refused == []
    assert_exact_7b(explanation)
    assert any(record.depth > 0 for record in explanation.layers)


def test_explain_a_config_json(files):
    explanation = explain(files / "small_config.json")
    assert explanation.keras_total_params == explanation.total_params == 3 * 2 + 2


def test_explain_path_with_weights_loads_them(files, monkeypatch):
    loaded = spy_on_load_model(monkeypatch)

    explain(files / "small.keras")
    assert loaded == []  # config only
    explanation = explain(files / "small.keras", weights=True)
    assert loaded == [str(files / "small.keras")]
    assert explanation.keras_total_params == 8


def test_path_options_are_refused_for_a_model_object():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(TypeError, match="apply when explain\\(\\) is given a path"):
        explain(model, weights=True)


def test_explain_path_lambda_needs_safe_mode_off(files):
    from ascii_explain.read.stateless import StatelessModelError

    with pytest.raises(StatelessModelError, match="safe_mode=False"):
        explain(files / "lambda.keras")
    explanation = explain(files / "lambda.keras", safe_mode=False)
    assert [record.name for record in explanation.layers] == ["doubled"]


# ----------------------------------------------------------------- trace needs values


def test_trace_of_a_path_loads_the_weights(files):
    sample = np.arange(3, dtype="float32")
    saved = keras.saving.load_model(files / "small.keras")

    result = trace(files / "small.keras", sample)

    np.testing.assert_allclose(result.output, keras.ops.convert_to_numpy(saved(sample[None])), rtol=1e-6)


def test_trace_refuses_a_model_with_shapes_only():
    with StatelessScope(initialize_variables=False):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    keep_unallocated(model)
    with pytest.raises(ValueError, match="needs weight values.*random numbers"):
        trace(model, np.zeros(3, dtype="float32"))
    assert all(variable._value is None for variable in model.variables)


# ----------------------------------------------------------------- the command line, in a subprocess


def run_guarded(*args: str, cwd: Path) -> tuple[Any, str]:
    """``ascii-explain ARGS --custom value_guard.py``: the result, and the guard's log."""
    env = subprocess_env()
    guard, log = install_value_guard(Path(tempfile.mkdtemp(dir=cwd, prefix="guard_")), env)
    result = run_cli(*args, "--custom", str(guard), cwd=cwd, env=env)
    return result, log.read_text(encoding="utf-8") if log.exists() else ""


@pytest.mark.parametrize("argument", ["llama_7b.keras", "llama2_7b_en", f"{USER_MODULE}:llama_7b"])
def test_cli_explains_7b_with_kerass_exact_totals_and_no_value(files, argument):
    result, guard_log = run_guarded(argument, "--format", "json", cwd=files)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert guard_log == "guard installed\n"  # nothing allocated, nothing read
    data = json.loads(result.stdout)
    assert data["model"]["class"] == "LlamaBackbone"
    totals = data["totals"]
    assert totals["keras_params"] == totals["params"] == LLAMA_7B_PUBLISHED_PARAMS
    assert totals["match"] is True


def test_cli_guard_would_catch_an_allocation(files):
    """The guard is real: explaining with --weights loads the values, and the guard refuses them."""
    result, guard_log = run_guarded("small.keras", "--weights", cwd=files)
    assert result.returncode == 2
    assert "value guard: allocated" in result.stderr
    assert "allocated: " in guard_log


def test_cli_lambda_refused_in_one_line_then_explained_with_no_safe_mode(files):
    refused = run_cli("lambda.keras", cwd=files)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith("ascii-explain: lambda.keras: ")
    assert "safe mode" in refused.stderr and "--no-safe-mode" in refused.stderr

    allowed = run_cli("lambda.keras", "--no-safe-mode", "--format", "json", cwd=files)
    assert allowed.returncode == 0, allowed.stderr
    assert [layer["name"] for layer in json.loads(allowed.stdout)["layers"]] == ["doubled"]


# ----------------------------------------------------------------- bad input through the CLI: one line, exit 2


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["unknown.json"], ["unknown class 'Mystery'", "--custom"]),
        (["small.keras", "--max-config-bytes", "100"], ["over the 100-byte cap", "--max-config-bytes"]),
        (["notes"], ["neither a keras-hub preset", "nor a SavedModel"]),
        (["saved_model"], ["TensorFlow SavedModel", "TFSMLayer"]),
        (["small_config.json", "--weights"], ["holds no weights"]),
        (["missing_dir/"], ["no such file"]),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(files, monkeypatch, capsys, arguments, expected):
    monkeypatch.chdir(files)
    assert cli.main(arguments) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"ascii-explain: {arguments[0]}: ")
    for words in expected:
        assert words in lines[0]


def test_cli_keras_hub_preset_without_keras_hub_says_how_to_install(files, monkeypatch, capsys):
    monkeypatch.chdir(files)
    monkeypatch.setitem(sys.modules, "keras_hub", None)  # `import keras_hub` raises ImportError
    assert cli.main(["llama2_7b_en"]) == 2
    line = capsys.readouterr().err.strip()
    assert "\n" not in line
    assert line.startswith("ascii-explain: llama2_7b_en: ") and 'pip install "ascii_explain[hub]"' in line


def test_cli_file_options_without_a_file_are_refused(capsys):
    assert cli.main(["--example", "seed000", "--weights"]) == 2
    assert "--weights apply to a model file or preset directory" in capsys.readouterr().err


def test_cli_weights_flag_loads_the_values(files, monkeypatch, capsys):
    monkeypatch.chdir(files)
    loaded = spy_on_load_model(monkeypatch)
    assert cli.main(["small.keras"]) == 0
    assert loaded == []
    assert cli.main(["small.keras", "--weights"]) == 0
    assert loaded == ["small.keras"]
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------- with issue 14's input_shape


def llama_macs(tokens: int, num_layers: int, hidden_dim: int, intermediate_dim: int, **_: Any) -> int:
    """Mult-adds of a LlamaBackbone forward at ``tokens`` (MHA: kv heads = query heads), counted independently.

    Per decoder layer: q, k, v and output projections T*H*H each; scores QK^T and
    the weighted values T*T*H each (all heads together, full attention as Keras
    computes it, mask applied after); gate, up and down projections T*H*I each.
    Embedding lookups, norms and rotary embeddings count 0 (the README's convention).
    """
    per_layer = 4 * tokens * hidden_dim * hidden_dim + 2 * tokens * tokens * hidden_dim
    per_layer += 3 * tokens * hidden_dim * intermediate_dim
    return num_layers * per_layer


def kv_cache_bytes(
    tokens: int, num_layers: int, num_key_value_heads: int, num_query_heads: int, hidden_dim: int, **_: Any
) -> int:
    """2 (keys, values) x layers x tokens x kv heads x head dim x 4 bytes (float32)."""
    return 2 * num_layers * tokens * num_key_value_heads * (hidden_dim // num_query_heads) * 4


def test_7b_preset_mult_adds_and_kv_cache_at_4096_tokens(files, monkeypatch):
    expected_macs = llama_macs(4096, **LLAMA_7B)
    expected_kv = kv_cache_bytes(4096, **LLAMA_7B)
    assert expected_kv == 4 * 1024**3  # 4 GiB of float32 keys and values

    refused = refuse_values(monkeypatch)
    explanation = explain(files / "llama2_7b_en", input_shape=(1, 4096))  # type: ignore[call-arg]
    assert refused == []
    assert explanation.total_macs == expected_macs
    assert list(explanation.macs_unknown) == []
    assert explanation.kv_cache_bytes == expected_kv  # type: ignore[attr-defined]

    result, guard_log = run_guarded("llama2_7b_en", "--input-shape", "1,4096", "--format", "json", cwd=files)
    assert result.returncode == 0, result.stderr
    assert guard_log == "guard installed\n"
    assert json.loads(result.stdout)["costs"]["macs"] == expected_macs
    text, _ = run_guarded("llama2_7b_en", "--input-shape", "1,4096", cwd=files)
    assert f"{expected_macs:,}" in text.stdout and "key/value cache" in text.stdout.lower()
