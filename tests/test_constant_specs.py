"""read/constant_specs.py: the KerasTensor each keras.ops constant maker gives in the shapes pass has the shape and
dtype TensorFlow's own result has (in a graph, as the pass's scratch graph builds them), or the spec declines."""

from __future__ import annotations

import itertools
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf

from ascii_explain.read.constant_specs import CONSTANT_SPECS

DTYPES = [None, "int32", "float32", "float16", "int64", "bool", "bfloat16"]


def _cases() -> list[tuple[str, tuple, dict]]:
    cases: list[tuple[str, tuple, dict]] = []
    for shape, dtype in itertools.product([3, (), (2, 3), [1, 4, 5, 1], (0, 2), (np.int64(2), 3)], DTYPES):
        cases += [("zeros", (shape,), {"dtype": dtype}), ("ones", (shape, dtype), {})]
        cases += [("full", (shape, 2), {"dtype": dtype}), ("full", (shape, 1.5, dtype), {})]
    for rows, columns, k, dtype in itertools.product([0, 1, 3], [None, 0, 2, 5], [-2, 0, 1, 3], DTYPES[:4]):
        cases += [("eye", (rows, columns, k), {"dtype": dtype}), ("tri", (rows, columns, k), {"dtype": dtype})]
    cases += [("identity", (n,), {"dtype": dtype}) for n, dtype in itertools.product([0, 1, 3], DTYPES[:3])]
    starts, stops, steps = [0, 0.5, 3, -4, np.int64(2)], [None, 7, 7.3, -3.5, 1023, np.int64(4)], [None, 1, 3, -2, 0.25]
    for start, stop, step, dtype in itertools.product(starts, stops, steps, [None, "float32", "int32", "float16"]):
        cases.append(("arange", (start, stop, step), {"dtype": dtype}))
    return cases


def _backend(name: str, args: tuple, kwargs: dict) -> Any:
    with tf.Graph().as_default():
        try:
            return getattr(keras.ops, name)(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the backend refuses these arguments: the spec must decline
            return error


def test_every_constant_spec_has_the_backends_shape_and_dtype_or_declines() -> None:
    answered = 0
    for name, args, kwargs in _cases():
        spec = CONSTANT_SPECS[name](*args, **kwargs)
        if spec is None:
            continue
        answered += 1
        real = _backend(name, args, kwargs)
        assert not isinstance(real, Exception), (name, args, kwargs, real)
        assert (tuple(spec.shape), spec.dtype) == (tuple(real.shape), keras.backend.standardize_dtype(real.dtype)), (
            name,
            args,
            kwargs,
        )
    assert answered > 500  # most plain-number calls are answered


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("zeros", (tf.constant([2, 3]),), {}),  # a tensor shape
        ("full", (3, 1.0), {}),  # a bare int is no shape to broadcast_to
        ("eye", (3, 3, 1), {}),  # off the main diagonal
        ("arange", (5, 0, 1), {}),  # a step against the direction
        ("arange", (0, 5, 1), {"dtype": "float16"}),  # a dtype Range may not have on the CPU
        ("arange", (0.5, 3), {"dtype": "int32"}),  # float arguments in an integer dtype
    ],
)
def test_a_spec_declines_what_it_cannot_answer_exactly(name: str, args: tuple, kwargs: dict) -> None:
    assert CONSTANT_SPECS[name](*args, **kwargs) is None
