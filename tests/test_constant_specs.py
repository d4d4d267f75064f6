"""read/constant_specs.py: the KerasTensor each keras.ops constant maker gives in the shapes pass has the shape and
dtype TensorFlow's own result has (in a graph, as the pass's scratch graph builds them), or the spec declines."""

from __future__ import annotations

import functools
import itertools
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf

from ascii_explain.read.constant_specs import CONSTANT_SPECS, RANDOM_SPECS

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


def _backend(function: Any, args: tuple, kwargs: dict) -> Any:
    with tf.Graph().as_default():
        try:
            return function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the backend refuses these arguments: the spec must decline
            return error


def _answered_as_the_backend(specs: dict, cases: list[tuple[str, tuple, dict]], functions: Any) -> int:
    """How many cases the specs answer; each answer has the shape and dtype of ``functions``' own result."""
    answered = 0
    for name, args, kwargs in cases:
        spec = specs[name](*args, **kwargs)
        if spec is None:
            continue
        answered += 1
        real = _backend(getattr(functions, name), args, kwargs)
        assert not isinstance(real, Exception), (name, args, kwargs, real)
        shape_and_dtype = (tuple(real.shape), keras.backend.standardize_dtype(real.dtype))
        assert (tuple(spec.shape), spec.dtype) == shape_and_dtype, (name, args, kwargs)
    return answered


def test_every_constant_spec_has_the_backends_shape_and_dtype_or_declines() -> None:
    assert _answered_as_the_backend(CONSTANT_SPECS, _cases(), keras.ops) > 500  # most plain-number calls answered


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


def _random_cases() -> list[tuple[str, tuple, dict]]:
    cases: list[tuple[str, tuple, dict]] = []
    for shape, dtype in itertools.product([3, (), (2, 3), [1, 4, 1], (np.int64(2), 3)], DTYPES):
        cases += [("normal", (shape,), {"dtype": dtype}), ("uniform", (shape, -1.0, 2.0, dtype), {})]
        cases += [("truncated_normal", (shape,), {"mean": 1, "stddev": 0.5, "dtype": dtype})]
        cases += [("randint", (shape, 0, 10), {"dtype": dtype or "int32"}), ("gamma", (shape, 2.0), {"dtype": dtype})]
        cases += [("beta", (shape, 2.0, 3.0), {"dtype": dtype}), ("binomial", (shape, 5, 0.5), {"dtype": dtype})]
    return cases


class _SeededDraws:
    """``keras.random``'s functions with a fixed seed, by name."""

    def __getattr__(self, name: str) -> Any:
        return functools.partial(getattr(keras.random, name), seed=1)


def test_every_random_draw_spec_has_the_backends_shape_and_dtype_or_declines() -> None:
    assert _answered_as_the_backend(RANDOM_SPECS, _random_cases(), _SeededDraws()) > 100


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("normal", (tf.constant([2, 3]),), {}),  # a tensor shape
        ("normal", ((2, 3),), {"mean": tf.constant(1.0)}),  # a tensor parameter: the backend broadcasts it
        ("uniform", ((2,),), {"dtype": "int32"}),  # an integer dtype for a continuous draw
        ("randint", ((2,), 0, 5), {"dtype": "float32"}),  # a floating dtype for an integer draw
    ],
)
def test_a_random_spec_declines_what_it_cannot_answer_exactly(name: str, args: tuple, kwargs: dict) -> None:
    assert RANDOM_SPECS[name](*args, **kwargs) is None


def test_a_layer_drawing_noise_in_its_call_is_traced_in_keras_execution_and_its_seed_left_as_it_was() -> None:
    """A VAE's sampling layer: its draw is a KerasTensor in the pass (no scratch-graph random ops), what it
    computes from it counted as before (no contraction), and the seed generator's state is what it was."""
    from ascii_explain.read.call_shapes import symbolic_call_contractions

    drawn: list[str] = []

    class Sampling(keras.layers.Layer):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(7)

        def call(self, inputs: Any) -> Any:
            mean, log_var = inputs
            epsilon = keras.random.normal(keras.ops.shape(mean), seed=self.seed_generator)
            drawn.append(type(epsilon).__name__)
            return mean + keras.ops.exp(0.5 * log_var) * epsilon

    layer = Sampling()
    inputs = [keras.KerasTensor((1, 2)), keras.KerasTensor((1, 2))]
    layer(inputs)
    state = keras.ops.convert_to_numpy(layer.seed_generator.state).tolist()
    counted = symbolic_call_contractions(layer, (inputs,), {})
    assert counted is not None and list(counted.parts) == [] and not counted.unknown
    assert drawn[-1] == "KerasTensor"
    assert keras.ops.convert_to_numpy(layer.seed_generator.state).tolist() == state
    assert type(keras.random.normal((1, 2), seed=1)).__name__ != "KerasTensor"  # outside the pass: a real draw
