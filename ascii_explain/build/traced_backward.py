"""Backward mult-adds of a layer whose forward count is traced: from its traced contractions, by the
project's convention for contractions (layers/backward.py).

Each contraction the trace counted (read/traced_macs.py) knows which of its
operands are weights (read/contraction_counts.py, ``operand_kind``):

* an activation by a weight (a Dense's ``x @ kernel``): every forward product
  has one product in each gradient, so weight-grad = forward and the gradient
  into the activation = forward (``contraction_backward``). The first
  contraction's activation is the layer's input (input-grad, which the model
  drops before its first trained weight); a later one's is an intermediate of
  the layer (internal), as ``chain_backward`` counts a chain.
* two activations (attention's scores): forward once for each operand's
  gradient, 2 x forward, internal.
* two weights: forward for each weight's gradient, 2 x forward, weight-grad.

A contraction whose operands are not known (read from TensorFlow's graph past
Keras's functions) leaves the backward count unknown, never guessed.
"""

from __future__ import annotations

from typing import Optional, Sequence

from ..arithmetic import total
from ..read.traced_macs import TWO_ACTIVATIONS, TWO_WEIGHTS, WEIGHT_AND_ACTIVATION

UNKNOWN_OPERANDS_NOTE = "a traced contraction's operands are unknown (read from TensorFlow's graph)"


def traced_backward_terms(
    parts: Optional[Sequence[int]], kinds: Sequence[str]
) -> tuple[tuple[str, ...], str]:
    """``(input_grad, weight_grad, internal)`` expressions from the traced contractions, or ``()`` and why not."""
    if parts is None:
        return (), "the forward mult-adds are unknown"
    if len(kinds) != len(parts):
        return (), "the traced contractions' operands are not recorded"
    input_grad: list[str] = []
    weight_grad: list[str] = []
    internal: list[str] = []
    for index, (part, kind) in enumerate(zip(parts, kinds, strict=True)):
        if kind == WEIGHT_AND_ACTIVATION:
            weight_grad.append(str(part))
            (input_grad if index == 0 else internal).append(str(part))
        elif kind == TWO_ACTIVATIONS:
            internal.append(f"2*{part}")
        elif kind == TWO_WEIGHTS:
            weight_grad.append(f"2*{part}")
        else:
            return (), UNKNOWN_OPERANDS_NOTE
    return (total(input_grad), total(weight_grad), total(internal)), ""
