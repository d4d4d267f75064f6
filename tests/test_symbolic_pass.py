"""The shapes pass (read/call_shapes.py): Keras's symbolic execution first, the backend's trace per layer as needed.

Each test compares the symbolic pass with the backend's trace of the whole
model (the pass before this one), which is the independent witness: same
shapes, same calls, and the same mult-adds but where the backend cannot see a
contraction (a bare ``@`` on backend tensors).
"""

from __future__ import annotations

from typing import Any

import keras
import pytest
import tensorflow as tf
from keras import layers, ops

from ascii_explain import explain
from ascii_explain.read import call_shapes
from ascii_explain.read.traced_macs import counting_contractions
from ascii_explain.read.untouched import builds_undone

from .helpers import keras_global_state, model_state


def _pass(model: Any, shapes: Any, symbolic: bool) -> dict:
    operations = list(model._flatten_layers(include_self=False, recursive=True))
    operations += call_shapes._graph_operations([model, *operations])
    inputs = call_shapes._symbolic_inputs(model, shapes)
    with builds_undone(model, operations), counting_contractions():
        return call_shapes._traced(model, operations, inputs, symbolic=symbolic)


def _backend_traces(monkeypatch: Any) -> list[str]:
    """The class names of the operations the backend traces from now on (``keras.Operation.compute_output_spec``)."""
    traces: list[str] = []
    original = keras.Operation.compute_output_spec

    def counted(operation: Any, *args: Any, **kwargs: Any) -> Any:
        traces.append(type(operation).__name__)
        return original(operation, *args, **kwargs)

    monkeypatch.setattr(keras.Operation, "compute_output_spec", counted)
    return traces


class BareMatmulAttention(layers.Layer):
    """Scores with ``@`` on the tensors, as keras-hub's SegFormer attention writes them."""

    def build(self, input_shape: Any) -> None:
        self.proj = layers.Dense(input_shape[-1])
        self.proj.build(input_shape)

    def call(self, x: Any) -> Any:
        scores = ops.softmax(x @ ops.transpose(x, (0, 2, 1)))
        return self.proj(scores @ x)


class CallsTensorFlow(layers.Layer):
    """A call that gives a KerasTensor to ``tf.*`` (keras-hub DepthAnything's ``tf.compat.v1.image.resize``)."""

    def build(self, input_shape: Any) -> None:
        self.dense = layers.Dense(3)
        self.dense.build(input_shape)

    def call(self, x: Any) -> Any:
        return self.dense(tf.nn.relu(x))


class CastsItsVariable(layers.Layer):
    """BatchNormalization's ``ops.cast(self.moving_mean, ...)``: a variable given to the backend in the pass."""

    def build(self, input_shape: Any) -> None:
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        self.dense = layers.Dense(3)
        self.dense.build(input_shape)

    def call(self, x: Any) -> Any:
        return self.dense(x * ops.cast(self.scale, x.dtype))


class GivesItsVariableToTensorFlow(CastsItsVariable):
    """A variable given to a TensorFlow function in the pass."""

    def call(self, x: Any) -> Any:
        return self.dense(x * tf.nn.relu(self.scale))


class NeedsATensorFlowTensor(layers.Layer):
    """A call that uses what only a TensorFlow tensor has (``get_shape``): the backend traces this layer alone."""

    def build(self, input_shape: Any) -> None:
        self.dense = layers.Dense(3)
        self.dense.build(input_shape)

    def call(self, x: Any) -> Any:
        return self.dense(x[..., : x.get_shape()[-1]])


def _model(block: layers.Layer) -> keras.Model:
    inputs = keras.Input((5, 4))
    return keras.Model(inputs, layers.Dense(2)(block(inputs)))


def test_a_bare_matmul_is_counted_by_the_symbolic_pass() -> None:
    model = _model(BareMatmulAttention())
    block = model.layers[1]
    symbolic = _pass(model, (1, 5, 4), symbolic=True)[id(block)]
    backend = _pass(model, (1, 5, 4), symbolic=False)[id(block)]
    assert symbolic.output == backend.output == (1, 5, 4)
    # x @ x^T: 5*5 outputs x 4; scores @ x: 5*4 outputs x 5; the Dense: 5*4 outputs x 4 inputs
    assert sorted(symbolic.macs) == sorted((5 * 5 * 4, 5 * 4 * 5, 5 * 4 * 4))
    # the backend's trace reads TensorFlow's own @ from its graph (read/graph_contractions.py): the same
    assert sorted(backend.macs) == sorted(symbolic.macs)


def test_a_tensorflow_function_given_a_keras_tensor_gets_a_placeholder_and_the_sublayer_stays_symbolic(
    monkeypatch,
) -> None:
    model = _model(CallsTensorFlow())
    block = model.layers[1]
    backend = _pass(model, (1, 5, 4), symbolic=False)
    traces = _backend_traces(monkeypatch)
    tf_tensor = vars(keras.KerasTensor)["__tf_tensor__"]
    symbolic = _pass(model, (1, 5, 4), symbolic=True)
    assert symbolic == backend
    assert symbolic[id(block.dense)].macs == (5 * 4 * 3,)
    assert not traces  # neither the block nor its Dense traced by the backend
    assert vars(keras.KerasTensor)["__tf_tensor__"] is tf_tensor  # Keras's refusal is back after the pass
    with pytest.raises(ValueError, match="KerasTensor cannot be used as input to a TensorFlow function"):
        tf.nn.relu(keras.KerasTensor((1, 4)))


@pytest.mark.parametrize("block", [CastsItsVariable, GivesItsVariableToTensorFlow])
def test_a_variable_given_to_the_backend_in_the_pass_is_not_read(monkeypatch, block: type) -> None:
    from keras.src.backend.tensorflow import core
    from keras.src.backend.tensorflow.core import Variable

    backend_cast = core.cast
    model = _model(block())
    layer = model.layers[1]
    reads: list[str] = []
    real = vars(Variable)["__tf_tensor__"]

    def read(variable: Any, dtype: Any = None, name: Any = None) -> Any:
        reads.append(variable.path)
        return real(variable, dtype=dtype, name=name)

    monkeypatch.setattr(Variable, "__tf_tensor__", read)
    backend = _pass(model, (1, 5, 4), symbolic=False)
    assert reads  # the backend's trace reads the variable into its graph
    reads.clear()
    symbolic = _pass(model, (1, 5, 4), symbolic=True)
    assert not reads  # the pass gives a KerasTensor (a cast) or TensorFlow a placeholder of its shape instead
    assert vars(Variable)["__tf_tensor__"] is read and core.cast is backend_cast  # and puts back what it found
    assert symbolic == backend
    assert symbolic[id(layer.dense)].macs == (5 * 4 * 3,)


def test_a_layer_that_needs_tensorflow_tensors_is_traced_alone_with_its_sublayers_recorded() -> None:
    model = _model(NeedsATensorFlowTensor())
    block = model.layers[1]
    symbolic = _pass(model, (1, 5, 4), symbolic=True)
    backend = _pass(model, (1, 5, 4), symbolic=False)
    assert symbolic == backend
    assert symbolic[id(block.dense)].macs == (5 * 4 * 3,)


@pytest.mark.parametrize("block", [BareMatmulAttention, CallsTensorFlow, NeedsATensorFlowTensor, CastsItsVariable])
def test_the_pass_leaves_the_model_and_keras_as_they_were(block: type) -> None:
    model = _model(block())
    before, keras_before = model_state(model), keras_global_state()
    from keras.src.layers import layer as layer_module
    from keras.src.ops import operation as operation_module

    nodes_before = (layer_module.Node, operation_module.Node)
    explain(model, input_shape=(1, 5, 4))
    assert model_state(model) == before
    assert keras_global_state() == keras_before
    assert (layer_module.Node, operation_module.Node) == nodes_before


def test_a_sequential_built_inside_the_pass_counts_its_layers_once() -> None:
    """keras.io's Involution builds a Sequential in ``build``: that build's symbolic calls are not the forward."""

    class MakesSequential(layers.Layer):
        def build(self, input_shape: Any) -> None:
            self.inner = keras.Sequential([layers.Dense(3), layers.Dense(4)])

        def call(self, x: Any) -> Any:
            return self.inner(x)

        def compute_output_shape(self, input_shape: Any) -> Any:
            return (*input_shape[:-1], 4)

    model = _model(MakesSequential())
    before = model_state(model)
    records = _pass(model, (1, 5, 4), symbolic=True)
    inner = model.layers[1].inner
    assert [records[id(layer)].calls for layer in inner.layers] == [1, 1]
    assert records[id(inner.layers[0])].macs == (5 * 4 * 3,)
    assert model_state(model) == before  # the Sequential is unbuilt again


def test_a_nested_functional_models_node_lists_are_put_back() -> None:
    """A functional model used as a layer keeps its nodes in TensorFlow's ListWrapper (DeepLabV3's backbone)."""
    inner_inputs = keras.Input((4,))
    inner = keras.Model(inner_inputs, layers.Dense(3)(inner_inputs))
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2)(inner(inputs)))
    before = model_state(model)
    _pass(model, (1, 4), symbolic=True)
    assert model_state(model) == before


class ScaleOnTheLeft(layers.Layer):
    """keras-hub HGNetV2's learnable affine block: the variable on the left of ``*``."""

    def build(self, input_shape: Any) -> None:
        self.scale = self.add_weight(shape=(), initializer="ones")
        self.bias = self.add_weight(shape=(), initializer="zeros")

    def call(self, x: Any) -> Any:
        return self.scale * x + self.bias


class HalvesThenConvolves(layers.Layer):
    """``x * 0.5`` (which Keras 3.15.1 marks sparse) before a grouped convolution (which refuses sparse)."""

    def build(self, input_shape: Any) -> None:
        self.conv = layers.Conv2D(4, 3, padding="same", groups=2)
        self.conv.build(input_shape)

    def call(self, x: Any) -> Any:
        return self.conv(x * 0.5)


@pytest.mark.parametrize("block, shape", [(ScaleOnTheLeft, (5, 4)), (HalvesThenConvolves, (6, 6, 4))])
def test_keras_own_execution_needs_no_backend_trace(monkeypatch, block: type, shape: tuple) -> None:
    inputs = keras.Input(shape)
    model = keras.Model(inputs, block()(inputs))
    backend = _pass(model, (1, *shape), symbolic=False)
    from keras.src.backend.common import variables

    operators = {name: vars(variables.Variable)[name] for name in ("__mul__", "__rmul__", "__add__", "__eq__")}
    traces = _backend_traces(monkeypatch)
    symbolic = _pass(model, (1, *shape), symbolic=True)
    assert symbolic == backend
    assert not traces  # no layer traced by the backend
    assert {name: vars(variables.Variable)[name] for name in operators} == operators  # Keras's operators back


def test_a_grouped_convolution_runs_in_keras_own_execution_with_its_mult_adds(monkeypatch) -> None:
    """Keras's symbolic conv refuses groups > 1 (input channels = groups * the kernel's): the spec is still given."""
    inputs = keras.Input((6, 6, 8))
    model = keras.Model(inputs, layers.Conv2D(4, 3, groups=4)(inputs))
    backend = _pass(model, (1, 6, 6, 8), symbolic=False)
    traces = _backend_traces(monkeypatch)
    symbolic = _pass(model, (1, 6, 6, 8), symbolic=True)
    assert symbolic == backend and not traces
    # 4*4 positions x 4 filters x 3*3 kernel x 2 input channels per group
    assert symbolic[id(model.layers[1])].macs == (4 * 4 * 4 * 3 * 3 * 2,)


def test_is_tensor_answers_as_keras_does_while_explain_reads_and_is_put_back() -> None:
    """read/tensor_checks.py: a type once "not a tensor" is remembered; tensors and proxies are still asked."""
    from keras.src import backend

    from ascii_explain.read.tensor_checks import tensor_checks_by_type

    class Proxy:
        def __init__(self, wrapped: Any) -> None:
            self._wrapped = wrapped

        def __getattr__(self, name: str) -> Any:
            return getattr(self._wrapped, name)

    values = [1.0, keras.KerasTensor((1, 4)), tf.constant(1.0), keras.Variable(1.0)]
    values += [Proxy(1.0), Proxy(tf.constant(1.0))]
    original = backend.is_tensor
    expected = [original(value) for value in values]
    with tensor_checks_by_type():
        assert backend.is_tensor is not original
        assert [backend.is_tensor(value) for value in values * 2] == expected * 2
    assert backend.is_tensor is original
    assert expected == [False, False, True, True, False, original(Proxy(tf.constant(1.0)))]


def test_no_name_scope_is_left_open_after_a_trace() -> None:
    """A block holding an unbuilt Dropout once left its name scope on Keras's stack after the static-shape
    trace: every weight made after in the process was named under it (keras-rs tests failed by order)."""
    from .test_performance_structure import _block_model, _WithDropout

    model = _block_model(_WithDropout())
    keras_before = keras_global_state()
    e = explain(model, expand_nested=True)
    assert e.total_macs == 6 * 5 * 8 + 6 * 8 * 4  # the trace ran: the Dense rows have their shapes
    assert keras_global_state() == keras_before
    dense = layers.Dense(2, name="after_the_trace")
    dense.build((None, 3))
    assert dense.kernel.path == "after_the_trace/kernel"


class ReshapesItsBias(CastsItsVariable):
    """Keras's Conv bias add: ``ops.reshape(self.bias, ...)`` is given a variable, no KerasTensor."""

    def call(self, x: Any) -> Any:
        return self.dense(x + ops.reshape(self.scale, (1, 1, -1)))


def test_a_keras_op_given_only_a_variable_stays_symbolic_in_the_pass(monkeypatch) -> None:
    """keras.ops given only variables would run the backend's function (on TensorFlow, graph ops in the
    scratch graph, ~0.3 ms each); in the pass, Keras's shape inference answers instead, with the same records."""
    from keras.src.backend.tensorflow import numpy as tf_numpy

    model = _model(ReshapesItsBias())
    backend = _pass(model, (1, 5, 4), symbolic=False)
    reshapes: list[tuple] = []
    real = tf_numpy.reshape

    def reshape(x: Any, newshape: Any) -> Any:
        reshapes.append(tuple(x.shape))
        return real(x, newshape)

    monkeypatch.setattr(tf_numpy, "reshape", reshape)
    symbolic = _pass(model, (1, 5, 4), symbolic=True)
    assert symbolic == backend
    assert symbolic[id(model.layers[1].dense)].macs == (5 * 4 * 3,)
    assert (4,) not in reshapes  # the variable's reshape was not the backend's
    # Outside the pass, the same op on the variable is the backend's: a tensor, as Keras gives it
    assert not isinstance(ops.reshape(model.layers[1].scale, (1, 1, -1)), keras.KerasTensor)
    assert (4,) in reshapes


def test_explain_leaves_keras_auto_names_as_it_found_them() -> None:
    """The pass makes keras.ops operations and KerasTensors (each takes an auto-name): the next layer the user
    makes without a name is named as if explain had not run (read/auto_names.py)."""
    from keras.src.backend.common import global_state

    model = _model(ReshapesItsBias())
    counters = global_state.get_global_attribute("object_name_uids")
    before = dict(counters)
    e = explain(model, input_shape=(1, 5, 4), optimizer="adam", expand_nested=True)
    assert 5 * 4 * 3 in [r.macs for r in e.layers if r.class_name == "Dense"]  # the pass ran: the block's Dense
    assert e.training_memory is not None and e.training_memory.optimizer  # the optimizer's stand-ins were made
    assert dict(global_state.get_global_attribute("object_name_uids")) == before
    expected = "reshape" if "reshape" not in before else f"reshape_{before['reshape']}"
    assert layers.Reshape((2,)).name == expected


def _lambda_model(function: Any, shape: tuple) -> keras.Model:
    inputs = keras.Input(shape)
    return keras.Model(inputs, layers.Lambda(function)(inputs))


@pytest.mark.parametrize(
    "function, shape, expected",
    [
        (lambda t: t * 2, (4, 3), ()),  # nothing contracted
        (lambda t: ops.matmul(t, ops.transpose(t, (0, 2, 1))), (4, 3), (4 * 4 * 3,)),  # keras.ops
        (lambda t: tf.matmul(t, t, transpose_b=True), (4, 3), (4 * 4 * 3,)),  # a tf.* contraction, read from TF's graph
    ],
    ids=["scale", "keras_matmul", "tf_matmul"],
)
def test_a_layer_traced_alone_runs_in_keras_execution_and_counts_what_the_backend_counts(
    monkeypatch, function: Any, shape: tuple, expected: tuple
) -> None:
    """read/layer_trace.py: with no traced forward, an unregistered layer's first call runs in Keras's symbolic
    execution (no TensorFlow graph of its own); the backend's trace of the same call is the witness."""
    from ascii_explain.read.layer_trace import trace_layer_first_call
    from ascii_explain.read.traced_macs import trace_first_call

    layer = _lambda_model(function, shape).layers[1]
    backend = trace_first_call(layer)
    traces = _backend_traces(monkeypatch)
    symbolic = trace_layer_first_call(layer)
    assert not traces  # Keras's execution ran it, the backend traced nothing
    assert symbolic == backend
    assert symbolic.parts == expected


def test_the_corpus_layers_traced_alone_count_as_the_backend_counts() -> None:
    """Every layer the keras-io-style corpus and the zoo trace alone: Keras's execution and the backend's trace
    give the same contractions, notes and operands (a layer needing backend tensors is the backend's anyway)."""
    from ascii_explain.read import traced_reading
    from ascii_explain.read.layer_trace import trace_layer_first_call
    from ascii_explain.read.tensor_checks import tensor_checks_by_type
    from ascii_explain.read.traced_macs import trace_first_call

    from .keras_io_corpus import KERAS_IO_MODELS
    from .zoo_corpus import ZOO_MODELS

    traced: list[Any] = []
    real = traced_reading.trace_layer_first_call

    def noted(layer: Any) -> Any:
        traced.append(layer)
        return real(layer)

    try:
        traced_reading.trace_layer_first_call = noted
        models = [build() for build in (*KERAS_IO_MODELS.values(), *ZOO_MODELS.values())]
        for model in models:
            explain(model)
    finally:
        traced_reading.trace_layer_first_call = real
    assert len(traced) >= 20
    with tensor_checks_by_type():
        pairs = [(trace_layer_first_call(layer), trace_first_call(layer)) for layer in traced]
    assert [symbolic for symbolic, _ in pairs] == [backend for _, backend in pairs]
    assert sum(1 for symbolic, _ in pairs if symbolic.parts) >= 2  # not only element-wise layers


class MasksFromConstants(layers.Layer):
    """What keras-hub's vision blocks compute from Python numbers and their variables in a call.

    Swin's shifted-window mask (``ops.ones(...) * cnt`` into ``ops.slice_update`` of ``ops.zeros``), VitDet's
    relative positions (``ops.arange``, then ``ops.take`` of a variable), D-FINE's bins (``abs(variable) * 2``,
    ``variable[0]``, ``-variable``), and Flux's ``ApplyRoPE()(q, k, pe)``: a layer made in the call.
    """

    def build(self, input_shape: Any) -> None:
        self.table = self.add_weight(shape=(9, input_shape[-1]), initializer="ones")
        self.factor = self.add_weight(shape=(2,), initializer="ones")
        self.dense = layers.Dense(input_shape[-1])
        self.dense.build(input_shape)

    def call(self, x: Any) -> Any:
        length = x.shape[1]
        mask = ops.zeros((1, length, 1), dtype="int32")
        mask = ops.slice_update(mask, (0, 1, 0), ops.ones((1, length - 1, 1), dtype="int32") * 3)
        mask = ops.cast(ops.expand_dims(mask[..., 0], 1) != ops.expand_dims(mask[..., 0], 2), "float32") * -100.0
        positions = ops.arange(length)[:, None] - ops.arange(length)[None, :] + (length - 1)
        bias = ops.take(self.table, positions, axis=0)  # (length, length, channels)
        scale = -abs(self.factor[0]) * 2 + self.factor[1:] ** 2
        scores = ops.matmul(x, ops.transpose(x, (0, 2, 1))) * scale + mask + ops.eye(length) + ops.tri(length)
        mixed = MixesWithScores()(scores, x) + ops.sum(bias, axis=1) * ops.full((1, length, 1), 0.5)
        return self.dense(mixed + ops.arange(0.5, x.shape[-1], dtype="float32"))


class MixesWithScores(layers.Layer):
    def call(self, scores: Any, x: Any) -> Any:
        return ops.matmul(ops.softmax(scores), x)


class ReadsAConstantsValue(layers.Layer):
    """A call that needs a constant's value (its length from ``tf.get_static_value``): only the backend has it."""

    def build(self, input_shape: Any) -> None:
        self.dense = layers.Dense(3)
        self.dense.build(input_shape)

    def call(self, x: Any) -> Any:
        kept = int(tf.get_static_value(ops.ones((2,), dtype="int32")).sum())
        return self.dense(x[..., :kept] @ ops.ones((kept, x.shape[-1])))


def _graph_ops_made(monkeypatch: Any) -> list[str]:
    """The types of the TensorFlow ops made from now on, in any graph (``Graph._create_op_internal``)."""
    from tensorflow.python.framework import ops as tf_ops

    made: list[str] = []
    original = tf_ops.Graph._create_op_internal

    def create(graph: Any, op_type: str, *args: Any, **kwargs: Any) -> Any:
        made.append(op_type)
        return original(graph, op_type, *args, **kwargs)

    monkeypatch.setattr(tf_ops.Graph, "_create_op_internal", create)
    return made


def test_masks_built_from_constants_and_variables_make_no_tensorflow_ops_in_the_pass(monkeypatch) -> None:
    """The constant makers, a variable's arithmetic and indexing, and a layer made in the call stay in Keras's
    symbolic execution: no graph op at all, no backend trace, and the records the backend's whole trace gives."""
    model = _model(MasksFromConstants())
    block = model.layers[1]
    backend = _pass(model, (2, 5, 4), symbolic=False)
    made, traces = _graph_ops_made(monkeypatch), _backend_traces(monkeypatch)
    symbolic = _pass(model, (2, 5, 4), symbolic=True)
    assert not made
    assert not traces
    assert symbolic == backend
    # x @ x^T (5*5 outputs x 4), softmax(scores) @ x in the layer made in the call (5*4 x 5), the Dense (5*4 x 4)
    assert sorted(symbolic[id(block)].macs) == sorted((5 * 5 * 4, 5 * 4 * 5, 5 * 4 * 4))


def test_a_call_needing_a_constants_value_is_traced_by_the_backend_as_before(monkeypatch) -> None:
    model = _model(ReadsAConstantsValue())
    block = model.layers[1]
    backend = _pass(model, (1, 5, 4), symbolic=False)
    traces = _backend_traces(monkeypatch)
    symbolic = _pass(model, (1, 5, 4), symbolic=True)
    assert "ReadsAConstantsValue" in traces  # a KerasTensor has no static value: the backend traced the block
    assert symbolic == backend
    assert sorted(symbolic[id(block)].macs) == [5 * 2 * 4, 5 * 4 * 3]  # the @ read from the graph, the Dense


def test_the_constant_makers_and_variable_operators_are_the_backends_again_after_the_pass() -> None:
    from keras.src.backend.common.variables import Variable
    from keras.src.layers.layer import Layer
    from keras.src.ops import numpy as numpy_ops

    makers = {name: getattr(numpy_ops, name) for name in ("zeros", "ones", "full", "eye", "identity", "tri", "arange")}
    operators = {name: vars(Variable)[name] for name in ("__neg__", "__abs__", "__getitem__", "__mul__", "__rpow__")}
    from keras.src.ops.operation import Operation

    symbolic_call, new = vars(Layer)["symbolic_call"], vars(Operation)["__new__"]
    model = _model(MasksFromConstants())
    explain(model, input_shape=(1, 5, 4))
    assert vars(Operation)["__new__"] is new
    assert numpy_ops.Multiply()._auto_config is not None  # Keras's own config recorded again
    assert {name: getattr(numpy_ops, name) for name in makers} == makers
    assert {name: getattr(keras.ops, name) for name in makers} == makers
    assert {name: vars(Variable)[name] for name in operators} == operators
    assert vars(Layer)["symbolic_call"] is symbolic_call
    assert not isinstance(ops.zeros((2,)), keras.KerasTensor)
    assert not isinstance(ops.multiply(model.layers[1].factor, 2.0), keras.KerasTensor)
    assert not isinstance(abs(model.layers[1].factor) * 2, keras.KerasTensor)


class ConvertsToABackendTensor(layers.Layer):
    """``keras.activations.hard_silu``: ``backend.convert_to_tensor(x)`` (a scratch placeholder), then keras.ops."""

    def build(self, input_shape: Any) -> None:
        self.dense = layers.Dense(3)
        self.dense.build(input_shape)

    def call(self, x: Any) -> Any:
        return self.dense(keras.activations.hard_silu(x) * 2.0 + ops.sigmoid(keras.ops.convert_to_tensor(x)))


def test_a_keras_op_given_a_placeholder_for_a_keras_tensor_stays_symbolic(monkeypatch) -> None:
    model = _model(ConvertsToABackendTensor())
    block = model.layers[1]
    backend = _pass(model, (1, 5, 4), symbolic=False)
    made, traces = _graph_ops_made(monkeypatch), _backend_traces(monkeypatch)
    symbolic = _pass(model, (1, 5, 4), symbolic=True)
    assert set(made) == {"Placeholder"}  # the stand-ins only: hard_silu, sigmoid, * and + inferred by Keras
    assert not traces
    assert symbolic == backend
    assert symbolic[id(block.dense)].macs == (5 * 4 * 3,)


def test_the_operations_the_pass_makes_record_no_config_and_layers_made_in_it_do(monkeypatch) -> None:
    """``Operation.__new__``'s config (for get_config) is skipped for the pass's throwaway keras.ops operations;
    a layer made in the call (Flux's ApplyRoPE) still gets Keras's own ``__new__``."""
    from keras.src.ops.operation import Operation

    made: list[Any] = []
    real_init = Operation.__init__

    def noted(operation: Any, *args: Any, **kwargs: Any) -> None:
        made.append(operation)
        real_init(operation, *args, **kwargs)

    monkeypatch.setattr(Operation, "__init__", noted)
    _pass(_model(MasksFromConstants()), (1, 5, 4), symbolic=True)
    operations = [operation for operation in made if not isinstance(operation, layers.Layer)]
    made_layers = [operation for operation in made if isinstance(operation, MixesWithScores)]
    assert len(operations) > 20 and all(operation._auto_config is None for operation in operations)
    assert made_layers and all(layer._auto_config is not None for layer in made_layers)
