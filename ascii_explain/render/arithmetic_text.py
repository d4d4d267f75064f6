"""The words of a record's arithmetic: ``kernel 3*3*3*2 + bias 2 = (3*3*3+1)*2 = 56``.

Shared by every renderer so the text, HTML and Markdown views say the same thing.
"""

from __future__ import annotations

from ..arithmetic import total
from ..build.records import LayerRecord


def terms_text(record: LayerRecord) -> str:
    """Named terms joined with +, each non-trainable one flagged."""
    parts = []
    for term in record.term_list:
        flag = "" if term.trainable else " (non-trainable)"
        parts.append(f"{term.name} {term.expression}{flag}")
    return " + ".join(parts) if parts else "no weights"


def arithmetic_text(record: LayerRecord) -> str:
    """The full line: named terms, the compact formula when it differs, the count."""
    named = terms_text(record)
    plain_sum = total(term.expression for term in record.term_list)
    steps = [named]
    if record.formula != plain_sum or len(record.term_list) > 1:
        if record.formula != named:
            steps.append(record.formula)
    steps.append(str(record.params))
    # Drop a repeated step, e.g. "bias 5 = 5" never needs "= 5" twice.
    deduplicated = [step for index, step in enumerate(steps) if index == 0 or step != steps[index - 1]]
    return " = ".join(deduplicated)


def check_text(record: LayerRecord) -> str:
    """Why the record is marked, or "" when it is not."""
    if record.is_fallback:
        return "from weight shapes: no registered formula for " + record.class_name
    if not record.matches:
        return f"MISMATCH: this formula gives {record.params:,}, Keras's count_params() gives {record.keras_params:,}"
    return ""
