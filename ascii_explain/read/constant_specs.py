"""The KerasTensor a keras.ops constant maker gives in the shapes pass: the shape and dtype of the backend's result.

``keras_execution.scratch_graph`` makes ``ops.zeros``, ``ops.ones``,
``ops.full``, ``ops.eye``, ``ops.identity``, ``ops.tri`` and ``ops.arange``
answer with these while the pass runs. Each spec reads the TensorFlow
backend's own rules (Keras 3.15.1, ``keras.src.backend.tensorflow.numpy``):
a missing dtype is ``floatx()`` (``arange``: the arguments' result type), and
the shape follows from the Python numbers given. It answers only for plain
Python numbers and shapes; None otherwise (a tensor among them, an ``eye`` off
its main diagonal), and the backend's function runs.

``RANDOM_SPECS`` do the same for the draws of ``keras.random`` (``normal``,
``uniform``, ``truncated_normal``, ``randint``, ``gamma``, ``beta``,
``binomial``): a VAE's sampling layer draws ``keras.random.normal(shape=(batch,
dim))`` in every call, and the scratch graph's random ops (seeded from the
seed generator's state) took two thirds of explaining one. The draw is
``shape`` in ``dtype or floatx()`` (``randint``: ``int32``), as the TensorFlow
backend makes it; the seed generator is not advanced (in the scratch graph its
update never ran either). Only for Python numbers as the distribution's
parameters and a floating dtype (an integer one for ``randint``): anything
else runs the backend's function, and its own error.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import keras
import numpy as np

# ``arange`` sizes are computed by TensorFlow in the result's dtype; below this every integer is exact in float32.
_EXACT_IN_FLOAT32 = 2**24
_RANGE_DTYPES = ("int32", "int64", "float32", "float64")


def _count(value: Any) -> Optional[int]:
    """A Python (or NumPy) integer, not a bool or a tensor; None otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        return None
    return int(value)


def _static_shape(shape: Any) -> Optional[tuple[int, ...]]:
    """A shape of Python integers (an int, or a list or tuple of them), None when any part is not one."""
    single = _count(shape)
    if single is not None:
        return (single,) if single >= 0 else None
    if not isinstance(shape, (list, tuple)):
        return None
    dims = [_count(dim) for dim in shape]
    if any(dim is None or dim < 0 for dim in dims):
        return None
    return tuple(dim for dim in dims if dim is not None)


def _floatx_or(dtype: Any) -> str:
    return keras.backend.standardize_dtype(dtype or keras.config.floatx())


def _filled(shape: Any, dtype: Any = None) -> Optional[keras.KerasTensor]:
    """``zeros`` and ``ones``: ``tf.zeros(shape, dtype or floatx())``."""
    dims = _static_shape(shape)
    return None if dims is None else keras.KerasTensor(dims, dtype=_floatx_or(dtype))


def _full(shape: Any, fill_value: Any, dtype: Any = None) -> Optional[keras.KerasTensor]:
    """``tf.broadcast_to(fill_value, shape)`` of a Python scalar, in ``dtype or floatx()`` (a bare int is no shape
    to ``broadcast_to``: TensorFlow's error stands)."""
    if isinstance(fill_value, bool) or not isinstance(fill_value, (int, float)) or not isinstance(shape, (list, tuple)):
        return None
    return _filled(shape, dtype)


def _eye(N: Any, M: Any = None, k: Any = 0, dtype: Any = None) -> Optional[keras.KerasTensor]:
    """``tf.eye(N, M)``: on the main diagonal only (off it the backend pads a smaller eye)."""
    rows, columns = _count(N), _count(N if M is None else M)
    if rows is None or columns is None or rows < 0 or columns < 0 or _count(k) != 0:
        return None
    return keras.KerasTensor((rows, columns), dtype=_floatx_or(dtype))


def _identity(n: Any, dtype: Any = None) -> Optional[keras.KerasTensor]:
    return _eye(n, n, 0, dtype)


def _tri(N: Any, M: Any = None, k: Any = 0, dtype: Any = None) -> Optional[keras.KerasTensor]:
    """``tri``: an ``[N, M]`` band of ones (or of zeros below the diagonal), whatever ``k``."""
    rows, columns = _count(N), _count(N if M is None else M)
    if rows is None or columns is None or rows < 0 or columns < 0 or _count(k) is None:
        return None
    return keras.KerasTensor((rows, columns), dtype=_floatx_or(dtype))


def _arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Optional[keras.KerasTensor]:
    """``tf.range(start, stop, step)`` of Python numbers: as many values as TensorFlow's ``Range`` sizes it.

    The dtype as the backend resolves it: the given one, else the arguments'
    result type (``int32`` for Python integers, ``floatx()`` with a float among
    them). TensorFlow sizes the range in that dtype (``RangeSize``, its shape
    function): ``ceil(|stop - start| / |step|)`` exactly for integers, and for
    floats ``ceil(|(stop - start) / step|)`` rounded at each step in the
    dtype's precision, as NumPy's scalars of that precision round it. A step
    against the direction (TensorFlow's error), a dtype ``Range`` may not
    have on the CPU, and integers past float32's exact range are left to the backend.
    """
    given = [value for value in (start, stop, step) if value is not None]
    if any(not _is_number(value) for value in given):
        return None
    if dtype is None:
        dtype = keras.backend.result_type(*(getattr(value, "dtype", type(value)) for value in given))
    dtype = keras.backend.standardize_dtype(dtype)
    if dtype not in _RANGE_DTYPES:
        return None
    first, last = (0, start) if stop is None else (start, stop)
    increment = 1 if step is None else step
    sized = _float_range_size if "float" in dtype else _int_range_size
    size = sized(first, last, increment, dtype)
    return None if size is None else keras.KerasTensor((size,), dtype=dtype)


def _is_number(value: Any) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, float, np.integer, np.floating))


def _int_range_size(first: Any, last: Any, increment: Any, dtype: str) -> Optional[int]:
    numbers = [_count(value) for value in (first, last, increment)]
    if any(number is None or abs(number) >= _EXACT_IN_FLOAT32 for number in numbers):
        return None  # a float among them in an integer dtype, or past what is checked
    low, high, step = (int(number) for number in numbers if number is not None)
    if step == 0 or (high - low) * step < 0:
        return None
    return (abs(high - low) + abs(step) - 1) // abs(step)


def _float_range_size(first: Any, last: Any, increment: Any, dtype: str) -> Optional[int]:
    precision = np.float32 if dtype == "float32" else np.float64
    with np.errstate(all="ignore"):
        low, high, step = precision(first), precision(last), precision(increment)
        if not (np.isfinite(low) and np.isfinite(high) and np.isfinite(step)) or step == 0:
            return None
        if (step > 0 and low > high) or (step < 0 and low < high):
            return None
        return int(np.ceil(np.abs((high - low) / step)))


CONSTANT_SPECS: dict[str, Callable[..., Optional[keras.KerasTensor]]] = {
    "zeros": _filled,
    "ones": _filled,
    "full": _full,
    "eye": _eye,
    "identity": _identity,
    "tri": _tri,
    "arange": _arange,
}


def _draw(dtype: Any, floating: bool = True) -> Optional[str]:
    """The dtype of a random draw, as the TensorFlow backend makes it; None for a dtype it would refuse."""
    try:
        name = keras.backend.standardize_dtype(dtype or (keras.config.floatx() if floating else "int32"))
    except ValueError:
        return None
    wanted = name.startswith(("float", "bfloat")) if floating else name.startswith(("int", "uint"))
    return name if wanted else None


def _random(shape: Any, parameters: tuple, dtype: Any, floating: bool = True) -> Optional[keras.KerasTensor]:
    dims = _static_shape(shape) if isinstance(shape, (list, tuple)) else None  # a bare int is no shape to a draw
    drawn = _draw(dtype, floating)
    if dims is None or drawn is None or not all(_is_number(value) for value in parameters):
        return None
    return keras.KerasTensor(dims, dtype=drawn)


def _normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    return _random(shape, (mean, stddev), dtype)


def _uniform(shape: Any, minval: Any = 0.0, maxval: Any = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    return _random(shape, (minval, maxval), dtype)


def _randint(shape: Any, minval: Any, maxval: Any, dtype: Any = "int32", seed: Any = None) -> Any:
    return _random(shape, (minval, maxval), dtype, floating=False)


def _gamma(shape: Any, alpha: Any, dtype: Any = None, seed: Any = None) -> Any:
    return _random(shape, (alpha,), dtype)


def _beta(shape: Any, alpha: Any, beta: Any, dtype: Any = None, seed: Any = None) -> Any:
    return _random(shape, (alpha, beta), dtype)


def _binomial(shape: Any, counts: Any, probabilities: Any, dtype: Any = None, seed: Any = None) -> Any:
    return _random(shape, (counts, probabilities), dtype)


RANDOM_SPECS: dict[str, Callable[..., Optional[keras.KerasTensor]]] = {
    "normal": _normal,
    "uniform": _uniform,
    "truncated_normal": _normal,
    "randint": _randint,
    "gamma": _gamma,
    "beta": _beta,
    "binomial": _binomial,
}
