"""A layer's costs beside its parameters: mult-adds, output-shape arithmetic and bytes, from its facts.

``cost_fields(facts)`` gives the LayerRecord fields ``macs``, ``macs_formula``,
``macs_note``, ``shape_formula``, ``shape_axes``, ``param_bytes`` and
``output_bytes``. Like the parameter formulas, the MACs and shape functions
see only the config and shapes; a function that fails never crashes an
explanation: the value becomes unknown, with the reason.
"""

from __future__ import annotations

from typing import Any, Optional

from ..arithmetic import evaluate, total
from ..layers import UnknownDimensionError, find_macs, find_shape_function
from ..read.dtypes import dtype_bits
from ..read.facts import LayerFacts
from ..read.legacy import keras3_counterpart
from .failures import (
    ROLE_MACS,
    function_name,
    internal_error,
    internal_error_words,
    is_inherited,
    is_not_covered,
)
from .records import InternalError, neurons_of

UNBUILT_MACS_NOTE = "unbuilt"


def cost_fields(facts: LayerFacts) -> dict[str, Any]:
    """The cost fields of the layer's record, and ``internal_errors`` (a MACs function that raised: our bug)."""
    errors: list[InternalError] = []
    macs, macs_formula, macs_note = macs_for(facts, errors)
    shape_formula, shape_axes = shape_formula_for(facts)
    return {
        "macs": macs,
        "macs_formula": macs_formula,
        "macs_note": macs_note,
        "shape_formula": shape_formula,
        "shape_axes": shape_axes,
        "param_bytes": param_bytes(facts),
        "output_bytes": output_bytes(facts),
        "internal_errors": tuple(errors),
    }


def unbuilt_cost_fields() -> dict[str, Any]:
    """An unbuilt layer's costs: nothing known, nothing held."""
    return {"macs": None, "macs_note": UNBUILT_MACS_NOTE, "param_bytes": 0, "output_bytes": None}


def output_shape_of(facts: LayerFacts) -> Any:
    """The first call's output shape, or what ``compute_output_shape`` gives outside a symbolic graph
    (a sublayer called inside a custom layer's ``call``)."""
    return facts.output_shape if facts.output_shape is not None else facts.computed_output_shape


def macs_for(facts: LayerFacts, errors: Optional[list[InternalError]] = None) -> tuple[Optional[int], str, str]:
    """(macs, formula, note): the count and its arithmetic, or (None, "", why it is unknown).

    A MACs function that raises is appended to ``errors`` (our bug), unless it
    was inherited by a class Keras does not define and does not fit it.
    """
    if facts.is_model:
        return _nested_model_macs(facts)
    if not facts.built:
        return None, "", UNBUILT_MACS_NOTE
    function = find_macs(facts.layer_class, keras3_counterpart)
    if function is None:
        return None, "", f"no mult-add formula for {facts.class_name}"
    if facts.config is None:
        return None, "", "layer.get_config() failed"
    try:
        expression = function(facts.config, facts.build_shape, output_shape_of(facts))
        return evaluate(expression), expression, ""
    except UnknownDimensionError as error:
        return None, "", str(error)
    except Exception as error:  # noqa: BLE001 - a MACs function must never crash an explanation
        if is_not_covered(error):
            return None, "", str(error)
        if is_inherited(facts, ROLE_MACS):
            return None, "", f"the inherited {function_name(function)} does not fit this subclass"
        failure = internal_error(function, ROLE_MACS, error)
        if errors is not None:
            errors.append(failure)
        return None, "", internal_error_words(failure)


def _nested_model_macs(model: LayerFacts) -> tuple[Optional[int], str, str]:
    """A model used as a layer: the sum of its layers' MACs (in ``model.layers`` order), unknown if any is."""
    values = []
    for layer in model.model_layers:
        macs, _, note = macs_for(layer)
        if macs is None:
            return None, "", f"unknown in its layer {layer.name!r}: {note}"
        values.append(macs)
    expression = total(str(value) for value in values if value)
    return evaluate(expression), expression, ""


def shape_formula_for(facts: LayerFacts) -> tuple[str, tuple[str, ...]]:
    """(text, per-axis expressions) where a layer family (ascii_explain.layers) has shape arithmetic, else ("", ())."""
    function = find_shape_function(facts.layer_class, keras3_counterpart)
    if function is None or facts.config is None:
        return "", ()
    shape = facts.build_shape
    if not isinstance(shape, tuple) or not shape or isinstance(shape[0], tuple):
        return "", ()
    try:
        formula = function(facts.config, shape)
    except Exception:  # noqa: BLE001 - the arithmetic is an aid; without it the row is still right
        return "", ()
    return formula.text, formula.axes


def param_bytes(facts: LayerFacts) -> Optional[int]:
    """Bytes of the layer's weights by dtype, summed in bits then rounded up, as Keras's summary does."""
    bits = 0
    for weight in facts.weights:
        size = 1
        for dim in weight.shape:
            size *= int(dim or 0)
        element_bits = dtype_bits(weight.dtype)
        if element_bits is None:  # a string variable (a lookup table's): no fixed size
            return None
        bits += size * element_bits
    return -(-bits // 8)


def output_bytes(facts: LayerFacts) -> Optional[int]:
    """Bytes of one sample's output: elements times the output dtype's size; None when unknown."""
    shape = output_shape_of(facts)
    dtypes = facts.output_dtypes
    if shape is None or dtypes is None:
        return None
    shapes = shape if shape and all(isinstance(part, tuple) for part in shape) else (shape,)
    bits = 0
    for part, dtype in zip(shapes, dtypes, strict=False):
        elements = neurons_of(part)  # type: ignore[arg-type]
        element_bits = dtype_bits(dtype)
        if elements is None or element_bits is None:  # an unknown dimension, or strings (no fixed size)
            return None
        bits += elements * element_bits
    return -(-bits // 8)
