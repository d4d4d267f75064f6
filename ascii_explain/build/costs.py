"""A layer's costs beside its parameters: mult-adds, output-shape arithmetic and bytes, from its facts.

``cost_fields(facts)`` gives the LayerRecord fields ``macs``, ``macs_formula``,
``macs_note``, ``shape_formula``, ``shape_axes``, ``param_bytes`` and
``output_bytes``. Like the parameter formulas, the MACs and shape functions
see only the config and shapes; a function that fails never crashes an
explanation: the value becomes unknown, with the reason.
"""

from __future__ import annotations

import hashlib
import weakref
from typing import Any, Callable, Optional, Sequence

from .. import hints
from ..arithmetic import evaluate, group, total
from ..layers import (
    CALL_SHAPES_KEYWORD,
    UnknownDimensionError,
    find_backward_macs,
    find_kv_cache,
    find_macs,
    find_shape_function,
    wants_call_shapes,
)
from ..read.dtypes import dtype_bits
from ..read.facts import OUTSIDE_GRAPH, LayerFacts
from ..read.legacy import keras3_counterpart
from ..read.own_products import contracts_itself
from .cost_memo import remembered
from .failures import (
    ROLE_MACS,
    function_name,
    internal_error,
    internal_error_words,
    is_inherited,
    is_not_covered,
)
from .records import InternalError, neurons_of
from .saved_activations import saved_fields
from .traced_backward import traced_backward_terms

UNBUILT_MACS_NOTE = "unbuilt"
UNBUILT_TRACED_NOTE = "never built by the model, called in the traced forward: its contractions there"


NEVER_CALLED_MACS_NOTE = "never called by the model: no mult-adds in its forward pass"
NOT_CALLED_IN_TRACE_MACS_NOTE = "not called in the traced forward (a branch not taken): no mult-adds there"


def cost_fields(facts: LayerFacts, depth: int = 0) -> dict[str, Any]:
    """The cost fields of the layer's record, and ``internal_errors`` (a MACs function that raised: our bug).

    ``depth``: the record's (0 at the model's top level, where blocks are collapsed into repeats).
    """
    errors: list[InternalError] = []
    macs: Optional[int]
    if facts.placement == OUTSIDE_GRAPH:
        # Reachable through an attribute, never called: nothing of its forward pass
        # runs, so it multiplies nothing (its weights still count, as Keras counts them).
        macs, macs_formula, macs_note = 0, "0", NEVER_CALLED_MACS_NOTE
    elif facts.not_called_in_trace:
        macs, macs_formula, macs_note = 0, "0", NOT_CALLED_IN_TRACE_MACS_NOTE
    else:
        macs, macs_formula, macs_note = macs_for(facts, errors)
    shape_formula, shape_axes = shape_formula_for(facts)
    backward_terms, backward_note = backward_terms_for(facts, macs)
    return {
        "backward_terms": backward_terms,
        "backward_note": backward_note,
        "macs": macs,
        "macs_formula": macs_formula,
        "macs_note": macs_note,
        "macs_source": macs_source(facts, macs),
        "macs_over_calls": facts.calls_differ,
        "traced_macs": cross_check_macs(facts, macs),
        "shape_formula": shape_formula,
        "shape_axes": shape_axes,
        "param_bytes": param_bytes(facts),
        # Never called: no output is ever made, so it holds no activation (its shape, if Keras knows it, shows).
        "output_bytes": 0 if facts.placement == OUTSIDE_GRAPH else output_bytes(facts),
        "internal_errors": tuple(errors),
        **kv_cache_fields(facts),
        **saved_fields(facts),
        # Only top-level rows are ever collapsed into repeats (views/model.py: collapse_repeats).
        "config_key": config_key(facts) if depth == 0 else "",
    }


def config_key(facts: LayerFacts) -> str:
    """A digest of the config without names (the layer's and its sublayers'), the class and the build shape.

    Two blocks with the same key differ only in their names: same class,
    hyperparameters, sublayers and shapes.
    """
    # Only composite blocks are ever collapsed (views/model.py: collapse_repeats needs sublayers), and
    # the digest walks the whole config: a layer without sublayers gets none (a tenth of explain's time).
    if facts.config is None or not facts.sublayers:
        return ""
    parts = [facts.class_name, _without_names(facts.config), facts.build_shape]
    parts += [(sub.class_name, _without_names(sub.config or {}), sub.build_shape) for sub in facts.sublayers]
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


def _without_names(value: Any) -> Any:
    # In the config's own key order, not sorted: the same class's get_config() gives the same order,
    # and sorting every nested dict of every block was most of the digest's cost.
    if isinstance(value, dict):
        return [(key, _without_names(item)) for key, item in value.items() if key != "name"]
    if isinstance(value, (list, tuple)):
        return [_without_names(item) for item in value]
    return value


def unbuilt_cost_fields(traced_parts: Optional[Sequence[int]] = None) -> dict[str, Any]:
    """An unbuilt layer's costs: nothing held; its mult-adds unknown, or what it computed in the traced forward.

    ``traced_parts``: the contractions of its call in the forward traced at an
    input_shape (a weightless layer the model never built but its trace called).
    """
    if traced_parts is not None:
        return {
            "macs": sum(traced_parts),
            "macs_formula": total(str(part) for part in traced_parts),
            "macs_note": UNBUILT_TRACED_NOTE,
            "macs_source": MACS_TRACED,
            "param_bytes": 0,
            "output_bytes": None,
        }
    return {"macs": None, "macs_note": UNBUILT_MACS_NOTE, "param_bytes": 0, "output_bytes": None}


def output_shape_of(facts: LayerFacts) -> Any:
    """The first call's output shape, or what ``compute_output_shape`` gives outside a symbolic graph
    (a sublayer called inside a custom layer's ``call``)."""
    return facts.output_shape if facts.output_shape is not None else facts.computed_output_shape


def macs_for(
    facts: LayerFacts, errors: Optional[list[InternalError]] = None, evaluator: Callable[[str], Any] = evaluate
) -> tuple[Optional[Any], str, str]:
    """(macs, formula, note): the count and its arithmetic, or (None, "", why it is unknown).

    A MACs function that raises is appended to ``errors`` (our bug), unless it
    was inherited by a class Keras does not define and does not fit it.
    ``evaluator`` reads the expression: ``arithmetic.evaluate`` (an int), or
    ``polynomial.evaluate_polynomial`` when the shapes hold the sequence length
    as a symbol (``build/sequence.py``). Counted once per explanation (build/cost_memo.py): the errors
    a count raised are given to every caller that asks for them.
    """
    produced: list[InternalError] = []
    result, raised = remembered(
        ("macs", id(facts), evaluator), facts, lambda: (_macs_for(facts, produced, evaluator), tuple(produced))
    )
    if errors is not None:
        errors.extend(raised)
    return result


def _macs_for(
    facts: LayerFacts, errors: list[InternalError], evaluator: Callable[[str], Any]
) -> tuple[Optional[Any], str, str]:
    if facts.is_model:
        return _nested_model_macs(facts, evaluator)
    if not facts.built:
        return None, "", UNBUILT_MACS_NOTE
    function = find_macs(facts.layer_class, keras3_counterpart)
    if function is None and facts.sublayers:
        return _composite_macs(facts, evaluator)
    if function is None or (facts.calls_differ and not facts.sublayers):
        # no function; or calls doing different work, which one call's formula cannot count: each call's own
        return traced_macs(facts, evaluator)
    if facts.config is None:
        return None, "", "layer.get_config() failed"
    try:
        keywords = {}
        if facts.call_arguments is not None and wants_call_shapes(function):
            keywords[CALL_SHAPES_KEYWORD] = facts.call_arguments
        expression = function(facts.config, facts.build_shape, output_shape_of(facts), **keywords)
        expression = per_model_sample(expression, facts)
        return evaluator(expression), expression, ""
    except UnknownDimensionError as error:
        return None, "", str(error)
    except Exception as error:  # noqa: BLE001 - a MACs function must never crash an explanation
        if is_not_covered(error):
            return None, "", str(error)
        if is_inherited(facts, ROLE_MACS):
            return None, "", f"the inherited {function_name(function)} does not fit this subclass"
        failure = internal_error(function, ROLE_MACS, error)
        errors.append(failure)
        return None, "", internal_error_words(failure)


def per_model_sample(expression: str, facts: LayerFacts) -> str:
    """A per-row count times the layer's rows per model sample (``samples``: windows folded into its batch axis).

    A layer's own functions count one row of its input, as the batch axis is the
    samples'; after a window partition (``reshape(x, (-1, 16, C))``) each sample is
    several rows, and the count is ``windows*(per row)``. The traced count is
    already per model sample (read/call_shapes.py).
    """
    if facts.samples <= 1 or expression in ("", "0"):
        return expression
    return f"{facts.samples}*{group(expression)}"


MACS_FORMULA = "formula"  # a registered MACs function (or the sum of its parts') gave the count
MACS_TRACED = "traced"  # counted from the layer's own call, traced symbolically (read/traced_macs.py)


def traced_macs(facts: LayerFacts, evaluator: Callable[[str], Any] = evaluate) -> tuple[Optional[Any], str, str]:
    """(macs, the contractions summed, note) from the trace of the layer's own call; unknown with its reason.

    A trace runs at numbers (an ``input_shape``, or static inputs), so in T its count is a constant.
    """
    if facts.traced_macs is None:
        reason = facts.traced_macs_note or "its call could not be traced"
        return None, "", f"no mult-add formula for {facts.class_name}; {reason}"
    expression = total(str(part) for part in facts.traced_macs)
    return evaluator(expression), expression, ""


# Layers whose registered count and traced count differ by design, not by a wrong formula: a
# recurrent layer's loop is traced once (one step of its timesteps), and mixture-of-experts layers
# count the top-k experts a token uses where keras-hub's code runs every expert (README).
CROSS_CHECK_EXEMPT = ("RNN", "LSTM", "GRU", "Bidirectional", "MoE", "Moe", "Expert")


def cross_check_macs(facts: LayerFacts, macs: Optional[int]) -> Optional[int]:
    """The traced count beside a registered one (its cross-check), when a traced forward gave one; else None."""
    if macs is None or facts.traced_macs is None or facts.is_model or facts.placement == OUTSIDE_GRAPH:
        return None
    if find_macs(facts.layer_class, keras3_counterpart) is None or facts.calls_differ:  # the traced count IS the count
        return None
    if _exempt_from_cross_check(facts.layer_class):
        return None
    return sum(facts.traced_macs)


# By class, weakly (a class made in a loop goes with it): its MRO never changes.
_EXEMPT: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


def _exempt_from_cross_check(layer_class: type) -> bool:
    """A class or base of it named as one of CROSS_CHECK_EXEMPT."""
    exempt = _EXEMPT.get(layer_class)
    if exempt is None:
        names = [klass.__name__ for klass in layer_class.__mro__]
        exempt = _EXEMPT[layer_class] = any(word in name for name in names for word in CROSS_CHECK_EXEMPT)
    return exempt


def macs_source(facts: LayerFacts, macs: Optional[int]) -> str:
    """Where the count came from: "formula", "traced", or "" when it is unknown."""
    if macs is None:
        return ""
    if facts.is_model or facts.sublayers:
        if find_macs(facts.layer_class, keras3_counterpart) is None and own_macs(facts):
            return MACS_TRACED  # its parts' sum and its own call's traced products
        return MACS_FORMULA
    registered = find_macs(facts.layer_class, keras3_counterpart) is not None
    return MACS_FORMULA if registered and not facts.calls_differ else MACS_TRACED


def _composite_macs(layer: LayerFacts, evaluator: Callable[[str], Any] = evaluate) -> tuple[Optional[Any], str, str]:
    """A layer built from sublayers, without a MACs function of its own: its sublayers' MACs, each per its repeats.

    (``composite.py`` builds the same sum from the sublayers' rows, grouped
    for display; this one serves a composite inside a nested model.)
    """
    values = []
    for sublayer in layer.sublayers:
        if not sublayer.built and not sublayer.is_model:  # never called (Keras builds on the first call): 0
            continue
        if sublayer.outside_parent_calls:  # its calls are someone else's work
            continue
        macs, _, note = macs_for(sublayer, evaluator=evaluator)
        if macs is None:
            return None, "", f"unknown in its part {sublayer.name!r}: {note}"
        if macs:
            times = macs_repeats(sublayer)
            values.append(str(macs) if times <= 1 else f"{times}*{macs}")
    own = own_macs(layer)
    if own is None and _own_products_untraced(layer, evaluator):
        return None, "", f"{layer.class_name}'s call computes products of its own, {OWN_PRODUCTS_UNTRACED}"
    if own:
        values.append(str(own))
    expression = total(values)
    return evaluator(expression), expression, ""


OWN_PRODUCTS_UNTRACED = "which only a call traced at a length counts: explain(model, input_shape=(1, T))"


def _own_products_untraced(layer: LayerFacts, evaluator: Callable[[str], Any]) -> bool:
    """In T (an evaluator other than ``evaluate``: build/sequence.py), a block whose call contracts outside
    its sublayers (xlnet's relative attention, RWKV7's time mix) and that no trace counted: the sum of its
    parts would be a polynomial short of those products, so the count in T is unknown instead.

    At a number the trace ran wherever such a block has static shapes (read/model.py); without one its
    parts' counts are unknown too.
    """
    return evaluator is not evaluate and layer.traced_macs is None and contracts_itself(layer.layer_class)


def macs_repeats(facts: LayerFacts) -> int:
    """How many times a sublayer's count adds to its parent's: its calls per call, or once when its calls
    differ (its count then sums them: read/call_units.py)."""
    return 1 if facts.calls_differ else max(facts.repeats, 1)


OWN_PART = "(own call)"  # the name of a block's own contractions among its parts (composite.py)


def own_macs(layer: LayerFacts) -> Optional[int]:
    """The contractions a block's call makes itself, outside its sublayers (``ops.matmul(q, k)`` in its ``call``).

    Its traced first call counts everything it ran, its sublayers' too; each
    sublayer's traced first call, times its calls per call of the block, is
    taken off. Traced counts on both sides, so a convention where a registered
    count differs from the trace (top-k experts, a recurrent loop traced once)
    cancels out. None when any of them is not traced (no traced forward, a
    nested model part) or the difference is not a count (negative).
    """
    if layer.traced_macs is None or (layer.is_model and layer.graph is not None and layer.graph.kind != "subclassed"):
        return None  # a Functional or Sequential model computes nothing but its layers (and its keras.ops rows)
    inside = _traced_inside(layer)
    if inside is None:
        return None
    own = sum(layer.traced_macs) - inside
    return own if own >= 0 else None


def _traced_inside(layer: LayerFacts) -> Optional[int]:
    """What the sublayers' own traced calls counted, each times its calls per call of ``layer``.

    A built sublayer the forward never called (``call_arguments`` None: Gemma3n's AltUp, whose methods
    the block calls instead) counts what its own sublayers ran; its own products are then the block's.
    """
    inside = 0
    for sublayer in layer.sublayers or layer.model_layers:  # a subclassed model's parts are its model_layers
        if getattr(sublayer, "is_input_layer", False) or sublayer.class_name == "InputLayer":
            continue
        if not sublayer.built and not sublayer.is_model:
            continue
        if sublayer.traced_macs is not None:
            inside += sum(sublayer.traced_macs) * macs_repeats(sublayer)
            continue
        if sublayer.call_arguments is not None or sublayer.is_model:
            return None  # called, but its count is unknown
        if not sublayer.sublayers:
            continue  # never called in the forward (SAM's no-mask embedding, a branch not taken): nothing ran
        nested = _traced_inside(sublayer)
        if nested is None:
            return None
        inside += nested
    return inside


def _nested_model_macs(model: LayerFacts, evaluator: Callable[[str], Any] = evaluate) -> tuple[Optional[Any], str, str]:
    """A model used as a layer: the sum of its layers' MACs (in ``model.layers`` order), unknown if any is."""
    values = []
    for layer in model.model_layers:
        if not layer.built and not layer.is_model:  # never called (Flux's SelfAttention's own attention): 0
            continue
        macs, _, note = macs_for(layer, evaluator=evaluator)
        if macs is None:
            return None, "", f"unknown in its layer {layer.name!r}: {note}"
        values.append(macs)
    own = own_macs(model)
    subclassed = model.graph is None or model.graph.kind == "subclassed"
    if own is None and subclassed and _own_products_untraced(model, evaluator):
        return None, "", f"{model.class_name}'s call computes products of its own, {OWN_PRODUCTS_UNTRACED}"
    if own:
        values.append(own)
    expression = total(str(value) for value in values if value)
    return evaluator(expression), expression, ""


def backward_terms_for(facts: LayerFacts, macs: Optional[int]) -> tuple[tuple[str, ...], str]:
    """The layer's backward terms for one sample, before the model decides which apply, and why when unknown.

    ``(input_grad, weight_grad, internal)`` as plain expressions
    (``layers/backward.py``). A layer without a backward function whose forward count is 0
    (element-wise work, a lookup, data movement) has no mult-adds backward
    either: its gradients are element-wise or scatters of the same sizes. A
    container (a nested model, a block of sublayers) sums its parts', each
    part's input gradient counted as internal: inside it, every part but the
    first reads another part's output. ``()`` and the reason when unknown. Once per explanation.
    """
    return remembered(("backward", id(facts), macs), facts, lambda: _backward_terms_for(facts, macs))


def _backward_terms_for(facts: LayerFacts, macs: Optional[int]) -> tuple[tuple[str, ...], str]:
    if facts.is_model or (facts.sublayers and find_macs(facts.layer_class, keras3_counterpart) is None):
        return _container_backward(facts)
    if macs is None:
        return (), "the forward mult-adds are unknown"
    function = find_backward_macs(facts.layer_class, keras3_counterpart)
    if macs and macs_source(facts, macs) == MACS_TRACED and facts.traced_macs is not None:
        return traced_backward_terms(facts.traced_macs, facts.traced_kinds)  # its traced contractions'
    if function is None:
        if macs == 0:
            return ("0", "0", "0"), ""
        return (), f"no backward mult-add formula for {facts.class_name}"
    if facts.config is None:
        return (), "layer.get_config() failed"
    try:
        keywords = {}
        if facts.call_arguments is not None and wants_call_shapes(function):
            keywords[CALL_SHAPES_KEYWORD] = facts.call_arguments
        terms = function(facts.config, facts.build_shape, output_shape_of(facts), **keywords)
        terms = tuple(per_model_sample(term, facts) for term in terms)
        for term in terms:
            evaluate(term)  # plain integer arithmetic, or the backward count is unknown
    except UnknownDimensionError as error:
        return (), str(error)
    except Exception as error:  # noqa: BLE001 - a backward function must never crash an explanation
        return (), f"internal error in {function_name(function)} ({type(error).__name__})"
    return tuple(terms), ""


def _container_backward(facts: LayerFacts) -> tuple[tuple[str, ...], str]:
    """A nested model or a composite layer: its parts' backward terms, each times its repeats."""
    parts = facts.model_layers if facts.is_model else facts.sublayers
    weight_grads, internals = [], []
    for part in parts:
        macs, _, _ = macs_for(part)
        terms, note = backward_terms_for(part, macs)
        if not terms:
            return (), f"unknown in its part {part.name!r}: {note}"
        input_grad, weight_grad, internal = terms
        repeats = "" if part.repeats <= 1 else f"{part.repeats}*"
        if any(weight.trainable for weight in part.weights) and evaluate(weight_grad):
            weight_grads.append(f"{repeats}{group(weight_grad)}" if repeats else weight_grad)
        for term in (input_grad, internal):
            if evaluate(term):
                internals.append(f"{repeats}{group(term)}" if repeats else term)
    return ("0", total(weight_grads), total(internals)), ""


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
    """Bytes of one sample's output: elements times the output dtype's size; None when unknown.

    An output of several rows per sample (windows folded into the batch axis) counts every row.
    """
    size = output_bytes_of(output_shape_of(facts), facts.output_dtypes)
    return size if size is None else size * facts.output_samples


def output_bytes_of(
    shape: Any, dtypes: Optional[Sequence[str]], dtype_of: Callable[[str], str] = str
) -> Optional[int]:
    """One sample's output (one shape or several) in ``dtype_of(dtype)``, summed in bits then rounded up;
    None when a dimension is unknown or an output has no fixed size (strings). ``dtype_of`` plans the
    output under another dtype (training memory's what-if policy)."""
    if shape is None or dtypes is None:
        return None
    shapes = shape if shape and all(isinstance(part, tuple) for part in shape) else (shape,)
    bits = 0
    for part, dtype in zip(shapes, dtypes, strict=False):
        elements = neurons_of(part)
        element_bits = dtype_bits(dtype_of(dtype))
        if elements is None or element_bits is None:  # an unknown dimension, or strings (no fixed size)
            return None
        bits += elements * element_bits
    return -(-bits // 8)


def kv_cache_fields(facts: LayerFacts) -> dict[str, Any]:
    """A decoder attention layer's key/value cache for one sample: elements, their arithmetic, bytes.

    Elements come from the layer family's key/value-cache function at the key
    length of the layer's call; bytes use the dtype of the layer's weights
    (the cache is kept in the variables' dtype, as keras-hub's is). {} for a
    layer that keeps no cache; a note instead when the length is unknown.
    """
    if not facts.caches_keys_values or facts.config is None:
        return {}
    function = find_kv_cache(facts.layer_class, keras3_counterpart)
    if function is None:
        return {}
    try:
        keywords = {}
        if facts.call_arguments is not None and wants_call_shapes(function):
            keywords[CALL_SHAPES_KEYWORD] = facts.call_arguments
        expression = function(facts.config, facts.build_shape, **keywords)
    except UnknownDimensionError:
        return {"kv_cache_note": f"the sequence length is unknown: {hints.INPUT_SHAPE}"}
    except Exception as error:  # noqa: BLE001 - never crash an explanation
        # our bug, said as ours, without the exception's text (issue 13: internal errors are named, not dumped)
        return {"kv_cache_note": f"internal error in {function.__name__} ({type(error).__name__})"}
    if expression is None:
        return {}
    elements = evaluate(expression)
    bits = (dtype_bits(facts.weights[0].dtype) if facts.weights else None) or 32  # float32 without weights
    return {
        "kv_cache_elements": elements,
        "kv_cache_formula": expression,
        "kv_cache_bytes": -(-elements * bits // 8),
    }
