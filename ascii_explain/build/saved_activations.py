"""The activations a layer keeps for the backward pass, for one sample: elements, their arithmetic, bytes.

``saved_fields(facts)`` gives the LayerRecord fields ``saved_elements``,
``saved_mask_elements``, ``saved_formula``, ``saved_dtype`` and
``saved_note`` from the layer family's function
(``layers/saved_activations.py``, registered with
``register_saved_activations``). A composite layer (a block of sublayers) and
a nested model keep what their parts keep, each part per its repeats. A
layer whose family has none, or whose function does not cover it, gets the
documented default: its output once (``saved_elements`` None, the note says
so); the training memory plan then counts its ``output_bytes``.
"""

from __future__ import annotations

from typing import Any, Optional

from ..arithmetic import evaluate, group, total
from ..layers import CALL_SHAPES_KEYWORD, UnknownDimensionError, find_saved_activations, wants_call_shapes
from ..read.dtypes import dtype_bytes
from ..read.facts import LayerFacts
from ..read.legacy import keras3_counterpart
from .cost_memo import remembered
from .failures import function_name
from .records import neurons_of

DEFAULT_NOTE = "no saved-activations formula: its output once"
PARTS_DEFAULT_NOTE = "parts without a saved-activations formula, at their output once"
FLOAT32 = "float32"


def saved_fields(facts: LayerFacts) -> dict[str, Any]:
    """The record's saved-activation fields (see the module's docstring)."""
    elements, masks, formula, note, selective = _saved(facts)
    return {
        "saved_elements": elements,
        "saved_mask_elements": masks,
        "saved_selective": selective,
        "saved_formula": formula,
        "saved_dtype": compute_dtype(facts),
        "saved_note": note,
    }


def saved_bytes(elements: Optional[int], mask_elements: int, dtype: str) -> Optional[int]:
    """One sample's kept bytes: elements in the compute dtype, masks at one byte each."""
    return None if elements is None else elements * dtype_bytes(dtype) + mask_elements


def compute_dtype(facts: LayerFacts) -> str:
    """The dtype the layer computes in: its first floating output's (float32 when none is known)."""
    for dtype in facts.output_dtypes or ():
        if "float" in dtype:
            return dtype
    return FLOAT32


Saved = tuple[Optional[int], int, str, str, tuple[int, int]]
NOTHING_RECOMPUTED = (0, 0)


def _saved(facts: LayerFacts) -> Saved:
    """(elements, mask elements, formula, note, (selective elements, selective masks)); elements None means
    the default (the output once). Once per explanation (build/cost_memo.py): a block's is its parts'."""
    return remembered(("saved", id(facts)), facts, lambda: _saved_once(facts))


def _saved_once(facts: LayerFacts) -> Saved:
    function = find_saved_activations(facts.layer_class, keras3_counterpart)
    if function is None:
        parts = facts.model_layers if facts.is_model else facts.sublayers
        if parts:
            return _container(parts)
        return None, 0, "", DEFAULT_NOTE, NOTHING_RECOMPUTED
    if facts.config is None or not facts.built:
        return None, 0, "", DEFAULT_NOTE, NOTHING_RECOMPUTED
    try:
        keywords = {}
        if facts.call_arguments is not None and wants_call_shapes(function):
            keywords[CALL_SHAPES_KEYWORD] = facts.call_arguments
        output_shape = facts.output_shape if facts.output_shape is not None else facts.computed_output_shape
        kept = function(facts.config, facts.build_shape, output_shape, **keywords)
        elements, masks = evaluate(kept.elements), evaluate(kept.mask_elements)
        selective = (evaluate(kept.selective), evaluate(kept.selective_masks))
    except UnknownDimensionError as error:
        return None, 0, "", f"unknown: {error}", NOTHING_RECOMPUTED
    except Exception as error:  # noqa: BLE001 - a saved-activations function never crashes an explanation
        words = f"{function_name(function)} does not cover it ({type(error).__name__}): its output once"
        return None, 0, "", words, NOTHING_RECOMPUTED
    rows, samples = kept.elements, facts.samples
    if samples > 1 and rows != "0":  # windows folded into the batch axis: each sample keeps every window's
        rows = f"{samples}*{group(rows)}"
        elements, masks = elements * samples, masks * samples
        selective = (selective[0] * samples, selective[1] * samples)
    masks_formula = kept.mask_elements if samples <= 1 else f"{samples}*{group(kept.mask_elements)}"
    formula = rows if kept.mask_elements == "0" else f"{rows} (+ masks {masks_formula})"
    return elements, masks, formula, "", selective


def _container(parts: Any) -> Saved:
    """A block or nested model: its parts' kept elements, each per its repeats.

    A part whose family has no figure counts its output once (the default, as
    for a top-level row), and the note names it; unknown when such a part's
    output has an unknown dimension.
    """
    terms, masks, selective, selective_masks, defaulted = [], 0, 0, 0, []
    for part in parts:
        elements, part_masks, _, note, (part_selective, part_selective_masks) = _saved(part)
        if elements is None and note.startswith("unknown"):
            return None, 0, "", f"its part {part.name!r}: {note}", NOTHING_RECOMPUTED
        if elements is None:  # the default: the part's output once
            output = part.output_shape if part.output_shape is not None else part.computed_output_shape
            elements = neurons_of(output)
            if elements is None:
                return None, 0, "", f"its part {part.name!r}: {note}", NOTHING_RECOMPUTED
            defaulted.append(part.name)
        repeats = max(part.repeats, 1)
        selective += repeats * part_selective
        selective_masks += repeats * part_selective_masks
        if elements:
            terms.append(str(elements) if repeats == 1 else f"{repeats}*{group(str(elements))}")
        masks += repeats * part_masks
    expression = total(terms)
    formula = expression if not masks else f"{expression} (+ masks {masks})"
    note = f"{PARTS_DEFAULT_NOTE}: {', '.join(defaulted)}" if defaulted else ""
    return evaluate(expression), masks, formula, note, (selective, selective_masks)
