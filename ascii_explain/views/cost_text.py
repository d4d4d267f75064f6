"""The words of a record's costs: shape arithmetic and mult-adds, the lines under its operation row.

``shape   valid: floor((16-3)/1)+1 = 14`` and ``macs    14*14*3*3*3*2 = 10584``,
as styled lines (the final number is a ``RESULT``); the diagram draws them,
the HTML view writes their text. The totals' mult-adds and memory lines are
in ``model.py``, with the other totals.
"""

from __future__ import annotations

from ..build.records import LayerRecord
from . import styled
from .formatting import UNKNOWN, readable_macs

SHAPE_LABEL = "shape   "
MACS_LABEL = "macs    "
# A count from the layer's own call traced symbolically, not from a registered formula (issue 21).
TRACED_WORDS = " (traced: the contractions of its call)"
MACS_TRACED = "traced"  # LayerRecord.macs_source, as build/costs.py sets it


def shape_arithmetic_line(record: LayerRecord) -> styled.Line:
    """``shape   valid, stride 2: floor((14-3)/2)+1 = 6``; an empty line for layers without shape arithmetic."""
    if not record.shape_formula:
        return styled.Line()
    working, separator, result = record.shape_formula.rpartition(" = ")
    text = SHAPE_LABEL + record.shape_formula
    if separator and result.replace(",", "").isdigit():
        return styled.Line(text, [styled.Span(len(text) - len(result), len(text), styled.RESULT)])
    return styled.Line(text)


def macs_line(record: LayerRecord) -> styled.Line:
    """``macs    14*14*3*3*3*2 = 10584``; ``macs    ? (why)`` when unknown; an empty line for 0 MACs."""
    if record.macs is None and record.macs_in_length:
        # the number waits for the sequence length: the polynomial stands where it would be (e.at(T=n))
        return styled.plain(f"{MACS_LABEL}{record.macs_in_length} (in the sequence length T)")
    if record.macs is None:
        return styled.plain(f"{MACS_LABEL}{UNKNOWN} ({record.macs_note})" if record.macs_note else MACS_LABEL + UNKNOWN)
    if record.macs == 0 and not record.macs_disagree:
        return styled.Line()
    traced = TRACED_WORDS if record.macs_source == MACS_TRACED else ""
    unit = readable_macs(record.macs)
    if record.macs_formula == str(record.macs):
        line = styled.plain(f"{MACS_LABEL}{record.macs}{unit}{traced}")
    else:
        formula = record.macs_formula
        if len(record.macs_parts) > 1:  # a block's parts by name: "self_attention 412316860416 + feedforward ..."
            formula = " + ".join(f"{name} {term}" for name, term in record.macs_parts)
        text = f"{MACS_LABEL}{formula} = {record.macs}"
        line = styled.Line(text, [styled.Span(len(text) - len(str(record.macs)), len(text), styled.RESULT)])
        line.add(unit + traced)
    if record.macs_over_calls:  # not one call's count times the calls: each call's own (read/call_units.py)
        line.add(f" (its {record.calls} calls together: each does different work)")
    if record.macs_disagree:
        line.add(f" MISMATCH: its call traced counts {record.traced_macs:,}", styled.ERROR)
    return line


def cost_lines(record: LayerRecord) -> list[styled.Line]:
    """The detail lines a record's costs add under its operation row."""
    return [line for line in (shape_arithmetic_line(record), macs_line(record)) if line.text]


def cost_details(record: LayerRecord) -> list[str]:
    """``cost_lines`` as plain text."""
    return [line.text for line in cost_lines(record)]
