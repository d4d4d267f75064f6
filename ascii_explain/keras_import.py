"""Importing Keras for the command lines (``cli.py``, ``cli_diff.py``): quietly, and a broken install as bad input.

TensorFlow's C++ libraries print start-up lines on file descriptor 2 that no
environment variable silences; the command lines promise one line on stderr,
so they import Keras inside :func:`native_stderr_silenced`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator

from .read.files import InputError, describe_error


def import_keras() -> None:
    try:
        import keras
    except Exception as error:  # noqa: BLE001 - a broken TensorFlow install is bad input too
        problem = describe_error(error)
        raise InputError(f"cannot import Keras ({problem}); check the TensorFlow/Keras install") from error
    if keras.backend.backend() != "tensorflow":
        _import_tensorflow_now()


def _import_tensorflow_now() -> None:
    """On the JAX or PyTorch backend, load TensorFlow now, while its C++ log lines are silenced.

    Keras 3.15.1 imports TensorFlow, when it is installed, the first time a
    layer is serialized on any backend (``serialization_lib.serialize_keras_object``
    asks ``tf.available`` from ``get_config``), which would print its log lines
    in the middle of the output. TensorFlow is a dependency of ascii_explain, but
    a missing or broken one is no error on another backend.
    """
    try:
        import tensorflow  # noqa: F401
    except Exception:  # noqa: BLE001 - not needed on this backend
        pass


@contextlib.contextmanager
def native_stderr_silenced(enabled: bool = True) -> Iterator[None]:
    """Send file descriptor 2 to /dev/null while TensorFlow's C++ libraries load.

    TF 2.21 logs through absl before ``absl::InitializeLog()`` ("WARNING: All log
    messages before absl::InitializeLog() ...", oneDNN and CUDA notices) and
    ignores TF_CPP_MIN_LOG_LEVEL for those, so only the file descriptor can
    keep the promise of one line on stderr. ``--debug`` leaves it alone.
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)
