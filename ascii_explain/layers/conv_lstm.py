"""ConvLSTM1D/2D/3D: an LSTM whose input and recurrent projections are convolutions.

Parameters, mult-adds and output-shape arithmetic side by side, each read from
the layer's config and shapes only. The sequence input is
``(batch, time, *spatial, channels)``, or ``(batch, time, channels, *spatial)``
for "channels_first" (``keras.src.layers.rnn.conv_lstm``, checked on 3.15.1).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import keras

from ..arithmetic import product
from .backward import BackwardMacs
from .conv import conv_shape
from .dims import as_tuple, channels, known, sequences_shape
from .formula import BuildShape, Formula, FormulaTerm
from .registry import OutputShapeArg, register_backward_macs, register_formula, register_macs, register_shape
from .shape_arithmetic import ShapeFormula

_conv_lstm = keras.src.layers.rnn.conv_lstm

# ---------------------------------------------------------------- parameters


@register_formula(_conv_lstm.ConvLSTM, _conv_lstm.ConvLSTMCell)
def conv_lstm(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """ConvLSTM1D/2D/3D (and their cell): an LSTM whose projections are convolutions.

    Mirrors ``ConvLSTMCell.build``: kernel ``kernel_size + (in, 4*filters)``,
    recurrent_kernel ``kernel_size + (filters, 4*filters)``, bias
    ``(4*filters,)``: ``4*(k*in + k*filters + 1)*filters``. The channel axis
    is the last one, or the one before the spatial axes for "channels_first".
    """
    kernel = as_tuple(config["kernel_size"])
    filters = int(config["filters"])
    shape = sequences_shape(input_shape)
    if config.get("data_format") == "channels_first":
        inputs = int(shape[-(len(kernel) + 1)])  # type: ignore[index]
    else:
        inputs = int(shape[-1])  # type: ignore[index]
    window = product(kernel)
    terms = [
        FormulaTerm("kernel", f"{window}*{inputs}*4*{filters}"),
        FormulaTerm("recurrent_kernel", f"{window}*{filters}*4*{filters}"),
    ]
    compact = f"4*({window}*{inputs}+{window}*{filters})*{filters}"
    if config.get("use_bias", True):
        terms.append(FormulaTerm("bias", f"4*{filters}"))
        compact = f"4*({window}*{inputs}+{window}*{filters}+1)*{filters}"
    return Formula(terms, compact)


# ------------------------------------------------------------- output shapes


@register_shape(_conv_lstm.ConvLSTM)
def conv_lstm_shape(config: Mapping[str, Any], input_shape: Sequence[Any]) -> ShapeFormula:
    """ConvLSTM: each step's spatial axes follow the input convolution (valid ``floor((n-k)/s)+1``, same ``ceil(n/s)``).

    Mirrors ``ConvLSTMCell.compute_output_shape``, which applies
    ``compute_conv_output_shape`` with the layer's strides, padding and
    dilation to one step ``(batch, *spatial, channels)``: the sequence shape
    without its time axis. The recurrent convolution keeps that size (stride 1,
    "same"), so the state and the output share it.
    """
    return conv_shape(config, input_shape[1:])


# ----------------------------------------------------------------- mult-adds


@register_macs(_conv_lstm.ConvLSTM)
def conv_lstm_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """ConvLSTM: timesteps × 4 gates × (input conv + recurrent conv), each over the output positions.

    Per step and gate, ``ConvLSTMCell.call`` convolves the input with a
    ``kernel_size`` kernel from ``in`` channels to ``filters``
    (``positions*k*in*filters``) and the previous state, with the same kernel
    size, stride 1 and "same" padding, from ``filters`` to ``filters``
    (``positions*k*filters*filters``); ``positions`` are the output's spatial
    positions. On 4 steps of 8x8x3 with a 3x3 kernel and 2 filters (valid, so
    6x6): ``4*4*(6*6*3*3*3*2+6*6*3*3*2*2) = 51840``. Biases, activations and
    the gate products are not MACs.
    """
    kernel = as_tuple(config["kernel_size"])
    filters = int(config["filters"])
    input_shape = sequences_shape(input_shape)
    timesteps = known(input_shape[1])[0]
    step = input_shape[1:]  # one step: the time axis stands where the batch axis was
    inputs = known(channels(config, step))[0]
    positions = known(*conv_shape(config, step).sizes)
    window = product([*positions, *kernel])
    return f"{timesteps}*4*({window}*{inputs}*{filters}+{window}*{filters}*{filters})"


@register_backward_macs(_conv_lstm.ConvLSTM)
def conv_lstm_backward_macs(
    config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg
) -> BackwardMacs:
    """ConvLSTM: per step and gate, the input convolution's input-grad, the state convolution's internal
    (into the previous state), both kernels' weight-grad: each the forward term it reads back."""
    forward = conv_lstm_macs(config, input_shape, output_shape)
    scale, rest = forward.split("*(", 1)
    input_conv, state_conv = rest[:-1].split("+")
    return BackwardMacs(input_grad=f"{scale}*{input_conv}", weight_grad=forward, internal=f"{scale}*{state_conv}")
