"""The drop-in ``model.summary()``: ``summary(model, ...)``, and ``patch()``/``unpatch()`` for keras.Model.

``summary`` takes keras.Model.summary's parameters with their meaning (Keras
3.15.1, ``keras/src/utils/summary_utils.py: print_summary``):

- ``line_length``: no printed line is longer. Labels are abbreviated and lines
  wrapped to fit; numbers are never cut (too narrow for the numbers raises
  ValueError, as Keras does for "Insufficient console width"). ``None``: 100
  columns, or the terminal's width when printing to a terminal narrower than that.
- ``positions``: Keras's relative column edges for its own table. Our diagram
  has other columns (glyphs, dimensions, neurons, arithmetic), each sized to its
  contents, so positions are checked (a list of increasing numbers, as Keras
  expects) and otherwise not used.
- ``print_fn``: called as Keras 3 calls it: once, with the whole summary as one
  string ending in a newline, never with colour. ``None``: stdout (coloured if it
  is a terminal), or absl logging when Keras's interactive logging is disabled.
- ``expand_nested``: handed to ``explain`` when it accepts it (nested models are
  ``explain``'s job); otherwise a warning says nested models stay one row.
- ``show_trainable``: adds the TRAINABLE column (Y, N, - for no weights).
- ``layer_range``: ``(first, last)`` layer names or regular expressions, both
  inclusive, matched as Keras matches them (``layer_range.py``).
"""

from __future__ import annotations

import shutil
import sys
from typing import Any, Callable, Optional, Sequence

from .explain import explain
from .read.model import NotBuiltError
from .views.safe_text import cut, safe
from .views.styled import StyledText
from .views.text import DiagramTooNarrowError

DEFAULT_WIDTH = 100


def summary(
    model: Any,
    line_length: Optional[int] = None,
    positions: Optional[Sequence[float]] = None,
    print_fn: Optional[Callable[..., Any]] = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range: Optional[Sequence[str]] = None,
) -> None:
    """Print ``model``'s explanation where ``model.summary()`` prints Keras's table (see the module doc)."""
    _check_line_length(line_length)
    _check_positions(positions)
    explanation = explain(model, expand_nested=expand_nested)
    to_terminal = print_fn is None and _interactive_logging() and _is_terminal(sys.stdout)
    width = line_length if line_length is not None else _default_width(to_terminal)
    try:
        diagram = explanation.render_styled(width=width, show_trainable=show_trainable, layer_range=layer_range)
    except DiagramTooNarrowError as error:
        if line_length is not None:
            raise ValueError(f"line_length={line_length}: {error}") from None
        width = error.needed  # a narrow terminal: as narrow as the numbers allow
        diagram = explanation.render_styled(width=width, show_trainable=show_trainable, layer_range=layer_range)
    title = cut(f'Model: "{safe(explanation.model_name)}" ({safe(explanation.model_class)})', width)
    _emit(diagram.after(f"{title}\n\n"), print_fn, to_terminal)


def _check_line_length(line_length: Optional[int]) -> None:
    if line_length is not None and (isinstance(line_length, bool) or not isinstance(line_length, int)):
        raise TypeError(f"line_length must be an int (columns) or None; got {line_length!r}")
    if line_length is not None and line_length <= 0:
        raise ValueError(f"line_length must be a positive number of columns; got {line_length}")


def _check_positions(positions: Optional[Sequence[float]]) -> None:
    if positions is None:
        return
    if isinstance(positions, str) or not all(
        isinstance(p, (int, float)) and not isinstance(p, bool) for p in positions
    ):
        raise ValueError(f"positions must be a list of numbers (Keras's column edges); got {positions!r}")
    steps = zip(positions, positions[1:], strict=False)
    if any(later <= earlier for earlier, later in steps) or any(p <= 0 for p in positions):
        raise ValueError(f"positions must be positive and increasing; got {list(positions)}")


def _interactive_logging() -> bool:
    import keras

    return bool(keras.config.is_interactive_logging_enabled())


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def _default_width(to_terminal: bool) -> int:
    """100 columns; a terminal narrower than that gets its own width, as Keras's summary does."""
    if not to_terminal:
        return DEFAULT_WIDTH
    return min(DEFAULT_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def _emit(styled: StyledText, print_fn: Optional[Callable[..., Any]], to_terminal: bool) -> None:
    """The title and diagram, to where Keras's summary would print them; colour only on a terminal."""
    text = styled.plain + "\n"
    if print_fn is not None:
        # Keras 3.15.1 captures its whole table and calls print_fn once with it.
        print_fn(text)
    elif not _interactive_logging():
        from absl import logging  # Keras's own route when interactive logging is off (io_utils.print_msg)

        logging.info(text)
    elif to_terminal:
        from .views.colour import print_coloured

        print_coloured(styled, sys.stdout)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


# ----------------------------------------------------------------------------- patch / unpatch

_PATCH_MARK = "__ascii_explain_summary__"
_keras_summary: Optional[Callable[..., Any]] = None


def _patched_summary(
    self: Any,
    line_length: Optional[int] = None,
    positions: Optional[Sequence[float]] = None,
    print_fn: Optional[Callable[..., Any]] = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range: Optional[Sequence[str]] = None,
) -> None:
    """Print where every parameter comes from (ascii_explain); ``ascii_explain.unpatch()`` restores Keras's."""
    try:
        summary(self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range)
    except NotBuiltError as error:
        # Keras's own summary can show an unbuilt model (shapes "?", counts "unbuilt"); ours cannot.
        note = f"ascii_explain: {safe(error)} Keras's own summary follows.\n"
        if print_fn is not None:
            print_fn(note)
        else:
            sys.stdout.write(note)
        assert _keras_summary is not None
        _keras_summary(self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range)


setattr(_patched_summary, _PATCH_MARK, True)


def is_patched() -> bool:
    """Whether keras.Model.summary currently prints ascii_explain's explanation."""
    import keras

    return bool(getattr(keras.Model.__dict__.get("summary"), _PATCH_MARK, False))


def patch() -> None:
    """Make ``model.summary()`` print ascii_explain's explanation, for every Keras model. Idempotent."""
    import keras

    global _keras_summary
    if is_patched():
        return
    _keras_summary = keras.Model.__dict__["summary"]
    keras.Model.summary = _patched_summary


def unpatch() -> None:
    """Restore Keras's own ``model.summary()``. Idempotent; a no-op if ``patch()`` was never called."""
    import keras

    global _keras_summary
    if not is_patched():
        return
    keras.Model.summary = _keras_summary
    _keras_summary = None
