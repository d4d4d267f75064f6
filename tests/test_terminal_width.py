"""The diagram at any width from 60 columns up (issue 23): no line wider than asked, every layer's name
on its row (whole, or cut in the middle at word boundaries), and the header saying which optional
columns the width left out."""

from __future__ import annotations

import keras
import pytest

import ascii_explain
from ascii_explain import examples, explain
from ascii_explain.read.stateless import model_from_config
from ascii_explain.safe_text import columns
from ascii_explain.views.diagram_layout import HEADERS, OPTIONAL_COLUMNS, SHORT_HEADERS, shorten_name
from ascii_explain.views.model import collapse_repeats
from ascii_explain.views.name_cut import ELLIPSIS

from . import graph_models, hub_corpus
from .stateless_support import LLAMA_7B, llama_backbone_config

WIDTHS = (60, 80, 100, 120, 160)


def _llama_7b() -> keras.Model:
    # 6.7 billion parameters, no value allocated (and none left for Keras to initialise later).
    return model_from_config(llama_backbone_config(**LLAMA_7B), "llama_7b config")


MODELS = {
    **{name: build for name, build in examples.EXAMPLES.items()},
    "resnet50": lambda: keras.applications.ResNet50(weights=None),
    "nested": graph_models.two_level_nested,
    "residual": graph_models.residual_block,
    "llama_tiny": hub_corpus.llama,
    "llama_7b": _llama_7b,
}


_built: dict = {}


def built(name: str) -> keras.Model:
    """Each model built once: names come from Keras's global counters, so a rebuilt model's differ."""
    if name not in _built:
        _built[name] = MODELS[name]()
    return _built[name]


@pytest.fixture(scope="module")
def explained():
    cache: dict = {}

    def get(name: str, expand_nested: bool = False):
        key = (name, expand_nested)
        if key not in cache:
            cache[key] = explain(built(name), expand_nested=expand_nested)
        return cache[key]

    return get


def name_shown(name: str, lines: list[str]) -> bool:
    """``name`` ends a row, whole or shortened (``conv2…1_1_bn``), or starts a run (``name … 31``)."""
    forms = {name} | {shorten_name(name, room, ELLIPSIS) for room in range(3, columns(name))}
    return any(line.endswith(form) or f"{form} {ELLIPSIS} " in line for line in lines for form in forms)


def check_width(explanation, text: str, width: int, expand_nested: bool = False) -> None:
    lines = [line.rstrip() for line in text.splitlines()]
    too_wide = [line for line in lines if columns(line) > width]
    assert not too_wide, f"{len(too_wide)} lines wider than {width}: {too_wide[:3]}"
    drawn = collapse_repeats(list(explanation.view_model().layers))
    missing = [
        layer.record.name
        for layer in drawn
        if (expand_nested or layer.record.depth == 0) and not name_shown(layer.record.name, lines)
    ]
    assert not missing, f"names missing at width {width}: {missing[:5]}"
    header = next(line for line in lines if "OP" in line)
    dropped = [
        column
        for column in OPTIONAL_COLUMNS
        if f"  {SHORT_HEADERS[HEADERS.index(column)]}" not in header and f"  {column}" not in header
    ]
    if dropped:
        said = lines[lines.index(header) + 1]
        assert said.startswith(f"(width {width} leaves out {' and '.join(dropped)}"), said
    else:
        assert "leaves out" not in text


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_explain_at_every_width_keeps_every_name(explained, name, width):
    explanation = explained(name)
    check_width(explanation, explanation.render(width=width), width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["nested", "llama_tiny", "resnet50"])
def test_expanded_nested_models_keep_their_inner_names(explained, name, width):
    explanation = explained(name, expand_nested=True)
    check_width(explanation, explanation.render(width=width), width, expand_nested=True)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["resnet50", "llama_7b", "seed000"])
def test_summary_at_every_width_keeps_every_name(explained, name, width):
    calls: list[str] = []
    ascii_explain.summary(built(name), line_length=width, print_fn=calls.append)
    check_width(explained(name), calls[0], width)


def test_the_80_column_resnet_names_the_batch_norms_apart(explained):
    """conv2_block1_1_bn and conv2_block2_1_bn differ at the end: a shortened name keeps the end."""
    lines = explained("resnet50").render(width=80).splitlines()
    bn_rows = [line.rstrip() for line in lines if "BatchNorm" in line and "---" in line]
    ends = [line.split()[-1] for line in bn_rows]
    assert len(set(ends)) == len(ends) == 53
