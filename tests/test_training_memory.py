"""Training memory: every part checked against Keras itself, the model and the optimizer left as they were."""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import layers

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.training_memory import quantized_weight_bytes, training_memory

# ------------------------------------------------------------------ models


def dense_model():
    return keras.Sequential(
        [keras.Input((12,)), layers.Dense(32, activation="relu"), layers.BatchNormalization(), layers.Dense(5)],
        name="dense_model",
    )


def conv_model():
    return keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.BatchNormalization(),
            layers.DepthwiseConv2D(3),
            layers.GlobalAveragePooling2D(),
            layers.Dense(4),
        ],
        name="conv_model",
    )


def embedding_model():
    return keras.Sequential(
        [keras.Input((10,), dtype="int32"), layers.Embedding(50, 8), layers.GlobalAveragePooling1D(), layers.Dense(3)],
        name="embedding_model",
    )


def rnn_model():
    inputs = keras.Input((7,), dtype="int32")
    x = layers.Embedding(40, 6)(inputs)
    x = layers.LSTM(9, return_sequences=True)(x)
    x = layers.GRU(5)(x)
    outputs = layers.Dense(2)(x)
    return keras.Model(inputs, outputs, name="rnn_model")


MODELS = {"dense": dense_model, "conv": conv_model, "embedding": embedding_model, "rnn": rnn_model}

OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(),
    "adam-amsgrad": lambda: keras.optimizers.Adam(amsgrad=True),
    "adamw": lambda: keras.optimizers.AdamW(),
    "sgd": lambda: keras.optimizers.SGD(),
    "sgd-momentum": lambda: keras.optimizers.SGD(momentum=0.9),
    "rmsprop": lambda: keras.optimizers.RMSprop(),
    "rmsprop-centered-momentum": lambda: keras.optimizers.RMSprop(momentum=0.5, centered=True),
    "adafactor": lambda: keras.optimizers.Adafactor(),
    "lion": lambda: keras.optimizers.Lion(),
}


@contextlib.contextmanager
def global_policy(name):
    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(before)


def variable_bytes(variables):
    return sum(int(np.asarray(variable.numpy()).nbytes) for variable in variables)


def keras_optimizer_bytes(model, optimizer, compile_it=False):
    """Keras's own answer: a real optimizer of the same config built on a clone's trainable weights.

    ``compile_it`` lets ``model.compile`` choose the optimizer's final form (a
    LossScaleOptimizer under mixed_float16), as training would.
    """
    clone = keras.models.clone_model(model)
    real = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    if compile_it:
        clone.compile(optimizer=real, loss="mse")
        real = clone.optimizer
    real.build(clone.trainable_variables)
    return variable_bytes(real.variables)


def snapshot(model):
    return [(id(v), v.path, tuple(v.shape), str(v.dtype), np.array(v.numpy())) for v in model.weights]


def assert_same(before, after):
    assert len(before) == len(after)
    for (id_a, path_a, shape_a, dtype_a, value_a), (id_b, path_b, shape_b, dtype_b, value_b) in zip(
        before, after, strict=True
    ):
        assert (id_a, path_a, shape_a, dtype_a) == (id_b, path_b, shape_b, dtype_b)
        np.testing.assert_array_equal(value_a, value_b)


def assert_consistent(plan, model, batch_size):
    """Expressions evaluate to their numbers and the layers add up to the totals."""
    assert evaluate(plan.weights_expression) == plan.weights
    assert evaluate(plan.gradients_expression) == plan.gradients
    assert evaluate(plan.optimizer_expression) == plan.optimizer
    assert evaluate(plan.activations_expression) == plan.activations
    assert (
        evaluate(plan.total_expression)
        == plan.total
        == plan.weights + plan.gradients + plan.optimizer + plan.activations
    )
    assert sum(row.weights for row in plan.layers) == plan.weights
    assert sum(row.gradients for row in plan.layers) == plan.gradients
    assert sum(row.optimizer for row in plan.layers) + plan.optimizer_shared == plan.optimizer
    assert sum(row.activations for row in plan.layers) == plan.activations
    assert plan.weights == variable_bytes({id(v): v for v in model.weights}.values())
    assert plan.gradients == variable_bytes({id(v): v for v in model.trainable_variables}.values())


# ------------------------------------------------------------------ optimizer bytes


@pytest.mark.parametrize("model_name", sorted(MODELS))
@pytest.mark.parametrize("optimizer_name", sorted(OPTIMIZERS))
def test_optimizer_bytes_equal_keras_built_variables(model_name, optimizer_name):
    model = MODELS[model_name]()
    optimizer = OPTIMIZERS[optimizer_name]()
    before, built_before, variables_before = snapshot(model), optimizer.built, len(optimizer.variables)

    plan = training_memory(model, batch_size=3, optimizer=optimizer)

    assert plan.optimizer == keras_optimizer_bytes(model, optimizer)
    assert plan.optimizer_name == type(optimizer).__name__
    assert not plan.notes
    assert_consistent(plan, model, 3)
    # Nothing changed: the model's variables, the caller's optimizer.
    assert_same(before, snapshot(model))
    assert optimizer.built is built_before is False
    assert len(optimizer.variables) == variables_before


def test_a_built_optimizer_stays_as_it_was():
    model = dense_model()
    optimizer = keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    paths = [v.path for v in optimizer.variables]
    plan = training_memory(model, 2, optimizer=optimizer)
    assert optimizer.built and [v.path for v in optimizer.variables] == paths
    assert plan.optimizer == variable_bytes(optimizer.variables)


def test_adam_by_hand():
    """Adam: momentum and velocity per trainable weight, plus int64 iteration and float32 learning rate."""
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])  # 3*2 + 2 = 8 trainable float32
    plan = training_memory(model, 1, optimizer="adam")
    assert plan.optimizer == 2 * 8 * 4 + 8 + 4
    assert plan.optimizer_shared == 8 + 4
    assert plan.gradients == 8 * 4 == plan.weights


def test_optimizer_by_name_and_the_compiled_one():
    model = conv_model()
    by_name = training_memory(model, 2, optimizer="rmsprop")
    model.compile(optimizer=keras.optimizers.RMSprop(), loss="mse")
    compiled = training_memory(model, 2)
    assert compiled.optimizer == by_name.optimizer == keras_optimizer_bytes(model, keras.optimizers.RMSprop())
    assert compiled.optimizer_name == "RMSprop"
    assert not model.optimizer.built


def test_no_optimizer_is_zero_with_a_note():
    plan = training_memory(dense_model(), 2)
    assert plan.optimizer == 0 and plan.optimizer_expression == "0" and plan.optimizer_name == ""
    assert any("no optimizer" in note for note in plan.notes)


def test_frozen_layers_have_no_gradients_or_slots():
    model = dense_model()
    model.layers[0].trainable = False
    plan = training_memory(model, 1, optimizer="adam")
    frozen = plan.layer(model.layers[0].name)
    assert frozen.gradients == 0 and frozen.optimizer == 0 and frozen.weights == (12 * 32 + 32) * 4
    assert plan.optimizer == keras_optimizer_bytes(model, keras.optimizers.Adam())


def test_optimizer_slot_variables_are_not_left_for_keras_to_initialize():
    from keras.src.backend.common import global_state

    before = len(global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True))
    training_memory(rnn_model(), 2, optimizer="adafactor")
    assert len(global_state.get_global_attribute("uninitialized_variables", [])) == before


@settings(max_examples=8)
@given(widths=st.lists(st.integers(1, 40), min_size=1, max_size=4), inputs=st.integers(1, 20))
def test_random_dense_stacks_adam(widths, inputs):
    model = keras.Sequential([keras.Input((inputs,))] + [layers.Dense(width) for width in widths])
    plan = training_memory(model, 2, optimizer="adam")
    trainable = sum(layer.count_params() for layer in model.layers)
    assert plan.optimizer == keras_optimizer_bytes(model, keras.optimizers.Adam()) == 2 * 4 * trainable + 12
    assert_consistent(plan, model, 2)


# ------------------------------------------------------------------ mixed precision


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("optimizer_name", ["adam", "sgd-momentum", "adafactor", "lion"])
@pytest.mark.parametrize("model_name", ["conv", "rnn"])
def test_mixed_precision_built_model(policy, optimizer_name, model_name):
    with global_policy(policy):
        model = MODELS[model_name]()
        optimizer = OPTIMIZERS[optimizer_name]()
    before = snapshot(model)
    plan = training_memory(model, 4, optimizer=optimizer)
    # Under mixed_float16, compile wraps the optimizer in a LossScaleOptimizer: the plan does too.
    # (The clone is made under the policy too: a Sequential takes the global policy when created.)
    with global_policy(policy):
        assert plan.optimizer == keras_optimizer_bytes(model, optimizer, compile_it=True)
    assert plan.dtype_policy == policy
    assert ("LossScaleOptimizer" in plan.optimizer_name) == (policy == "mixed_float16")
    # float32 variables, gradients and slots; half-precision activations, as explain() counts them.
    assert all(str(v.dtype) in ("float32", "int32", "int64") for v in model.weights)
    assert plan.outputs_once == explain(model, batch_size=4).activation_bytes
    with global_policy("float32"):
        full = training_memory(MODELS[model_name](), 4)
    # No dropout in these models: every kept element is in the compute dtype, half the float32 size.
    assert plan.activations is not None and full.activations == 2 * plan.activations
    assert_consistent(plan, model, 4)
    assert_same(before, snapshot(model))


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16", "bfloat16"])
@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_what_if_policy_equals_the_model_built_under_it(policy, model_name):
    """Planning a float32 model under a policy gives what the same model built under that policy gives."""
    if policy == "bfloat16" and model_name == "rnn":
        pytest.skip("TensorFlow's Qr op (the LSTM's orthogonal initializer) has no bfloat16 kernel")
    float_model = MODELS[model_name]()
    with global_policy(policy):
        policy_model = MODELS[model_name]()
    before = snapshot(float_model)
    what_if = training_memory(float_model, 5, optimizer="adam", dtype_policy=policy)
    real = training_memory(policy_model, 5, optimizer="adam")
    for part in ("weights", "gradients", "optimizer", "activations", "optimizer_shared", "dtype_policy"):
        assert getattr(what_if, part) == getattr(real, part), part
    assert [(r.weights, r.gradients, r.optimizer, r.activations) for r in what_if.layers] == [
        (r.weights, r.gradients, r.optimizer, r.activations) for r in real.layers
    ]
    assert evaluate(what_if.activations_expression) == what_if.activations
    assert_same(before, snapshot(float_model))
    assert all(str(v.dtype) == "float32" for v in float_model.weights if "float" in str(v.dtype))


def test_mixed_activations_are_half_of_float32():
    plain = training_memory(dense_model(), 8)
    mixed = training_memory(dense_model(), 8, dtype_policy="mixed_bfloat16")
    assert mixed.activations is not None
    assert mixed.activations * 2 == plain.activations
    assert plain.outputs_once == explain(dense_model(), batch_size=8).activation_bytes
    assert mixed.weights == plain.weights


# ------------------------------------------------------------------ activations and quantization


@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_outputs_once_follow_explain_convention(model_name):
    """The former convention stays available: each layer's output once, as explain() counts activations."""
    model = MODELS[model_name]()
    plan = training_memory(model, 6)
    e = explain(model, batch_size=6)
    assert plan.outputs_once == e.activation_bytes


@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_activations_are_what_each_layer_keeps(model_name):
    """Each row: its family's kept elements times the dtype size plus masks, or its output once by default."""
    model = MODELS[model_name]()
    e = explain(model, batch_size=6)
    plan = e.training_memory
    assert plan is not None and plan.activations is not None
    by_layer = e.activation_bytes_by_layer
    for record in e.top_level:
        if record.class_name == "InputLayer":
            continue
        expected = by_layer[record.name]
        if record.saved_elements is not None:
            size = np.dtype(record.saved_dtype).itemsize
            expected = 6 * (record.saved_elements * size + record.saved_mask_elements)
            assert evaluate(record.saved_formula.split(" (+")[0]) == record.saved_elements
        else:
            assert record.name in plan.outputs_once_layers and "output once" in record.saved_note
        assert plan.layer(record.name).activations == expected
    assert sum(row.activations or 0 for row in plan.layers) == plan.activations


def test_dense_and_normalization_keep_their_inputs():
    """dense_model: Dense(32, relu) keeps its input and the ReLU's output, BatchNormalization its input and
    two per-channel vectors, the last Dense its input, counted independently here from the shapes."""
    plan = training_memory(dense_model(), 3)
    assert [row.activations for row in plan.layers] == [3 * (12 + 32) * 4, 3 * (32 + 2 * 32) * 4, 3 * 32 * 4]


def test_unknown_sequence_length_leaves_activations_unknown():
    model = keras.Sequential([keras.Input((None, 4)), layers.LSTM(3, return_sequences=True)])
    plan = training_memory(model, 2, optimizer="sgd")
    assert plan.activations is None and plan.total is None and plan.total_expression == ""
    assert plan.optimizer == keras_optimizer_bytes(model, keras.optimizers.SGD())
    assert any("unknown" in note for note in plan.notes)


@pytest.mark.parametrize("mode", ["int8", "int4"])
@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_quantized_weight_bytes_equal_keras_quantize(mode, model_name):
    model = MODELS[model_name]()
    before = snapshot(model)
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    with pytest.warns(UserWarning) if model_name != "embedding" else contextlib.nullcontext():
        clone.quantize(mode)
    assert quantized_weight_bytes(model, mode) == variable_bytes({id(v): v for v in clone.weights}.values())
    assert_same(before, snapshot(model))


def test_int8_dense_by_hand():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4)])
    # int8 kernel 8*4, float32 per-unit scale 4*4, float32 bias 4*4
    assert quantized_weight_bytes(model, "int8") == 8 * 4 + 4 * 4 + 4 * 4


def test_bad_arguments():
    with pytest.raises(ValueError):
        training_memory(dense_model(), 0)
    with pytest.raises(TypeError):
        training_memory(dense_model(), 1, optimizer=3)
    with pytest.raises(ValueError):
        quantized_weight_bytes(dense_model(), "int3")
