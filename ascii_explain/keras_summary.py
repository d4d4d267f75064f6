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
- ``print_fn``: called as Keras 3.15.1 calls it: once, with the whole summary as
  one string ending in a newline, never with colour; Keras's own
  ``io_utils.print_msg`` gets ``line_break=False`` too, as Keras passes it.
  ``None``: stdout (coloured if it is a terminal), or, when Keras's interactive
  logging is disabled, ``io_utils.print_msg`` (absl logging) as Keras does.
  A tf_keras model's ``print_fn`` is called once per line, as tf_keras calls it.
- ``expand_nested``: handed to ``explain`` when it accepts it (nested models are
  ``explain``'s job); otherwise a warning says nested models stay one row.
- ``show_trainable``: adds the TRAINABLE column (Y, N, - for no weights).
- ``layer_range``: ``(first, last)`` layer names or regular expressions, both
  inclusive, matched as Keras matches them (``layer_range.py``).

Shapes are written in Keras's notation (``(None, 26, 26, 32)``, ``()`` for a
scalar, ``?`` unknown); ``patch(shape_style="dims")`` draws explain()'s DATA
DIMENSIONS instead. The totals come first in Keras's words (``Total params``,
``Trainable params``, ``Non-trainable params``, ``Optimizer params``).

A model with a layer that is not built yet (an unbuilt Sequential, a
``build()`` that leaves a sublayer unbuilt) has no weights to explain; its
summary is then Keras's own table (``0 (unbuilt)``, shape ``?``), its totals,
and one line saying how to build it, never an exception.
"""

from __future__ import annotations

import shutil
import sys
from typing import Any, Callable, Optional, Sequence

from .explain import explain
from .read.model import HOW_TO_BUILD, NotBuiltError
from .safe_text import cut, safe
from .views.diagram_layout import DiagramTooNarrowError
from .views.formatting import KERAS, check_shape_style
from .views.styled import StyledText

DEFAULT_WIDTH = 100
# How summary() writes shapes and how much it shows; patch(shape_style=..., detail=...) sets them.
_shape_style = KERAS
_detail = "full"


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
    _print_summary(model, line_length, positions, print_fn, expand_nested, show_trainable, layer_range, per_line=False)


def _print_summary(
    model: Any,
    line_length: Optional[int],
    positions: Optional[Sequence[float]],
    print_fn: Optional[Callable[..., Any]],
    expand_nested: bool,
    show_trainable: bool,
    layer_range: Optional[Sequence[str]],
    per_line: bool,
) -> None:
    """``summary()``; ``per_line``: call ``print_fn`` once per line, as tf_keras's own ``Model.summary`` does
    (the patched tf_keras method), rather than once with the whole text as Keras 3.15.1 does."""
    _check_line_length(line_length)
    _check_positions(positions)
    if print_fn is None and not _interactive_logging():
        print_fn = _keras_print_msg()  # Keras's own route when interactive logging is off (absl logging)
    to_terminal = print_fn is None and _is_terminal(sys.stdout)
    width = line_length if line_length is not None else _default_width(to_terminal)
    try:
        explanation = explain(model, expand_nested=expand_nested)
    except NotBuiltError:
        draw = _unbuilt_drawing(model, expand_nested, show_trainable, layer_range)
        title_class = type(model).__name__
        name = str(model.name)
    else:

        def draw(width: int) -> StyledText:
            return explanation.render_styled(
                width=width,
                show_trainable=show_trainable,
                layer_range=layer_range,
                shape_style=_shape_style,
                detail=_detail,
            )

        title_class, name = explanation.model_class, explanation.model_name
    try:
        diagram = draw(width)
    except DiagramTooNarrowError as error:
        if line_length is not None:
            raise ValueError(f"line_length={line_length}: {error}") from None
        width = error.needed  # a narrow terminal: as narrow as the numbers allow
        diagram = draw(width)
    title = cut(f'Model: "{safe(name)}" ({safe(title_class)})', width)
    _emit(diagram.after(f"{title}\n\n"), print_fn, to_terminal, per_line=per_line)


def _unbuilt_drawing(
    model: Any, expand_nested: bool, show_trainable: bool, layer_range: Optional[Sequence[str]]
) -> Callable[[int], StyledText]:
    """Keras's table for a model with unbuilt layers (read once, drawn at any width)."""
    from .read.summary_table import read_summary_table
    from .views.summary_table import render_summary_table

    table = read_summary_table(model, expand_nested=expand_nested)
    return lambda width: render_summary_table(
        table, HOW_TO_BUILD, width=width, show_trainable=show_trainable, layer_range=layer_range
    )


def _is_legacy(model: Any) -> bool:
    from .read.legacy import is_legacy

    return is_legacy(model)


def _keras_print_msg() -> Callable[..., Any]:
    from keras.src.utils import io_utils  # private module, checked on Keras 3.15.1

    return io_utils.print_msg


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


def _emit(styled: StyledText, print_fn: Optional[Callable[..., Any]], to_terminal: bool, per_line: bool) -> None:
    """The title and diagram, to where Keras's summary would print them; colour only on a terminal."""
    text = styled.plain + "\n"
    if print_fn is not None and per_line:
        for line in styled.plain.splitlines():  # tf_keras's print_summary calls print_fn once a line
            print_fn(line)
    elif print_fn is not None and print_fn is _keras_print_msg():
        print_fn(text, line_break=False)  # as Keras 3.15.1's print_summary calls its own print_msg
    elif print_fn is not None:
        # Keras 3.15.1 captures its whole table and calls print_fn once with it.
        print_fn(text)
    elif to_terminal:
        from .views.colour import print_coloured

        print_coloured(styled, sys.stdout)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


# ----------------------------------------------------------------------------- patch / unpatch

_PATCH_MARK = "__ascii_explain_summary__"
# The summary methods replaced by patch(): {model class: its own summary}.
_originals: dict[type, Callable[..., Any]] = {}


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
    if _is_legacy(self) and not self.built:
        # tf_keras's own summary of an unbuilt model raises ValueError ("not yet been built"): keep its behaviour.
        original = next(method for klass, method in _originals.items() if isinstance(self, klass))
        return original(self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range)
    _print_summary(
        self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range, per_line=_is_legacy(self)
    )
    return None


setattr(_patched_summary, _PATCH_MARK, True)


def _model_classes() -> list[type]:
    """keras.Model, and tf_keras.Model when tf_keras is installed (importing it loads TensorFlow)."""
    import importlib.util

    import keras

    classes: list[type] = [keras.Model]
    if "tf_keras" in sys.modules or importlib.util.find_spec("tf_keras") is not None:
        try:
            import tf_keras
        except Exception:  # an installed but broken tf_keras: only Keras 3 models are patched
            return classes
        classes.append(tf_keras.Model)
    return classes


def is_patched() -> bool:
    """Whether keras.Model.summary currently prints ascii_explain's explanation."""
    import keras

    return bool(getattr(keras.Model.__dict__.get("summary"), _PATCH_MARK, False))


def patch(*, shape_style: str = KERAS, detail: str = "full") -> None:
    """Make ``model.summary()`` print ascii_explain's explanation, for every Keras model. Idempotent.

    Keras 3 models and, when tf_keras is installed, Keras 2 (tf_keras) models.
    ``shape_style``: ``"keras"`` (Keras's ``(None, 26, 26, 32)``, the default)
    or ``"dims"`` (explain()'s DATA DIMENSIONS), for ``model.summary()`` and
    ``ascii_explain.summary()`` alike. ``detail``: ``"full"`` (the diagram with
    every layer's arithmetic) or ``"compact"`` (one line per layer: Keras's
    columns plus the formula and mult-adds).
    """
    global _shape_style, _detail
    if detail not in ("full", "compact"):
        raise ValueError(f"detail must be 'full' or 'compact'; got {detail!r}")
    _shape_style = check_shape_style(shape_style)
    _detail = detail
    for klass in _model_classes():
        if getattr(klass.__dict__.get("summary"), _PATCH_MARK, False):
            continue
        _originals[klass] = klass.__dict__["summary"]
        klass.summary = _patched_summary  # type: ignore[attr-defined]


def unpatch() -> None:
    """Restore Keras's own ``model.summary()``. Idempotent; a no-op if ``patch()`` was never called."""
    global _shape_style, _detail
    _shape_style = KERAS
    _detail = "full"
    for klass, original in list(_originals.items()):
        klass.summary = original  # type: ignore[attr-defined]
        del _originals[klass]
