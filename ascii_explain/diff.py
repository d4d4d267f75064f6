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
from dataclasses import dataclass, fields
from typing import Any

from .build.diff import (
    ADDED,
    CHANGED,
    MARKS,
    REMOVED,
    UNCHANGED,
    DiffRows,
    LayerChange,
    LayerSide,
    diff_explanations,
    pair_layers,
)

__all__ = [
    "ADDED",
    "CHANGED",
    "MARKS",
    "REMOVED",
    "UNCHANGED",
    "DiffRows",
    "LayerChange",
    "LayerSide",
    "ModelDiff",
    "diff",
    "load_model",
    "pair_layers",
]


@dataclass(frozen=True)
class ModelDiff(DiffRows):
    """The paired rows of two models (``build/diff.py``) with their views (``views/diff_*.py``, imported when used)."""

    def to_text(self, width: int = 100, show_unchanged: bool = False) -> str:
        """The diagram's manner: changed rows (all with ``show_unchanged``), their arithmetic, the totals."""
        from .views.diff_text import render_text

        return render_text(self, width=width, show_unchanged=show_unchanged)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: every row (before/after sides, deltas, changed fields) and the totals."""
        from .views.diff_json import diff_to_dict

        return diff_to_dict(self)

    def to_json(self, **kwargs: Any) -> str:
        """``to_dict()`` as JSON: sorted keys, indent 2; ``kwargs`` go to ``json.dumps``."""
        from .views.diff_json import diff_to_json

        return diff_to_json(self, **kwargs)

    def to_markdown(self, show_unchanged: bool = False) -> str:
        """A GitHub-flavoured Markdown table of the changed rows, the totals under it."""
        from .views.diff_markdown import render_markdown

        return render_markdown(self, show_unchanged=show_unchanged)

    def __str__(self) -> str:
        return self.to_text()


def diff(a: Any, b: Any) -> ModelDiff:
    """The layer-by-layer difference from ``a`` to ``b``.

    Each is a model, an ``Explanation``, a model file or ``module:callable``.
    """
    rows = diff_explanations(_explanation(a), _explanation(b))
    return ModelDiff(**{field.name: getattr(rows, field.name) for field in fields(rows)})


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
