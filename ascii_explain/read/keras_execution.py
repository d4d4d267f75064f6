"""Keras's own symbolic execution for the shapes pass (``call_shapes.py``): what it shadows while it runs.

The pass gives ``model.call`` KerasTensors and lets each layer run its own
``call`` on them, so keras.ops infer every shape in Python (Keras 3.15.1).
For that to hold on real models, while the pass runs:

* no graph ``Node`` is made for a symbolic call (``keras_symbolic_execution``),
  but inside a build() the pass runs (a Sequential making its graph);
* a variable's operators take KerasTensors (``self.scale * x``);
* on TensorFlow, a scratch FuncGraph is the default graph (``scratch_graph``),
  so what a call computes from concrete tensors becomes ops that never run;
* a dense model's tensors lose the sparse mark Keras puts on ``x * 0.5`` (``dense``).

Everything shadowed is put back when the pass ends, under a lock.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Iterator

import keras


class PassState(threading.local):
    building = 0  # inside a build() the pass runs (a Sequential's build calls its layers: not the forward)
    dense_only = False  # the model's inputs are all dense: a sparse KerasTensor in the pass is Keras's mark only


PASS_STATE = PassState()

_PATCH_LOCK = threading.RLock()

# A variable's operators with a KerasTensor on the other side, as keras.ops (KerasVariable's own go to the
# backend's function, which refuses a KerasTensor: keras-hub HGNetV2's ``self.scale * x``).
_VARIABLE_OPERATORS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide", "floordiv": "floor_divide",
    "mod": "mod", "pow": "power", "matmul": "matmul",
}  # fmt: skip
_VARIABLE_COMPARISONS = {
    "eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
}  # fmt: skip


@contextlib.contextmanager
def keras_symbolic_execution() -> Iterator[None]:
    """While the pass runs: no graph ``Node`` for a symbolic call (but inside a build()), and a variable's
    operators take KerasTensors.

    ``Layer.__call__`` and ``Operation.symbolic_call`` record every call on
    KerasTensors as a Node of the functional graph (Keras 3.15.1): the pass
    is not a graph, and a Node refuses a call that returns ``None`` (a cache
    slot). A build() (a Sequential making its functional graph) gets its nodes.
    The two modules' ``Node`` and the variable class's operators are shadowed
    under a lock and put back after.
    """
    from keras.src.backend.common import variables
    from keras.src.layers import layer as layer_module
    from keras.src.ops import operation as operation_module

    real_node = operation_module.Node

    def node_outside_the_pass(*args: Any, **kwargs: Any) -> Any:
        return real_node(*args, **kwargs) if PASS_STATE.building else None

    with _PATCH_LOCK:
        if layer_module.Node is not real_node:  # re-entered: already shadowed
            yield
            return
        saved: list[tuple[Any, str, Any]] = [(module, "Node", real_node) for module in (layer_module, operation_module)]
        shadows = []
        for dunder, operation, reflected in _variable_dunders():
            original = vars(variables.Variable).get(dunder)
            if original is not None:
                saved.append((variables.Variable, dunder, original))
                shadows.append((dunder, _taking_keras_tensors(original, operation, reflected)))
        try:
            for module in (layer_module, operation_module):
                module.Node = node_outside_the_pass
            for dunder, shadow in shadows:
                setattr(variables.Variable, dunder, shadow)
            yield
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)


@contextlib.contextmanager
def scratch_graph() -> Iterator[None]:
    """On TensorFlow, a scratch FuncGraph as the default graph while Keras's symbolic execution runs.

    What a call computes from concrete tensors rather than KerasTensors (SAM's
    dense positional encodings: a grid of constants ``@`` a variable) then
    becomes graph operations, never run: nothing is allocated, and the
    contractions among them are read from the graph (graph_contractions.py)
    as in the backend's own trace.
    """
    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    with tf.__internal__.FuncGraph("ascii_explain_shapes_pass").as_default():
        yield


def _variable_dunders() -> Iterator[tuple[str, str, bool]]:
    """(``__mul__``, "multiply", reflected?) for each operator ``_VARIABLE_OPERATORS`` and comparisons name."""
    for name, operation in _VARIABLE_OPERATORS.items():
        yield f"__{name}__", operation, False
        yield f"__r{name}__", operation, True
    for name, operation in _VARIABLE_COMPARISONS.items():
        yield f"__{name}__", operation, False


def _taking_keras_tensors(original: Any, operation: str, reflected: bool) -> Any:
    function = getattr(keras.ops, operation)

    def operator(variable: Any, other: Any) -> Any:
        if isinstance(other, keras.KerasTensor):
            return function(other, variable) if reflected else function(variable, other)
        return original(variable, other)

    return operator


def build_not_recorded(build: Any) -> Any:
    @functools.wraps(build)  # Keras reads build()'s signature to name the shapes it passes
    def build_outside_the_forward(*args: Any, **kwargs: Any) -> Any:
        PASS_STATE.building += 1
        try:
            return build(*args, **kwargs)
        finally:
            PASS_STATE.building -= 1

    return build_outside_the_forward


def dense(value: Any) -> Any:
    """Keras 3.15.1 marks some symbolic results sparse that are not (``KerasTensor * 0.5``); on a model whose
    inputs are all dense, each layer is given them dense, as the backend would (a sparse placeholder breaks it)."""
    if isinstance(value, keras.KerasTensor) and value.sparse:
        return keras.KerasTensor(value.shape, dtype=value.dtype, sparse=False, ragged=value.ragged)
    return value


def as_keras_tensor(value: Any) -> Any:
    if isinstance(value, keras.KerasTensor) or not keras.ops.is_tensor(value):
        return value
    return keras.KerasTensor(tuple(value.shape), dtype=keras.backend.standardize_dtype(value.dtype))
