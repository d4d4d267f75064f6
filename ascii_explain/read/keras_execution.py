"""Keras's own symbolic execution for the shapes pass (``call_shapes.py``): what it shadows while it runs.

The pass gives ``model.call`` KerasTensors and lets each layer run its own
``call`` on them, so keras.ops infer every shape in Python (Keras 3.15.1).
For that to hold on real models, while the pass runs:

* no graph ``Node`` is made for a symbolic call (``keras_symbolic_execution``),
  but inside a build() the pass runs (a Sequential making its graph);
* a variable's operators take KerasTensors (``self.scale * x``);
* on TensorFlow, a scratch FuncGraph is the default graph (``scratch_graph``),
  so what a call computes from concrete tensors becomes ops that never run,
  a ``tf.*`` function given a KerasTensor gets a placeholder there, and a
  sublayer called on such a graph tensor gets it as a KerasTensor again;
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
    symbolic = 0  # inside Keras's symbolic execution, outside a layer the backend traces alone


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
    from keras.src.backend.common.keras_tensor import KerasTensor

    def placeholder(tensor: Any, dtype: Any = None, name: Any = None) -> Any:
        # A TensorFlow function given a KerasTensor (depth_anything's tf.compat.v1.image.resize, a bounding-box
        # converter's backend cast) gets a placeholder of its shape in the scratch graph, so the layer runs on
        # instead of being traced whole by the backend: its graph ops are read as the backend's trace reads them.
        return tf.compat.v1.placeholder(dtype or tensor.dtype, tuple(tensor.shape), name=name)

    with _PATCH_LOCK, tf.__internal__.FuncGraph("ascii_explain_shapes_pass").as_default():
        original = vars(KerasTensor)["__tf_tensor__"]
        KerasTensor.__tf_tensor__ = placeholder  # type: ignore[method-assign]
        try:
            yield
        finally:
            KerasTensor.__tf_tensor__ = original  # type: ignore[method-assign]


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


def graph_tensors_as_keras_tensors(structure: Any) -> Any:
    """A layer's arguments with TensorFlow graph tensors as KerasTensors, inside Keras's symbolic execution.

    A ``tf.*`` function given KerasTensors returns scratch-graph tensors
    (``scratch_graph``); a sublayer called on them would run in the backend,
    reading its variables into the graph at many times the cost. As
    KerasTensors its call stays symbolic, and its result, given to ``tf.*``
    again, becomes a placeholder there.
    """
    if not PASS_STATE.symbolic or PASS_STATE.building or keras.backend.backend() != "tensorflow":
        return structure
    import tensorflow as tf

    def converted(value: Any) -> Any:
        if isinstance(value, tf.Tensor) and not tf.executing_eagerly() and hasattr(value, "graph"):
            return as_keras_tensor(value)
        return value

    return keras.tree.map_structure(converted, structure)


@contextlib.contextmanager
def backend_traced() -> Iterator[None]:
    """A layer the backend traces alone: its sublayers run on the backend's tensors, not as KerasTensors."""
    previous, PASS_STATE.symbolic = PASS_STATE.symbolic, 0
    try:
        yield
    finally:
        PASS_STATE.symbolic = previous


def as_keras_tensor(value: Any) -> Any:
    if isinstance(value, keras.KerasTensor) or not keras.ops.is_tensor(value):
        return value
    return keras.KerasTensor(tuple(value.shape), dtype=keras.backend.standardize_dtype(value.dtype))
