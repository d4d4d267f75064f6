"""Colour for terminals: the roles a text view gave its pieces, as rich styles (rich is a Keras dependency).

The text views mark what each piece is (``styled.py``); this module only
decides how each role looks, so the plain text is exactly what they drew:
every character and every width stays. Colour is used only when writing to a
terminal; a ``print_fn``, a pipe or a file always gets the plain text (see
``keras_summary``). rich is imported inside these functions, never by
``import ascii_explain``.
"""

from __future__ import annotations

from typing import Any, TextIO

from . import styled

THEME = {
    styled.HEADER: "bold",
    styled.DIM: "dim",
    styled.RESULT: "bold green",
    styled.NON_TRAINABLE: "yellow",
    styled.TOTAL: "bold",
    styled.OK: "green",
    styled.WARNING: "bold yellow",
    styled.FALLBACK: "yellow",
    styled.ERROR: "bold red",
}


def to_rich(text: styled.StyledText) -> Any:
    """``text`` as a ``rich.text.Text``, each role's range in its style (later ranges win where they overlap)."""
    from rich.text import Text

    rich_text = Text(text.plain)
    for span in text.spans:
        style = THEME.get(span.role)
        if style:
            rich_text.stylize(style, span.start, span.end)
    return rich_text


def print_coloured(text: styled.StyledText, file: TextIO) -> None:
    """Write ``text`` to ``file`` (a terminal) in colour, without rich re-wrapping it."""
    from rich.console import Console

    console = Console(file=file, highlight=False, soft_wrap=True, emoji=False, markup=False)
    console.print(to_rich(text))
