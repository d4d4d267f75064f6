"""A model diff as plain data: ``diff_to_dict`` (JSON types only) and ``diff_to_json``."""

from __future__ import annotations

import json
from typing import Any, Optional

from ..build.diff import UNCHANGED, DiffRows, LayerSide


def _side_dict(side: Optional[LayerSide]) -> Optional[dict[str, Any]]:
    if side is None:
        return None
    return {
        "name": side.name,
        "class_name": side.class_name,
        "params": side.params,
        "macs": side.macs,
        "output_shape": _plain(side.output_shape),
        "formula": side.formula,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(part) for part in value]
    return value


def diff_to_dict(model_diff: DiffRows) -> dict[str, Any]:
    """Plain JSON types: every row (before/after sides, deltas, changed fields) and the totals."""
    return {
        "before": model_diff.before_name,
        "after": model_diff.after_name,
        "params_before": model_diff.params_before,
        "params_after": model_diff.params_after,
        "params_delta": model_diff.params_delta,
        "macs_before": model_diff.macs_before,
        "macs_after": model_diff.macs_after,
        "macs_delta": model_diff.macs_delta,
        "layers": [
            {
                "status": row.status,
                "name": row.name,
                "renamed": row.renamed,
                "changed_fields": list(row.changed_fields) if row.status != UNCHANGED else [],
                "params_delta": row.params_delta,
                "macs_delta": row.macs_delta,
                "before": _side_dict(row.before),
                "after": _side_dict(row.after),
            }
            for row in model_diff.rows
        ],
    }


def diff_to_json(model_diff: DiffRows, **kwargs: Any) -> str:
    """``diff_to_dict`` as JSON; sorted keys and indent 2 unless ``kwargs`` (for ``json.dumps``) say otherwise."""
    kwargs.setdefault("indent", 2)
    kwargs.setdefault("sort_keys", True)
    return json.dumps(diff_to_dict(model_diff), **kwargs)
