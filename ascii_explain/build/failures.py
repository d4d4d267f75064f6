"""When a formula or MACs function raises: our bug (an internal error), or an inherited function that does not fit.

A function registered for the layer's own class, or for a class Keras itself
defines, that raises is a bug in that function: the record keeps which
function failed and the exception's class (``InternalError``), its count comes
from the weights, and the row says "internal error". The exception's text is
kept only in ``InternalError.detail`` for a bug report: no view draws it.

A function that raises ``NotCoveredError`` says on purpose that it does not
cover this configuration: the value is unknown, with that reason (a fallback).

A function *inherited* by a class Keras does not define (a keras-hub subclass
of MultiHeadAttention whose ``build`` takes other shapes) was written for the
base class; failing on the subclass is a fact about the subclass, not a bug:
the row is counted from its weights, with a note saying the inherited formula
does not fit.
"""

from __future__ import annotations

from typing import Any, Callable

from ..layers import NotCoveredError, has_own_formula, has_own_macs
from ..read.facts import LayerFacts
from .records import InternalError

ROLE_FORMULA = "formula"
ROLE_MACS = "macs"


def function_name(function: Callable[..., Any]) -> str:
    return str(getattr(function, "__name__", type(function).__name__))


def is_inherited(facts: LayerFacts, role: str) -> bool:
    """The layer's function of ``role`` was registered for a base class, and the layer is not Keras's own."""
    if facts.is_keras_builtin:
        return False
    own = has_own_formula if role == ROLE_FORMULA else has_own_macs
    return not own(facts.layer_class)


def is_not_covered(error: BaseException) -> bool:
    """A function saying on purpose that it does not cover this configuration (``NotCoveredError``;
    ``NotImplementedError`` for quantized layouts it does not mirror): unknown, with its reason, not a bug."""
    return isinstance(error, (NotCoveredError, NotImplementedError))


def internal_error(function: Callable[..., Any], role: str, error: BaseException) -> InternalError:
    return InternalError(function_name(function), role, type(error).__name__, str(error))


def internal_error_words(error: InternalError) -> str:
    """The row's note: which function failed and the exception's class, never its text."""
    return f"internal error: {error.role} function {error.function} raised {error.error} on this layer"
