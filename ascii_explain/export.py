"""Plain-data, JSON, table and HTML views of an Explanation (the command line's --format).

Minimal views over the records: one row per layer with its formula, Keras's
count and whether they agree, and a totals row. The text diagram lives in
render/text.py; these functions never recompute anything.
"""

from __future__ import annotations

import html
import json
from typing import Any

from .explanation import Explanation
from .records import LayerRecord

TABLE_HEADERS = ("layer", "type", "output shape", "params", "formula", "keras params", "check")
_COUNT_HEADERS = ("params", "keras params")
# Markdown flavours of tabulate: "*" in a formula would turn into emphasis, so formulas go in code spans.
_MARKDOWN_FORMATS = ("github", "pipe")


def to_dict(explanation: Explanation) -> dict[str, Any]:
    """Everything the explanation knows, as JSON-ready dicts, lists, numbers and strings."""
    e = explanation
    return {
        "model": {
            "name": e.model_name,
            "class": e.model_class,
            "kind": e.model_kind,
            "inputs": list(e.input_names),
            "outputs": list(e.output_names),
        },
        "input_shapes": _plain(e.input_shapes),
        "totals": {
            "params": e.total_params,
            "trainable": e.trainable_params,
            "non_trainable": e.non_trainable_params,
            "keras_params": e.keras_total_params,
            "keras_trainable": e.keras_trainable_params,
            "keras_non_trainable": e.keras_non_trainable_params,
            "match": e.totals_match,
        },
        "costs": {
            "macs": e.total_macs,
            "macs_unknown": [record.name for record in e.macs_unknown],
            "param_bytes": e.param_bytes,
            "batch_size": e.batch_size,
            "activation_bytes": e.activation_bytes,
            "input_bytes": e.input_bytes,
        },
        "layers": [_record_dict(record) for record in e.layers],
    }


def _record_dict(record: LayerRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "class_name": record.class_name,
        "params": record.params,
        "keras_params": record.keras_params,
        "matches": record.matches,
        "source": record.source,
        "formula": record.formula,
        "terms": [
            {
                "name": term.name,
                "expression": term.expression,
                "count": term.count,
                "trainable": term.trainable,
                "reason": term.reason,
            }
            for term in record.term_list
        ],
        "trainable_params": record.trainable_params,
        "non_trainable_params": record.non_trainable_params,
        "input_shape": _plain(record.input_shape),
        "output_shape": _plain(record.output_shape),
        "neurons": record.neurons,
        "activation": record.activation,
        "depth": record.depth,
        "inbound": list(record.inbound),
        "calls": record.calls,
        "call_list": [
            {
                "inbound": list(call.inbound),
                "inbound_calls": list(call.inbound_calls),
                "input_shape": _plain(call.input_shape),
                "output_shape": _plain(call.output_shape),
            }
            for call in record.call_list
        ],
        "parent": record.parent,
        "counted_in": record.counted_in,
        "notes": list(record.notes),
        "macs": record.macs,
        "macs_formula": record.macs_formula,
        "macs_note": record.macs_note,
        "shape_formula": record.shape_formula,
        "shape_axes": list(record.shape_axes),
        "param_bytes": record.param_bytes,
        "output_bytes": record.output_bytes,
    }


def _plain(value: Any) -> Any:
    """Tuples (shapes) as lists, recursively, so to_dict() equals json.loads(to_json())."""
    if isinstance(value, (tuple, list)):
        return [_plain(part) for part in value]
    return value


def to_json(explanation: Explanation) -> str:
    return json.dumps(to_dict(explanation), indent=2, ensure_ascii=False)


def to_table(explanation: Explanation, fmt: str) -> str:
    """One row per layer and a totals row, in any tabulate format ("markdown" is tabulate's "github")."""
    from tabulate import tabulate

    fmt = "github" if fmt == "markdown" else fmt
    code = fmt in _MARKDOWN_FORMATS
    rows = [_row(record, code) for record in explanation.layers]
    e = explanation
    rows.append(["total", "", "", e.total_params, "", e.keras_total_params, "ok" if e.totals_match else "MISMATCH"])
    # Only the two count columns are numbers (right-aligned, "4,736"); a formula like "32" or a
    # layer named "1" stays text as written.
    text_columns = [index for index, header in enumerate(TABLE_HEADERS) if header not in _COUNT_HEADERS]
    return tabulate(rows, headers=TABLE_HEADERS, tablefmt=fmt, intfmt=",", disable_numparse=text_columns)


def _row(record: LayerRecord, code: bool) -> list[Any]:
    formula = f"`{record.formula}`" if code else record.formula
    return [
        "  " * record.depth + record.name,
        record.class_name,
        _shape_text(record.output_shape),
        record.params,
        formula,
        record.keras_params,
        _check_word(record),
    ]


def _check_word(record: LayerRecord) -> str:
    if not record.matches:
        return "MISMATCH"
    if record.is_fallback:
        return "from weights"
    return "ok"


def _shape_text(shape: Any) -> str:
    if shape is None:
        return ""
    if shape and all(isinstance(part, tuple) for part in shape):
        return ", ".join(_shape_text(part) for part in shape)
    return "(" + ", ".join("None" if dim is None else str(dim) for dim in shape) + ")"


def to_html(explanation: Explanation) -> str:
    """An HTML fragment: a caption line and the table (tabulate's escaping "html" format)."""
    e = explanation
    caption = (
        f"<p><b>{html.escape(e.model_name)}</b> ({html.escape(e.model_class)}): "
        f"{e.total_params:,} params (trainable {e.trainable_params:,}, non-trainable {e.non_trainable_params:,})</p>"
    )
    return f'<div class="ascii-explain">\n{caption}\n{to_table(e, "html")}\n</div>'
