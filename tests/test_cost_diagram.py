"""The diagram's shape and macs lines: what they print is true, on every example at every width."""

from __future__ import annotations

import re

import pytest

from ascii_explain import examples, explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.layers import evaluate_shape

MACS_LINE = re.compile(r"^macs    ([0-9+\-*/() ]+) = (\d+)(?: \([0-9.]+ [KMGTP]\))?$")
SHAPE_AXIS = re.compile(r"((?:[0-9+\-*/%()]|floor|ceil|max|,(?=\d))+) = (\d+)")


def joined(text: str, prefixes: tuple[str, ...]) -> list[str]:
    """Detail lines starting with ``prefixes``, with their wrapped continuation lines joined back."""
    result: list[str] = []
    indent = None
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip())
        if indent is not None and line.strip() and depth > indent:
            result[-1] += " " + line.strip()
            continue
        indent = None
        if line.strip().startswith(prefixes):
            result.append(line.strip())
            indent = depth
    return result


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
@pytest.mark.parametrize("width", [80, 100, 140])
def test_shape_and_macs_lines_are_true(name, width):
    e = explain(examples.EXAMPLES[name]())
    text = e.render(width=width)
    macs_lines = joined(text, ("macs",))
    matches = [match for line in macs_lines if (match := MACS_LINE.match(line))]
    assert len(matches) == len(macs_lines), macs_lines
    assert len(matches) == len([r for r in e.layers if r.macs])
    for match in matches:
        assert evaluate(match.group(1)) == int(match.group(2))
    assert sum(int(match.group(2)) for match in matches) == e.total_macs
    assert f"Mult-adds: {e.total_macs:,} per sample" in text
    shape_lines = joined(text, ("shape",))
    assert len(shape_lines) == len([r for r in e.layers if r.shape_formula])
    for line in shape_lines:
        axes = SHAPE_AXIS.findall(line.split(": ", 1)[1])
        assert axes, line
        for expression, size in axes:
            assert evaluate_shape(expression) == int(size), line
    assert max(len(line) for line in text.splitlines()) <= width


def test_shape_line_sits_under_its_operation_row():
    lines = explain(examples.seed000_small_cnn()).render(width=100).splitlines()
    row = next(i for i, line in enumerate(lines) if "l3_conv2d" in line)
    assert lines[row + 1].strip().startswith("params")
    assert lines[row + 2].strip() == "shape   valid, stride 2: floor((14-3)/2)+1 = 6"
    assert lines[row + 3].strip() == "macs    6*6*3*3*2*3 = 1944"
