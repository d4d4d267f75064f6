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
