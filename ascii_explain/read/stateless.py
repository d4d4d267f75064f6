"""A model built from its configuration alone: every variable shaped, none holding a value.

Everything ``explain()`` reads -- configs, shapes and Keras's own
``count_params()`` -- exists without a single weight value. Keras 3 can build a
model inside ``StatelessScope(initialize_variables=False)``: ``Variable.__init__``
then keeps the initializer and the shape and sets ``_value = None``
(keras/src/backend/common/variables.py, checked on Keras 3.15.1), so a
6.7-billion-parameter Llama builds in about half a second with no weight memory.

``model_from_path(path)`` accepts

- a ``.keras`` archive: only its ``config.json`` member is read (its size checked
  from the zip directory first); ``model.weights.h5`` is never opened unless
  ``weights=True``, which loads the model normally with ``keras.saving.load_model``;
- a Keras model config file (the ``config.json`` stored inside a ``.keras``);
- a keras-hub preset directory: its ``config.json`` is a serialized backbone
  (or task); tokenizer, preprocessor and weights files are ignored. A Hugging
  Face (``model_type``) or timm (``architecture``) config in such a directory is
  converted by keras-hub's own preset loader with ``load_weights=False``;
- a legacy ``.h5`` file, which has no config-only path here: loaded with weights.

keras-hub is imported only when the config names one of its classes.

Every failure is a ``StatelessModelError`` (an ``InputError``, so the CLI prints
it as one line) that says what to do; Keras's own messages are put in the
user's terms by ``files._load_problem``, shared with the loading of weights.

What keeps the variables unallocated afterwards (Keras's deferred-initialisation
list) is in ``unallocated.py``, which explaining imports without these loaders.
"""

from __future__ import annotations

import json
import os
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from ..safe_text import safe
from .files import (
    CONFIG_FILENAME,
    HUB_INSTALL_HINT,
    HUB_PACKAGES,
    InputError,
    StatelessModelError,
    _load_problem,
    check_directory,
    exception_chain,
    load_model_file,
)
from .unallocated import building_without_values

WEIGHTS_FILENAME = "model.weights.h5"
DEFAULT_MAX_CONFIG_BYTES = 64 * 1024 * 1024  # a 7B Llama's config is 2 KB, a ResNet50V2's 150 KB


# ----------------------------------------------------------------- public API


def model_from_path(
    path: str | os.PathLike[str],
    *,
    weights: bool = False,
    custom_objects: Optional[Mapping[str, Any]] = None,
    safe_mode: bool = True,
    max_config_bytes: int = DEFAULT_MAX_CONFIG_BYTES,
) -> Any:
    """The model saved at ``path``, built from its config with no weight value allocated.

    ``weights=True`` loads the values too (a ``.keras`` archive through
    ``keras.saving.load_model``, a keras-hub preset through
    ``Backbone.from_preset(load_weights=True)``). ``custom_objects`` maps class
    names to classes, as ``keras.saving.load_model`` takes them. ``safe_mode``
    is Keras's: True refuses a saved Lambda's Python code.

    A file is untrusted: whatever it holds, the failure is one
    ``StatelessModelError`` whose message has its control characters written
    visibly (``safe_text.safe``), as the command line prints it.
    """
    spec = os.fspath(path)
    try:
        return _model_from_path(spec, weights, custom_objects, safe_mode, max_config_bytes)
    except InputError as error:
        visible = _made_visible(error)
        if visible is error:
            raise
        raise visible from None  # the raw chain would reach the terminal in a traceback
    except RecursionError:  # a config nested deeper than Python recurses, past the JSON decoder (our walks, Keras's)
        raise StatelessModelError(f"{safe(spec)}: {_TOO_DEEP}") from None


_TOO_DEEP = "the config is nested too deeply to read (deeper than Python's recursion limit); is it a Keras config?"


def _made_visible(error: InputError) -> InputError:
    """``error`` itself if neither it nor what it was raised from holds a control character; else a safe copy.

    The copy has no chain: a traceback prints every link's message as it is,
    and Keras's own message quotes the file's class name raw.
    """
    texts = [str(link) for link in exception_chain(error)]
    if all(safe(text) == text for text in texts):
        return error
    return type(error)(safe(texts[0]))


def _model_from_path(
    spec: str,
    weights: bool,
    custom_objects: Optional[Mapping[str, Any]],
    safe_mode: bool,
    max_config_bytes: int,
) -> Any:
    if "://" in spec:
        raise StatelessModelError(f"{spec}: not a local path; ascii-explain reads local files and never downloads")
    target = Path(spec)
    if not target.exists():
        raise StatelessModelError(
            f"{spec}: no such file or directory (expected a .keras file, a Keras config.json "
            "or a keras-hub preset directory)"
        )
    if target.is_dir():
        return _model_from_directory(target, spec, weights, custom_objects, safe_mode, max_config_bytes)
    suffix = target.suffix.lower()
    if suffix == ".keras":
        if weights:
            return _load_with_weights(target, spec, custom_objects, safe_mode)
        config_text = _read_archive_config(target, spec, max_config_bytes)
        return model_from_config(_parse_json(config_text, spec), spec, custom_objects, safe_mode)
    if suffix in (".h5", ".hdf5"):  # a legacy file: its config is Keras 2's; load it whole
        return _load_with_weights(target, spec, custom_objects, safe_mode)
    if suffix == ".json":
        if weights:
            raise StatelessModelError(
                f"{spec}: a config file holds no weights; give the .keras file or preset directory for --weights"
            )
        config_text = _read_config_file(target, spec, max_config_bytes)
        return model_from_config(_parse_json(config_text, spec), spec, custom_objects, safe_mode)
    raise StatelessModelError(
        f"{spec}: unsupported file type {suffix or '(no suffix)'!r} "
        "(expected a .keras file, a Keras config.json, a legacy .h5 file or a keras-hub preset directory)"
    )


def model_from_config(
    config: Any,
    spec: str = "config",
    custom_objects: Optional[Mapping[str, Any]] = None,
    safe_mode: bool = True,
) -> Any:
    """Deserialize a Keras config (as ``serialize_keras_object`` writes it) with no weight value allocated.

    This mirrors ``keras.src.saving.saving_lib._model_from_config`` (3.15.1):
    ``deserialize_keras_object`` inside an ``ObjectSharingScope``, with the
    compile config dropped (an explanation needs no optimizer); a saved
    ``build_config`` is applied by Keras, inside the stateless scope.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise StatelessModelError(f"{spec}: not a Keras model config (no 'class_name' at the top level)")
    _import_hub_if_named(config, spec)
    _import_rs_if_named(config, spec)
    config = dict(config)
    config["compile_config"] = None
    task_class = None
    if _is_task_config(config):
        # A keras-hub task's preprocessor needs tokenizer assets (vocabularies)
        # the config does not hold; the parameters are all in the backbone.
        config["config"] = {**config["config"], "preprocessor": None}
        task_class = _registered_class(config)
    import keras
    from keras.src.saving.serialization_lib import ObjectSharingScope

    try:
        with _compile_skipped(task_class), building_without_values(), ObjectSharingScope():
            model = keras.saving.deserialize_keras_object(
                config, custom_objects=dict(custom_objects or {}), safe_mode=safe_mode
            )
    except StatelessModelError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever Keras raises, the user gets one line
        raise StatelessModelError(f"{spec}: cannot build the model from its config: {_load_problem(error)}") from error
    return _require_model(model, spec)


# ------------------------------------------------------------ building safely


@contextmanager
def _compile_skipped(task_class: Any) -> Iterator[None]:
    """Build a keras-hub task without the ``compile()`` its ``__init__`` calls.

    ``Task.__init__`` calls ``self.compile()``, and e.g. ``CausalLM.compile``
    makes an ``Adam`` whose ``iterations`` variable is created from the value 0,
    not an initializer -- which a stateless scope refuses ("You are attempting
    to create a variable while in a stateless scope", keras-hub 0.32.0 /
    Keras 3.15.1). An explanation needs no optimizer, so every ``compile``
    defined along the task class's MRO does nothing while it is built.
    """
    if task_class is None:
        yield
        return
    import keras

    overridden = [cls for cls in task_class.__mro__ if "compile" in vars(cls) and issubclass(cls, keras.Model)]
    overridden = [cls for cls in overridden if cls is not keras.Model and cls.__module__.split(".")[0] in HUB_PACKAGES]
    originals = {cls: vars(cls)["compile"] for cls in overridden}

    def not_compiled(self: Any, *args: Any, **kwargs: Any) -> None:
        return None

    try:
        for cls in overridden:
            cls.compile = not_compiled
        yield
    finally:
        for cls, original in originals.items():
            cls.compile = original


def _registered_class(config: dict) -> Any:
    import keras

    registered = config.get("registered_name")
    return keras.saving.get_registered_object(registered) if isinstance(registered, str) else None


def _require_model(model: Any, spec: str) -> Any:
    import keras

    if not isinstance(model, keras.Model):
        kind = f"{type(model).__module__}.{type(model).__qualname__}"
        raise StatelessModelError(f"{spec}: the config describes a {kind}, not a keras.Model")
    return model


# ------------------------------------------------------------ reading configs


def _read_archive_config(path: Path, spec: str, max_config_bytes: int) -> str:
    """``config.json`` from a ``.keras`` zip, its declared size checked before a byte is decompressed."""
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                entry = archive.getinfo(CONFIG_FILENAME)
            except KeyError:
                raise StatelessModelError(
                    f"{spec}: not a Keras archive (no {CONFIG_FILENAME} inside); was it saved with model.save()?"
                ) from None
            _check_size(entry.file_size, spec, max_config_bytes, f"its {CONFIG_FILENAME}")
            with archive.open(entry) as member:
                # read at most one byte past the cap: the directory's size could lie
                data = member.read(max_config_bytes + 1)
            _check_size(len(data), spec, max_config_bytes, f"its {CONFIG_FILENAME}")
    except zipfile.BadZipFile as error:
        raise StatelessModelError(
            f"{spec}: not a valid .keras file (not a zip archive; corrupt or truncated?)"
        ) from error
    except OSError as error:
        raise StatelessModelError(f"{spec}: cannot read the file ({error.strerror or error})") from error
    return _decode(data, spec)


def _read_config_file(path: Path, spec: str, max_config_bytes: int) -> str:
    try:
        _check_size(path.stat().st_size, spec, max_config_bytes, "the config")
        with open(path, "rb") as handle:
            data = handle.read(max_config_bytes + 1)
    except OSError as error:
        raise StatelessModelError(f"{spec}: cannot read the file ({error.strerror or error})") from error
    _check_size(len(data), spec, max_config_bytes, "the config")
    return _decode(data, spec)


def _check_size(size: int, spec: str, max_config_bytes: int, what: str) -> None:
    if size > max_config_bytes:
        raise StatelessModelError(
            f"{spec}: {what} is {size:,} bytes, over the {max_config_bytes:,}-byte cap; "
            "if you trust the file, raise it with --max-config-bytes N (max_config_bytes= in Python)"
        )


def _decode(data: bytes, spec: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StatelessModelError(f"{spec}: the config is not UTF-8 text (corrupt?)") from error


def _parse_json(text: str, spec: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise StatelessModelError(f"{spec}: the config is not valid JSON ({error.msg}, line {error.lineno})") from error
    except RecursionError:  # Python's decoder recurses once per nested [ or {: a hostile file nests 200,000 deep
        raise StatelessModelError(f"{spec}: {_TOO_DEEP}") from None


# ------------------------------------------------------------ directories


def _model_from_directory(
    directory: Path,
    spec: str,
    weights: bool,
    custom_objects: Optional[Mapping[str, Any]],
    safe_mode: bool,
    max_config_bytes: int,
) -> Any:
    config_path = check_directory(directory, spec)
    config = _parse_json(_read_config_file(config_path, f"{spec}/{CONFIG_FILENAME}", max_config_bytes), spec)
    if not isinstance(config, dict):
        raise StatelessModelError(f"{spec}: {CONFIG_FILENAME} is not a JSON object")
    if "class_name" in config and not weights:
        return model_from_config(config, spec, custom_objects, safe_mode)
    if "class_name" in config or "model_type" in config or "architecture" in config:
        # keras-hub's own loader: Keras presets with weights, Hugging Face
        # (model_type) and timm (architecture) configs converted to a backbone.
        return _hub_backbone_from_preset(directory, spec, weights)
    raise StatelessModelError(
        f"{spec}: {CONFIG_FILENAME} is neither a Keras/keras-hub config (no 'class_name') "
        "nor a Hugging Face or timm config keras-hub converts"
    )


def _hub_backbone_from_preset(directory: Path, spec: str, weights: bool) -> Any:
    """``keras_hub.models.Backbone.from_preset(dir, load_weights=weights)`` (keras-hub 0.32.0 preset_utils).

    With ``load_weights=False`` the loaders build the backbone from the config
    alone (``KerasPresetLoader.load_backbone`` deserializes config.json;
    ``TransformersPresetLoader`` converts the Hugging Face config first).
    """
    keras_hub = _import_hub(spec)
    try:
        if weights:
            return keras_hub.models.Backbone.from_preset(str(directory), load_weights=True)
        with building_without_values():
            return keras_hub.models.Backbone.from_preset(str(directory), load_weights=False)
    except ModuleNotFoundError as error:  # e.g. the Hugging Face converter imports safetensors
        raise StatelessModelError(
            f"{spec}: keras-hub needs the package {error.name!r} to read this preset; pip install {error.name}"
        ) from error
    except Exception as error:  # noqa: BLE001 - keras-hub's messages can run to pages
        raise StatelessModelError(f"{spec}: keras-hub cannot build the preset: {_load_problem(error)}") from error


# ------------------------------------------------------------ keras-hub, lazily


def _import_hub_if_named(config: Any, spec: str) -> None:
    """Import keras-hub before deserializing when any object in the config comes from it.

    Keras imports a config's ``module`` itself for these packages
    (serialization_lib._retrieve_class_or_fn, 3.15.1), but a missing package
    then reads as "cannot be imported. Full object config: ..." -- pages long.
    """
    if _names_hub_class(config):
        _import_hub(spec)


def _names_hub_class(config: Any) -> bool:
    return _names_class_of(config, HUB_PACKAGES)


def _names_class_of(config: Any, packages: tuple[str, ...]) -> bool:
    """Some object in ``config`` comes from one of ``packages`` (its ``module`` or ``registered_name``)."""
    if isinstance(config, dict):
        module = config.get("module")
        registered = config.get("registered_name")
        if isinstance(module, str) and module.split(".", 1)[0] in packages:
            return True
        if isinstance(registered, str) and registered.split(">", 1)[0] in packages:
            return True
        return any(_names_class_of(value, packages) for value in config.values())
    if isinstance(config, list):
        return any(_names_class_of(value, packages) for value in config)
    return False


RS_INSTALL_HINT = 'install keras-rs with: pip install "ascii_explain[rs]" (Python 3.11+)'


def _import_rs_if_named(config: Any, spec: str) -> None:
    """Import keras-rs before deserializing when the config names one of its classes.

    Keras imports a config's module only for its own packages and keras-hub's; keras-rs's layers
    are found by their registered names (``keras_rs>FeatureCross``), which exist once keras_rs is
    imported (keras-rs 0.4.0).
    """
    if not _names_class_of(config, ("keras_rs",)):
        return
    try:
        import keras_rs  # noqa: F401  (registers its classes with Keras)
    except ImportError as error:
        raise StatelessModelError(f"{spec}: the config names keras-rs classes; {RS_INSTALL_HINT}") from error


def _import_hub(spec: str) -> Any:
    try:
        import keras_hub
    except ImportError as error:
        raise StatelessModelError(f"{spec}: the config names keras-hub classes; {HUB_INSTALL_HINT}") from error
    return keras_hub


def _is_task_config(config: dict) -> bool:
    inner = config.get("config")
    return isinstance(inner, dict) and "backbone" in inner and "preprocessor" in inner and _names_hub_class(config)


# ------------------------------------------------------------ loading with weights


def _load_with_weights(path: Path, spec: str, custom_objects: Optional[Mapping[str, Any]], safe_mode: bool) -> Any:
    try:
        model = load_model_file(path, spec, custom_objects=custom_objects, safe_mode=safe_mode)
    except InputError as error:
        raise StatelessModelError(str(error)) from error
    return _require_model(model, spec)
