"""A composite layer's row: a layer that tracks sublayers and has no formula of its own (a transformer block).

Its parameters are the sum of its parts: each sublayer's formula (the
sublayer's own row, built as any layer's) plus the weights it creates itself —
by the registered own-weights formula (``register_own_weights``), else from
their shapes. Only what has no formula is marked, and named
(``LayerRecord.fallback_parts``); the rest of the row stays formula-backed.

The collapsed row names its parts, grouped so a decoder block reads in one
line (:func:`part_groups`)::

    self_attention 3072 (query/kernel 1024 + ...) + feedforward 6144 (...) + norms 64 (...) = 9280

Its mult-adds are its sublayers' mult-adds, each times the calls it makes per
call of the block, unless a MACs function is registered for its class (an
attention layer built of Dense parts: the sum would miss the attention's own
products). A layer whose own MACs function already counts its
projections (MultiHeadAttention, keras-hub's attention layers) is not a
composite: it has a formula, so it is one row, and its sublayers are never
added again. The key/value cache of a decoder block is its attention layers'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from .. import hints
from ..arithmetic import evaluate, product, total
from ..layers import find_macs, find_own_weights
from ..read.facts import LayerFacts
from ..read.legacy import keras3_counterpart
from .costs import MACS_FORMULA, MACS_TRACED, OWN_PART, cost_fields, output_shape_of, own_macs
from .inferred import infer_formula
from .records import SOURCE_FORMULA, SOURCE_WEIGHTS, STATE_UNBUILT, LayerRecord, Term, calls_counted

FROZEN_REASON = "layer frozen (trainable=False)"
NORMS = "norms"
# Longer arithmetic in a part's detail is replaced by its value (the expanded row has it).
MAX_DETAIL_EXPRESSION = 40


@dataclass(frozen=True)
class Part:
    """One named part of a composite row: a sublayer, or several sharing a name prefix, or the layer's own weights."""

    name: str
    members: tuple[LayerRecord, ...]

    @property
    def params(self) -> int:
        return sum(member.params for member in self.members)


def part_groups(direct: Sequence[LayerRecord]) -> list[Part]:
    """The direct sublayers' rows, grouped for reading.

    Normalization layers (a class name with "Norm") form one part, ``norms``,
    when there are two or more; other sublayers whose names share their first
    word (``feedforward_intermediate_dense``, ``feedforward_output_dense``)
    form one part named by their common words (``feedforward``), unless that
    one part would hold them all. Every other sublayer is a part of its own. Parts keep the order of their first member.
    """
    norms = [record for record in direct if "Norm" in record.class_name]
    grouped_norms = len(norms) >= 2
    # By identity: ``record in norms`` compared whole records field by field (a record equal to a norm is one).
    norm_ids = {id(record) for record in norms} if grouped_norms else set()
    rest = [record for record in direct if id(record) not in norm_ids]
    by_word: dict[str, list[LayerRecord]] = {}
    for record in rest:
        by_word.setdefault(record.name.split("_")[0], []).append(record)
    if len(by_word) == 1 and len(rest) > 1:  # one group holding every part names nothing (block_inner, block_norm)
        by_word = {record.name: [record] for record in rest}
    parts: dict[str, Part] = {}
    for record in direct:
        if id(record) in norm_ids:
            key, name, members = NORMS, NORMS, tuple(norms)
        else:
            word = record.name.split("_")[0] if record.name.split("_")[0] in by_word else record.name
            members = tuple(by_word[word]) if len(by_word[word]) >= 2 else (record,)
            key = word if len(members) >= 2 else record.name
            name = _common_words([member.name for member in members]) if len(members) >= 2 else record.name
        if key not in parts:
            parts[key] = Part(name, members)
    names = [part.name for part in parts.values()]
    if len(set(names)) != len(names):  # a group named like a lone sublayer: fall back to one part each
        return [Part(record.name, (record,)) for record in direct]
    return list(parts.values())


def _common_words(names: Sequence[str]) -> str:
    """The leading ``_``-separated words every name shares (``feedforward`` for feedforward_gate_dense, ...)."""
    split = [name.split("_") for name in names]
    common = []
    for words in zip(*split, strict=False):
        if len(set(words)) != 1:
            break
        common.append(words[0])
    return "_".join(common)


def _detail(part: Part, trainable: Optional[bool] = None) -> str:
    """What a part's count is made of, as arithmetic where it is short: its members, or one member's pieces.

    ``feedforward 1536 (intermediate_dense 16*32 + gate_dense 16*32 + output_dense 32*16)``;
    an attention layer's terms are named by path (``query/kernel``, ``query/bias``): one piece per projection,
    ``self_attention 768 (query 16*4*4 + key 16*2*4 + value 16*2*4 + attention_output 4*4*16)``.

    A part with trainable and non-trainable weights has two terms (``stem.trainable 234``,
    ``stem.non_trainable 16``); ``trainable`` then says which one this detail is for, so each
    term's detail adds up to that term's count (not the whole part's).
    """
    if trainable is not None:
        return _split_detail(part, trainable)
    if len(part.members) > 1:
        prefix = "" if part.name == NORMS else part.name + "_"
        return " + ".join(f"{_short(member.name, prefix)} {_expression(member)}" for member in part.members)
    (member,) = part.members
    if member.sublayer_count:
        return " + ".join(f"{term.name} {term.count}" for term in member.term_list)
    return _pieces_detail(member.term_list)


def _split_detail(part: Part, trainable: bool) -> str:
    """One side's detail of a part that has both: only the members' (or pieces') counts of that side."""
    if len(part.members) > 1:
        prefix = "" if part.name == NORMS else part.name + "_"
        counts = [
            (member.name, member.trainable_params if trainable else member.non_trainable_params)
            for member in part.members
        ]
        return " + ".join(f"{_short(name, prefix)} {count}" for name, count in counts if count)
    (member,) = part.members
    terms = [term for term in member.term_list if term.trainable == trainable]
    if member.sublayer_count:
        return " + ".join(f"{term.name} {term.count}" for term in terms)
    return _pieces_detail(terms)


def _pieces_detail(terms: Sequence[Term]) -> str:
    """Terms named by path (``query/kernel``, ``query/bias``) as one piece per first name; else nothing."""
    if not any("/" in term.name for term in terms):
        return ""
    pieces: dict[str, list[str]] = {}
    for term in terms:
        pieces.setdefault(term.name.split("/")[0], []).append(term.expression)
    return " + ".join(f"{name} {_short_expression(total(parts), parts)}" for name, parts in pieces.items())


def _expression(member: LayerRecord) -> str:
    """A member's own arithmetic (``16*32``, ``(16+1)*32``) when it is short, else its count."""
    if member.sublayer_count:
        return str(member.params)
    return _short_expression(member.formula, [member.formula])


def _short_expression(expression: str, parts: Sequence[str]) -> str:
    if len(expression) > MAX_DETAIL_EXPRESSION or "?" in expression:
        return str(evaluate(expression))
    return f"({expression})" if len(parts) > 1 else expression


def _short(name: str, prefix: str) -> str:
    """A member's name without the part's prefix, unless only a number would remain (transformer_block_1)."""
    rest = name.removeprefix(prefix)
    return name if rest.isdigit() else rest


def composite_record(
    facts: LayerFacts, inner: list[LayerRecord], depth: int, parent: str, expanded: bool
) -> LayerRecord:
    """The row of a composite layer from its inner rows (its direct sublayers are ``depth + 1``)."""
    direct = [record for record in inner if record.depth == depth + 1]
    terms: list[Term] = []
    fallback_parts: list[str] = []
    frozen = not facts.trainable
    for part in part_groups([record for record in direct if record.params]):
        trainable = sum(member.trainable_params for member in part.members)
        non_trainable = sum(member.non_trainable_params for member in part.members)
        both = bool(trainable and non_trainable)
        if trainable:
            name = f"{part.name}.trainable" if both else part.name
            detail = _detail(part, True if both else None)
            terms.append(Term(name, str(trainable), trainable, True, "", detail))
        if non_trainable:
            name = f"{part.name}.non_trainable" if both else part.name
            reasons = [t.reason for member in part.members for t in member.term_list if not t.trainable and t.reason]
            detail = _detail(part, False if both else None)
            terms.append(Term(name, str(non_trainable), non_trainable, False, reasons[0] if reasons else "", detail))
    if not expanded:  # expanded, each inner row carries its own mark
        for record in direct:
            if record.is_fallback:
                fallback_parts.append(record.name)
            fallback_parts.extend(f"{record.name}/{part}" for part in record.fallback_parts)
    own_terms, own_fallbacks = _own_weight_terms(facts, frozen)
    terms += own_terms
    fallback_parts += own_fallbacks
    formula = total(term.expression for term in terms)
    params = evaluate(formula)
    notes = []
    inside = len(direct)
    if expanded:
        notes.append(f"the sum of the {inside} rows nested below it, counted once in the totals")
    elif inside:
        plural = "" if inside == 1 else "s"
        notes.append(f"{inside} layer{plural} inside this block; {hints.EXPAND_NESTED} shows them")
    fields = cost_fields(facts, depth)
    if find_macs(facts.layer_class, keras3_counterpart) is None:
        # A block with a MACs function of its own keeps that one (cost_fields computed it): its call
        # computes more than its sublayers (keras-hub's window or rotary attention: the sum of its Dense
        # parts misses q @ k and weights @ v; RWKV7TimeMix). Any other block is its parts' sum.
        fields.update(_composite_macs(direct, own_macs(facts)))
    fields.update(_composite_kv_cache(direct))
    all_fallback = (
        bool(fallback_parts)
        and len(fallback_parts) == len(terms)
        and not any(record.fallback_parts for record in direct)
    )
    return LayerRecord(
        name=facts.name,
        class_name=facts.class_name,
        params=params,
        keras_params=facts.keras_params,
        formula=formula,
        term_list=tuple(terms),
        source=SOURCE_WEIGHTS if all_fallback else SOURCE_FORMULA,
        output_shape=facts.output_shape,
        input_shape=facts.input_shape,
        # A block's "activation" config is its feed-forward's (Llama's silu), not applied to its output.
        activation="",
        depth=depth,
        notes=tuple(notes),
        parent=parent,
        trainable=facts.trainable,
        fallback_parts=() if all_fallback else tuple(fallback_parts),
        sublayer_count=inside,
        **fields,
    )


def _own_weight_terms(facts: LayerFacts, frozen: bool) -> tuple[list[Term], list[str]]:
    """Terms for the weights the layer created itself: its own-weights formula, else their shapes (marked)."""
    own = facts.own_weights
    if not own:
        return [], []
    function = find_own_weights(facts.layer_class, keras3_counterpart)
    if function is not None and facts.config is not None:
        try:
            formula = function(facts.config, facts.build_shape)
        except Exception:  # noqa: BLE001 - a formula must never crash an explanation; the shapes below stand in
            formula = None
        if formula is not None and formula.value() == sum(evaluate(product(w.shape)) for w in own):
            trained = {weight.name: weight.trainable for weight in own}
            return [
                Term(
                    term.name,
                    term.expression,
                    evaluate(term.expression),
                    trained.get(term.name, term.trainable) and not frozen,
                    "" if trained.get(term.name, term.trainable) and not frozen else (term.reason or FROZEN_REASON),
                )
                for term in formula.terms
            ], []
    inferred = infer_formula(facts.config, facts.build_shape, output_shape_of(facts), own)
    if inferred is not None:  # named from the config and shapes (issue 21): explained, not a "?" part
        trained = {weight.name: weight.trainable for weight in own}
        return [
            Term(
                term.name,
                term.expression,
                evaluate(term.expression),
                trained.get(term.name, term.trainable),
                "" if trained.get(term.name, term.trainable) else FROZEN_REASON,
                term.detail,
            )
            for term in inferred.terms
        ], []
    terms = [
        Term(w.name, product(w.shape), evaluate(product(w.shape)), w.trainable, "" if w.trainable else FROZEN_REASON)
        for w in own
    ]
    return terms, [w.name for w in own]


def _composite_macs(direct: Sequence[LayerRecord], own: Optional[int] = None) -> dict[str, object]:
    """The sublayers' mult-adds, each times its calls per call of the block, plus its own call's contractions
    (``own``, traced: costs.own_macs); unknown if any part's is."""
    parts = []
    for record in direct:
        if record.state == STATE_UNBUILT and record.macs is None:  # never called: it computed nothing
            continue
        if record.outside_parent_calls:  # called, but by someone else: its work is theirs
            continue
        if record.macs is None:
            return {
                "macs": None,
                "macs_formula": "",
                "macs_note": f"unknown in its part {record.name!r}: {record.macs_note}",
                "macs_source": "",
            }
        if record.macs:
            times = calls_counted(record)  # once when its macs already sum its calls (they differ)
            parts.append((record.name, str(record.macs) if times <= 1 else f"{record.calls}*{record.macs}"))
    if own:
        parts.append((OWN_PART, str(own)))
    expression = total(value for _, value in parts)
    traced = bool(own) or any(record.macs_source == MACS_TRACED for record in direct)
    return {
        "macs": evaluate(expression),
        "macs_formula": expression,
        "macs_note": "",
        "macs_parts": tuple(parts),
        "macs_source": MACS_TRACED if traced else MACS_FORMULA,
    }


def _composite_kv_cache(direct: Sequence[LayerRecord]) -> dict[str, object]:
    """A block keeps what its attention layers keep."""
    caching = [record for record in direct if record.kv_cache_formula or record.kv_cache_note]
    if not caching:
        return {}
    unknown = [record for record in caching if record.kv_cache_elements is None]
    if unknown:
        return {"kv_cache_note": f"unknown in its part {unknown[0].name!r}: {unknown[0].kv_cache_note}"}
    formula = total(str(record.kv_cache_elements) for record in caching)
    return {
        "kv_cache_elements": evaluate(formula),
        "kv_cache_formula": formula,
        "kv_cache_bytes": sum(record.kv_cache_bytes or 0 for record in caching),
    }
