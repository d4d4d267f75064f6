"""Keras's own symbolic execution for the shapes pass (``call_shapes.py``): what it shadows while it runs.

The pass gives ``model.call`` KerasTensors and lets each layer run its own
``call`` on them, so keras.ops infer every shape in Python (Keras 3.15.1).
For that to hold on real models, while the pass runs:

* no graph ``Node`` is made for a symbolic call (``keras_symbolic_execution``),
  but inside a build() the pass runs (a Sequential making its graph);
* a variable's operators take KerasTensors (``self.scale * x``), and in the
  forward its arithmetic with numbers, ``-v``, ``abs(v)`` and ``v[0, :n]`` are
  keras.ops calls too, as are the constant makers ``ops.zeros``/``ones``/``full``/
  ``eye``/``identity``/``tri``/``arange`` on Python numbers (``constant_specs.py``);
* on TensorFlow, a scratch FuncGraph is the default graph (``scratch_graph``),
  so what a call computes from concrete tensors becomes ops that never run,
  a ``tf.*`` function given a KerasTensor or a variable gets a placeholder there, and a
  sublayer called on such a graph tensor, or a keras.ops call on such a placeholder,
  gets it as a KerasTensor again;
* a dense model's tensors lose the sparse mark Keras puts on ``x * 0.5`` (``dense``);
* a keras.ops operation is made without the config ``__new__`` records for
  ``get_config`` (``_without_auto_config``): it is dropped after its shape inference.

Everything shadowed is put back when the pass ends, under a lock.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Iterator

import keras
import numpy as np

from .module_holders import modules_holding


class PassState(threading.local):
    building = 0  # inside a build() the pass runs (a Sequential's build calls its layers: not the forward)
    dense_only = False  # the model's inputs are all dense: a sparse KerasTensor in the pass is Keras's mark only
    symbolic = 0  # inside Keras's symbolic execution, outside a layer the backend traces alone
    scratch: Any = None  # the scratch FuncGraph while the pass runs on TensorFlow (scratch_graph)


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
    operators take KerasTensors (and, in the forward, numbers: ``_arithmetic_stays_symbolic``).

    ``Layer.__call__`` and ``Operation.symbolic_call`` record every call on
    KerasTensors as a Node of the functional graph (Keras 3.15.1): the pass
    is not a graph, and a Node refuses a call that returns ``None`` (a cache
    slot). A build() (a Sequential making its functional graph) gets its nodes.
    The two modules' ``Node`` and the variable class's operators are shadowed
    under a lock and put back after.
    """
    from keras.src.backend.common import global_state, variables
    from keras.src.layers import layer as layer_module
    from keras.src.ops import operation as operation_module
    from keras.src.utils import naming

    real_node = operation_module.Node

    def node_outside_the_pass(*args: Any, **kwargs: Any) -> Any:
        return real_node(*args, **kwargs) if PASS_STATE.building else None

    with _PATCH_LOCK:
        if layer_module.Node is not real_node:  # re-entered: already shadowed
            yield
            return
        saved: list[tuple[Any, str, Any]] = [(module, "Node", real_node) for module in (layer_module, operation_module)]
        saved.append((operation_module, "inspect", operation_module.inspect))
        saved.append((operation_module.Operation, "__new__", vars(operation_module.Operation)["__new__"]))
        variables_symbolic = _variables_as_symbolic(variables.Variable)
        saved.append((naming, "to_snake_case", naming.to_snake_case))
        filtering = global_state.get_global_attribute("traceback_filtering")
        checkers = _symbolic_checkers()
        saved.extend((module, "any_symbolic_tensors", variables_symbolic.__wrapped__) for module in checkers)
        shadows = []
        for dunder, operation, reflected in _variable_dunders():
            original = vars(variables.Variable).get(dunder)
            if original is not None:
                saved.append((variables.Variable, dunder, original))
                shadows.append((dunder, _taking_keras_tensors(original, operation, reflected)))
        for dunder, original, shadow in _variable_unary_shadows(variables.Variable):
            saved.append((variables.Variable, dunder, original))
            shadows.append((dunder, shadow))
        try:
            for module in (layer_module, operation_module):
                module.Node = node_outside_the_pass
            operation_module.inspect = _SignaturesRemembered(operation_module.inspect)
            operation_module.Operation.__new__ = staticmethod(_without_auto_config(operation_module.Operation))
            for module in checkers:
                module.any_symbolic_tensors = variables_symbolic
            naming.to_snake_case = _snake_case_remembered(naming.to_snake_case)
            # Each call's traceback wrapping (a functools.wraps per call) serves the user's errors;
            # the pass's own are caught (a layer the backend then traces alone).
            global_state.set_global_attribute("traceback_filtering", False)
            for dunder, shadow in shadows:
                setattr(variables.Variable, dunder, shadow)
            yield
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)
            global_state.set_global_attribute("traceback_filtering", filtering)


def _without_auto_config(operation_class: Any) -> Any:
    """``Operation.__new__`` for the keras.ops operations the forward makes: without the config it records.

    Every keras.ops call on a KerasTensor makes an operation whose ``__new__``
    binds its constructor's arguments to its signature and keeps them, checked
    and wrapped, for ``get_config`` (Keras 3.15.1): a tenth of a millisecond a
    call. The pass's operations are used once for their shape inference and
    dropped (no Node keeps them), so nobody asks their config; it is None, as
    Keras leaves it for arguments it cannot serialize. A layer (its own
    ``__new__`` runs this one), a build(), another thread and JAX's NNX (whose
    state ``__new__`` sets) get Keras's own.
    """
    from keras.src.layers.layer import Layer

    original = vars(operation_class)["__new__"].__func__

    def __new__(cls: Any, *args: Any, **kwargs: Any) -> Any:
        if not PASS_STATE.symbolic or PASS_STATE.building or issubclass(cls, Layer) or _nnx_enabled():
            return original(cls, *args, **kwargs)
        instance = object.__new__(cls)
        instance._lock = False
        instance._auto_config = None
        instance._lock = True
        return instance

    return __new__


def _nnx_enabled() -> bool:
    from keras.src.backend.config import is_nnx_enabled

    return keras.backend.backend() == "jax" and is_nnx_enabled()


def _snake_case_remembered(to_snake_case: Any) -> Any:
    """``naming.to_snake_case`` remembering its answers: every keras.ops operation made in the pass is
    auto-named from its class name by three regular expressions (Keras 3.15.1), the same few names."""
    return functools.lru_cache(maxsize=256)(to_snake_case)


def _symbolic_checkers() -> list[Any]:
    """The Keras modules whose ``any_symbolic_tensors`` decides between a symbolic call and the backend's function.

    Each imported the function by name (``keras.ops``' modules, ``Operation``, ``Layer``, Keras 3.15.1):
    shadowing it means shadowing that name in each of them (``module_holders.py``).
    """
    from keras.src.backend.common import keras_tensor

    return [module for module, _, _ in modules_holding([("any_symbolic_tensors", keras_tensor.any_symbolic_tensors)])]


def _variables_as_symbolic(variable_class: Any) -> Any:
    """``any_symbolic_tensors`` for the pass: a variable counts as symbolic too, outside a build(), and so does a
    placeholder standing for a KerasTensor in the scratch graph (``is_stand_in``).

    ``ops.reshape(self.bias, ...)`` (every Conv with a bias), ``ops.take(self.embeddings, ...)`` on
    constant positions: given only variables, keras.ops would call the backend's function, which on
    TensorFlow makes graph ops in the scratch graph (a placeholder for the variable, then the op) at
    ~0.3 ms each. As a symbolic call, Keras's shape inference answers with a KerasTensor of the same
    shape and dtype, and what follows stays symbolic. Inside a build() the backend's function still
    runs: what a build() keeps must be a real tensor.
    """
    from keras.src.backend.common import keras_tensor

    original = keras_tensor.any_symbolic_tensors

    def is_symbolic_leaf(value: Any) -> bool:
        return isinstance(value, variable_class) or is_stand_in(value)

    def is_symbolic(value: Any) -> bool:
        if is_symbolic_leaf(value):
            return True
        return keras.tree.is_nested(value) and any(is_symbolic_leaf(item) for item in keras.tree.flatten(value))

    @functools.wraps(original)
    def any_symbolic_tensors(args: Any = None, kwargs: Any = None) -> bool:
        if original(args, kwargs):
            return True
        if not PASS_STATE.symbolic or PASS_STATE.building:
            return False
        return any(is_symbolic(value) for items in (args or (), kwargs.values() if kwargs else ()) for value in items)

    return any_symbolic_tensors


def is_stand_in(value: Any) -> bool:
    """A placeholder of the pass's scratch graph: what ``scratch_graph`` gives a TensorFlow function in place of
    a KerasTensor or a variable (``backend.convert_to_tensor(x)`` in ``keras.activations.hard_silu``)."""
    graph = PASS_STATE.scratch
    if graph is None or PASS_STATE.building or not PASS_STATE.symbolic:
        return False
    op = getattr(value, "op", None) if isinstance(value, _TF_TENSOR) else None
    return op is not None and op.type == "Placeholder" and value.graph is graph


def stand_ins_as_keras_tensors(structure: Any) -> Any:
    """The scratch graph's placeholders in ``structure`` as the KerasTensors they stand for (same shape, dtype).

    A placeholder has no value to lose: a keras.ops call given one infers its shape in Keras's execution, as
    if it had been given the KerasTensor, instead of making backend ops in the scratch graph (MobileNetV3's
    hard-swish activation: four per call).
    """
    if PASS_STATE.scratch is None or not any(is_stand_in(value) for value in keras.tree.flatten(structure)):
        return structure
    return keras.tree.map_structure(lambda value: as_keras_tensor(value) if is_stand_in(value) else value, structure)


def _stand_ins_given_as_keras_tensors(symbolic_call: Any) -> Any:
    """``Operation.symbolic_call`` (what every keras.ops function on a symbolic operand runs, Keras 3.15.1) given
    the KerasTensors a scratch placeholder stands for: ``compute_output_spec`` reads KerasTensors."""

    @functools.wraps(symbolic_call)
    def given_keras_tensors(operation: Any, *args: Any, **kwargs: Any) -> Any:
        args, kwargs = stand_ins_as_keras_tensors((args, kwargs))
        return symbolic_call(operation, *args, **kwargs)

    return given_keras_tensors


class _NoTensor:  # isinstance() target until TensorFlow is imported: nothing is one
    pass


_TF_TENSOR: Any = _NoTensor


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

    def variable_placeholder(variable: Any, dtype: Any = None, name: Any = None) -> Any:
        # A variable given to a TensorFlow function (BatchNormalization's ops.cast of its moving mean) is read
        # into the graph at a millisecond a read (D-FINE: 400 of them); the ops never run, so a placeholder of
        # its shape does as well, and a variable without a value (a stateless model) is never read.
        return tf.compat.v1.placeholder(dtype or variable.dtype, tuple(variable.shape), name=name)

    from keras.src.backend.tensorflow import core
    from keras.src.backend.tensorflow.core import Variable
    from keras.src.ops.operation import Operation

    backend_cast = core.cast

    def cast(value: Any, dtype: Any) -> Any:
        # ``ops.cast(self.moving_mean, x.dtype)`` (BatchNormalization, every call) goes to the backend, a
        # variable being no KerasTensor: in Keras's execution its result is a KerasTensor, and what follows
        # stays symbolic rather than becoming graph ops at half a millisecond each.
        if PASS_STATE.symbolic and isinstance(value, Variable):
            return keras.KerasTensor(tuple(value.shape), dtype=keras.backend.standardize_dtype(dtype))
        return backend_cast(value, dtype)

    shadowed: tuple[tuple[Any, str, Any], ...] = (
        (KerasTensor, "__tf_tensor__", placeholder),
        (Variable, "__tf_tensor__", variable_placeholder),
        (core, "cast", cast),
        (Operation, "symbolic_call", _stand_ins_given_as_keras_tensors(vars(Operation)["symbolic_call"])),
        *_constants_as_keras_tensors(),
    )
    global _TF_TENSOR
    _TF_TENSOR = tf.Tensor
    with _PATCH_LOCK, tf.__internal__.FuncGraph("ascii_explain_shapes_pass").as_default() as graph:
        originals = [(owner, name, vars(owner)[name]) for owner, name, _ in shadowed]
        for owner, name, shadow in shadowed:
            setattr(owner, name, shadow)
        previous, PASS_STATE.scratch = PASS_STATE.scratch, graph
        try:
            yield
        finally:
            PASS_STATE.scratch = previous
            for owner, name, original in originals:
                setattr(owner, name, original)


def _constants_as_keras_tensors() -> list[tuple[Any, str, Any]]:
    """(module, name, shadow) for every Keras module holding a keras.ops constant maker (``ops.zeros``, ...).

    ``ops.zeros((1, H, W, 1))``, ``ops.arange(n)`` on Python numbers call the
    backend's function (Keras 3.15.1: no symbolic path without a KerasTensor
    argument), which in the scratch graph makes TensorFlow ops at a fraction of
    a millisecond each, and so does all that is computed from the result (Swin's
    shifted-window mask: 66 ops a model; VitDet's relative positions, where an
    ``ops.take`` on the graph tensor then fails Keras's shape inference and the
    backend traces the whole block). In the pass the result is a KerasTensor of
    the shape and dtype the backend gives (``constant_specs.py``), and what follows stays
    symbolic. Any argument that is not a plain Python number or shape runs the
    backend's function, as does a build() (what it keeps must be a real tensor).
    """
    from keras.src.ops import numpy as numpy_ops
    from keras.src.random import random as random_ops

    from .constant_specs import CONSTANT_SPECS, RANDOM_SPECS

    found = [(numpy_ops, name, CONSTANT_SPECS[name]) for name in CONSTANT_SPECS] + [
        (random_ops, name, RANDOM_SPECS[name]) for name in RANDOM_SPECS  # keras.random's draws, the same way
    ]
    originals = [(name, getattr(module, name)) for module, name, _ in found if hasattr(module, name)]
    specs = {id(getattr(module, name)): spec for module, name, spec in found if hasattr(module, name)}
    shadows = {id(original): _symbolic_constant(original, specs[id(original)]) for _, original in originals}
    return [(module, name, shadows[id(function)]) for module, name, function in modules_holding(originals)]


def _symbolic_constant(original: Any, spec: Any) -> Any:
    @functools.wraps(original)
    def constant(*args: Any, **kwargs: Any) -> Any:
        if PASS_STATE.symbolic and not PASS_STATE.building:
            try:
                found = spec(*args, **kwargs)
            except TypeError:  # arguments the function does not take: its own error
                found = None
            if found is not None:
                return found
        return original(*args, **kwargs)

    return constant


class _SignaturesRemembered:
    """The ``inspect`` module as keras.src.ops.operation sees it in the pass: signatures remembered per function.

    Every keras.ops call on KerasTensors makes an Operation, whose ``__new__``
    reads ``inspect.signature`` and ``getfullargspec`` of its class's
    ``__init__`` to record its config (Keras 3.15.1): an eighth of a Swin's
    pass. The answers are immutable and the same for the same function.
    """

    def __init__(self, module: Any) -> None:
        self._module = module
        self._signatures: dict[Any, Any] = {}
        self._argspecs: dict[Any, Any] = {}

    def signature(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return self._module.signature(function, *args, **kwargs)
        try:
            return self._signatures[function]
        except KeyError:
            found = self._signatures[function] = self._module.signature(function)
            return found
        except TypeError:  # an unhashable callable
            return self._module.signature(function)

    def getfullargspec(self, function: Any) -> Any:
        try:
            return self._argspecs[function]
        except KeyError:
            found = self._argspecs[function] = self._module.getfullargspec(function)
            return found
        except TypeError:
            return self._module.getfullargspec(function)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def _variable_dunders() -> Iterator[tuple[str, str, bool]]:
    """(``__mul__``, "multiply", reflected?) for each operator ``_VARIABLE_OPERATORS`` and comparisons name."""
    for name, operation in _VARIABLE_OPERATORS.items():
        yield f"__{name}__", operation, False
        yield f"__r{name}__", operation, True
    for name, operation in _VARIABLE_COMPARISONS.items():
        yield f"__{name}__", operation, False


def _taking_keras_tensors(original: Any, operation: str, reflected: bool) -> Any:
    """A variable's operator as the keras.ops function: given a KerasTensor; and, for arithmetic in the
    forward, given a Python number or another variable (``_arithmetic_stays_symbolic``)."""
    function = getattr(keras.ops, operation)
    arithmetic = operation in _VARIABLE_OPERATORS.values()

    def operator(variable: Any, other: Any) -> Any:
        if isinstance(other, keras.KerasTensor) or (arithmetic and _arithmetic_stays_symbolic(other)):
            return function(other, variable) if reflected else function(variable, other)
        return original(variable, other)

    return operator


def _arithmetic_stays_symbolic(other: Any) -> bool:
    """In the forward (not a build(), not a layer the backend traces alone), a variable's arithmetic with a
    Python or NumPy number or another variable is a keras.ops call on a symbolic operand (``_variables_as_symbolic``).

    The backend's own operator reads the variable into the scratch graph and makes an op there (D-FINE's
    ``abs(self.reg_scale) * 2``, then ``step ** i`` for every bin: ~200 ops a model); the value is never
    known in the pass either way, and Keras's shape inference gives the backend's shape and dtype.
    Comparisons are left out: ``variable in some_list`` compares with ``==``.
    """
    from keras.src.backend.common.variables import Variable

    if not PASS_STATE.symbolic or PASS_STATE.building:
        return False
    if isinstance(other, bool):
        return False
    return isinstance(other, (int, float, np.number, Variable))


# A variable's unary operators and indexing, as keras.ops (KerasVariable's go to the backend through its value).
_VARIABLE_UNARY = {"__neg__": "negative", "__abs__": "absolute"}


def _variable_unary_shadows(variable_class: Any) -> list[tuple[str, Any, Any]]:
    """(dunder, original, shadow) for ``-variable``, ``abs(variable)`` and ``variable[i, :n]`` in the forward."""
    shadows = []
    for dunder, operation in _VARIABLE_UNARY.items():
        original = vars(variable_class).get(dunder)
        if original is not None:
            shadows.append((dunder, original, _unary_symbolic(original, getattr(keras.ops, operation))))
    getitem = vars(variable_class).get("__getitem__")
    if getitem is not None:
        shadows.append(("__getitem__", getitem, _indexing_symbolic(getitem)))
    return shadows


def _unary_symbolic(original: Any, function: Any) -> Any:
    def operator(variable: Any) -> Any:
        if PASS_STATE.symbolic and not PASS_STATE.building:
            return function(variable)
        return original(variable)

    return operator


def _indexing_symbolic(original: Any) -> Any:
    """``variable[key]`` as ``ops.get_item`` for a key of Python ints, slices of them, ``None`` and ``...``
    (what ``GetItem.compute_output_spec`` reads, Keras 3.15.1); any other key the backend's indexing."""

    def getitem(variable: Any, key: Any) -> Any:
        if PASS_STATE.symbolic and not PASS_STATE.building and _static_key(key):
            # GetItem's inference takes an int or a tuple, not a bare slice: ``v[1:]`` is ``v[(1:,)]``
            return keras.ops.get_item(variable, key if isinstance(key, (tuple, int)) else (key,))
        return original(variable, key)

    return getitem


def _static_key(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return all(_static_index(part) for part in parts)


def _static_index(part: Any) -> bool:
    if part is None or part is Ellipsis:
        return True
    if isinstance(part, slice):
        return all(bound is None or (type(bound) is int) for bound in (part.start, part.stop, part.step))
    return type(part) is int


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

    def is_graph_tensor(value: Any) -> bool:
        return isinstance(value, tf.Tensor) and not tf.executing_eagerly() and hasattr(value, "graph")

    # Most calls get KerasTensors only: a flatten finds that at a fraction of a rebuilt structure's cost.
    if not any(is_graph_tensor(value) for value in keras.tree.flatten(structure)):
        return structure
    return keras.tree.map_structure(lambda item: as_keras_tensor(item) if is_graph_tensor(item) else item, structure)


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


def as_keras_tensors(structure: Any) -> Any:
    """``as_keras_tensor`` over a structure; the structure itself when every tensor in it is a KerasTensor."""
    leaves = keras.tree.flatten(structure)
    if all(isinstance(value, keras.KerasTensor) or not keras.ops.is_tensor(value) for value in leaves):
        return structure
    return keras.tree.map_structure(as_keras_tensor, structure)


def all_dense(structure: Any) -> Any:
    """``dense`` over a structure; the structure itself when nothing in it is marked sparse."""
    leaves = keras.tree.flatten(structure)
    if not any(isinstance(value, keras.KerasTensor) and value.sparse for value in leaves):
        return structure
    return keras.tree.map_structure(dense, structure)
