"""The width the command lines draw at when ``--width`` is not given."""

from __future__ import annotations

import os
import sys
from typing import Any

DEFAULT_WIDTH = 100


def terminal_width(stream: Any = None) -> int:
    """``$COLUMNS``, then the terminal's width when ``stream`` (stdout) is one, then 100.

    The order a shell user expects (``COLUMNS=120 ascii-explain ...`` wins);
    piped into a file or a pager, the output is 100 columns wide.
    """
    stream = sys.stdout if stream is None else stream
    given = os.environ.get("COLUMNS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns or DEFAULT_WIDTH
    except (AttributeError, OSError, ValueError):  # a replaced stream, or no terminal behind it
        pass
    return DEFAULT_WIDTH
