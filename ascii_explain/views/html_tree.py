"""The notebook view's tree, as plain data: which rows open to which, built from the view model.

The same grouping as the text diagram (``model.collapse_repeats``): a run of
identical consecutive blocks is one ``RepeatNode`` that holds its members; a
nested model's or composite layer's inner records (``expand_nested``) are the
``children`` of its ``LayerNode``; and a run of ``FOLD_AT`` or more
consecutive rows without weights is a ``FoldNode``. ``html.py`` writes each
group as a ``<details>`` element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence, Union

from .model import NO_WEIGHTS, OK, LayerView, collapse_repeats

FOLD_AT = 4  # fewer weightless rows in a row stay as they are: folding them would hide more than it saves


@dataclass
class LayerNode:
    layer: LayerView
    children: list[Node] = field(default_factory=list)  # inner records of a nested model or composite layer


@dataclass
class RepeatNode:
    group: LayerView  # the first block, with ``repeat`` and ``last_name`` (collapse_repeats)
    members: list[LayerNode]


@dataclass
class FoldNode:
    members: list[LayerNode]  # consecutive rows without weights


Node = Union[LayerNode, RepeatNode, FoldNode]


def build_tree(layers: Sequence[LayerView]) -> list[Node]:
    """The top-level nodes of ``layers`` (a view model's, in its order)."""
    items: list[Union[LayerView, RepeatNode]] = []
    index = 0
    for collapsed in collapse_repeats(layers):
        if collapsed.repeat > 1:  # the run is the next ``repeat`` layers, in order (collapse_repeats keeps it)
            members = [LayerNode(layer) for layer in layers[index : index + collapsed.repeat]]
            items.append(RepeatNode(collapsed, members))
            index += collapsed.repeat
        else:
            items.append(collapsed)
            index += 1
    nodes, _ = _nest(items, 0, depth=0)
    return nodes


def _nest(items: Sequence[Union[LayerView, RepeatNode]], start: int, depth: int) -> tuple[list[Node], int]:
    """The nodes at ``depth`` from ``items[start]`` on, each layer with the deeper rows after it; and where they end."""
    nodes: list[Node] = []
    index = start
    while index < len(items):
        item = items[index]
        if isinstance(item, RepeatNode):  # only top-level blocks without inner rows repeat
            if depth > 0:
                break
            nodes.append(item)
            index += 1
            continue
        if item.record.depth < depth:
            break
        node = LayerNode(item)
        index += 1
        if index < len(items) and _depth(items[index]) > item.record.depth:
            node.children, index = _nest(items, index, item.record.depth + 1)
        nodes.append(node)
    return _fold_weightless(nodes), index


def _depth(item: Union[LayerView, RepeatNode]) -> int:
    return 0 if isinstance(item, RepeatNode) else item.record.depth


def is_weightless(node: Node) -> bool:
    """A plain row with nothing to count: no weights, no inner rows, nothing marked (a mark must stay in sight)."""
    if not isinstance(node, LayerNode) or node.children:
        return False
    layer = node.layer
    record = layer.record
    return (
        record.class_name != "InputLayer"
        and record.params == 0
        and record.keras_params == 0
        and layer.mark in (OK, NO_WEIGHTS)
        and record.sublayer_count == 0
    )


def _fold_weightless(nodes: list[Node]) -> list[Node]:
    result: list[Node] = []
    run: list[LayerNode] = []

    def flush() -> None:
        if len(run) >= FOLD_AT:
            result.append(FoldNode(list(run)))
        else:
            result.extend(run)
        run.clear()

    for node in nodes:
        if is_weightless(node):
            assert isinstance(node, LayerNode)
            run.append(node)
        else:
            flush()
            result.append(node)
    flush()
    return result


def flatten(nodes: Sequence[Node]) -> list[LayerView]:
    """Every layer view under ``nodes``, in order: a tree holds each record of the view model once."""
    layers: list[LayerView] = []
    for node in nodes:
        if isinstance(node, LayerNode):
            layers.append(node.layer)
            layers.extend(flatten(node.children))
        else:
            layers.extend(flatten(node.members))
    return layers
