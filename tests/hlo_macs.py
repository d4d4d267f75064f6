"""An independent count of a compiled step's mult-adds: every dot and convolution of an HLO module.

Reads the HLO text XLA prints (``jax.jit(f).lower(...).as_text(dialect="hlo")``,
before XLA's optimizations rewrite anything) and counts, per instruction:

* ``dot``: output elements × the product of the lhs's contracting dimensions;
* ``convolution``: output elements × the window's size × the kernel's input
  feature dimension (``i`` in ``dim_labels``): each output element sums over
  the window and the input features of its group. Zeros inserted by
  ``lhs_dilate`` (a strided convolution's input gradient) or by padding are
  counted, as XLA multiplies them.

A computation run by a ``while`` loop counts once per iteration: the trip
count is read from the loop condition (``compare(counter, constant(N)),
direction=LT``, as ``lax.scan`` and ``fori_loop`` lower). Computations
called by fusions, calls, conditionals or reductions count once per call.
Nothing here knows about Keras or ascii_explain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMPUTATION = re.compile(r"^(?:ENTRY\s+)?%?([\w.\-]+)\s.*\{\s*$")
_NAME = re.compile(r"^\s*(?:ROOT\s+)?%?([\w.\-]+)\s*=\s*(.*)$")
_OPERATION = re.compile(r"^\s*([\w\-]+)\((.*)$")


class _Match:
    """name, shape, operation, arguments of one instruction line (``group(1)`` to ``group(4)``)."""

    def __init__(self, parts: tuple[str, str, str, str]):
        self.parts = parts

    def group(self, index: int) -> str:
        return self.parts[index - 1]

    def groups(self) -> tuple[str, str, str, str]:
        return self.parts


class _Instruction:
    """``name = shape op(arguments`` where the shape may be a tuple ``(s32[], f32[1,4]{1,0}, ...)``."""

    @staticmethod
    def match(line: str):
        named = _NAME.match(line)
        if not named:
            return None
        rest = named.group(2)
        if rest.startswith("("):
            end = _closing(rest, 0, 0)
            shape, rest = rest[: end + 1], rest[end + 1 :]
        else:
            shape, _, rest = rest.partition(" ")
        operation = _OPERATION.match(rest)
        if not operation:
            return None
        return _Match((named.group(1), shape, operation.group(1), operation.group(2)))


_INSTRUCTION = _Instruction
_SHAPE = re.compile(r"^[a-z0-9]+\[([0-9,]*)\]")
_CALLED = re.compile(r"(?:calls|to_apply|body|condition|true_computation|false_computation)=%?([\w.\-]+)")
_BRANCHES = re.compile(r"branch_computations=\{([^}]*)\}")


@dataclass
class _Computation:
    name: str
    lines: list[str] = field(default_factory=list)


def _dims(shape: str) -> list[int]:
    match = _SHAPE.match(shape)
    if not match or not match.group(1):
        return []
    return [int(size) for size in match.group(1).split(",")]


def _product(values: list[int]) -> int:
    result = 1
    for value in values:
        result *= value
    return result


def _closing(text: str, start: int, depth: int) -> int:
    """The index where the bracket open at ``depth`` closes (brackets of any kind nest)."""
    for index in range(start, len(text)):
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return index
    return len(text)


def _operands(arguments: str) -> list[str]:
    """The operand names of ``op(a, b), attr=...``: the text up to the closing parenthesis, split."""
    end = _closing(arguments, 0, 1)
    # Split at the top level only: TensorFlow's HLO writes each operand's shape inline
    # (``f32[1,16,16,3]{3,2,1,0} %reshape.1``), whose brackets hold commas too.
    pieces, depth, start = [], 0, 0
    for index, char in enumerate(arguments[:end]):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            pieces.append(arguments[start:index])
            start = index + 1
    pieces.append(arguments[start:end])
    names = []
    for operand in pieces:
        operand = operand.strip().split(" ")[-1].lstrip("%")
        if operand:
            names.append(operand)
    return names


def parse(text: str) -> dict[str, _Computation]:
    computations: dict[str, _Computation] = {}
    current = None
    for line in text.splitlines():
        if current is None:
            match = _COMPUTATION.match(line)
            if match and "=" not in line.split("{")[0]:
                current = computations.setdefault(match.group(1), _Computation(match.group(1)))
                if line.startswith("ENTRY"):
                    computations["__entry__"] = current
            continue
        if line.strip() == "}":
            current = None
            continue
        current.lines.append(line)
    return computations


def _trip_count(condition: _Computation) -> int:
    constants = {}
    for line in condition.lines:
        match = _INSTRUCTION.match(line)
        if match and match.group(3) == "constant":
            value = re.match(r"\s*(-?\d+)\)", match.group(4))
            if value:
                constants[match.group(1)] = int(value.group(1))
    for line in condition.lines:
        match = _INSTRUCTION.match(line)
        if match and match.group(3) == "compare" and "direction=LT" in line:
            for operand in _operands(match.group(4)):
                if operand in constants:
                    return constants[operand]
    raise ValueError(f"no trip count found in the loop condition {condition.name}")


def instruction_macs(line: str, shapes: dict[str, str]) -> int:
    match = _INSTRUCTION.match(line)
    if not match:
        return 0
    _, shape, op, arguments = match.groups()
    if op == "dot":
        lhs = _dims(shapes[_operands(arguments)[0]])
        contracting = re.search(r"lhs_contracting_dims=\{([0-9,]*)\}", line)
        axes = [int(axis) for axis in contracting.group(1).split(",")] if contracting and contracting.group(1) else []
        return _product(_dims(shape)) * _product([lhs[axis] for axis in axes])
    if op == "convolution":
        rhs = _dims(shapes[_operands(arguments)[1]])
        labels = re.search(r"dim_labels=\w+_(\w+)->", line)
        window = re.search(r"window=\{size=([0-9x]+)", line)
        assert labels, line
        size = _product([int(part) for part in window.group(1).split("x")]) if window else 1
        return _product(_dims(shape)) * size * rhs[labels.group(1).index("i")]
    return 0


def count_macs(text: str) -> int:
    """The mult-adds of every dot and convolution the module runs, loops times their trip counts."""
    computations = parse(text)
    shapes: dict[str, str] = {}
    for computation in computations.values():
        for line in computation.lines:
            match = _INSTRUCTION.match(line)
            if match:
                shapes[match.group(1)] = match.group(2)

    def walk(computation: _Computation, times: int) -> int:
        macs = 0
        for line in computation.lines:
            macs += times * instruction_macs(line, shapes)
            match = _INSTRUCTION.match(line)
            if not match:
                continue
            op = match.group(3)
            if op == "while":
                body = re.search(r"body=%?([\w.\-]+)", line)
                condition = re.search(r"condition=%?([\w.\-]+)", line)
                assert body and condition, line
                macs += walk(computations[body.group(1)], times * _trip_count(computations[condition.group(1)]))
                continue
            called = _CALLED.findall(line)
            branches = _BRANCHES.search(line)
            if branches:
                called += [name.strip().lstrip("%") for name in branches.group(1).split(",")]
            for name in called:
                if name in computations and op not in (
                    "reduce",
                    "reduce-window",
                    "scatter",
                    "select-and-scatter",
                    "sort",
                    "map",
                ):
                    macs += walk(computations[name], times)
        return macs

    return walk(computations["__entry__"], 1)
