"""``keras2ascii(model)``: keras_sequential_ascii 0.1.1's table, for any Keras 3 model.

keras_sequential_ascii reads ``layer.input_shape`` and ``layer.output_shape``,
which Keras 3 layers no longer have, so ``keras2ascii`` raises on every Keras 3
model (``'Conv2D' object has no attribute 'input_shape'``). This prints its
classic table (OPERATION, DATA DIMENSIONS, WEIGHTS(N), WEIGHTS(%)) with its
own templates, from ``explain``'s records: the top-level layers (Keras's
``model.layers``), their shapes without the batch axis and Keras's own
``count_params()``. Change ``from keras_sequential_ascii import keras2ascii``
to ``from ascii_explain import keras2ascii`` and a script runs as before.

Where 0.1.1 would fail even on Keras 2 (an unknown dimension, several outputs,
a model without weights), the table says ``None``, joins the outputs with
``|`` and writes 0.0%.
"""

from __future__ import annotations

from typing import Any, Optional

from .build.records import OutputShape
from .explain import explain
from .safe_text import safe
from .views.glyphs import UNKNOWN_GLYPH

# keras_sequential_ascii 0.1.1 (main.py), verbatim.
HEADER = "           OPERATION           DATA DIMENSIONS   WEIGHTS(N)   WEIGHTS(%)\n"
DATA_TEMPLATE = "{activation:>20s}   #####   {shape}"
LAYER_TEMPLATE = "{kind:>20s}   {graphics} -------------------{n_parameters:10d}   {percent_parameters:5.1f}%"


def keras2ascii(model: Any, sparser: bool = False, simplify: bool = True, header: bool = True) -> None:
    """Print keras_sequential_ascii's table of ``model`` (its ``keras2ascii`` signature and output)."""
    print(classic_table(model, sparser=sparser, simplify=simplify, header=header))


sequential_model_to_ascii_printout = keras2ascii  # its long name, as keras_sequential_ascii exports both


def classic_table(model: Any, sparser: bool = False, simplify: bool = True, header: bool = True) -> str:
    """The text ``keras2ascii`` prints, without the final newline."""
    from keras_sequential_ascii.main import graphics  # imported quietly by views.glyphs first

    explanation = explain(model)
    layers = [_jsonized(record) for record in explanation.top_level]
    if simplify:
        layers = _compress_layers(layers)
    lines = [HEADER] if header else []
    if layers:
        first = layers[0]["input_shape"] if layers[0]["input_shape"] is not None else layers[0]["output_shape"]
        lines.append(DATA_TEMPLATE.format(activation="Input", shape=_dims(first)))
    all_weights = sum(layer["n_parameters"] for layer in layers)
    for layer in layers:
        if sparser:
            lines.append("")
        kind = layer["kind"]
        lines.append(
            LAYER_TEMPLATE.format(
                kind=safe(kind) if kind != "Activation" else "",
                graphics=graphics.get(kind, UNKNOWN_GLYPH),
                n_parameters=layer["n_parameters"],
                percent_parameters=100 * layer["n_parameters"] / all_weights if all_weights else 0.0,
            )
        )
        if sparser:
            lines.append("")
        activation = layer["activation"]
        lines.append(
            DATA_TEMPLATE.format(
                activation=safe(activation) if activation != "linear" else "", shape=_dims(layer["output_shape"])
            )
        )
    return "\n".join(lines)


def _jsonized(record: Any) -> dict[str, Any]:
    """keras_sequential_ascii's ``jsonize`` of one layer, from its record."""
    return {
        "name": record.name,
        "kind": record.class_name,
        "input_shape": record.input_shape,
        "output_shape": record.output_shape,
        "n_parameters": record.keras_params if record.keras_params is not None else record.params,
        "activation": record.activation,
    }


def _compress_layers(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """keras_sequential_ascii's ``compress_layers``: an Activation folds into the layer above."""
    result = layers[:1]
    for layer in layers[1:]:
        if layer["kind"] == "Activation" and result[-1]["activation"] in ("", "linear"):
            result[-1] = {**result[-1], "activation": layer["activation"]}
        else:
            result.append(layer)
    return result


def _dims(shape: Optional[OutputShape]) -> str:
    """keras_sequential_ascii's ``print_dim_tuple`` of the shape without its batch axis."""
    if shape is None:
        return "?"
    if shape and all(isinstance(part, tuple) for part in shape):  # several outputs
        return " | ".join(_dims(part) for part in shape)  # type: ignore[arg-type]
    dims = ["None" if dim is None else str(dim) for dim in shape[1:]]
    if len(dims) > 1:
        return " ".join(f"{dim:>4}" for dim in dims)
    return f"{dims[0]:>9}" if dims else ""
