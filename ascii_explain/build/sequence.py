"""Costs at an unknown sequence length, as polynomials in ``T`` (issue 24, item 3).

Without ``input_shape`` a text model's sequence axis is ``None`` and its
mult-adds, activations and key/value cache are unknown. Here every ``None``
beyond the batch axis of every shape the reader recorded is replaced by the
symbol ``T`` (``polynomial.SEQUENCE``), and the same MACs and cache functions
that give the numbers (``costs.macs_for``, the registered cache functions)
are run on those facts: they build their usual expressions, with ``T`` in
them, and ``evaluate_polynomial`` reads them. Nothing is fitted or sampled:
the polynomial IS the expression the functions wrote, collected.

One symbol for every unknown axis is right for what this covers: each input
has one unknown axis (token ids, their mask), all of the same length (as
``explain(model, input_shape=(1, T))`` gives every input of that rank), and
the length does not change inside the model. A model whose length could
change (a convolution, pooling, padding or cropping layer has shape
arithmetic), or an input with two unknown axes (an image), gets a note
instead: give ``input_shape``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from ..copies import replaced
from ..layers import (
    CALL_SHAPES_KEYWORD,
    find_kv_cache,
    find_shape_function,
    wants_call_shapes,
)
from ..layers.operations import operation_macs
from ..polynomial import SEQUENCE, SYMBOL, Polynomial, evaluate_polynomial, is_symbolic
from ..read.dtypes import dtype_bits
from ..read.facts import LayerFacts, ModelFacts
from ..read.legacy import keras3_counterpart
from .costs import macs_for, output_shape_of
from .records import calls_counted


@dataclass(frozen=True)
class RowInLength:
    """One top-level row's costs for ONE sample as polynomials in T (their ``text()``); "" when unknown."""

    name: str
    macs: str = ""
    macs_note: str = ""
    output_bytes: str = ""
    # "" for a layer that keeps no key/value cache (or whose cache is unknown: kv_cache_note)
    kv_cache_bytes: str = ""
    kv_cache_note: str = ""


@dataclass(frozen=True)
class SequenceCosts:
    """Every top-level row's costs in the sequence length ``symbol``; ``note`` says why there are none."""

    rows: tuple[RowInLength, ...] = ()
    symbol: str = SYMBOL
    note: str = ""

    def row(self, name: str) -> Optional[RowInLength]:
        for row in self.rows:
            if row.name == name:
                return row
        return None


def sequence_costs(facts: ModelFacts) -> Optional[SequenceCosts]:
    """The model's costs in T when an input's sequence axis is unknown; None when every axis is known."""
    unknown = [_unknown_axes(shape) for shape in facts.input_shapes]
    if not any(unknown):
        return None
    if any(count > 1 for count in unknown):
        return SequenceCosts(note="an input has more than one unknown axis: explain(model, input_shape=...)")
    changing = _first_length_changing_layer(facts.graph.entries)
    if changing is not None:
        return SequenceCosts(
            note=f"layer {changing!r} may change the sequence length: explain(model, input_shape=(1, T))"
        )
    try:
        return SequenceCosts(rows=tuple(_row(with_sequence(entry)) for entry in facts.graph.entries))
    except Exception as error:  # noqa: BLE001 - the costs in T are an addition; they never crash an explanation
        return SequenceCosts(note=f"internal error in the costs in T ({type(error).__name__}): please report it")


def annotate_records(records: Iterable[Any], sequence: Optional[SequenceCosts]) -> None:
    """Put each top-level row's polynomials on its record, where its number is unknown (for the views)."""
    if sequence is None or sequence.note:
        return
    for record in records:
        row = sequence.row(record.name)
        if row is None:
            continue
        if record.macs is None and row.macs:
            record.macs_in_length = row.macs
        if record.kv_cache_bytes is None and row.kv_cache_bytes:
            record.kv_cache_bytes_in_length = row.kv_cache_bytes


def grouped_in_length(records: list[Any], sequence: SequenceCosts, field: str = "macs") -> str:
    """The total in T with runs of identical rows as one product, ``2*(32*T**2 + 2304*T) + 16*T``:
    the model's structure (L blocks of the same cost) visible in the sum; "" when a row is unknown."""
    parts: list[str] = []
    previous, count = None, 0
    values = []
    for record in records:
        value = row_in_length(record, sequence, field)
        if value is None:
            return ""
        values.append(value * calls_counted(record))
    for value in [*values, None]:
        if value is not None and value == previous:
            count += 1
            continue
        if previous is not None and previous:
            text = previous.text()
            parts.append(text if count == 1 else f"{count}*{text}" if len(previous.terms) == 1 else f"{count}*({text})")
        previous, count = value, 1
    return " + ".join(parts) if parts else "0"


def _unknown_axes(shape: Any) -> int:
    if not isinstance(shape, tuple):
        return 0
    return sum(1 for dim in shape[1:] if dim is None)


def _first_length_changing_layer(entries: Iterable[LayerFacts]) -> Optional[str]:
    """A layer with output-shape arithmetic (convolution, pooling, padding, cropping, upsampling): its
    output length is not T, and a substituted symbol would be wrong after it."""
    for entry in entries:
        if find_shape_function(entry.layer_class, keras3_counterpart) is not None:
            return entry.name
        inner = _first_length_changing_layer((*entry.sublayers, *entry.model_layers))
        if inner is not None:
            return inner
    return None


def with_sequence(facts: LayerFacts) -> LayerFacts:
    """The facts with every unknown non-batch dimension of every shape replaced by T, sublayers too."""
    return replaced(
        facts,
        build_shape=_substitute(facts.build_shape),
        input_shape=_substitute(facts.input_shape),
        output_shape=_substitute(facts.output_shape),
        computed_output_shape=_substitute(facts.computed_output_shape),
        call_arguments=_substitute(facts.call_arguments),
        sublayers=tuple(with_sequence(sub) for sub in facts.sublayers),
        model_layers=tuple(with_sequence(layer) for layer in facts.model_layers),
    )


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(dim is None or isinstance(dim, int) for dim in value)


def _substitute(value: Any) -> Any:
    if _is_shape(value):
        return value[:1] + tuple(SEQUENCE if dim is None else dim for dim in value[1:]) if value else value
    if isinstance(value, tuple):
        return tuple(_substitute(part) for part in value)
    if isinstance(value, list):
        return [_substitute(part) for part in value]
    if isinstance(value, Mapping):
        return {key: _substitute(part) for key, part in value.items()}
    return value


def _row(facts: LayerFacts) -> RowInLength:
    if facts.is_operation:
        return _operation_row(facts)
    macs, _, note = macs_for(facts, evaluator=evaluate_polynomial)
    kv, kv_note = _kv_cache_bytes(facts)
    output = _output_bytes(facts)
    return RowInLength(
        name=facts.name,
        macs=macs.text() if isinstance(macs, Polynomial) else "",
        macs_note="" if isinstance(macs, Polynomial) else note,
        output_bytes=output.text() if output is not None else "",
        kv_cache_bytes=kv.text() if kv is not None else "",
        kv_cache_note=kv_note,
    )


def _output_bytes(facts: LayerFacts) -> Optional[Polynomial]:
    """One sample's output bytes in T (as ``costs.output_bytes_of`` counts them at a number)."""
    return _bytes_in_length(output_shape_of(facts), facts.output_dtypes)


def _bytes_in_length(shape: Any, dtypes: Any) -> Optional[Polynomial]:
    if shape is None or dtypes is None:
        return None
    shapes = shape if shape and all(isinstance(part, tuple) for part in shape) else (shape,)
    bits = Polynomial()
    for part, dtype in zip(shapes, dtypes, strict=False):
        element_bits = dtype_bits(dtype)
        if element_bits is None or any(dim is None for dim in part[1:]):
            return None
        elements = Polynomial.constant(1)
        for dim in part[1:]:
            elements = elements * (dim if is_symbolic(dim) else int(dim))
        bits = bits + elements * element_bits
    return _bytes_of_bits(bits)


def _bytes_of_bits(bits: Polynomial) -> Polynomial:
    """Bytes of ``bits``: a number rounded up, as ``costs`` counts it; in T exact eighths (rounded up at a length)."""
    if bits.is_constant:
        return Polynomial.constant(-(-bits.coefficient(0) // 8))
    return Polynomial({degree: c / 8 for degree, c in bits.terms.items()})


def _kv_cache_bytes(facts: LayerFacts) -> tuple[Optional[Polynomial], str]:
    """The key/value cache of one sample in T, as ``costs.kv_cache_fields`` counts it: a decoder attention
    layer's cache function, or a block's parts' caches summed (None, "" for a layer that keeps none)."""
    if facts.caches_keys_values and facts.config is not None:
        function = find_kv_cache(facts.layer_class, keras3_counterpart)
        if function is not None:
            try:
                keywords = {}
                if facts.call_arguments is not None and wants_call_shapes(function):
                    keywords[CALL_SHAPES_KEYWORD] = facts.call_arguments
                expression = function(facts.config, facts.build_shape, **keywords)
                if expression is None:
                    return None, ""
                elements = evaluate_polynomial(expression)
            except Exception as error:  # noqa: BLE001 - a function that cannot take T: the cache stays unknown
                return None, f"not a polynomial in {SYMBOL} ({type(error).__name__})"
            bits = (dtype_bits(facts.weights[0].dtype) if facts.weights else None) or 32
            return _bytes_of_bits(elements * bits), ""
    parts = [_kv_cache_bytes(sub) for sub in facts.sublayers]
    keeping = [(value, note) for value, note in parts if value is not None or note]
    if not keeping:
        return None, ""
    for value, note in keeping:
        if value is None:
            return None, note
    return sum((value for value, _ in keeping if value is not None), Polynomial()), ""


# --------------------------------------------------------------------------- totals, and numbers at a length


@dataclass(frozen=True)
class CostsAtLength:
    """What ``explain(model, input_shape=(batch, length))`` would give, from the polynomials at T = length.

    ``total_macs`` per sample (a lower bound when ``macs_unknown`` names rows),
    ``activation_bytes`` and ``kv_cache_bytes`` for ``batch_size`` samples
    (None when a row's is unknown, as in the Explanation).
    """

    length: int
    batch_size: int
    total_macs: int
    macs_by_layer: dict[str, Optional[int]]
    macs_unknown: tuple[str, ...]
    activation_bytes: Optional[int]
    kv_cache_bytes: Optional[int]


def total_in_length(
    records: Iterable[Any], sequence: SequenceCosts, field: str, per_call: bool = True
) -> tuple[Polynomial, list[str]]:
    """The sum over ``records`` (the top-level rows) of one cost in T, each row times its calls (unless
    ``per_call`` is False: an output is counted once, as ``activation_bytes`` counts it): its number
    where it is known, its polynomial where not; the rows known in neither listed."""
    result, unknown = Polynomial(), []
    for record in records:
        value = row_in_length(record, sequence, field)
        if value is None:
            unknown.append(record.name)
        else:
            result = result + value * (calls_counted(record) if per_call else 1)
    return result, unknown


def row_in_length(record: Any, sequence: SequenceCosts, field: str) -> Optional[Polynomial]:
    """One record's ``field`` ("macs", "output_bytes", "kv_cache_bytes") in T, or None when unknown."""
    known = getattr(record, field)
    if known is not None:
        return Polynomial.constant(known)
    row = sequence.row(record.name)
    text = getattr(row, field) if row is not None else ""
    return evaluate_polynomial(text) if text else None


def costs_at(
    records: list[Any],
    held: list[Any],
    kv_records: list[Any],
    sequence: SequenceCosts,
    batch_size: int,
    length: int,
) -> CostsAtLength:
    """The numbers at ``T = length``: each row's polynomial evaluated (bytes rounded up, as counted).

    ``records``: the rows that compute (mult-adds, as ``Explanation.total_macs`` sums them); ``held``: the
    rows the totals add up (each output once, for the activations).
    """
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"the sequence length must be a positive integer, got {length!r}")
    if sequence.note:
        raise ValueError(f"no costs in {sequence.symbol}: {sequence.note}")
    macs_by_layer: dict[str, Optional[int]] = {}
    for record in records:
        value = row_in_length(record, sequence, "macs")
        macs_by_layer[record.name] = None if value is None else _whole(value.at(length))
    counted = zip(records, macs_by_layer.values(), strict=True)
    total = sum((value or 0) * calls_counted(record) for record, value in counted)
    activations, unknown_outputs = total_in_length(
        [r for r in held if r.class_name != "InputLayer"], sequence, "output_bytes", per_call=False
    )
    kv, unknown_kv = total_in_length(kv_records, sequence, "kv_cache_bytes")
    return CostsAtLength(
        length=length,
        batch_size=batch_size,
        total_macs=total,
        macs_by_layer=macs_by_layer,
        macs_unknown=tuple(name for name, value in macs_by_layer.items() if value is None),
        activation_bytes=None if unknown_outputs else _ceil(activations.at(length)) * batch_size,
        kv_cache_bytes=None if unknown_kv or not kv_records else _ceil(kv.at(length)) * batch_size,
    )


def _whole(value: Any) -> int:
    if value.denominator != 1:
        raise AssertionError(f"a mult-add count in T that is not whole at this length: {value}")  # our bug
    return int(value)


def _ceil(value: Any) -> int:
    return -(-value.numerator // value.denominator)


def _operation_row(facts: LayerFacts) -> RowInLength:
    """A keras.ops node (``x * scale``, ``x[:, 0]``): its mult-adds as ``build/model.py`` counts them (0 for
    element-wise, indexing and data movement, else unknown), its output's bytes in T from its graph tensor."""
    macs = operation_macs(facts.class_name)
    shape = _substitute(facts.calls[0].output_shape) if facts.calls else None
    output = _bytes_in_length(shape, facts.output_dtypes)
    return RowInLength(
        name=facts.name,
        macs=evaluate_polynomial(macs).text() if macs is not None else "",
        macs_note="" if macs is not None else f"no mult-add formula for the operation {facts.class_name}",
        output_bytes=output.text() if output is not None else "",
    )
