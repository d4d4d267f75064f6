"""Weight shapes of an EinsumDense, read from its equation (our own reading, not Keras's helper).

The rules follow ``keras.src.layers.core.einsum_dense._analyze_split_string``
(3.15.1): an equation is ``in,w->out``, ``...in,w->...out`` or
``in...,w->out...``; each kernel axis takes its size from the output shape
when its letter is an output letter, else from the input shape; the bias spans
the output letters from the first bias letter on, with 1 for letters not in
``bias_axes``. Quantization reduces the kernel axes whose letter is not an
output letter (``_analyze_quantization_info``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence

_PLAIN = re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$")
_LEFT = re.compile(r"^\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$")
_RIGHT = re.compile(r"^([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.$")


@dataclass(frozen=True)
class EinsumShapes:
    kernel: tuple[int, ...]
    bias: Optional[tuple[int, ...]]
    # Kernel axes the quantizer reduces (letters absent from the output).
    reduced_axes: tuple[int, ...]


def einsum_shapes(
    equation: str, bias_axes: Optional[str], input_shape: Sequence[Any], partial_output: Any
) -> EinsumShapes:
    spec, left_elided = _split(equation)
    input_spec, weight_spec, output_spec = spec
    elided = len(input_shape) - len(input_spec)
    output = [partial_output] if isinstance(partial_output, int) else list(partial_output)
    output.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for index in range(1, elided):
            output.insert(1, input_shape[index])
    elif elided > 0:
        output.extend(input_shape[len(input_shape) - elided :])

    if left_elided:
        input_index = {letter: i + elided - len(input_shape) for i, letter in enumerate(input_spec)}
        output_index = {letter: i + elided for i, letter in enumerate(output_spec)}
    else:
        input_index = {letter: i for i, letter in enumerate(input_spec)}
        output_index = {letter: i for i, letter in enumerate(output_spec)}

    kernel = []
    for letter in weight_spec:
        if letter in output_index:
            kernel.append(int(output[output_index[letter]]))
        elif letter in input_index:
            kernel.append(int(input_shape[input_index[letter]]))
        else:
            raise ValueError(f"weight letter {letter!r} of {equation!r} is in neither input nor output")

    bias = None
    if bias_axes:
        offset = elided if left_elided else 0
        size = {letter: output[i + offset] for i, letter in enumerate(output_spec)}
        first = min(output_spec.find(letter) for letter in bias_axes)
        bias = tuple(int(size[letter]) if letter in bias_axes else 1 for letter in output_spec[first:])
    reduced = tuple(i for i, letter in enumerate(weight_spec) if letter not in output_spec)
    return EinsumShapes(tuple(kernel), bias, reduced)


def _split(equation: str) -> tuple[tuple[str, str, str], bool]:
    for pattern, left in ((_PLAIN, False), (_LEFT, True), (_RIGHT, False)):
        match = pattern.match(equation)
        if match:
            return (match.group(1), match.group(2), match.group(3)), left
    raise ValueError(f"EinsumDense equation {equation!r} is not in a form Keras accepts")
