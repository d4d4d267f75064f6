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
from ..build.records import LayerRecord
from . import styled

NO_WEIGHTS = "no weights"
NON_TRAINABLE_FLAG = " (non-trainable)"
TERM_SEPARATOR = " + "
STEP_SEPARATOR = " = "


@dataclass(frozen=True)
class TermPiece:
    """One named term as written: ``moving_mean 32 (non-trainable)``."""

    text: str
    trainable: bool = True
    reason: str = ""  # why a non-trainable term is not trained ("" when trainable)


@dataclass(frozen=True)
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
        line = styled.Line()
        if not self.terms:
            line.add(NO_WEIGHTS)
        for index, term in enumerate(self.terms):
            if index:
                line.add(TERM_SEPARATOR)
            line.add(term.text, "" if term.trainable else styled.NON_TRAINABLE)
        for index, step in enumerate(self.steps):
            line.add(STEP_SEPARATOR)
            line.add(step, styled.RESULT if index == len(self.steps) - 1 else "")
        return line


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
    if not parts_only and (record.formula != plain_sum or len(record.term_list) > 1):
        if record.formula != named:
            steps.append(record.formula)
    # Drop a repeated step, e.g. "bias 5 = 5" never needs "= 5" twice.
    if not steps or steps[-1] != str(record.params):
        steps.append(str(record.params))
    return Arithmetic(terms, tuple(steps))


def terms_text(record: LayerRecord) -> str:
    """Named terms joined with +, each non-trainable one flagged."""
    return arithmetic_of(record).named


def arithmetic_text(record: LayerRecord) -> str:
    """The full line: named terms, the compact formula when it differs, the count."""
    return arithmetic_of(record).text


def check_text(record: LayerRecord) -> str:
    """Why the record is marked, or "" when it is not."""
    if record.is_fallback:
        return "from weight shapes: no registered formula for " + record.class_name
    if record.fallback_parts:
        return f"from weight shapes, no formula: {', '.join(record.fallback_parts)}; the rest by formula"
    if not record.matches:
        return f"MISMATCH: this formula gives {record.params:,}, Keras's count_params() gives {record.keras_params:,}"
    return ""
