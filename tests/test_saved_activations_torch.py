"""The activations each layer keeps for its backward pass, against what PyTorch's autograd really saves.

On the PyTorch backend (``.ci/run`` runs this module with ``KERAS_BACKEND=torch``,
marker ``backend_subset``; elsewhere it skips), each layer's call is run in
training mode under ``torch.autograd.graph.saved_tensors_hooks`` and the
bytes of every tensor autograd saves are summed per layer, each storage
once (views of one tensor count once; a view counts its whole storage), the
model's own variables left out (they are weights, not activations). That sum
must equal the layer's row of the training memory plan
(``e.training_memory.layer(name).activations``), except where the PyTorch
backend keeps something else by design, each said and asserted below:

* a convolution: Keras's torch backend transposes the kernel to PyTorch's
  layout before the call, a copy autograd keeps (kernel elements);
* BatchNormalization: the torch backend computes it from ops, not one fused
  kernel, and keeps the centred input ``x - mean`` besides ``x`` and
  ``rsqrt(var)*gamma`` besides the mean and ``rsqrt(var)`` (input + C more);
* Dropout on the CPU: PyTorch keeps the mask as a float of the input's dtype,
  not one byte per element (as its fused CUDA kernel and the Korthikanti
  convention do): ``dtype size - 1`` more bytes per element;
* max pooling: PyTorch records each maximum's place as an int64 index, twice
  a float32 output's size;
* MultiHeadAttention without dropout: the torch backend calls the fused
  ``scaled_dot_product_attention``, which keeps one log-sum-exp per query and
  head (``H*Tq``) and its own output instead of the ``H*Tq*Tk`` probabilities
  (it recomputes them backward); with dropout it runs the unfused ops, which
  keep the float mask and the score scale as a 0-d tensor (4 bytes per call);
  under a causal mask (keras-hub's TransformerDecoder) the masked softmax's
  ``where`` also keeps the ``T*T`` boolean mask, once per call.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from ascii_explain import explain

pytestmark = pytest.mark.skipif(keras.backend.backend() != "torch", reason="needs the PyTorch backend")

layers = keras.layers
BATCH = 2
FLOAT = 4  # float32 bytes


def autograd_saved_bytes(model: Any, inputs: np.ndarray) -> dict[str, int]:
    """Bytes autograd saves in each top-level layer's call (training mode), each storage once per layer."""
    import torch

    weights = {variable.value.untyped_storage().data_ptr() for variable in model.weights}
    saved: dict[str, dict[int, int]] = {}
    calling: list[str] = []

    def pack(tensor: Any) -> Any:
        storage = tensor.untyped_storage()
        if calling and storage.data_ptr() not in weights:
            saved.setdefault(calling[-1], {})[storage.data_ptr()] = storage.nbytes()
        return tensor

    for layer in model.layers:
        call = layer.call

        def wrapped(*args: Any, _call: Any = call, _name: str = layer.name, **kwargs: Any) -> Any:
            calling.append(_name)
            try:
                return _call(*args, **kwargs)
            finally:
                calling.pop()

        object.__setattr__(layer, "call", wrapped)  # the test's own model: explain() has already read it
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(inputs, training=True)
    return {name: sum(sizes.values()) for name, sizes in saved.items()}


def planned(model: Any) -> dict[str, int]:
    plan = explain(model, batch_size=BATCH, optimizer="sgd").training_memory
    assert plan is not None and plan.outputs_once_layers == ()
    return {row.name: row.activations or 0 for row in plan.layers}


def test_dense_layers_keep_their_input_and_the_activations_tensor():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(16, activation="relu", name="relu"),  # keeps its output
            layers.Dense(4, name="linear"),
            layers.Dense(3, activation="softmax", name="softmax"),  # keeps its output
            layers.Dense(5, activation="gelu", name="gelu"),  # keeps its input
            layers.Dense(5, activation="tanh", name="tanh"),
        ]
    )
    ours = planned(model)
    kept = [("relu", 8, 16), ("linear", 16, 0), ("softmax", 4, 3), ("gelu", 3, 5), ("tanh", 5, 5)]
    assert ours == {name: BATCH * FLOAT * (inputs + outputs) for name, inputs, outputs in kept}
    assert autograd_saved_bytes(model, np.ones((BATCH, 8), "float32")) == ours


def test_cnn_with_batch_normalization_dropout_and_pooling():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Conv2D(4, 3, name="conv"),
            layers.BatchNormalization(name="bn"),
            layers.ReLU(name="relu"),
            layers.Dropout(0.5, name="dropout"),
            layers.MaxPooling2D(name="pool"),
            layers.Flatten(name="flat"),
            layers.Dense(2, name="dense"),
            layers.LayerNormalization(name="ln"),
        ]
    )
    ours = planned(model)
    torch_saved = autograd_saved_bytes(model, np.ones((BATCH, 8, 8, 3), "float32"))
    conv_out, pool_out = 6 * 6 * 4, 3 * 3 * 4
    # The explained differences (see the module's docstring), per call or per batch.
    by_design = {
        "conv": 3 * 3 * 3 * 4 * FLOAT,  # the kernel transposed to PyTorch's layout
        "bn": BATCH * conv_out * FLOAT + 4 * FLOAT,  # x - mean, and rsqrt(var)*gamma per channel
        "dropout": BATCH * conv_out * (FLOAT - 1),  # a float mask, not one byte per element
        "pool": BATCH * pool_out * (8 - FLOAT),  # int64 indices, not a float32 output-sized record
    }
    # BatchNormalization's two per-channel vectors are the batch's: ours counts them per sample.
    by_design["bn"] -= (BATCH - 1) * 2 * 4 * FLOAT
    assert {name: size for name, size in torch_saved.items()} == {
        name: ours[name] + by_design.get(name, 0) for name in ours if ours[name]
    }
    assert ours["flat"] == 0 and "flat" not in torch_saved  # a view: nothing saved
    assert ours["dense"] == BATCH * pool_out * FLOAT
    assert ours["ln"] == BATCH * (2 + 2 * 1) * FLOAT  # its input and a mean and a deviation per row


def test_global_average_pooling_keeps_nothing():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 6, 3)), layers.GlobalAveragePooling2D(name="gap"), layers.Dense(2)])
    ours = planned(model)
    assert ours["gap"] == 0
    assert "gap" not in autograd_saved_bytes(model, np.ones((BATCH, 6, 6, 3), "float32"))


def test_lstm_keeps_every_steps_gates_and_states():
    keras.utils.set_random_seed(0)
    steps, features, units = 5, 3, 4
    model = keras.Sequential([keras.Input((steps, features)), layers.LSTM(units, name="lstm")])
    ours = planned(model)
    assert ours["lstm"] == BATCH * FLOAT * (steps * features + steps * 7 * units)
    assert autograd_saved_bytes(model, np.ones((BATCH, steps, features), "float32")) == ours


@pytest.mark.parametrize("dropout", [0.0, 0.1])
def test_multi_head_attention_keeps_scores_and_projections(dropout):
    keras.utils.set_random_seed(0)
    steps, width, heads, key_dim = 5, 8, 2, 3
    inputs = keras.Input((steps, width))
    attention = layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim, dropout=dropout, name="mha")
    model = keras.Model(inputs, attention(inputs, inputs))
    ours = planned(model)
    projections = 4 * steps * heads * key_dim  # q, k, v and the combined heads
    probabilities = heads * steps * steps
    kept = steps * width + projections + probabilities * (2 if dropout else 1)
    assert ours["mha"] == BATCH * (FLOAT * kept + (probabilities if dropout else 0))
    torch_saved = autograd_saved_bytes(model, np.ones((BATCH, steps, width), "float32"))
    if dropout:
        difference = BATCH * probabilities * (FLOAT - 1) + FLOAT  # a float mask; the scale, once per call
    else:  # fused: a log-sum-exp per query and head and its own output, no probabilities
        difference = BATCH * FLOAT * (heads * steps + steps * heads * key_dim - probabilities)
    assert torch_saved["mha"] == ours["mha"] + difference


@pytest.mark.parametrize("steps", [8, 16])
def test_keras_hub_transformer_decoder_block(steps):
    """A GPT-style block (keras-hub's TransformerDecoder: causal self-attention with dropout, FFN 4h GELU,
    two LayerNorms, two more dropouts) as one row: its parts' sum, against autograd on the whole block."""
    keras_hub = pytest.importorskip("keras_hub")
    keras.utils.set_random_seed(0)
    hidden, heads = 32, 4
    inputs = keras.Input((steps, hidden))
    block = keras_hub.layers.TransformerDecoder(
        intermediate_dim=4 * hidden, num_heads=heads, dropout=0.1, activation="gelu", name="block"
    )
    model = keras.Model(inputs, block(inputs))
    ours = planned(model)
    torch_saved = autograd_saved_bytes(model, np.ones((BATCH, steps, hidden), "float32"))
    masks = heads * steps * steps + 2 * steps * hidden  # the probabilities' and the two residual dropouts'
    difference = (
        BATCH * masks * (FLOAT - 1)  # float masks
        + FLOAT  # the score scale, a 0-d tensor once per call
        + steps * steps  # the causal mask (bool), kept by the masked softmax's where(), broadcast over the batch
    )
    assert torch_saved["block"] == ours["block"] + difference
