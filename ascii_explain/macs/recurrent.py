"""Mult-adds of recurrent layers: SimpleRNN, LSTM, GRU, and Bidirectional wrappers of them."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from .registry import BuildShape, OutputShapeArg, known, register_macs

# Weight matrices per step: SimpleRNN one, LSTM four (input, forget, cell,
# output), GRU three (update, reset, candidate); as in each cell's build(),
# where the kernel is (in, gates*units) and the recurrent kernel (units, gates*units).
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def recurrent_expression(gates: int, timesteps: int, inputs: int, units: int) -> str:
    """``timesteps*gates*(in*units+units*units)``, a gate count of 1 left out."""
    per_step = f"({inputs}*{units}+{units}*{units})"
    return f"{timesteps}*{per_step}" if gates == 1 else f"{timesteps}*{gates}*{per_step}"


def _rnn(gates: int):
    def rnn_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
        timesteps, inputs = known(input_shape[1], input_shape[-1])
        return recurrent_expression(gates, timesteps, inputs, int(config["units"]))

    return rnn_macs


simple_rnn_macs = register_macs(keras.layers.SimpleRNN)(_rnn(GATES["SimpleRNN"]))
simple_rnn_macs.__doc__ = """SimpleRNN: timesteps × (input × units + units × units).

Each step multiplies the input by the kernel and the previous state by the
recurrent kernel; the bias and the activation are not MACs.
"""
lstm_macs = register_macs(keras.layers.LSTM)(_rnn(GATES["LSTM"]))
lstm_macs.__doc__ = """LSTM: timesteps × 4 gates × (input × units + units × units).

On 10 steps of 8 features with 4 units: ``10*4*(8*4+4*4) = 1920``. The
element-wise gate products (``f*c + i*g``, ``o*tanh(c)``) are not counted.
"""
gru_macs = register_macs(keras.layers.GRU)(_rnn(GATES["GRU"]))
gru_macs.__doc__ = """GRU: timesteps × 3 gates × (input × units + units × units).

Both ``reset_after`` variants multiply the state by the same (units, 3*units)
recurrent kernel; the element-wise gate products are not counted.
"""


@register_macs(keras.layers.Bidirectional)
def bidirectional_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """Bidirectional: the forward layer's MACs + the backward layer's (each a SimpleRNN, LSTM or GRU).

    Merging the two outputs (concat, sum, ...) is element-wise and not counted.
    """
    timesteps, inputs = known(input_shape[1], input_shape[-1])
    parts = []
    for key in ("layer", "backward_layer"):
        serialized = config.get(key) or config["layer"]
        gates = GATES.get(serialized.get("class_name"))
        if gates is None:
            raise ValueError(f"Bidirectional around {serialized.get('class_name')} is not covered")
        parts.append(recurrent_expression(gates, timesteps, inputs, int(serialized["config"]["units"])))
    return " + ".join(parts)
