"""A layer's costs beside its parameters: mult-adds, output-shape arithmetic and bytes.

``cost_fields(layer, config)`` gives the LayerRecord fields ``macs``,
``macs_formula``, ``macs_note``, ``shape_formula``, ``shape_axes``,
``param_bytes`` and ``output_bytes``. Like the parameter formulas, the MACs
and shape functions see only the config and shapes; a function that fails
never crashes an explanation: the value becomes unknown, with the reason.
"""

from __future__ import annotations

from typing import Any, Optional

from . import introspect
from .arithmetic import evaluate, total
from .layers import UnknownDimensionError, find_macs, find_shape_function
from .records import neurons_of


def cost_fields(
    layer: Any, config: Optional[dict[str, Any]], facts: Optional[introspect.LayerFacts] = None
) -> dict[str, Any]:
    """The cost fields of ``layer``'s record; ``facts`` when the caller has read them already."""
    if facts is None:
        facts = introspect.layer_facts(layer)
    macs, macs_formula, macs_note = macs_for(layer, config, facts)
    shape_formula, shape_axes = shape_formula_for(layer, config, facts)
    return {
        "macs": macs,
        "macs_formula": macs_formula,
        "macs_note": macs_note,
        "shape_formula": shape_formula,
        "shape_axes": shape_axes,
        "param_bytes": param_bytes(layer, facts),
        "output_bytes": output_bytes(layer, facts),
    }


def macs_for(
    layer: Any, config: Optional[dict[str, Any]], facts: Optional[introspect.LayerFacts] = None
) -> tuple[Optional[int], str, str]:
    """(macs, formula, note): the count and its arithmetic, or (None, "", why it is unknown)."""
    if introspect.is_model(layer):
        return _nested_model_macs(layer)
    function = find_macs(type(layer), introspect.keras3_counterpart)
    if function is None:
        return None, "", f"no mult-add formula for {type(layer).__name__}"
    if config is None:
        return None, "", "layer.get_config() failed"
    if facts is None:
        facts = introspect.layer_facts(layer)
    try:
        expression = function(config, facts.build_shape, facts.output_shape)
        return evaluate(expression), expression, ""
    except UnknownDimensionError as error:
        return None, "", str(error)
    except Exception as error:  # noqa: BLE001 - a MACs function must never crash an explanation
        return None, "", f"{function.__name__} failed ({type(error).__name__}: {error})"


def _nested_model_macs(model: Any) -> tuple[Optional[int], str, str]:
    """A model used as a layer: the sum of its layers' MACs, unknown if any of them is."""
    values = []
    for layer in introspect.model_layers(model):
        facts = introspect.layer_facts(layer)
        macs, _, note = macs_for(layer, facts.config, facts)
        if macs is None:
            return None, "", f"unknown in its layer {layer.name!r}: {note}"
        values.append(macs)
    expression = total(str(value) for value in values if value)
    return evaluate(expression), expression, ""


def shape_formula_for(
    layer: Any, config: Optional[dict[str, Any]], facts: Optional[introspect.LayerFacts] = None
) -> tuple[str, tuple[str, ...]]:
    """(text, per-axis expressions) for the layers ascii_explain.shapes covers, else ("", ())."""
    function = find_shape_function(type(layer), introspect.keras3_counterpart)
    if function is None or config is None:
        return "", ()
    shape = (facts or introspect.layer_facts(layer)).build_shape
    if not isinstance(shape, tuple) or not shape or isinstance(shape[0], tuple):
        return "", ()
    try:
        formula = function(config, shape)
    except Exception:  # noqa: BLE001 - the arithmetic is an aid; without it the row is still right
        return "", ()
    return formula.text, formula.axes


def param_bytes(layer: Any, facts: Optional[introspect.LayerFacts] = None) -> int:
    """Bytes of the layer's weights by dtype, summed in bits then rounded up, as Keras's summary does."""
    bits = 0
    for weight in facts.weights if facts is not None else introspect.weights(layer):
        size = 1
        for dim in weight.shape:
            size *= int(dim or 0)
        bits += size * introspect.dtype_bits(weight.dtype)
    return -(-bits // 8)


def output_bytes(layer: Any, facts: Optional[introspect.LayerFacts] = None) -> Optional[int]:
    """Bytes of one sample's output: elements times the output dtype's size; None when unknown."""
    if facts is None:
        facts = introspect.layer_facts(layer)
    shape = facts.output_shape
    dtypes = facts.output_dtypes
    if shape is None or dtypes is None:
        return None
    shapes = shape if shape and all(isinstance(part, tuple) for part in shape) else (shape,)
    bits = 0
    for part, dtype in zip(shapes, dtypes, strict=False):
        elements = neurons_of(part)  # type: ignore[arg-type]
        if elements is None:
            return None
        bits += elements * introspect.dtype_bits(dtype)
    return -(-bits // 8)
