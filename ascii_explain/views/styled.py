"""Styled text: lines as text plus ranges that carry a role, so colour comes from the renderer.

A renderer builds each line from pieces, naming the role of the pieces that
matter (``RESULT`` for a count, ``ERROR`` for a mismatch line, ...). ``str``
of a line is its text, so the plain output never depends on styling;
``colour.py`` maps roles to rich styles (rich's ``Text`` with spans is the
model). Roles, not colours, live here: a view decides what a piece IS, the
theme decides how it looks. Where ranges overlap, the later one wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, NamedTuple, Sequence

# Roles of the pieces of the text views.
HEADER = "header"  # the column headings
DIM = "dim"  # the data glyph "#####" and the "params" label of a detail line
RESULT = "result"  # the final count of an arithmetic line
NON_TRAINABLE = "non_trainable"  # a non-trainable term, and the totals' non-trainable lines
TOTAL = "total"  # the "Total params" line
OK = "ok"  # every formula agrees with Keras
WARNING = "warning"  # "?" lines: counted from weight shapes, no formula
FALLBACK = "fallback"  # a fallback layer's own "from weight shapes" line
ERROR = "error"  # "!" lines: a formula that disagrees with Keras
INFO = "info"  # plain words (mult-adds, memory, graph notes): no style


# A NamedTuple and a slotted Line, not frozen dataclasses: a diagram of a
# 400-layer model makes tens of thousands of them, and a frozen dataclass's
# __init__ (object.__setattr__ per field) made rendering twice as slow.
class Span(NamedTuple):
    start: int
    end: int
    role: str


@dataclass(slots=True)
class Line:
    """One line of text and the roles of its ranges; ``str(line)`` is the text."""

    text: str = ""
    spans: list[Span] = field(default_factory=list)

    def add(self, text: str, role: str = "") -> Line:
        """Append ``text``, with ``role`` over it when given."""
        if role and text:
            self.spans.append(Span(len(self.text), len(self.text) + len(text), role))
        self.text += text
        return self

    def extend(self, other: Line) -> Line:
        """Append another line's text and roles."""
        offset = len(self.text)
        if other.spans:
            self.spans.extend([Span(s.start + offset, s.end + offset, s.role) for s in other.spans])
        self.text += other.text
        return self

    def joined(self, other: Line) -> Line:
        """A new line: this one's text and roles, then ``other``'s (neither line is changed)."""
        offset = len(self.text)
        moved = [Span(s.start + offset, s.end + offset, s.role) for s in other.spans]
        return Line(self.text + other.text, self.spans + moved)

    def whole(self, role: str) -> Line:
        """Give the whole line ``role``, over the roles already there."""
        if role and self.text:
            self.spans.append(Span(0, len(self.text), role))
        return self

    def rstrip(self) -> Line:
        """Drop trailing spaces, and the parts of ranges over them."""
        if not self.text.endswith((" ", "\t", "\n")):
            return self  # most lines: nothing to drop, no copy
        text = self.text.rstrip()
        spans = [Span(s.start, min(s.end, len(text)), s.role) for s in self.spans if s.start < len(text)]
        return Line(text, spans)

    def __str__(self) -> str:
        return self.text


def plain(text: str, role: str = "") -> Line:
    """A line of one piece."""
    return Line().add(text, role)


def rewrap(line: Line, wrapped: Sequence[str], indents: Sequence[str]) -> list[Line]:
    """The roles of ``line`` carried over to the lines textwrap made of its text.

    ``wrapped[i]`` is ``indents[i]`` followed by a piece of ``line.text``
    (textwrap only drops the whitespace where it breaks), so each piece is
    found in order and the ranges over it move with it. ``indents`` may be
    shorter than ``wrapped``: its last entry is used for the rest.
    """
    result = []
    position = 0
    for index, physical in enumerate(wrapped):
        indent = indents[min(index, len(indents) - 1)]
        piece = physical[len(indent) :]
        start = line.text.find(piece, position) if piece else position
        if start < 0:  # not a piece of the text (never expected): keep the words, lose the roles
            result.append(Line(physical))
            continue
        end = start + len(piece)
        spans = [
            Span(max(s.start, start) - start + len(indent), min(s.end, end) - start + len(indent), s.role)
            for s in line.spans
            if s.start < end and s.end > start
        ]
        result.append(Line(physical, spans))
        position = end
    return result


class StyledText:
    """Several lines joined by newlines: ``plain`` is the text, ``spans`` index into it.

    ``join_lines`` keeps the lines and moves their ranges to where each line
    starts only when ``spans`` is first read: ``str()`` of a diagram, the
    common case, never pays for ranges it does not use (on a 400-layer model
    that was a tenth of the rendering time).
    """

    __slots__ = ("plain", "_spans", "_lines")

    def __init__(self, plain: str, spans: Sequence[Span] = ()) -> None:
        self.plain = plain
        self._spans: tuple[Span, ...] | None = tuple(spans)
        self._lines: Sequence[Line] = ()

    @classmethod
    def _of_lines(cls, plain: str, lines: Sequence[Line]) -> StyledText:
        """``plain`` (the lines' texts joined, or text of the same length) with the lines' ranges, moved when read."""
        text = cls(plain)
        text._spans = None
        text._lines = lines
        return text

    @property
    def spans(self) -> tuple[Span, ...]:
        if self._spans is None:
            self._spans = _moved_spans(self._lines)
            self._lines = ()
        return self._spans

    def with_plain(self, plain: str) -> StyledText:
        """The same ranges over another text of the same length (e.g. the ASCII-only one)."""
        if self._spans is None:
            return StyledText._of_lines(plain, self._lines)
        return StyledText(plain, self._spans)

    def after(self, prefix: str) -> StyledText:
        """This text with ``prefix`` (unstyled) before it."""
        shift = len(prefix)
        return StyledText(prefix + self.plain, tuple(Span(s.start + shift, s.end + shift, s.role) for s in self.spans))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StyledText):
            return NotImplemented
        return self.plain == other.plain and self.spans == other.spans

    def __hash__(self) -> int:
        return hash((self.plain, self.spans))

    def __repr__(self) -> str:
        return f"StyledText(plain={self.plain!r}, spans={self.spans!r})"

    def __str__(self) -> str:
        return self.plain


def join_lines(lines: Iterable[Line]) -> StyledText:
    """Lines joined by newlines; their ranges are moved to where each line starts when first read."""
    kept = list(lines)
    return StyledText._of_lines("\n".join([line.text for line in kept]), kept)


def _moved_spans(lines: Sequence[Line]) -> tuple[Span, ...]:
    spans: list[Span] = []
    offset = 0
    for line in lines:
        if line.spans:
            spans.extend(Span(s.start + offset, s.end + offset, s.role) for s in line.spans if s.end > s.start)
        offset += len(line.text) + 1
    return tuple(spans)
