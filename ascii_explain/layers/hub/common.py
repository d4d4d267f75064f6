"""Helpers shared by the keras-hub layer families: products, sums, Dense terms, token counts.

Every function here sees configs and shapes (batch axis first), never a layer.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from ...polynomial import is_symbolic
from ..dims import NotCoveredError, known
from ..formula import Formula, FormulaTerm

Config = Mapping[str, Any]
Shape = Sequence[Any]

NOT_TRAINED = "created with trainable=False by keras-hub (kept as the source of an interpolation)"


def product_of(factors: Iterable[Any]) -> str:
    """``a*b*c`` from the factors (``"1"`` for none)."""
    parts = [str(factor if is_symbolic(factor) else int(factor)) for factor in factors]
    return "*".join(parts) if parts else "1"


def sum_of(parts: Iterable[str]) -> str:
    """``a + b`` of the non-zero parts (``"0"`` for none)."""
    parts = [part for part in parts if part and part != "0"]
    return " + ".join(parts) if parts else "0"


def last_axis(input_shape: Shape) -> int:
    """The features axis of a (batch, ..., features) shape."""
    return int(input_shape[-1])


def positions(shape: Shape) -> int:
    """The positions of a (batch, ..., features) shape: every axis between batch and features."""
    dims = known(*shape[1:-1])
    size = 1
    for dim in dims:
        size *= dim
    return size


def prefixed(prefix: str, terms: Iterable[FormulaTerm]) -> list[FormulaTerm]:
    """A sublayer's terms named by their path below the layer: ``experts/<term>``."""
    return [FormulaTerm(f"{prefix}/{t.name}", t.expression, t.trainable, t.reason) for t in terms]


def dense_terms(name: str, rows: Sequence[Any], columns: Sequence[Any], bias: bool) -> list[FormulaTerm]:
    """A Dense or EinsumDense sublayer ``name``: kernel ``rows x columns``, bias ``columns``."""
    terms = [FormulaTerm(f"{name}/kernel", product_of([*rows, *columns]))]
    if bias:
        terms.append(FormulaTerm(f"{name}/bias", product_of(columns)))
    return terms


def zero_macs(config: Config, input_shape: Any, output_shape: Any) -> str:
    """No multiply-accumulate: a norm's scale, a lookup, rotary/ALiBi, an element-wise scale, padding: 0."""
    return "0"


def no_weights(config: Config, input_shape: Any) -> Formula:
    """A layer whose build() creates no weights (RotaryEmbedding, AlibiBias, Padder, XLNet's segment matrix)."""
    return Formula(())


def not_covered(what: str) -> Callable[[Config, Any, Any], str]:
    """A MACs function that says the count is not covered (unknown, never a guess)."""

    def macs(config: Config, input_shape: Any, output_shape: Any) -> str:
        raise NotCoveredError(f"{what}: mult-adds not covered")

    macs.__doc__ = f"{what}: mult-adds not covered (unknown)."
    return macs


def tokens_and_width(input_shape: Shape) -> tuple[int, int]:
    """(positions, features) of a (batch, ..., features) input."""
    return positions(input_shape), int(known(input_shape[-1])[0])
