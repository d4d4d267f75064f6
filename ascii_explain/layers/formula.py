"""What a parameter formula returns: named terms after Keras's weight names, and a compact form.

A formula function (registered with ``registry.register_formula``) takes the
layer's config (``layer.get_config()``) and the shape it was built with, and
returns a :class:`Formula`: named terms after
Keras's weight names, and optionally a compact factored expression such as
``(3*3*3+1)*2``. It never looks at the layer's weights: that is the point —
the weights are what we check the formula against.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from ..arithmetic import evaluate, total

# What a formula receives as its input shape: the single shape the layer was
# built with (batch axis included, as Keras passes it to ``build``), or, for
# layers whose ``build`` takes several shapes (attention: query, value, key),
# a mapping from ``build``'s argument name to each shape.
# Typed as Any: formula authors index it freely, and the tests check the results.
BuildShape = Any


@dataclass(frozen=True)
class FormulaTerm:
    """A term before evaluation: Keras's weight name and its arithmetic."""

    name: str
    expression: str
    trainable: bool = True
    # For a non-trainable term: why Keras does not train it, shown in the totals.
    reason: str = ""
    # What the term's factors are, in words ("input 64 * units 128" for an inferred term), "" for most.
    detail: str = ""


@dataclass(frozen=True)
class Formula:
    """The result of a formula function."""

    terms: Sequence[FormulaTerm] = field(default_factory=tuple)
    # A factored form of the sum of the terms, e.g. "(27+1)*5" for
    # "27*5 + 5". It must evaluate to the same number; tests check it does.
    compact: Optional[str] = None

    @property
    def expression(self) -> str:
        """The expression we print as the layer's ``.formula``."""
        return self.compact or total(term.expression for term in self.terms)

    def value(self) -> int:
        return evaluate(self.expression)


# The optional keyword a formula may declare to receive its sublayers' configs
# (``{sublayer.name: sublayer.get_config()}``). Only layers that build Keras
# sublayers need it: after ``model.quantize()`` or ``sublayer.enable_lora()``,
# MultiHeadAttention's own config still says float32 while its query/key/
# value/output EinsumDense sublayers hold int8 kernels and scales (3.15.1).
SUBLAYERS_KEYWORD = "sublayers"


# The optional keyword a MACs or key/value-cache function may declare to
# receive the shapes of the layer's call by argument name
# (``{"hidden_states": (1, 8, 16), "key_value_states": (1, 5, 16)}``), known
# when ``explain(model, input_shape=...)`` traced the forward. A layer whose
# build() sees only the query (T5's attention) needs it for cross-attention.
CALL_SHAPES_KEYWORD = "call_shapes"


def wants_sublayers(function: Callable[..., Any]) -> bool:
    """True when ``function`` declares the ``sublayers`` keyword."""
    return declares(function, SUBLAYERS_KEYWORD)


def wants_call_shapes(function: Callable[..., Any]) -> bool:
    """True when ``function`` declares the ``call_shapes`` keyword."""
    return declares(function, CALL_SHAPES_KEYWORD)


def declares(function: Callable[..., Any], keyword: str) -> bool:
    """True when ``function``'s signature has a parameter ``keyword``."""
    try:
        return _declares(function, keyword)
    except TypeError:  # an unhashable callable: read its signature every time
        return _declares.__wrapped__(function, keyword)


# inspect.signature costs as much as the rest of a formula; a function's
# signature does not change, so it is read once per function.
@functools.lru_cache(maxsize=1024)
def _declares(function: Callable[..., Any], keyword: str) -> bool:
    try:
        return keyword in inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins or C callables have no signature
        return False
