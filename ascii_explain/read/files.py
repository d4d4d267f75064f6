"""Where the command line's model comes from: a saved file, a config, ``module:callable``, or custom-layer modules.

Every failure raises ``InputError`` with one sentence that names the file (or
callable) and the problem; the CLI prints it as one line. Paths are checked
before Keras is imported, so a missing file or a directory is reported at once.

A ``.keras`` archive, a ``config.json`` and a keras-hub preset directory are
built from their config alone, with no weight value (``stateless.py``); values
are loaded only when asked for. Loading only reads: ``keras.saving.load_model(path, compile=False)`` opens a
``.keras`` archive with ``open(path, "rb")`` and a legacy ``.h5`` file with
``h5py.File(path, mode="r")`` (Keras 3.15.1, saving_lib.load_model and
legacy_h5_format.load_model_from_hdf5). ``safe_mode`` keeps its default (True),
so a saved ``Lambda`` is refused rather than executed. Nothing is fetched from
the network: only existing local files are accepted, never URLs, ``hf://`` or
``gs://`` names (which ``load_model`` would download). A ``.keras`` archive's
``config.json`` is refused above ``MAX_CONFIG_BYTES`` uncompressed, before Keras
reads it: a 200 KB file can hold 200 MB of JSON.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

KERAS_SUFFIXES = (".keras",)
H5_SUFFIXES = (".h5", ".hdf5")
# module.sub:attr.attr -- what ``module:callable`` looks like (no slashes, no file suffix).
_CALLABLE_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
JSON_SUFFIXES = (".json",)
_ACCEPTED = (
    "expected a .keras file, a Keras config.json, a keras-hub preset directory, a legacy .h5 file, or module:callable"
)
# config.json of the largest keras-hub presets is a few hundred KB; 64 MiB is far beyond any real model.
MAX_CONFIG_BYTES = 64 * 1024 * 1024
# The longest message kept of an exception (its root cause's, when it has one).
MAX_MESSAGE = 300
CONFIG_FILENAME = "config.json"  # inside a .keras archive and a keras-hub preset (both 3.15.1 / 0.32.0)


class InputError(Exception):
    """Bad input from the user: a missing, unreadable or corrupt file, or a callable that gives no model."""


class StatelessModelError(InputError):
    """A model file or config that cannot be built without weights; the message says what to do."""


def is_callable_spec(spec: str) -> bool:
    """``pkg.module:build_model`` rather than a file path (a file of that name wins)."""
    return bool(_CALLABLE_SPEC.match(spec)) and not os.path.exists(spec)


def check_model_file(spec: str) -> Path:
    """The path of a readable, plausible model file or preset directory; ``InputError`` otherwise. Imports no Keras."""
    if "://" in spec:
        raise InputError(f"{spec}: not a local file; ascii-explain reads local .keras/.h5 files and never downloads")
    path = Path(spec)
    if not path.exists():
        raise InputError(f"{spec}: no such file ({_ACCEPTED})")
    if path.is_dir():
        check_directory(path, spec)
        return path.resolve()
    if not path.is_file():
        raise InputError(f"{spec}: not a regular file ({_ACCEPTED})")
    suffix = path.suffix.lower()
    if suffix not in KERAS_SUFFIXES + H5_SUFFIXES + JSON_SUFFIXES:
        raise InputError(f"{spec}: unsupported file type {suffix or '(no suffix)'!r} ({_ACCEPTED})")
    try:
        with open(path, "rb") as handle:
            signature = handle.read(8)
    except OSError as error:
        raise InputError(f"{spec}: cannot read the file ({error.strerror or error})") from error
    if suffix in KERAS_SUFFIXES and not zipfile.is_zipfile(path):
        # A .keras file is a zip archive (config.json, model.weights.h5, metadata.json).
        raise InputError(f"{spec}: not a valid .keras file (not a zip archive; corrupt or truncated?)")
    if suffix in KERAS_SUFFIXES:
        _check_config_size(path, spec)
    if suffix in H5_SUFFIXES and not _looks_like_hdf5(path, signature):
        raise InputError(f"{spec}: not a valid .h5 file (no HDF5 signature; corrupt or truncated?)")
    return path.resolve()


def saved_model_hint(path: Path) -> str:
    """What to do with a TensorFlow SavedModel directory, which Keras 3's load_model does not read."""
    if not ((path / "saved_model.pb").is_file() or (path / "saved_model.pbtxt").is_file()):
        return ""
    if (path / "keras_metadata.pb").is_file():  # written by Keras 2's model.save(directory)
        return (
            ": a Keras 2 SavedModel, which Keras 3 cannot load as a model; with tf_keras, "
            "tf_keras.models.load_model(directory).save('model.h5') and explain that file"
        )
    return (
        ": a TensorFlow SavedModel, which keeps no Keras layers to explain; save the model from the code "
        "that builds it with model.save('model.keras'), or pass that code as module:callable (it may load "
        "the SavedModel with keras.layers.TFSMLayer or tf.saved_model.load)"
    )


def check_directory(directory: Path, spec: str) -> Path:
    """The ``config.json`` of a preset directory; a one-line error for any other directory. Imports no Keras."""
    config_path = directory / CONFIG_FILENAME
    if config_path.is_file():
        return config_path
    saved_model = saved_model_hint(directory)
    if saved_model:
        raise StatelessModelError(f"{spec}: is a directory{saved_model}")
    raise StatelessModelError(
        f"{spec}: a directory that is neither a keras-hub preset (no {CONFIG_FILENAME}) nor a SavedModel; "
        "give a .keras file, a config.json or a preset directory"
    )


def _check_config_size(path: Path, spec: str) -> None:
    """Refuse a ``.keras`` archive whose config.json is larger than ``MAX_CONFIG_BYTES`` uncompressed.

    The size is the zip entry's ``file_size`` (its central directory), read
    without decompressing anything. An entry whose data inflates past that
    size cannot cost more: zipfile stops reading an entry at its file_size.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("config.json")
    except KeyError:
        raise InputError(f"{spec}: not a valid .keras file (no config.json in the archive)") from None
    except (OSError, zipfile.BadZipFile) as error:
        raise InputError(f"{spec}: not a valid .keras file ({describe_error(error)})") from error
    if info.file_size > MAX_CONFIG_BYTES:
        raise InputError(
            f"{spec}: config.json is {info.file_size:,} bytes uncompressed, over the limit of "
            f"{MAX_CONFIG_BYTES:,} ({MAX_CONFIG_BYTES // 2**20} MiB); refused unread (a real model's config is "
            "far smaller: is the file what you think it is?)"
        )


def _looks_like_hdf5(path: Path, signature: bytes) -> bool:
    try:
        import h5py  # a Keras dependency; imports without TensorFlow
    except ImportError:  # let Keras report it
        return True
    # h5py.is_hdf5 also finds the signature after a user block (offset 512, 1024, ...).
    return signature == b"\x89HDF\r\n\x1a\n" or bool(h5py.is_hdf5(str(path)))


def load_model_file(path: Path, spec: str, custom_objects: Any = None, safe_mode: bool = True) -> Any:
    """Load a checked model file read-only, weights included, without compiling it."""
    import keras

    try:
        model = keras.saving.load_model(
            str(path), custom_objects=dict(custom_objects or {}), compile=False, safe_mode=safe_mode
        )
    except Exception as error:  # noqa: BLE001 - whatever Keras raises, the user gets one line
        raise InputError(f"{spec}: cannot load the model: {_load_problem(error)}") from error
    return _require_model(model, spec, "the file")


# Keras 3.15.1's words for something a file names that it cannot find, and what that thing is:
# .keras files (serialization_lib), legacy .h5 files (legacy/saving/serialization.py), and
# a name no registry knows (activations.get, initializers.get, ...).
_UNKNOWN = (
    (re.compile(r"Could not locate class '([^']+)'"), "class"),
    (re.compile(r"Could not locate function '([^']+)'"), "function"),
    (re.compile(r"Cannot deserialize object of type `([^`]+)`"), "object"),
    (re.compile(r"Unknown ([a-z][a-z ]*?): '([^']+)'"), ""),
    (re.compile(r"Could not interpret ([a-z][a-z ]*?) identifier: ([^\s,]+)"), ""),
)
_SAVED_MODULE = re.compile(r"Full object config: \{'module': '([^']+)'")
_UNIMPORTABLE = re.compile(r"because its parent module (\S+) cannot be imported")
HUB_PACKAGES = ("keras_hub", "keras_nlp", "keras_cv")  # the packages Keras itself imports from a config
HUB_INSTALL_HINT = 'install keras-hub with: pip install "ascii_explain[hub]"'
# Which layer Keras was building when the root cause was raised.
_DESERIALIZING = re.compile(r"Error when deserializing class '([^']+)' using config=\{'name': '([^']*)'")


def _load_problem(error: BaseException) -> str:
    """What went wrong, in the user's terms: Keras's messages run to pages, the cause is at the bottom.

    A name Keras cannot find gets the ``--custom`` hint; anything else is the
    root cause (the innermost exception) and the layer being built when it failed.
    """
    chain = exception_chain(error)
    texts = [" ".join(str(link).split()) for link in chain]
    for text in reversed(texts):  # the innermost message names the thing itself
        for pattern, kind in _UNKNOWN:
            unknown = pattern.search(text)
            if unknown:
                what = kind or unknown.group(1)
                name = unknown.group(unknown.lastindex or 1).rstrip(".").split(">")[-1]  # "package>Name"
                module = _SAVED_MODULE.search(text)
                where = f" (saved from module {module.group(1)!r})" if module and module.group(1) != "builtins" else ""
                return (
                    f"unknown {what} {name!r}{where}; import the module that defines (and registers) it "
                    "with --custom MODULE (custom_objects={...} in Python)"
                )
    text = " ".join(texts)
    unimportable = _UNIMPORTABLE.search(text)
    if unimportable:
        module_name = unimportable.group(1)
        if module_name.split(".", 1)[0] in HUB_PACKAGES:
            return f"module {module_name!r} is not in the installed keras-hub; upgrade it or {HUB_INSTALL_HINT}"
        return f"module {module_name!r} cannot be imported; import it with --custom MODULE"
    if "deserialization of a `Lambda` layer" in text or "deserialization of a Python lambda" in text:
        return (
            "it holds a Lambda layer's Python code, which Keras's safe mode refuses to load; if you trust the "
            "file, pass --no-safe-mode (safe_mode=False in Python), or rebuild the model in code and pass "
            "module:callable"
        )
    layer = ""
    for match in _DESERIALIZING.finditer(text):  # the last is the innermost
        layer = f"layer {match.group(2)!r} ({match.group(1)}): "
    return layer + _one_line(chain[-1])


def call_model_factory(spec: str) -> Any:
    """Import ``module``, get ``callable`` and call it with no arguments; it must return a keras.Model.

    ``spec`` may also name a model object directly (``module:model``).
    """
    from .model import is_model

    module_name, _, attribute_path = spec.partition(":")
    module = import_user_module(module_name, what=spec)
    target: Any = module
    for attribute in attribute_path.split("."):
        try:
            target = getattr(target, attribute)
        except AttributeError as error:
            raise InputError(f"{spec}: module {module_name!r} has no attribute {attribute_path!r}") from error
    if is_model(target):  # a model is callable too: use it, don't call it on nothing
        return target
    if not callable(target):
        raise InputError(f"{spec}: {attribute_path} is a {type(target).__name__}, not a callable returning a model")
    try:
        result = target()
    except Exception as error:  # noqa: BLE001 - user code: report it in one line
        raise InputError(f"{spec}: {attribute_path}() raised {describe_error(error)}") from error
    return _require_model(result, spec, f"{attribute_path}()")


def _require_model(obj: Any, spec: str, source: str) -> Any:
    from .model import is_model  # a Keras 3 model, or a Keras 2 (tf_keras) one

    if not is_model(obj):
        kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
        raise InputError(f"{spec}: {source} returned a {kind}, not a keras.Model")
    return obj


def import_user_module(name: str, what: str = "") -> Any:
    """Import a user's module by dotted name or ``.py`` path, with the working directory importable.

    A console script's ``sys.path`` does not hold the working directory (unlike
    ``python -m``), yet ``--custom my_layers`` usually means ``./my_layers.py``.
    """
    label = what or name
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        if name.endswith(".py"):
            return _import_file(Path(name), label)
        return importlib.import_module(name)
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - ImportError, or anything the module raises on import
        raise InputError(f"{label}: cannot import module {name!r} ({describe_error(error)})") from error


def _import_file(path: Path, label: str) -> Any:
    if not path.is_file():
        raise InputError(f"{label}: no such file {str(path)!r}")
    module_name = path.stem
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{label}: cannot import {str(path)!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def describe_error(error: BaseException) -> str:
    """``TypeName: message`` in one line, whatever the exception holds, and its root cause.

    A long message is cut in its middle, never its end; an exception raised
    from another (``raise ... from``, or while handling it) ends with the
    innermost one's words: ``(cause: ValueError: ... units=-5)``.
    """
    chain = exception_chain(error)
    if len(chain) == 1:
        return _one_line(error)
    root = chain[-1]
    return f"{_one_line(error, MAX_MESSAGE // 2)} (cause: {_one_line(root)})"


def exception_chain(error: BaseException) -> list[BaseException]:
    """``error``, then what it was raised from or while handling, down to the root cause."""
    chain = [error]
    while True:
        link = chain[-1]
        following = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
        if following is None or any(following is seen for seen in chain):
            return chain
        chain.append(following)


def _one_line(error: BaseException, limit: int = MAX_MESSAGE) -> str:
    message = " ".join(str(error).split())
    if len(message) > limit:  # the middle goes: the start says what failed, the end often why
        head = (limit - 5) // 2
        message = message[:head] + " ... " + message[len(message) - (limit - 5 - head) :]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
