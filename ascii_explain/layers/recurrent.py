"""Recurrent layers and their cells: SimpleRNN, LSTM, GRU, RNN, StackedRNNCells (ConvLSTM: conv_lstm.py).

Parameters for all of them; mult-adds for SimpleRNN, LSTM, GRU and Bidirectional wrappers of them.

A layer such as ``LSTM`` creates one cell and its weights are the cell's, so
the layer and the cell share a formula; the layer's build shape has a time
axis the cell's lacks, and both formulas read only the last axis.
"""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import group
from .backward import BackwardMacs
from .dims import NotCoveredError, known, sequences_shape
from .formula import BuildShape, Formula, FormulaTerm
from .nested import frozen, nested_formula, prefixed
from .registry import OutputShapeArg, register_backward_macs, register_formula, register_macs


def _gated(config: Mapping[str, Any], input_shape: BuildShape, gates: int, bias_rows: int) -> Formula:
    """``gates`` stacked (input + recurrent) projections; the bias has ``bias_rows`` rows."""
    units = int(config["units"])
    inputs = int(sequences_shape(input_shape)[-1])
    gate = "" if gates == 1 else f"{gates}*"
    terms = [
        FormulaTerm("kernel", f"{inputs}*{gate}{units}"),
        FormulaTerm("recurrent_kernel", f"{units}*{gate}{units}"),
    ]
    extra = ""
    if config.get("use_bias", True):
        rows = "" if bias_rows == 1 else f"{bias_rows}*"
        terms.append(FormulaTerm("bias", f"{rows}{gate}{units}"))
        extra = f"+{bias_rows}"
    return Formula(terms, f"{gate}({inputs}+{units}{extra})*{units}")


@register_formula(keras.layers.SimpleRNN, keras.layers.SimpleRNNCell)
def simple_rnn(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """SimpleRNN(Cell): kernel ``in*units`` + recurrent_kernel ``units*units`` + bias ``units``.

    Mirrors ``SimpleRNNCell.build``; the count factors as ``(in+units+1)*units``.
    """
    return _gated(config, input_shape, gates=1, bias_rows=1)


@register_formula(keras.layers.LSTM, keras.layers.LSTMCell)
def lstm(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """LSTM(Cell): four gates (i, f, c, o): ``4*(in+units+1)*units``.

    Mirrors ``LSTMCell.build``: kernel ``(in, 4*units)``, recurrent_kernel
    ``(units, 4*units)``, bias ``(4*units,)`` when ``use_bias``
    (``unit_forget_bias`` changes its initial value, not its size).
    """
    return _gated(config, input_shape, gates=4, bias_rows=1)


@register_formula(keras.layers.GRU, keras.layers.GRUCell)
def gru(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """GRU(Cell): three gates (z, r, h): ``3*(in+units+2)*units`` with ``reset_after``.

    Mirrors ``GRUCell.build``: kernel ``(in, 3*units)``, recurrent_kernel
    ``(units, 3*units)``; with ``reset_after`` (the default) the input and the
    recurrent projections have separate biases, shape ``(2, 3*units)``,
    otherwise one bias ``(3*units,)``.
    """
    return _gated(config, input_shape, gates=3, bias_rows=2 if config.get("reset_after", True) else 1)


@register_formula(keras.layers.RNN)
def rnn(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """RNN(cell): the cell's formula; a list of cells is a StackedRNNCells.

    Mirrors ``RNN.build``, which builds ``cell`` on the input without its time
    axis and creates no weights of its own.
    """
    cell = config["cell"]
    input_shape = sequences_shape(input_shape)
    step_shape = (input_shape[0], *input_shape[2:])
    inner = nested_formula(cell, step_shape)
    return Formula(frozen(list(inner.terms), cell), inner.expression)


@register_formula(keras.layers.StackedRNNCells)
def stacked_rnn_cells(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """StackedRNNCells: each cell's formula, each cell fed by the previous one's output.

    Mirrors ``StackedRNNCells.build``: cell ``i`` is built on
    ``(batch, output_size of cell i-1)``. Terms are named ``cell_name/weight``.
    """
    terms: list[FormulaTerm] = []
    parts = []
    shape = tuple(input_shape)  # type: ignore[arg-type]
    for cell in config["cells"]:
        inner = nested_formula(cell, shape)
        terms += frozen(prefixed(inner, _unique(cell["config"]["name"], terms)), cell)
        parts.append(group(inner.expression))
        size = cell["config"].get("units", cell["config"].get("filters"))
        shape = (shape[0], int(size)) if size is not None else shape
    return Formula(terms, " + ".join(parts) if parts else None)


def _unique(name: str, terms: list[FormulaTerm]) -> str:
    """Cells of a stack have distinct names in Keras; keep term names distinct regardless."""
    taken = {term.name.split("/")[0] for term in terms}
    candidate, index = name, 1
    while candidate in taken:
        candidate, index = f"{name}_{index}", index + 1
    return candidate


@register_formula(keras.layers.Bidirectional)
def bidirectional(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Bidirectional: the forward layer's formula + the backward layer's formula.

    Mirrors ``Bidirectional.build``: both copies are built on the same input
    and keep their own weights, named after Keras's ``forward_<name>`` and
    ``backward_<name>`` (or the ``backward_layer`` given). Identical
    directions print as ``2*(...)``.
    """
    forward = config["layer"]
    backward = config.get("backward_layer") or forward
    input_shape = sequences_shape(input_shape)
    forward_formula = nested_formula(forward, input_shape)
    backward_formula = nested_formula(backward, input_shape)
    forward_name = forward["config"]["name"]
    backward_name = backward["config"]["name"] if backward is not forward else f"backward_{forward_name}"
    if backward_name == forward_name:
        backward_name = f"{backward_name}_backward"
    terms = frozen(prefixed(forward_formula, forward_name), forward)
    terms += frozen(prefixed(backward_formula, backward_name), backward)
    if forward_formula.expression == backward_formula.expression:
        compact = f"2*{group(forward_formula.expression)}"
    else:
        compact = f"{forward_formula.expression} + {backward_formula.expression}"
    return Formula(terms, compact)


@register_formula(keras.layers.TimeDistributed)
def time_distributed(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """TimeDistributed: the wrapped layer's formula on one time step (same weights at every step).

    Mirrors ``TimeDistributed.build``: the inner layer is built on
    ``(batch,) + input_shape[2:]``.
    """
    inner_config = config["layer"]
    step_shape = (input_shape[0], *input_shape[2:])  # type: ignore[index]
    inner = nested_formula(inner_config, step_shape)
    return Formula(frozen(list(inner.terms), inner_config), inner.expression)


# ----------------------------------------------------------------- mult-adds


# Weight matrices per step: SimpleRNN one, LSTM four (input, forget, cell,
# output), GRU three (update, reset, candidate); as in each cell's build(),
# where the kernel is (in, gates*units) and the recurrent kernel (units, gates*units).
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def recurrent_expression(gates: int, timesteps: int, inputs: int, units: int) -> str:
    """``timesteps*gates*(in*units+units*units)``, a gate count of 1 left out."""
    per_step = f"({inputs}*{units}+{units}*{units})"
    return f"{timesteps}*{per_step}" if gates == 1 else f"{timesteps}*{gates}*{per_step}"


def _step_macs(gates: int):
    def rnn_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
        sequences = sequences_shape(input_shape)
        timesteps, inputs = known(sequences[1], sequences[-1])
        return recurrent_expression(gates, timesteps, inputs, int(config["units"]))

    return rnn_macs


simple_rnn_macs = register_macs(keras.layers.SimpleRNN)(_step_macs(GATES["SimpleRNN"]))
simple_rnn_macs.__doc__ = """SimpleRNN: timesteps × (input × units + units × units).

Each step multiplies the input by the kernel and the previous state by the
recurrent kernel; the bias and the activation are not MACs.
"""
lstm_macs = register_macs(keras.layers.LSTM)(_step_macs(GATES["LSTM"]))
lstm_macs.__doc__ = """LSTM: timesteps × 4 gates × (input × units + units × units).

On 10 steps of 8 features with 4 units: ``10*4*(8*4+4*4) = 1920``. The
element-wise gate products (``f*c + i*g``, ``o*tanh(c)``) are not counted.
"""
gru_macs = register_macs(keras.layers.GRU)(_step_macs(GATES["GRU"]))
gru_macs.__doc__ = """GRU: timesteps × 3 gates × (input × units + units × units).

Both ``reset_after`` variants multiply the state by the same (units, 3*units)
recurrent kernel; the element-wise gate products are not counted.
"""


def _bidirectional_directions(config: Mapping[str, Any], input_shape: BuildShape) -> list[tuple[Any, int, int, int]]:
    """(gates, timesteps, inputs, units) of the forward and the backward layer of a Bidirectional."""
    sequences = sequences_shape(input_shape)
    timesteps, inputs = known(sequences[1], sequences[-1])
    directions = []
    for key in ("layer", "backward_layer"):
        serialized = config.get(key) or config["layer"]
        gates = GATES.get(serialized.get("class_name"))
        if gates is None:
            raise NotCoveredError(f"Bidirectional around {serialized.get('class_name')} is not covered")
        directions.append((gates, timesteps, inputs, int(serialized["config"]["units"])))
    return directions


@register_macs(keras.layers.Bidirectional)
def bidirectional_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """Bidirectional: the forward layer's MACs + the backward layer's (each a SimpleRNN, LSTM or GRU).

    Merging the two outputs (concat, sum, ...) is element-wise and not counted.
    """
    return " + ".join(recurrent_expression(*direction) for direction in _bidirectional_directions(config, input_shape))


# ------------------------------------------------------------ backward mult-adds


def recurrent_backward(gates: int, timesteps: int, inputs: int, units: int) -> BackwardMacs:
    """Per step, the two contractions of the forward step read backwards.

    input-grad ``T*gates*in*units`` (into each step's input, through the
    kernel); internal ``T*gates*units*units`` (into the previous state,
    through the recurrent kernel, every step, the first one's into the
    initial state included, as a backward loop runs it); weight-grad
    ``T*gates*(in*units+units*units)`` (kernel and recurrent kernel, summed
    over the steps). Gate products and activations are element-wise.
    """
    scale = f"{timesteps}" if gates == 1 else f"{timesteps}*{gates}"
    return BackwardMacs(
        input_grad=f"{scale}*{inputs}*{units}",
        weight_grad=recurrent_expression(gates, timesteps, inputs, units),
        internal=f"{scale}*{units}*{units}",
    )


def _step_backward(gates: int):
    def rnn_backward_macs(
        config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg
    ) -> BackwardMacs:
        sequences = sequences_shape(input_shape)
        timesteps, inputs = known(sequences[1], sequences[-1])
        return recurrent_backward(gates, timesteps, inputs, int(config["units"]))

    rnn_backward_macs.__doc__ = recurrent_backward.__doc__
    return rnn_backward_macs


simple_rnn_backward_macs = register_backward_macs(keras.layers.SimpleRNN)(_step_backward(GATES["SimpleRNN"]))
lstm_backward_macs = register_backward_macs(keras.layers.LSTM)(_step_backward(GATES["LSTM"]))
gru_backward_macs = register_backward_macs(keras.layers.GRU)(_step_backward(GATES["GRU"]))


@register_backward_macs(keras.layers.Bidirectional)
def bidirectional_backward_macs(
    config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg
) -> BackwardMacs:
    """Bidirectional: each direction's backward terms (``recurrent_backward``), added."""
    parts = [recurrent_backward(*direction) for direction in _bidirectional_directions(config, input_shape)]
    return BackwardMacs(*(" + ".join(part[index] for part in parts) for index in range(3)))
