"""Models built from a config with no weight value allocated (issue 15): files, presets, bad input.

The 7B figures are never allocated: each test would need 27 GB if a single
variable were initialised, and the guards (initializer call counters,
``Variable._value is None``, a spy on the zip members read) fail first.
The command line and ``explain(path)`` are tested in test_config_only_paths.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import keras
import pytest
from keras.src.backend.common.stateless_scope import StatelessScope

from ascii_explain import explain
from ascii_explain.read.stateless import StatelessModelError, model_from_config, model_from_path
from ascii_explain.read.unallocated import is_stateless, keep_unallocated, unallocated_variables

from .cli_support import subprocess_env
from .stateless_support import (
    LLAMA_7B,
    LLAMA_7B_PUBLISHED_PARAMS,
    TINY_LLAMA,
    ValueWatch,
    archive_config,
    llama_params,
    spy_on_zip_members,
    write_archive,
    write_llama_7b_preset,
)

keras_hub = pytest.importorskip("keras_hub")


@pytest.fixture
def zip_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of every zip member opened (ZipFile.read goes through ZipFile.open)."""
    return spy_on_zip_members(monkeypatch)


def assert_explained_exactly(model: Any, expected: int) -> None:
    """Keras's count, explain()'s formulas and the expected figure agree, and no value was touched."""
    watch = ValueWatch(model)
    assert model.count_params() == expected
    explanation = explain(model)
    assert explanation.keras_total_params == expected
    assert explanation.total_params == expected
    assert explanation.totals_match
    assert str(explanation)  # the diagram renders
    watch.assert_untouched()


# ----------------------------------------------------------------- .keras archives


def test_keras_archive_with_a_7b_llama_config_and_a_garbage_weights_file(tmp_path, zip_reads):
    tiny = keras_hub.models.LlamaBackbone(**TINY_LLAMA)
    tiny.save(tmp_path / "tiny.keras")
    config = archive_config(tmp_path / "tiny.keras")
    config["config"].update(LLAMA_7B)  # the tiny model's saved config, at 7B sizes
    path = write_archive(tmp_path / "llama7b.keras", config, weights=b"not an HDF5 file" * 64)
    zip_reads.clear()

    model = model_from_path(path)

    assert zip_reads == ["config.json"]
    assert is_stateless(model)
    expected = llama_params(**LLAMA_7B)
    assert expected == LLAMA_7B_PUBLISHED_PARAMS
    assert_explained_exactly(model, expected)


def test_keras_archive_of_a_plain_keras_sequential_at_four_billion_parameters(tmp_path, zip_reads):
    tiny = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(4)])
    tiny.save(tmp_path / "tiny.keras")
    with zipfile.ZipFile(tmp_path / "tiny.keras") as archive:
        tiny_weights = archive.read("model.weights.h5")  # a real, tiny weights file
    config = archive_config(tmp_path / "tiny.keras")
    features, hidden = 4096, 500_000
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, features]
    config["config"]["layers"][1]["config"]["units"] = hidden
    config["config"]["layers"][2]["config"]["units"] = features
    for layer in config["config"]["layers"][1:]:
        layer.pop("build_config", None)  # the saved build shapes were the tiny model's
    config["config"]["build_input_shape"] = [None, features]
    config["build_config"] = {"input_shape": [None, features]}
    path = write_archive(tmp_path / "wide.keras", config, weights=tiny_weights)
    zip_reads.clear()

    model = model_from_path(path)

    assert zip_reads == ["config.json"]
    expected = (features * hidden + hidden) + (hidden * features + features)
    assert expected > 4_000_000_000
    assert_explained_exactly(model, expected)


def test_a_config_file_as_stored_in_a_keras_archive(tmp_path):
    source = keras.Sequential([keras.Input((5,)), keras.layers.Dense(7), keras.layers.BatchNormalization()])
    source.save(tmp_path / "m.keras")
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(archive_config(tmp_path / "m.keras")))

    model = model_from_path(config_path)

    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "BatchNormalization"]
    assert_explained_exactly(model, source.count_params())
    assert unallocated_variables(model) == list(model.variables)


def test_weights_true_loads_the_values(tmp_path):
    source = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    source.save(tmp_path / "m.keras")

    model = model_from_path(tmp_path / "m.keras", weights=True)

    assert not is_stateless(model)
    assert unallocated_variables(model) == []
    for loaded, saved in zip(model.weights, source.weights, strict=True):
        assert (keras.ops.convert_to_numpy(loaded) == keras.ops.convert_to_numpy(saved)).all()


def test_plain_keras_config_does_not_import_keras_hub(tmp_path):
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(tmp_path / "m.keras")
    script = (
        "import sys; from ascii_explain.read.stateless import model_from_path; "
        f"m = model_from_path({str(tmp_path / 'm.keras')!r}); "
        "print(m.count_params(), 'keras_hub' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["8", "False"]


# ----------------------------------------------------------------- keras-hub presets


def test_keras_hub_preset_directory_holding_llama_2_7b(tmp_path):
    preset = write_llama_7b_preset(tmp_path / "llama2_7b_en")

    model = model_from_path(preset)

    assert type(model).__name__ == "LlamaBackbone"
    assert is_stateless(model)
    metadata = json.loads((preset / "metadata.json").read_text())
    assert model.count_params() == metadata["parameter_count"] == llama_params(**LLAMA_7B)
    assert_explained_exactly(model, LLAMA_7B_PUBLISHED_PARAMS)


def test_keras_hub_task_config_builds_without_its_preprocessor(tmp_path):
    backbone = keras_hub.models.LlamaBackbone(**TINY_LLAMA)
    config = keras.saving.serialize_keras_object(keras_hub.models.LlamaCausalLM(backbone=backbone, preprocessor=None))
    # A real task config names a tokenizer whose vocabulary lives in assets/; it is never built.
    config["config"]["preprocessor"] = {"module": "no_such_module", "class_name": "Missing", "config": {}}
    preset = tmp_path / "task"
    preset.mkdir()
    (preset / "config.json").write_text(json.dumps(config))

    model = model_from_path(preset)

    assert type(model).__name__ == "LlamaCausalLM"
    assert model.preprocessor is None
    assert_explained_exactly(model, backbone.count_params())


def test_hugging_face_config_in_a_preset_directory_goes_through_keras_hubs_converter(tmp_path):
    preset = tmp_path / "hf_llama"
    preset.mkdir()
    hf_config = {
        "model_type": "llama",
        "vocab_size": 32000,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
        "hidden_size": 4096,
        "intermediate_size": 11008,
        "rms_norm_eps": 1e-05,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
    }
    (preset / "config.json").write_text(json.dumps(hf_config))
    try:
        import safetensors  # noqa: F401 - keras-hub's Hugging Face loader imports it
    except ImportError:
        assert "pip install safetensors" in one_line_error(preset)
        pytest.skip("safetensors is not installed: only the one-line hint was checked")

    model = model_from_path(preset)

    assert is_stateless(model)
    assert_explained_exactly(model, LLAMA_7B_PUBLISHED_PARAMS)


# ----------------------------------------------------------------- models the user builds stateless


def test_explain_never_touches_a_value_of_a_model_the_user_built_stateless():
    with StatelessScope(initialize_variables=False):
        model = keras_hub.models.LlamaBackbone(**LLAMA_7B)
    try:
        assert is_stateless(model)
        assert_explained_exactly(model, LLAMA_7B_PUBLISHED_PARAMS)
    finally:
        # Otherwise the next test's first symbolic call allocates all 27 GB of it.
        keep_unallocated(model)
    assert _pending_ids().isdisjoint(id(variable) for variable in model.variables)


def _pending_ids() -> set[int]:
    from keras.src.backend.common import global_state

    return {id(v) for v in global_state.get_global_attribute("uninitialized_variables", []) or []}


def test_explain_never_touches_a_value_of_a_functional_keras_model_built_stateless():
    with StatelessScope(initialize_variables=False):
        inputs = keras.Input((32, 32, 3))
        x = keras.layers.Conv2D(8, 3)(inputs)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, keras.layers.Dense(10)(x))
    keep_unallocated(model)
    expected = (3 * 3 * 3 * 8 + 8) + 4 * 8 + (8 * 10 + 10)
    assert_explained_exactly(model, expected)
    # Explaining again, and taking the macs and memory figures, reads no value either.
    watch = ValueWatch(model)
    explanation = explain(model)
    assert explanation.total_macs > 0 and explanation.param_bytes == expected * 4
    watch.assert_untouched()


def test_a_symbolic_call_after_building_from_a_path_allocates_nothing(tmp_path):
    """The reason for taking the variables off Keras's deferred-initialisation list.

    Keras 3.15.1: leaving any outermost default ``StatelessScope`` (as the
    TensorFlow backend's ``compute_output_spec`` does) initialises every
    variable created in a stateless scope and not initialised yet.
    """
    from keras.src import backend

    with StatelessScope(initialize_variables=False):
        left_pending = keras.layers.Dense(4)
        left_pending.build((None, 3))
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)]).save(tmp_path / "m.keras")
    model = model_from_path(tmp_path / "m.keras")

    backend.compute_output_spec(lambda x: model.layers[0](x), keras.KerasTensor((None, 3)))

    assert is_stateless(model)
    assert left_pending.kernel._value is not None  # what the list does to a variable left on it


# ----------------------------------------------------------------- bad input, one line each


def one_line_error(path: Any, **kwargs: Any) -> str:
    with pytest.raises(StatelessModelError) as caught:
        model_from_path(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def test_unknown_class_names_the_class_and_the_custom_hint(tmp_path):
    config = {"module": "my_layers", "class_name": "Mystery", "config": {}, "registered_name": "my_layers>Mystery"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    message = one_line_error(tmp_path / "config.json")
    assert "'Mystery'" in message and "--custom" in message and "custom_objects" in message


def test_unknown_layer_inside_a_sequential(tmp_path):
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(tmp_path / "m.keras")
    config = archive_config(tmp_path / "m.keras")
    config["config"]["layers"][1].update(module="my_layers", class_name="Fancy", registered_name="my_layers>Fancy")
    message = one_line_error(write_archive(tmp_path / "x.keras", config, b""))
    assert "'Fancy'" in message and "--custom" in message


def test_custom_objects_resolve_the_unknown_class(tmp_path):
    class Fancy(keras.layers.Dense):
        pass

    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(tmp_path / "m.keras")
    config = archive_config(tmp_path / "m.keras")
    config["config"]["layers"][1].update(module="my_layers", class_name="Fancy", registered_name="my_layers>Fancy")
    model = model_from_path(write_archive(tmp_path / "x.keras", config, b""), custom_objects={"my_layers>Fancy": Fancy})
    assert type(model.layers[0]) is Fancy and model.count_params() == 8


def test_keras_hub_config_without_keras_hub_says_how_to_install_it(tmp_path, monkeypatch):
    preset = write_llama_7b_preset(tmp_path / "preset")
    monkeypatch.setitem(sys.modules, "keras_hub", None)  # `import keras_hub` now raises ImportError
    message = one_line_error(preset)
    assert 'pip install "ascii_explain[hub]"' in message


def test_lambda_is_refused_in_safe_mode_with_the_way_out(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x * 2)])
    model.save(tmp_path / "lambda.keras")
    message = one_line_error(tmp_path / "lambda.keras")
    assert "Lambda" in message and "safe_mode=False" in message
    unsafe = model_from_path(tmp_path / "lambda.keras", safe_mode=False)
    assert [type(layer).__name__ for layer in unsafe.layers] == ["Lambda"]


def test_config_over_the_cap_is_refused_before_it_is_read(tmp_path, zip_reads):
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(tmp_path / "m.keras")
    size = zipfile.ZipFile(tmp_path / "m.keras").getinfo("config.json").file_size
    zip_reads.clear()
    message = one_line_error(tmp_path / "m.keras", max_config_bytes=size - 1)
    assert f"{size:,} bytes" in message and "cap" in message
    assert zip_reads == []  # refused from the zip directory's declared size
    (tmp_path / "config.json").write_text(json.dumps(archive_config(tmp_path / "m.keras")))
    assert "cap" in one_line_error(tmp_path / "config.json", max_config_bytes=100)


def test_a_directory_that_is_neither_a_preset_nor_a_saved_model(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    message = one_line_error(tmp_path)
    assert "neither a keras-hub preset" in message


def test_a_saved_model_directory_gets_its_own_hint(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"")
    message = one_line_error(tmp_path)
    assert "SavedModel" in message and "TFSMLayer" in message


def test_missing_file_and_other_unusable_paths(tmp_path):
    assert "no such file" in one_line_error(tmp_path / "absent.keras")
    assert "never downloads" in one_line_error("hf://keras/llama2_7b_en")
    (tmp_path / "bad.keras").write_bytes(b"not a zip")
    assert "not a valid .keras file" in one_line_error(tmp_path / "bad.keras")
    (tmp_path / "bad.json").write_text("{")
    assert "not valid JSON" in one_line_error(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    assert "not a Keras model config" in one_line_error(tmp_path / "list.json")
    (tmp_path / "model.txt").write_text("")
    assert "unsupported file type" in one_line_error(tmp_path / "model.txt")
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
    assert "no config.json inside" in one_line_error(tmp_path / "empty.keras")


def test_a_layer_config_is_not_a_model():
    config = keras.saving.serialize_keras_object(keras.layers.Dense(3))
    with pytest.raises(StatelessModelError, match="not a keras.Model"):
        model_from_config(config, "dense.json")


def test_every_view_of_a_7b_preset_reads_no_value(tmp_path):
    """The nested rows, the exports and summary() read configs and shapes only, like the diagram."""
    import ascii_explain

    model = model_from_path(write_llama_7b_preset(tmp_path / "llama2_7b_en"))
    watch = ValueWatch(model)
    nested = explain(model, expand_nested=True)
    assert nested.totals_match and nested.keras_total_params == LLAMA_7B_PUBLISHED_PARAMS
    assert any(record.depth > 0 for record in nested.layers)
    assert json.loads(nested.to_json())
    assert nested.to_html() and nested.to_markdown() and nested.table()
    lines: list[str] = []
    ascii_explain.summary(model, line_length=120, print_fn=lines.append, show_trainable=True)
    assert f"{LLAMA_7B_PUBLISHED_PARAMS:,}" in "\n".join(lines)
    watch.assert_untouched()


def test_a_symbolic_call_while_explaining_a_user_built_model_allocates_nothing_and_changes_nothing():
    """``read_model`` takes the model's variables off Keras's pending list, and leaves them off.

    ``compute_output_shape`` here makes a symbolic call (``compute_output_spec``,
    whose outermost ``StatelessScope`` initialises every pending variable on
    exit, Keras 3.15.1), as a layer without shape arithmetic of its own may.
    """
    from keras.src import backend

    class SymbolicShape(keras.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.scale

        def compute_output_shape(self, input_shape):
            return backend.compute_output_spec(self.call, keras.KerasTensor(input_shape)).shape

    with StatelessScope(initialize_variables=False):
        layer = SymbolicShape()
        layer.build((None, 4096))
    try:
        pending_before = _pending_ids()
        assert {id(v) for v in layer.variables} <= pending_before

        explanation = explain(layer)

        assert explanation.keras_total_params == 4096
        assert all(variable._value is None for variable in layer.variables)
        # Off Keras's list for good (the next symbolic call anywhere would allocate them); the rest as it was.
        assert _pending_ids() == pending_before - {id(v) for v in layer.variables}
    finally:
        keep_unallocated(layer)


# ----------------------------------------------------------------- nothing left behind, in one process


def readme_stateless_snippet() -> str:
    """The README's Python block that builds a 7B Llama without values and explains it, as printed there."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.+?)\n```", readme, flags=re.S)
    (snippet,) = [block for block in blocks if "StatelessScope(initialize_variables=False):" in block]
    return snippet


_AFTER_THE_SNIPPET = """
import resource
import keras
from keras.src.backend.common import global_state

pending = global_state.get_global_attribute("uninitialized_variables", []) or []
assert global_state.get_global_attribute("stateless_scope") is None
print("pending", len(pending))
inputs = keras.Input((None, 8))
small = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.Dense(8)(inputs)))
print("small macs", explain(small, input_shape=(1, 16, 8)).total_macs)
second = keras_hub.models.LlamaBackbone(vocabulary_size=64, num_layers=2, num_query_heads=2,
                                        num_key_value_heads=2, hidden_dim=8, intermediate_dim=16)
print("second", second.count_params())
print("policy", keras.config.dtype_policy().name)
print("peak", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def test_the_readme_7b_snippet_leaves_nothing_behind_for_the_next_calls(tmp_path):
    # One process, a cap on its address space: a single allocation of the 7B's 27 GB fails at once.
    cap = 8 * 2**30
    script = tmp_path / "after_7b.py"
    script.write_text(
        f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))\n"
        + "from ascii_explain import explain\n"  # imported by the README's block before
        + readme_stateless_snippet()
        + "\n"
        + _AFTER_THE_SNIPPET,
        encoding="utf-8",
    )
    env = subprocess_env()
    # Few threads, few malloc arenas: each reserves address space, which the cap counts.
    env.update(TF_CPP_MIN_LOG_LEVEL="3", TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    env.update(OMP_NUM_THREADS="1", MALLOC_ARENA_MAX="2")
    # TensorFlow's import alone can take a minute on a loaded machine: a longer wait than run_python's.
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.rsplit(" ", 1) for line in result.stdout.splitlines() if line.startswith(FIGURES))
    assert f"{LLAMA_7B_PUBLISHED_PARAMS:,}" in result.stdout  # the snippet's own explanation
    assert lines["pending"] == "0"  # nothing of the 7B left for Keras to allocate
    assert int(lines["small macs"]) == 16 * (8 * 8 + 8 * 4)
    assert int(lines["second"]) == _tiny_llama_params()
    assert lines["policy"] == "float32"
    assert int(lines["peak"]) < 3 * 2**30, int(lines["peak"]) / 2**30  # 27 GB if the 7B were ever allocated


FIGURES = ("pending", "small macs", "second", "policy", "peak")


def _tiny_llama_params() -> int:
    """The second backbone's count, from keras-hub's own build of the same config in this process."""
    sizes = dict(num_layers=2, num_query_heads=2, num_key_value_heads=2, hidden_dim=8, intermediate_dim=16)
    return int(keras_hub.models.LlamaBackbone(vocabulary_size=64, **sizes).count_params())
