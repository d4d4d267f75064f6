"""What a layer keeps from its forward pass for its backward pass: elements per sample, by family.

Each function returns :class:`SavedActivations` for ONE sample: ``elements``,
an integer expression of the elements kept in the layer's compute dtype, and
``mask_elements``, the elements kept at one byte each (dropout's keep mask,
a boolean). ``build/saved_activations.py`` turns them into bytes and the
training memory plan sums them. A family without a function keeps its output
once (the plan's documented default, and what the plan counted before).

The figures are the tensors the gradients read, nothing fused or recomputed:

* a contraction (Dense, EinsumDense, a convolution) keeps its **input** (the
  weight gradient is ``dy·xᵀ``); with a non-linear ``activation`` also one
  output-sized tensor (ReLU, sigmoid, tanh and softmax keep their output, GELU
  and SiLU their input: the same size);
* an activation layer keeps one tensor of its output's size;
* BatchNormalization keeps its input and two per-channel vectors (the batch
  mean and inverse standard deviation), LayerNormalization its input and two
  per-row figures (each normalized row's mean and inverse deviation);
* Dropout keeps its mask, one byte per element (the scaled output needs no
  other input);
* max pooling keeps its input and an output-sized record of where each
  maximum came from;
* reshaping, adding and a global average keep nothing (their gradients
  reshape, copy or spread ``dy``);
* an LSTM keeps its input and, per step, ``h[t-1]``, ``c[t-1]``, the four
  activated gates and ``tanh(c[t])``: ``T*F + T*7*H``;
* MultiHeadAttention keeps its inputs (once for self-attention), the
  projected query, key and value, the softmax probabilities ``H*Tq*Tk``, with
  dropout its mask and the dropped probabilities, and the heads' combined
  output (the output projection's input). Selective recomputation drops
  the probabilities (and their dropout) from what it keeps.

These are checked against the tensors PyTorch's autograd saves, layer by
layer (tests/test_saved_activations_torch.py), with each difference by design
(a fused kernel, a float mask, a view of a larger tensor) stated there.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

import keras

from ..arithmetic import total
from .dims import NotCoveredError, known
from .registry import OutputShapeArg, register_saved_activations

ZERO = "0"
LINEAR = (None, "linear", "")


class SavedActivations(NamedTuple):
    """One sample's kept tensors: ``elements`` in the compute dtype, ``mask_elements`` at one byte each.

    ``selective`` and ``selective_masks`` are the part of each that selective
    recomputation (Korthikanti et al. 2022) recomputes in the backward pass
    instead of keeping: attention's probabilities, and with dropout their mask
    and the dropped probabilities. They are included in the first two.
    """

    elements: str
    mask_elements: str = ZERO
    selective: str = ZERO
    selective_masks: str = ZERO


def elements_of(shape: Sequence[Any]) -> str:
    """One sample's elements of a shape (batch axis first): ``"26*26*32"``; unknown dimensions raise."""
    dims = known(*shape[1:])
    return "*".join(str(dim) for dim in dims) if dims else "1"


def _single(shape: Any) -> Sequence[Any]:
    """The first shape of a layer called on several inputs, or the one shape."""
    if isinstance(shape, dict):
        return next(iter(shape.values()))
    if shape and isinstance(shape[0], (tuple, list)):
        return shape[0]
    return shape


def _activation_kept(config: Mapping[str, Any], output_shape: OutputShapeArg) -> list[str]:
    activation = config.get("activation")
    if isinstance(activation, dict):  # a serialized activation object
        activation = activation.get("config", activation).get("name", activation.get("class_name"))
    return [] if activation in LINEAR else [elements_of(_single(output_shape))]


def contraction_saved(config: Mapping[str, Any], input_shape: Any, output_shape: OutputShapeArg) -> SavedActivations:
    """Dense, EinsumDense, convolutions: the input (for the weight gradient), plus the activation's tensor."""
    return SavedActivations(total([elements_of(_single(input_shape)), *_activation_kept(config, output_shape)]))


def output_sized_saved(config: Mapping[str, Any], input_shape: Any, output_shape: OutputShapeArg) -> SavedActivations:
    """An activation layer: one tensor of its output's size (ReLU's output, GELU's input, PReLU's input)."""
    return SavedActivations(elements_of(_single(output_shape)))


def nothing_saved(config: Mapping[str, Any], input_shape: Any, output_shape: OutputShapeArg) -> SavedActivations:
    """Reshaping, adding, a global mean: the gradient is ``dy`` reshaped, copied or spread, nothing kept."""
    return SavedActivations(ZERO)


for _class in (
    keras.layers.Dense,
    keras.layers.EinsumDense,
    keras.layers.Conv1D,
    keras.layers.Conv2D,
    keras.layers.Conv3D,
    keras.layers.Conv1DTranspose,
    keras.layers.Conv2DTranspose,
    keras.layers.Conv3DTranspose,
    keras.layers.DepthwiseConv1D,
    keras.layers.DepthwiseConv2D,
):
    register_saved_activations(_class)(contraction_saved)

for _class in (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.PReLU,
    keras.layers.Softmax,
):
    register_saved_activations(_class)(output_sized_saved)

for _class in (
    keras.layers.Flatten,
    keras.layers.Reshape,
    keras.layers.Add,
    keras.layers.GlobalAveragePooling1D,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalAveragePooling3D,
):
    register_saved_activations(_class)(nothing_saved)


@register_saved_activations(keras.layers.BatchNormalization)
def batch_normalization_saved(
    config: Mapping[str, Any], input_shape: Any, output_shape: OutputShapeArg
) -> SavedActivations:
    """BatchNormalization: the input, and the batch mean and inverse deviation per channel: ``x + 2*C``.

    The two vectors are the batch's, not the sample's: they are counted once
    per sample here, a few bytes too many at a batch above one.
    """
    shape = _single(input_shape)
    axis = config.get("axis", -1)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    channels = "*".join(str(known(shape[int(a)])[0]) for a in axes)
    return SavedActivations(f"{elements_of(shape)} + 2*{channels}")


@register_saved_activations(keras.layers.LayerNormalization)
def layer_normalization_saved(
    config: Mapping[str, Any], input_shape: Any, output_shape: OutputShapeArg
) -> SavedActivations:
    """LayerNormalization: the input, and each normalized row's mean and inverse deviation: ``x + 2*rows``."""
    shape = list(_single(input_shape))
    axis = config.get("axis", -1)
    axes = {int(a) % len(shape) for a in (axis if isinstance(axis, (list, tuple)) else [axis])}
    rows = [str(dim) for dim in known(*(shape[i] for i in range(1, len(shape)) if i not in axes))]
    return SavedActivations(f"{elements_of(shape)} + 2*{'*'.join(rows) or '1'}")


@register_saved_activations(keras.layers.Dropout)
def dropout_saved(config: Mapping[str, Any], input_shape: Any, output_shape: OutputShapeArg) -> SavedActivations:
    """Dropout: the keep mask, one byte per element (nothing when ``rate`` is 0: the layer is the identity)."""
    if not float(config.get("rate") or 0):
        return SavedActivations(ZERO)
    return SavedActivations(ZERO, elements_of(_single(input_shape)))


@register_saved_activations(keras.layers.MaxPooling1D, keras.layers.MaxPooling2D, keras.layers.MaxPooling3D)
def max_pooling_saved(config: Mapping[str, Any], input_shape: Any, output_shape: OutputShapeArg) -> SavedActivations:
    """Max pooling: the input and an output-sized record of each maximum's place (the output, or indices)."""
    return SavedActivations(f"{elements_of(_single(input_shape))} + {elements_of(_single(output_shape))}")


@register_saved_activations(keras.layers.LSTM)
def lstm_saved(config: Mapping[str, Any], input_shape: Any, output_shape: OutputShapeArg) -> SavedActivations:
    """LSTM: the input ``T*F``, and per step ``h[t-1]``, ``c[t-1]``, the four gates and ``tanh(c[t])``: ``T*7*H``."""
    steps, features = known(*_single(input_shape)[1:3])
    units = int(config["units"])
    return SavedActivations(f"{steps}*{features} + {steps}*7*{units}")


@register_saved_activations(keras.layers.MultiHeadAttention)
def multi_head_attention_saved(
    config: Mapping[str, Any], input_shape: Any, output_shape: OutputShapeArg
) -> SavedActivations:
    """MultiHeadAttention: inputs, q, k, v, probabilities ``H*Tq*Tk`` (+ dropout), the combined heads.

    The query, key and value inputs are counted once when their shapes are
    the same (self-attention, the case of every transformer block; a
    cross-attention over an equally shaped but different tensor is counted
    once too low by that input). With ``dropout`` the mask (one byte per
    probability) and the dropped probabilities are kept as well.
    """
    query = input_shape["query_shape"]
    axes = config.get("attention_axes")
    inner = axes is None or sorted(int(a) % len(query) for a in axes) == list(range(1, len(query) - 1))
    if config.get("use_gate") or not inner:
        raise NotCoveredError("a gated or axis-restricted MultiHeadAttention's kept tensors are not covered")
    value = input_shape["value_shape"]
    key = input_shape.get("key_shape") or value
    heads, key_dim = int(config["num_heads"]), int(config["key_dim"])
    value_dim = int(config.get("value_dim") or key_dim)
    tq = "*".join(str(dim) for dim in known(*query[1:-1]))
    tk = "*".join(str(dim) for dim in known(*key[1:-1]))
    inputs: list[Sequence[Any]] = []
    for shape in (query, value, key):
        if tuple(shape) not in [tuple(seen) for seen in inputs]:
            inputs.append(shape)
    probabilities = f"{heads}*{tq}*{tk}"
    kept = [
        *(elements_of(shape) for shape in inputs),
        f"{tq}*{heads}*{key_dim}",
        f"{tk}*{heads}*{key_dim}",
        f"{tk}*{heads}*{value_dim}",
        probabilities,
    ]
    mask, recomputed = ZERO, probabilities
    if float(config.get("dropout") or 0):
        kept.append(probabilities)
        mask, recomputed = probabilities, f"2*{probabilities}"
    kept.append(f"{tq}*{heads}*{value_dim}")
    return SavedActivations(total(kept), mask, recomputed, mask)
