"""Shared by the config-only tests: Llama-2-7B's sizes, preset directories and .keras archives written
by hand, and guards that fail when any weight value is computed or stored.

The 7B figures are never allocated: a single initialised variable would cost
27 GB, and the guards fail first.
"""

from __future__ import annotations

import json
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import keras

# Llama-2-7B as keras-hub's llama2_7b_en preset describes it.
LLAMA_7B = {
    "vocabulary_size": 32000,
    "num_layers": 32,
    "num_query_heads": 32,
    "num_key_value_heads": 32,
    "hidden_dim": 4096,
    "intermediate_dim": 11008,
}
LLAMA_7B_PUBLISHED_PARAMS = 6_738_415_616  # Meta's Llama-2-7B parameter count

TINY_LLAMA = {
    "vocabulary_size": 11,
    "num_layers": 1,
    "num_query_heads": 2,
    "num_key_value_heads": 2,
    "hidden_dim": 8,
    "intermediate_dim": 16,
}


def llama_params(vocabulary_size, num_layers, num_query_heads, num_key_value_heads, hidden_dim, intermediate_dim):
    """LlamaBackbone's count, from keras-hub 0.32.0's build() of each part.

    Untied ReversibleEmbedding: embeddings V*H + reverse_embeddings H*V.
    Per decoder layer: query and output projections H*H each, key and value
    H*(kv_heads*head_dim) each; gate, intermediate and output dense H*I each
    (no biases); two RMS norms H each. Final RMS norm H.
    """
    head_dim = hidden_dim // num_query_heads
    kv = num_key_value_heads * head_dim
    attention = 2 * hidden_dim * hidden_dim + 2 * hidden_dim * kv
    feedforward = 3 * hidden_dim * intermediate_dim
    per_layer = attention + feedforward + 2 * hidden_dim
    return 2 * vocabulary_size * hidden_dim + num_layers * per_layer + hidden_dim


def llama_backbone_config(**sizes: Any) -> dict:
    """A LlamaBackbone config.json as keras-hub's KerasPresetSaver writes it (build/compile configs popped)."""
    return {
        "module": "keras_hub.src.models.llama.llama_backbone",
        "class_name": "LlamaBackbone",
        "config": {
            "name": "llama_backbone",
            "trainable": True,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": "float32"},
                "registered_name": None,
            },
            "rope_max_wavelength": 10000,
            "rope_position_scaling_factor": 1.0,
            "layer_norm_epsilon": 1e-05,
            "dropout": 0,
            **sizes,
        },
        "registered_name": "keras_hub>LlamaBackbone",
    }


def write_llama_7b_preset(directory: Path) -> Path:
    """A preset directory as keras-hub's KerasPresetSaver lays it out; everything but config.json is junk."""
    directory.mkdir()
    (directory / "config.json").write_text(json.dumps(llama_backbone_config(**LLAMA_7B), indent=4))
    metadata = {
        "keras_version": "3.15.1",
        "keras_hub_version": "0.32.0",
        "parameter_count": LLAMA_7B_PUBLISHED_PARAMS,
        "date_saved": "2024-01-01@00:00:00",
        "tasks": ["CausalLM"],
    }
    (directory / "metadata.json").write_text(json.dumps(metadata, indent=4))
    (directory / "model.weights.h5").write_bytes(b"not an HDF5 file")
    (directory / "tokenizer.json").write_text("not a tokenizer")
    (directory / "preprocessor.json").write_text("not a preprocessor")
    (directory / "assets").mkdir()
    return directory


def write_archive(path: Path, config: dict, weights: bytes) -> Path:
    """A .keras archive as Keras writes one: metadata.json, config.json, model.weights.h5 (stored)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": keras.__version__}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights)
    return path


def archive_config(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def write_llama_7b_archive(directory: Path) -> Path:
    """A .keras whose config.json is a tiny saved Llama's at 7B sizes and whose weights are the tiny model's.

    Loading those weights into the 7B config would fail on every shape, so an
    explanation with Keras's exact 7B totals proves they were never read.
    """
    import keras_hub

    tiny_path = directory / "tiny_llama.keras"
    keras_hub.models.LlamaBackbone(**TINY_LLAMA).save(tiny_path)
    config = archive_config(tiny_path)
    config["config"].update(LLAMA_7B)
    with zipfile.ZipFile(tiny_path) as archive:
        tiny_weights = archive.read("model.weights.h5")
    return write_archive(directory / "llama_7b.keras", config, weights=tiny_weights)


class ValueWatch:
    """Counts every call of every variable's initializer: a value read or an initialisation both call it.

    A variable built in a stateless scope keeps its initializer in
    ``Variable._initializer``; ``Variable.value`` calls it for a placeholder and
    ``_deferred_initialize`` for the real value (keras/src/backend/common/variables.py, 3.15.1).
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.calls: list[str] = []
        for variable in model.variables:
            assert variable._initializer is not None, f"{variable.path} has no initializer to watch"
            variable._initializer = self._counting(variable.path, variable._initializer)

    def _counting(self, path: str, initializer: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(path)
            return initializer(*args, **kwargs)

        return counted

    def assert_untouched(self) -> None:
        assert self.calls == [], f"variable values were computed: {self.calls[:5]}"
        allocated = [v.path for v in self.model.variables if v._value is not None]
        assert allocated == [], f"variables were initialised: {allocated[:5]}"


# A module for ``--custom`` (imported by the CLI after Keras, before the model is read): from then on,
# any variable given a value -- allocated from its initializer, or read eagerly while it has none -- is
# logged and refused, so the command fails (exit 2) before 27 GB are allocated. A read inside a
# symbolic scope (building a functional graph) gets a graph placeholder from Keras: no memory.
# Keras 3.15.1: the TensorFlow Variable overrides _initialize_with_initializer; .value is the common one's.
VALUE_GUARD_SOURCE = textwrap.dedent(
    """
    import os

    import keras
    from keras.src.backend.common import variables
    from keras.src.backend.common.symbolic_scope import in_symbolic_scope

    _LOG = os.environ["VALUE_GUARD_LOG"]


    def _refuse(what, variable):
        with open(_LOG, "a") as log:
            log.write(f"{what}: {variable.path} {tuple(variable.shape)}\\n")
        raise RuntimeError(f"value guard: {what} of {variable.path}")


    def _initialize_with_initializer(self, initializer):
        _refuse("allocated", self)


    _common_value = variables.Variable.value.fget


    def _value(self):
        if self._value is None and not in_symbolic_scope():
            _refuse("value read", self)
        return _common_value(self)


    keras.Variable._initialize_with_initializer = _initialize_with_initializer
    variables.Variable.value = property(_value)
    with open(_LOG, "a") as log:
        log.write("guard installed\\n")
    """
)


def install_value_guard(directory: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """(the guard module's path for --custom, its log) with ``env`` pointed at the log."""
    module = directory / "value_guard.py"
    module.write_text(VALUE_GUARD_SOURCE, encoding="utf-8")
    log = directory / "value_guard.log"
    env["VALUE_GUARD_LOG"] = str(log)
    return module, log


def refuse_values(monkeypatch: Any) -> list[str]:
    """In this process, the same guard as ``VALUE_GUARD_SOURCE``: the list of refusals (empty when none)."""
    from keras.src.backend.common import variables
    from keras.src.backend.common.symbolic_scope import in_symbolic_scope

    refused: list[str] = []
    common_value = variables.Variable.value.fget

    def refuse(what: str, variable: Any) -> None:
        refused.append(f"{what}: {variable.path}")
        raise RuntimeError(f"value guard: {what} of {variable.path}")

    def value(self: Any) -> Any:
        if self._value is None and not in_symbolic_scope():
            refuse("value read", self)
        return common_value(self)

    monkeypatch.setattr(keras.Variable, "_initialize_with_initializer", lambda self, init: refuse("allocated", self))
    monkeypatch.setattr(variables.Variable, "value", property(value))
    return refused


def spy_on_zip_members(monkeypatch: Any) -> list[str]:
    """The names of every zip member opened from now on (ZipFile.read goes through ZipFile.open)."""
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened
