"""Text from a model or a file, made safe to print, and measured in terminal columns.

Every name an explanation shows -- layers, models, classes, activations,
weights, inbound layers, notes, file names, error messages -- comes from
someone's model or file, and a ``.keras`` file from anywhere can name a layer
``"\\x1b[2J"`` (clears the screen), ``"\\x1b]0;title\\x07"`` (sets the
terminal's title), ``"x\\r!  forged row"`` or ``"\\u202e"`` (reverses what
follows). ``safe`` writes such characters visibly (``\\x1b``, ``\\r``, ``\\n``,
``\\u202e``), so what a terminal or a document shows is what was printed.

``displayable(explanation)`` is the one place the views apply it: a copy of
the explanation with every string in it made safe (the same object when
nothing needed it), taken by the text diagram, ``summary``, the tables,
Markdown and HTML at their entry. JSON keeps the data as it is (``json.dumps``
escapes by itself).

Widths are terminal columns, as ``wcwidth`` counts them: a CJK character or
most emoji fill two, a combining accent none. ``pad_left``, ``pad_right``,
``cut``, ``cut_middle`` and ``wrap`` are ``rjust``, ``ljust``, slicing and
``textwrap.wrap`` by columns, so wide names keep the diagram's rows aligned.
Measure text after ``safe``: a control character has no width of its own.
"""

from __future__ import annotations

import dataclasses
import inspect
import textwrap
import types
import typing
import unicodedata
from fractions import Fraction
from functools import cache
from operator import attrgetter
from typing import Any, Callable, Optional, TypeVar

import wcwidth

from .build.planned_fields import PENDING, PlannedField

T = TypeVar("T")

# Written as Python writes them in a string literal.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters never printed as themselves: controls (C0, DEL, C1), format characters
# (bidi overrides and isolates, the soft hyphen, tags), surrogates, code
# points this Python's Unicode does not assign (their width is anyone's guess), and
# the line and paragraph separators (a line break to some terminals and editors).
_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Cn", "Zl", "Zp"))
# Format characters that only join what is around them, kept: the zero-width joiner of emoji
# sequences (a family, a flag of a profession) and the non-joiner of Persian and Indic words.
_JOINERS = frozenset(("\u200c", "\u200d"))


def safe(text: object) -> str:
    """``text`` with every control, format or unassigned character written as an escape (``\\x1b``, ``\\u202e``).

    Returns ``text`` itself when nothing needed escaping (most names).
    """
    if not isinstance(text, str):
        text = str(text)
    if text.isprintable():  # no character of _HIDDEN (and no space other than " "): nothing to do
        return text
    escaped = "".join(_escape(char) if _hidden(char) else char for char in text)
    return text if escaped == text else escaped  # the same object: ``sanitized`` copies nothing


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN and char not in _JOINERS


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


# ----------------------------------------------------------------------------- columns


def columns(text: str) -> int:
    """The terminal columns ``text`` fills: ``len`` for ASCII; else wcwidth's count over grapheme
    clusters (a CJK character or an emoji 2, a combining mark 0, an emoji sequence as one)."""
    if text.isascii():
        return len(text)
    width = wcwidth.wcswidth(text)
    return width if width >= 0 else sum(max(wcwidth.wcwidth(char), 0) for char in text)


def pad_left(text: str, width: int) -> str:
    """``text.rjust(width)`` by columns."""
    return " " * (width - columns(text)) + text


def pad_right(text: str, width: int) -> str:
    """``text.ljust(width)`` by columns."""
    return text + " " * (width - columns(text))


def cut(text: str, room: int, marker: str = "~") -> str:
    """``text`` if it fits in ``room`` columns, else its start and ``marker``, at most ``room`` columns."""
    if columns(text) <= room:
        return text
    return _head(text, room - columns(marker)) + marker if room > columns(marker) else _head(text, room)


def cut_middle(text: str, room: int, marker: str = "~") -> str:
    """``text`` in ``room`` columns with its middle replaced by ``marker``: both ends stay.

    Generated names share their start (``conv2_block1_...``) and differ at the end.
    """
    if columns(text) <= room:
        return text
    if room < 4:
        return cut(text, room, marker)
    keep = room - columns(marker)
    head = _head(text, keep // 2)
    tail = _tail(text, keep - columns(head))
    return head + marker + tail


def _head(text: str, room: int) -> str:
    """The longest start of ``text`` that fits in ``room`` columns, never splitting a grapheme cluster."""
    if text.isascii():
        return text[: max(room, 0)]
    kept = ""
    for grapheme in wcwidth.iter_graphemes(text):
        if columns(kept + grapheme) > room:  # the whole so far, not a sum: clusters can join (Indic scripts)
            break
        kept += grapheme
    return kept


def _tail(text: str, room: int) -> str:
    """The longest end of ``text`` that fits in ``room`` columns, never splitting a grapheme cluster."""
    if room <= 0:
        return ""
    if text.isascii():
        return text[-room:]
    kept = ""
    for grapheme in wcwidth.iter_graphemes_reverse(text):
        if columns(grapheme + kept) > room:
            break
        kept = grapheme + kept
    return kept


class ColumnWrapper(textwrap.TextWrapper):
    """``textwrap.TextWrapper`` counting terminal columns instead of characters (``max_lines`` unsupported).

    ``_wrap_chunks`` and ``_handle_long_word`` are CPython 3.10-3.12's, with
    ``len`` replaced by ``columns`` and the long-word cut made by columns.
    """

    def _wrap_chunks(self, chunks: list[str]) -> list[str]:
        if self.width <= 0:
            raise ValueError(f"invalid width {self.width!r} (must be > 0)")
        if self.max_lines is not None:
            raise ValueError("ColumnWrapper does not support max_lines")
        lines: list[str] = []
        chunks.reverse()
        while chunks:
            current: list[str] = []
            used = 0
            indent = self.subsequent_indent if lines else self.initial_indent
            width = self.width - columns(indent)
            if self.drop_whitespace and chunks[-1].strip() == "" and lines:
                del chunks[-1]
            while chunks:
                size = columns(chunks[-1])
                if used + size > width:
                    break
                current.append(chunks.pop())
                used += size
            if chunks and columns(chunks[-1]) > width:
                self._handle_long_word(chunks, current, used, width)
                used = sum(map(columns, current))
            if self.drop_whitespace and current and current[-1].strip() == "":
                used -= columns(current[-1])
                del current[-1]
            if current:
                lines.append(indent + "".join(current))
        return lines

    def _handle_long_word(self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int) -> None:
        room = 1 if width < 1 else width - cur_len
        if self.break_long_words:
            chunk = reversed_chunks[-1]
            head = _head(chunk, room)
            if not head and cur_line:  # a wide character that does not fit: on the next line
                return
            head = head or chunk[:1]  # at least one character a pass
            cur_line.append(head)
            reversed_chunks[-1] = chunk[len(head) :]
        elif not cur_line:
            cur_line.append(reversed_chunks.pop())


def wrap(text: str, width: int, **options: Any) -> list[str]:
    """``textwrap.wrap`` by terminal columns (the stdlib's own for ASCII text, which it measures right)."""
    indents = (options.get("initial_indent", ""), options.get("subsequent_indent", ""))
    if text.isascii() and all(map(str.isascii, indents)):
        return textwrap.wrap(text, width=width, **options)
    return ColumnWrapper(width=width, **options).wrap(text)


# ----------------------------------------------------------------------------- whole explanations


def safe_ascii(text: object) -> str:
    """``safe(text)`` in ASCII: every other character escaped too (``\u4e2d``), for ``ascii_only`` output."""
    text = safe(text)
    if text.isascii():
        return text
    return "".join(char if char.isascii() else _escape(char) for char in text)


def sanitized(value: T, ascii_only: bool = False) -> T:
    """``value`` with every string in it made ``safe`` (``safe_ascii`` when ``ascii_only``): through
    dataclasses (copied), tuples, lists and dicts.

    Returns ``value`` itself when no string in it changed, so a clean
    explanation costs one look at each string and no copy. Every field of a
    dataclass is walked, so a field added to a record later is covered too.
    """
    kind: Any = type(value)
    if kind is str:
        return (safe_ascii if ascii_only else safe)(value)  # type: ignore[return-value]
    if kind in _ATOMS or value is None:
        return value
    names = _init_fields(kind)
    if names is not None:
        changes = {}
        for name in names:
            old = getattr(value, name)
            new = sanitized(old, ascii_only)
            if new is not old:
                changes[name] = new
        return dataclasses.replace(value, **changes) if changes else value  # type: ignore[type-var]
    if isinstance(value, (tuple, list)):
        items = [sanitized(item, ascii_only) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        if hasattr(value, "_fields"):  # a NamedTuple
            return kind(*items)
        return kind(items)  # type: ignore[call-arg]
    if isinstance(value, dict):
        pairs = [(sanitized(key, ascii_only), sanitized(item, ascii_only)) for key, item in value.items()]
        unchanged = zip(pairs, value.items(), strict=True)
        if all(new_key is key and new is item for (new_key, new), (key, item) in unchanged):
            return value
        return kind(pairs)  # type: ignore[call-arg]
    if isinstance(value, str):  # a str subclass
        return (safe_ascii if ascii_only else safe)(value)  # type: ignore[return-value]
    return value


_ATOMS = frozenset((int, float, bool, complex, bytes))
_ATOMS_AND_NONE = _ATOMS | {type(None)}


@cache
def _type_hints(kind: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(kind)
    except Exception:  # noqa: BLE001 - an annotation that does not resolve: every field is looked at
        return {}


_NUMBERS = frozenset((int, float, bool, complex, type(None), Fraction))


def _numbers_only(hint: Any) -> bool:
    """True when a value of annotation ``hint`` can hold numbers (and None) only: ``Optional[tuple[int, ...]]``."""
    if hint in _NUMBERS:
        return True
    origin = typing.get_origin(hint)
    if origin in (tuple, list, typing.Union, types.UnionType):
        arguments = [argument for argument in typing.get_args(hint) if argument is not Ellipsis]
        return bool(arguments) and all(_numbers_only(argument) for argument in arguments)
    return False


@cache
def text_fields(kind: type) -> Optional[tuple[str, ...]]:
    """The fields of dataclass ``kind`` that ``all_safe`` looks at: all but those annotated with numbers only."""
    names = _init_fields(kind)
    return None if names is None else tuple(name for name in names if _may_hold_text(kind, name))


def _may_hold_text(kind: type, name: str) -> bool:
    hint = _type_hints(kind).get(name)
    return hint is None or not _numbers_only(hint)


@cache
def _init_fields(kind: type) -> Optional[tuple[str, ...]]:
    """The fields ``dataclasses.replace`` takes, for a dataclass type; None for any other type."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(field.name for field in dataclasses.fields(kind) if field.init)


def displayable(explanation: T, ascii_only: bool = False) -> T:
    """The explanation as the text views show it: every name, class, note and message made ``safe``
    (in ASCII when ``ascii_only``, so a wide character cannot turn into a narrower "?").

    Every view calls this on every render, and nearly every model's text is
    clean: one quick look at all of its strings together (``all_safe``) comes
    first, and only an explanation with something to escape is walked and copied.
    """
    if all_safe(explanation, ascii_only):
        return explanation
    return sanitized(explanation, ascii_only)


def all_safe(value: object, ascii_only: bool = False) -> bool:
    """True when ``sanitized(value, ascii_only)`` is ``value`` itself for certain: every string in it
    printable (and ASCII when ``ascii_only``), reached as ``sanitized`` reaches them.

    The strings are gathered without recursion and tested joined, in two C
    calls: ``str.isprintable`` is true for no character ``safe`` escapes. False
    may still mean nothing changes (a no-break space is not printable, and safe).
    """
    strings: list[str] = []
    stack = [value]
    pop, extend, add = stack.pop, stack.extend, strings.append
    while stack:
        item = pop()
        kind: Any = type(item)
        if kind in _ATOMS_AND_NONE:  # first: numbers in shapes are most of what is visited
            continue
        if kind is str:
            add(item)  # type: ignore[arg-type]
        elif kind is tuple or kind is list:
            extend(item)  # type: ignore[arg-type]
        else:
            getter = _field_getter(kind)
            if getter is not None:
                extend(getter(item))
            elif isinstance(item, (tuple, list)):
                extend(item)
            elif isinstance(item, dict):
                extend(item.keys())
                extend(item.values())
            elif isinstance(item, str):
                add(item)
    text = "".join(strings)
    return text.isprintable() and (text.isascii() or not ascii_only)


@cache
def _field_getter(kind: type) -> Optional[Callable[[Any], tuple]]:
    """For a dataclass type, a function giving the values of the fields that may hold text, as a tuple.

    A field annotated with numbers only (``int``, ``Optional[int]``, a shape's
    nested tuples of them) cannot hold a string ``sanitized`` would change:
    shapes are half of what an explanation holds, so ``all_safe`` skips them.
    """
    names = text_fields(kind)
    if names is None:
        return None
    planned = tuple(name for name in names if isinstance(inspect.getattr_static(kind, name, None), PlannedField))
    if not planned:
        return _values_of(names)
    # A training plan not made yet is not looked at (reading it would make it, build/lazy_training.py):
    # its text is the records' names and arithmetic, looked at in the records themselves.
    made, pending = _values_of(names), _values_of(tuple(name for name in names if name not in planned))
    return lambda item: pending(item) if PENDING in item.__dict__ else made(item)


def _values_of(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """A function giving the values of the attributes ``names`` of an object, as a tuple."""
    if len(names) == 1:  # attrgetter of one name gives the value, not a tuple
        getter = attrgetter(names[0])
        return lambda item: (getter(item),)
    return attrgetter(*names) if names else (lambda item: ())
