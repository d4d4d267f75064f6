"""A weighted layer nobody wrote a formula for, explained from what Keras knows (issue 21, item 2).

Each weight's dimensions are matched to the layer's configuration values
(``get_config()``: ``units 128``, ``kernel_size[0] 3``) and to its input and
output dimensions (``input 64``, ``output 10``), and named in the term's
description: ``kernel 64*128 (input 64 * units 128)``. A dimension that
matches nothing is said so (``7 matches nothing``). The count is each weight's
shape multiplied out, so it equals ``count_params()`` by construction; what is
inferred is only the *names*, which is why the record has a state of its own
("inferred from config", ``~``) rather than "formula".

Which name a dimension gets when several fit: the first axis of a weight with
two or more axes is usually the input (a kernel's ``input x units``), so
there the input comes first; elsewhere the configuration comes first (keys in
the config's order), then, for a vector, the input (a scale per feature), and
for a kernel's later axes the output. A dimension that no
single value gives may be the product of two configuration values
(``num_heads 4 * head_dim 8`` for 32); it is then written as both factors, and
the term's arithmetic has both (``16*4*8``), so it still evaluates to the
weight's size. Then half a configuration value (a rotary embedding's
``inv_freq`` of ``dim // 2``) is written ``(8//2)``. Last, a relative-position
table's count of offsets: ``(2*8-1)`` between 8 queries and 8 keys,
``(4+2-1)`` between 2 queries and 4 keys, ``(2*4-1)*(2*4-1)`` for a 4x4
window (Swin, BoTNet, HaloNet). A dimension of 1 needs no name.

Everything here is pure: a config dict, shapes and weight shapes in, a
:class:`~ascii_explain.layers.Formula` out, so it is tested on hand-written facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

from ..layers import Formula, FormulaTerm
from ..read.facts import WeightFacts

UNMATCHED = "matches nothing"
# Config values that are sizes of nothing (a seed is an int, and so may be an epsilon's exponent).
IGNORED_KEYS = frozenset({"seed", "name", "dtype", "trainable", "axis"})


@dataclass(frozen=True)
class Named:
    """A value that may explain a dimension: ``units 128``, ``input 64``."""

    name: str
    value: int


@dataclass(frozen=True)
class Factor:
    """One dimension as written: its factors (one, or two config values) and their names ("" for a 1)."""

    values: tuple[int, ...]
    names: tuple[str, ...]
    # A dimension that is half a config value (a rotary embedding's ``inv_freq``, ``dim // 2``): 2, else 1.
    divisor: int = 1
    # A count of relative offsets (``_offsets``): its arithmetic (``(2*8-1)``) and its words
    # (``2*input axis 2 8 - 1``), in place of the values' and names'.
    written: str = ""
    said: str = ""

    @property
    def named(self) -> bool:
        """A dimension some value explains (not a 1, not one that matches nothing)."""
        return bool(self.said) or any(name and name != UNMATCHED for name in self.names)


def config_values(config: Optional[dict[str, Any]]) -> list[Named]:
    """The positive integers of a config, in its order: ``units``, ``kernel_size[0]``, ...

    Only the top level and lists of integers: a nested dict is another object's
    config (an initializer's seed, a sublayer), not this layer's sizes.
    """
    named: list[Named] = []
    for key, value in (config or {}).items():
        if key in IGNORED_KEYS:
            continue
        if _is_size(value):
            named.append(Named(str(key), int(value)))
        elif isinstance(value, (list, tuple)) and value and all(_is_size(item) for item in value):
            named.extend(Named(f"{key}[{index}]", int(item)) for index, item in enumerate(value))
    return named


def shape_values(shape: Any, label: str) -> list[Named]:
    """An input's or output's dimensions past the batch axis: the last is ``label``, the others ``label axis i``.

    Several shapes (a layer called on a list) are ``label 0``, ``label 1``, ...
    """
    shapes = _shapes(shape)
    named: list[Named] = []
    for position, one in enumerate(shapes):
        prefix = label if len(shapes) == 1 else f"{label} {position}"
        dims = list(one[1:])
        for axis, dim in enumerate(dims, start=1):
            if not _is_size(dim):
                continue
            name = prefix if axis == len(dims) else f"{prefix} axis {axis}"
            named.append(Named(name, int(dim)))
    return named


def infer_formula(
    config: Optional[dict[str, Any]],
    input_shape: Any,
    output_shape: Any,
    weights: Sequence[WeightFacts],
) -> Optional[Formula]:
    """The weights' terms with every dimension named, or None when no dimension of any weight matched anything."""
    from_config = config_values(config)
    inputs = shape_values(input_shape, "input")
    outputs = shape_values(output_shape, "output")
    terms = []
    any_named = False
    for weight in weights:
        factors = [
            _name_dimension(int(dim or 0), _preference(axis, len(weight.shape)), from_config, inputs, outputs)
            for axis, dim in enumerate(weight.shape)
        ]
        any_named = any_named or any(factor.named for factor in factors)
        terms.append(
            FormulaTerm(
                weight.name,
                _expression(factors),
                trainable=weight.created_trainable,  # build/layer.py gives the reason of an untrained one
                detail=_description(factors),
            )
        )
    return Formula(terms) if any_named else None


FIRST_OF_SEVERAL = "first"  # a kernel's first axis: the input's features
ONLY_AXIS = "only"  # a vector: a config size, else one per input feature (a scale, a norm's gamma)
OTHER_AXIS = "other"  # a kernel's later axes: a config size, else the output's


def _preference(axis: int, rank: int) -> str:
    if rank == 1:
        return ONLY_AXIS
    return FIRST_OF_SEVERAL if axis == 0 else OTHER_AXIS


def _name_dimension(
    dim: int, preference: str, config: list[Named], inputs: list[Named], outputs: list[Named]
) -> Factor:
    if dim == 1:
        return Factor((1,), ("",))
    order = {
        FIRST_OF_SEVERAL: [inputs, config, outputs],
        ONLY_AXIS: [config, inputs, outputs],
        OTHER_AXIS: [config, outputs, inputs],
    }[preference]
    for candidates in order:
        for candidate in candidates:
            if candidate.value == dim:
                return Factor((dim,), (candidate.name,))
    pair = _pair_of(dim, config)
    if pair is not None:
        return pair
    for candidate in config:
        if candidate.value == 2 * dim:
            return Factor((candidate.value,), (candidate.name,), divisor=2)
    # Offsets run between positions: the config's sizes (a window's side) and the shapes' position axes,
    # never a shape's last axis (its features: a 4-feature input's 2*4-1 = 7 would be a coincidence).
    offsets = _offsets(dim, config + [one for one in inputs + outputs if " axis " in one.name])
    if offsets is not None:
        return offsets
    return Factor((dim,), (UNMATCHED,))


def _offsets(dim: int, candidates: list[Named]) -> Optional[Factor]:
    """A relative-position table's size: the offsets between two ranges of positions.

    Queries ``q`` and keys ``k`` apart by ``k + q - 1`` offsets along an axis
    (BoTNet's and HaloNet's ``r_height``: ``2*8-1``, ``4+2-1``), and a 2D
    window of side ``h`` by ``w`` has ``(2*h-1)*(2*w-1)`` (Swin's bias table).
    The first fit in the candidates' order; None when none does.
    """
    for first in candidates:
        if first.value > 1 and 2 * first.value - 1 == dim:
            said = f"2*{first.name} {first.value} - 1"
            return Factor((dim,), (first.name,), written=f"(2*{first.value}-1)", said=said)
    for i, first in enumerate(candidates):
        for second in candidates[i + 1:]:
            if first.value > 1 and second.value > 1 and first.value + second.value - 1 == dim:
                return Factor(
                    (dim,),
                    (first.name,),
                    written=f"({first.value}+{second.value}-1)",
                    said=f"{first.name} {first.value} + {second.name} {second.value} - 1",
                )
    for i, first in enumerate(candidates):
        side = 2 * first.value - 1
        if first.value <= 1 or dim % side:
            continue
        for second in candidates[i:]:
            if second.value > 1 and side * (2 * second.value - 1) == dim:
                return Factor(
                    (dim,),
                    (first.name,),
                    written=f"(2*{first.value}-1)*(2*{second.value}-1)",
                    said=f"(2*{first.name} {first.value} - 1)*(2*{second.name} {second.value} - 1)",
                )
    return None


def _pair_of(dim: int, config: list[Named]) -> Optional[Factor]:
    """Two config values whose product is ``dim`` (heads times head size), the earliest pair in config order."""
    for i, first in enumerate(config):
        if first.value <= 1 or dim % first.value:
            continue
        for second in config[i + 1:]:
            if second.value > 1 and first.value * second.value == dim:
                return Factor((first.value, second.value), (first.name, second.name))
    return None


def _expression(factors: Iterable[Factor]) -> str:
    values = []
    for factor in factors:
        if factor.written:
            values.append(factor.written)
        elif factor.divisor > 1:
            values.append(f"({factor.values[0]}//{factor.divisor})")
        else:
            values.extend(str(value) for value in factor.values)
    return "*".join(values) if values else "1"


def _description(factors: Sequence[Factor]) -> str:
    """``input 64 * units 128``; a dimension that matches nothing is ``7 matches nothing``; "" for a scalar."""
    pieces = []
    for factor in factors:
        if factor.said:
            pieces.append(factor.said)
            continue
        for value, name in zip(factor.values, factor.names, strict=True):
            if not name:
                pieces.append(str(value))
            elif name == UNMATCHED:
                pieces.append(f"{value} {UNMATCHED}")
            elif factor.divisor > 1:
                pieces.append(f"{name} {value} / {factor.divisor}")
            else:
                pieces.append(f"{name} {value}")
    return " * ".join(pieces)


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _shapes(shape: Any) -> list[tuple[Any, ...]]:
    if isinstance(shape, dict):
        return [one for value in shape.values() for one in _shapes(value)]
    if not isinstance(shape, (list, tuple)) or not shape:
        return []
    if all(isinstance(part, (list, tuple)) for part in shape):
        return [tuple(part) for part in shape]
    return [tuple(shape)]
