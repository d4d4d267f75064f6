"""The words of a record's arithmetic: ``kernel 3*3*3*2 + bias 2 = (3*3*3+1)*2 = 56``.

Shared by every view so the text, HTML and Markdown say the same thing. The
arithmetic is kept in pieces (``Arithmetic``): the named terms, each knowing
whether it is trained and why not, then the steps; the text view styles the
pieces and the HTML view sets non-trainable terms apart without reading the
words back.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arithmetic import total
from ..build.records import STATE_INTERNAL_ERROR, STATE_NO_WEIGHTS, STATE_UNBUILT, LayerRecord
from . import styled

NO_WEIGHTS = "no weights"
NON_TRAINABLE_FLAG = " (non-trainable)"
TERM_SEPARATOR = " + "
STEP_SEPARATOR = " = "


# Slotted, not frozen: made for every weighted layer on every render (see LayerView).
@dataclass(slots=True)
class TermPiece:
    """One named term as written: ``moving_mean 32 (non-trainable)``."""

    text: str
    trainable: bool = True
    reason: str = ""  # why a non-trainable term is not trained ("" when trainable)


@dataclass(slots=True)
class Arithmetic:
    """The named terms, then the steps after them (the compact formula when it differs; last, the count)."""

    terms: tuple[TermPiece, ...]
    steps: tuple[str, ...]

    @property
    def named(self) -> str:
        return TERM_SEPARATOR.join(term.text for term in self.terms) if self.terms else NO_WEIGHTS

    @property
    def text(self) -> str:
        return STEP_SEPARATOR.join([self.named, *self.steps])

    def line(self) -> styled.Line:
        """The text with its roles: non-trainable terms, and the final count."""
        # Built in one pass (pieces and ranges side by side) rather than piece by
        # piece with Line.add: a model has one of these per weighted layer.
        pieces: list[str] = [] if self.terms else [NO_WEIGHTS]
        spans: list[styled.Span] = []
        position = len(NO_WEIGHTS) if not self.terms else 0
        for index, term in enumerate(self.terms):
            if index:
                pieces.append(TERM_SEPARATOR)
                position += len(TERM_SEPARATOR)
            if not term.trainable and term.text:
                spans.append(styled.Span(position, position + len(term.text), styled.NON_TRAINABLE))
            pieces.append(term.text)
            position += len(term.text)
        for step in self.steps:
            pieces.append(STEP_SEPARATOR)
            position += len(STEP_SEPARATOR)
            pieces.append(step)
            position += len(step)
        last = self.steps[-1] if self.steps else ""
        if last:
            spans.append(styled.Span(position - len(last), position, styled.RESULT))
        return styled.Line("".join(pieces), spans)


def arithmetic_of(record: LayerRecord) -> Arithmetic:
    """Named terms, the compact formula when it differs from their plain sum, and the count."""
    terms = tuple(
        TermPiece(
            f"{term.name} {term.expression}"
            + (f" ({term.detail})" if term.detail else "")
            + ("" if term.trainable else NON_TRAINABLE_FLAG),
            term.trainable,
            term.reason,
        )
        for term in record.term_list
    )
    named = TERM_SEPARATOR.join(term.text for term in terms) if terms else NO_WEIGHTS
    plain_sum = total(term.expression for term in record.term_list)
    # A composite row's parts are plain counts: "a 3072 (...) + b 6144 = 9216" needs no "= 3072 + 6144" step.
    parts_only = any(term.detail for term in record.term_list) and all(
        term.expression.isdigit() for term in record.term_list
    )
    steps = []
    # The formula is a step only when it says more than the terms: "embeddings 32000*4096 +
    # reverse_embeddings 4096*32000" needs no "= 32000*4096 + 4096*32000" (the same, names dropped).
    if not parts_only and record.formula != named and _spaceless(record.formula) != _spaceless(plain_sum):
        steps.append(record.formula)
    # Drop a repeated step, e.g. "bias 5 = 5" never needs "= 5" twice.
    if not steps or steps[-1] != str(record.params):
        steps.append(str(record.params))
    return Arithmetic(terms, tuple(steps))


def _spaceless(text: str) -> str:
    return text.replace(" ", "")


def terms_text(record: LayerRecord) -> str:
    """Named terms joined with +, each non-trainable one flagged."""
    return arithmetic_of(record).named


def arithmetic_text(record: LayerRecord) -> str:
    """The full line: named terms, the compact formula when it differs, the count."""
    return arithmetic_of(record).text


UNBUILT_WORDS = "unbuilt: call() never used this layer, so it has no weights yet (Keras counts it 0)"
INFERRED_WORDS = "inferred from config (weight dimensions named from config and shapes), no formula for "
NO_WEIGHTS_WORDS = "no weights: a layer without weights has nothing to count (no formula needed)"


def internal_error_text(record: LayerRecord) -> str:
    """Which function of ours failed and the exception's class; never the exception's text."""
    errors = record.internal_errors
    failures = ", ".join(f"{error.role} function {error.function} raised {error.error}" for error in errors)
    counted = " (counted from weight shapes instead)" if any(error.role == "formula" for error in errors) else ""
    return f"internal error of ascii_explain (our bug, please report it): {failures}{counted}"


def check_text(record: LayerRecord) -> str:
    """Why the record is marked, or "" when it is not."""
    if record.state == STATE_INTERNAL_ERROR:
        return internal_error_text(record)
    if record.state == STATE_UNBUILT:
        return UNBUILT_WORDS
    if record.state == STATE_NO_WEIGHTS:
        return NO_WEIGHTS_WORDS
    if record.weight_differences and record.matches:
        return "an inherited formula, following this layer's own weights where they differ: " + "; ".join(
            record.weight_differences
        )
    if record.is_inferred and record.matches:
        return INFERRED_WORDS + record.class_name
    if record.is_fallback:
        return "from weight shapes: no registered formula for " + record.class_name
    if record.fallback_parts:
        return f"from weight shapes, no formula: {', '.join(record.fallback_parts)}; the rest by formula"
    if not record.matches:
        return f"MISMATCH: this formula gives {record.params:,}, Keras's count_params() gives {record.keras_params:,}"
    return ""
