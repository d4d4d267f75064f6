"""Bits per element of a dtype, from Keras's own table (the one ``model.summary()`` uses)."""

from __future__ import annotations

import functools
from typing import Any, Optional

import keras


def dtype_bits(dtype: Any) -> Optional[int]:
    """Bits per element: float32 32, int8 8, bool 1, ...; None for a dtype without a size ("string").

    ``keras.src.utils.dtype_utils.dtype_size`` (private module, checked on
    3.15.1) gives the size. Keras 3 variables and tensors name their dtype
    with a string, so the answer is kept per string.
    """
    if isinstance(dtype, str):
        return _dtype_bits_by_name(dtype)
    return _dtype_bits(dtype)


@functools.lru_cache(maxsize=64)
def _dtype_bits_by_name(dtype: str) -> Optional[int]:
    return _dtype_bits(dtype)


def _dtype_bits(dtype: Any) -> Optional[int]:
    from keras.src.utils import dtype_utils  # private module, checked on Keras 3.15.1

    try:
        return int(dtype_utils.dtype_size(keras.backend.standardize_dtype(dtype)))
    except ValueError:  # "Invalid dtype: string": a string tensor's elements have no fixed size
        return None


def dtype_bytes(dtype: Any) -> int:
    """Bytes per element of one value held alone (bool 1 byte): what a variable or a gradient takes."""
    bits = dtype_bits(dtype)
    # A dtype without a size (string) is never a trainable weight, a gradient or an optimizer slot.
    return 0 if bits is None else max(1, bits // 8)


def planned_dtype(dtype: str, policy_dtype: str | None) -> str:
    """The dtype a value is planned in: its own, or under a what-if policy ``policy_dtype`` if it is floating.

    Keras's dtype policies change floating variables and outputs only;
    integer and boolean ones keep theirs (an Embedding's int32 input, an
    optimizer's int64 counter).
    """
    if policy_dtype is not None and "float" in dtype:
        return policy_dtype
    return dtype
