"""Colour for terminals: the plain diagram's characters, styled with rich (a Keras dependency).

Colour only adds styles to the text ``render_text`` drew: every character and
every width stays as it was. It is used only when writing to a terminal; a
``print_fn``, a pipe or a file always gets the plain text (see ``keras_summary``).
rich is imported inside these functions, never by ``import ascii_explain``.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

# (pattern, style), applied in order; later styles win where they overlap.
_STYLES = (
    (re.compile(r"^ *(OPERATION|OP)\b.*$", re.M), "bold"),
    (re.compile(r"#####"), "dim"),
    (re.compile(r"(?<= )params(?=  )"), "dim"),
    (re.compile(r"(?<= = )[0-9][0-9,]*$", re.M), "bold green"),
    (re.compile(r"\S+ \S+ \(non-trainable\)"), "yellow"),
    (re.compile(r"^Total params:.*$", re.M), "bold"),
    (re.compile(r"^ *non-trainable [0-9,]+:.*$", re.M), "yellow"),
    (re.compile(r"^Every weighted layer's formula agrees.*$", re.M), "green"),
    (re.compile(r"^\?.*$", re.M), "bold yellow"),
    (re.compile(r"^ *from weight shapes:.*$", re.M), "yellow"),
    (re.compile(r"^!.*$", re.M), "bold red"),
    (re.compile(r"^ *MISMATCH:.*$", re.M), "bold red"),
)


def coloured(text: str) -> Any:
    """``text`` as a ``rich.text.Text`` with the diagram's parts styled."""
    from rich.text import Text

    styled = Text(text)
    for pattern, style in _STYLES:
        styled.highlight_regex(pattern, style)
    return styled


def print_coloured(text: str, file: TextIO) -> None:
    """Write ``text`` to ``file`` (a terminal) in colour, without rich re-wrapping it."""
    from rich.console import Console

    console = Console(file=file, highlight=False, soft_wrap=True, emoji=False, markup=False)
    console.print(coloured(text))
