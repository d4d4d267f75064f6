"""Wrapping the diagram's text: detail lines break between terms and steps, totals keep a label with its number."""

from __future__ import annotations

import re

from ..safe_text import columns, wrap
from . import styled
from .model import TotalsItem

# Lines wrap only between named terms and between steps ("kernel 3*3*3*2 +
# bias 2 = (3*3*3+1)*2 = 56"): never inside "moving_mean 32 (non-trainable)"
# nor inside a step such as "3*3*32 + (32+1)*32". Spaces that must not break
# are swapped for a character textwrap does not break on, then swapped back.
KEEP = "\u00a0"
_TERM_SEPARATORS = re.compile(r"( \+ |: )")


def fits_unwrapped(text: str, room: int) -> bool:
    """True when textwrap would return ``text`` unchanged as one line (most detail lines).

    textwrap only changes a line that is too long, has whitespace other than
    spaces (expanded or replaced) or spaces at either end (dropped).
    """
    return 0 < columns(text) <= room and text.isprintable() and text[0] != " " and text[-1] != " "


def keep_steps_apart(text: str) -> str:
    """Narrow widths: every " + " and " = " may break, inside a step too; a named term stays whole."""
    parts = re.split(r"( \+ | = |: )", text)
    return "".join(part if part in (" + ", " = ", ": ") else part.replace(" ", KEEP) for part in parts)


def keep_terms_whole(text: str) -> str:
    terms, *steps = text.split(" = ")
    parts = _TERM_SEPARATORS.split(terms)
    kept = "".join(part if _TERM_SEPARATORS.fullmatch(part) else part.replace(" ", KEEP) for part in parts)
    return " = ".join([kept, *(step.replace(" ", KEEP) for step in steps)])


def wrap_totals(items: list[TotalsItem], width: int) -> list[styled.Line]:
    """Wrap the totals; a label stays with its number ("Non-trainable: 64"). Each line has its kind's role."""
    wrapped: list[styled.Line] = []
    for item in items:
        line = item.text
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        kept = re.sub(r": (?=[0-9?])", ":" + KEEP, line)
        parts = wrap(kept, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
        if max(map(columns, parts), default=0) > width:  # a word wider than the line (a long name): cut it
            parts = wrap(kept, width=width, subsequent_indent=indent, break_long_words=True, break_on_hyphens=False)
        parts = parts or [""]
        wrapped.extend(styled.plain(part.replace(KEEP, " "), item.kind) for part in parts)
    return wrapped


def wrap_detail_text(text: str, width: int, indent: str, deeper: int) -> list[str]:
    """``text`` wrapped at ``width`` after ``indent``, continuation lines ``deeper``: between terms first."""
    # Break between terms and steps; where one step alone is wider than a
    # narrow width allows, also inside steps at " + " and " = "; last, at any
    # space. Never inside a number: textwrap never breaks a word here.
    # Last, a word wider than the line (a long name) is cut across lines.
    for keep, cut_words in ((keep_terms_whole, False), (keep_steps_apart, False), (str, False), (str, True)):
        lines = [
            line.replace(KEEP, " ")
            for line in wrap(
                keep(text),
                width=width,
                initial_indent=indent,
                subsequent_indent=indent + " " * deeper,
                break_long_words=cut_words,
                break_on_hyphens=False,
            )
        ]
        if max(map(columns, lines), default=0) <= width:
            break
    return lines
