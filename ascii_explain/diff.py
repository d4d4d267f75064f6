"""The model diff entry point: ``diff(a, b)``, what changed from model ``a`` to model ``b``, layer by layer.

Each side is explained first (an ``Explanation`` is taken as it is; a ``str``
or ``os.PathLike`` is loaded as the command line loads it: a ``.keras``/``.h5``
file or ``module:callable``; anything else goes to ``explain()``), then
``build/diff.py`` pairs the top-level rows (by name, then by position) and the
views in ``views/diff_*.py`` draw the result. ``ascii-explain diff A B`` is
``cli_diff.py``.
"""

from __future__ import annotations

import os
from typing import Any

from .build.diff import ADDED, CHANGED, MARKS, REMOVED, UNCHANGED, LayerChange, LayerSide, ModelDiff, pair_layers

__all__ = [
    "ADDED",
    "CHANGED",
    "MARKS",
    "REMOVED",
    "UNCHANGED",
    "LayerChange",
    "LayerSide",
    "ModelDiff",
    "diff",
    "load_model",
    "pair_layers",
]


def diff(a: Any, b: Any) -> ModelDiff:
    """The layer-by-layer difference from ``a`` to ``b``.

    Each is a model, an ``Explanation``, a model file or ``module:callable``.
    """
    from .build.diff import diff_explanations

    return diff_explanations(_explanation(a), _explanation(b))


def load_model(spec: str) -> Any:
    """A model from a ``.keras``/``.h5`` file or ``module:callable``, as ``ascii-explain PATH`` loads it.

    Bad input raises ``read.files.InputError`` with one line saying what to do.
    """
    from .read.files import call_model_factory, check_model_file, is_callable_spec, load_model_file

    if is_callable_spec(spec):
        return call_model_factory(spec)
    return load_model_file(check_model_file(spec), spec)


def _explanation(obj: Any) -> Any:
    from .explain import explain
    from .explanation import Explanation

    if isinstance(obj, Explanation):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        obj = load_model(os.fspath(obj))
    return explain(obj)
