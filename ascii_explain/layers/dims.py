"""Reading sizes out of a layer's facts: channels, kernel tuples, axes and spatial sizes.

Shared by the families' parameter, mult-add and shape functions. Every helper
takes plain config values and shapes (tuples whose first entry is the batch
axis), never a Keras object.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from ..polynomial import is_symbolic


class UnknownDimensionError(ValueError):
    """A dimension the MAC count depends on is None (e.g. a variable sequence length)."""


class NotCoveredError(ValueError):
    """A configuration a function deliberately does not cover (an einsum with "...", a wrapped layer
    without a formula): the value is unknown, with this reason; not a bug (``build/failures.py``)."""


def known(*dims: Any) -> list[int]:
    """The dims as ints; raise UnknownDimensionError if any is None.

    The sequence length as a symbol (``polynomial.SEQUENCE``, put in for the
    unknown axis by ``build/sequence.py``) passes through unchanged: the
    expressions built from it are then arithmetic in ``T``.
    """
    if any(dim is None for dim in dims):
        raise UnknownDimensionError("a dimension the mult-add count depends on is None (unknown before the call)")
    return [dim if is_symbolic(dim) else int(dim) for dim in dims]


def channels(config: Mapping[str, Any], input_shape: Sequence[Any]) -> int:
    """The channel count of a convolution's input, honouring ``data_format``."""
    if config.get("data_format") == "channels_first":
        return int(input_shape[1])
    return int(input_shape[-1])


def as_tuple(value: Any) -> tuple[int, ...]:
    """Keras configs hold kernel sizes as ints or tuples; always give a tuple."""
    if isinstance(value, int):
        return (value,)
    return tuple(int(part) for part in value)


def per_axis(value: Any, rank: int) -> tuple[int, ...]:
    """A per-axis config (strides, dilation, size) as ``rank`` ints; one value stands for every axis."""
    values = as_tuple(value)
    return values * rank if len(values) == 1 else values


def axes(value: Any) -> list[int]:
    """A normalization ``axis`` config as a list (int or list in Keras configs)."""
    if isinstance(value, int):
        return [value]
    return [int(part) for part in value]


def spatial_dims(config: Mapping[str, Any], input_shape: Sequence[Any], rank: int) -> list[Optional[int]]:
    """The ``rank`` spatial sizes of ``input_shape``, honouring ``data_format``."""
    if config.get("data_format") == "channels_first":
        dims = list(input_shape[2 : 2 + rank])
    else:
        dims = list(input_shape[1 : 1 + rank])
    return [None if dim is None else int(dim) for dim in dims]


def sequences_shape(input_shape: Any) -> Any:
    """The sequence input's shape of a recurrent layer, however ``build`` received it.

    A recurrent layer called with ``initial_state`` is built with several
    shapes: Keras 3.15.1's build config is then
    ``{"sequences_shape": ..., "initial_state_shape": [...]}``, and a graph
    node lists the sequences first, then the states. The weights depend on
    the sequences' shape only.
    """
    if isinstance(input_shape, Mapping):
        return input_shape.get("sequences_shape", input_shape.get("inputs_shape"))
    if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
        return input_shape[0]
    return input_shape
