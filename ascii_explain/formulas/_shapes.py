"""Small helpers shared by formula functions: reading channels and axes from a build shape."""

from __future__ import annotations

from typing import Any, Mapping, Sequence


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


def axes(value: Any) -> list[int]:
    """A normalization ``axis`` config as a list (int or list in Keras configs)."""
    if isinstance(value, int):
        return [value]
    return [int(part) for part in value]
