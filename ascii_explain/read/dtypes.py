"""Bits per element of a dtype, from Keras's own table (the one ``model.summary()`` uses)."""

from __future__ import annotations

import functools
from typing import Any

import keras


def dtype_bits(dtype: Any) -> int:
    """Bits per element: float32 32, int8 8, bool 1, ...

    ``keras.src.utils.dtype_utils.dtype_size`` (private module, checked on
    3.15.1) gives the size. Keras 3 variables and tensors name their dtype
    with a string, so the answer is kept per string.
    """
    if isinstance(dtype, str):
        return _dtype_bits_by_name(dtype)
    return _dtype_bits(dtype)


@functools.lru_cache(maxsize=64)
def _dtype_bits_by_name(dtype: str) -> int:
    return _dtype_bits(dtype)


def _dtype_bits(dtype: Any) -> int:
    from keras.src.utils import dtype_utils  # private module, checked on Keras 3.15.1

    return int(dtype_utils.dtype_size(keras.backend.standardize_dtype(dtype)))


def dtype_bytes(dtype: Any) -> int:
    """Bytes per element of one value held alone (bool 1 byte): what a variable or a gradient takes."""
    return max(1, dtype_bits(dtype) // 8)


def planned_dtype(dtype: str, policy_dtype: str | None) -> str:
    """The dtype a value is planned in: its own, or under a what-if policy ``policy_dtype`` if it is floating.

    Keras's dtype policies change floating variables and outputs only;
    integer and boolean ones keep theirs (an Embedding's int32 input, an
    optimizer's int64 counter).
    """
    if policy_dtype is not None and "float" in dtype:
        return policy_dtype
    return dtype
