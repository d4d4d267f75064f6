"""The order of a Keras 3 Functional graph's rows: topological, each branch kept together.

One pass over the model's nodes (its layer calls), then a depth-first
topological sort; linear in nodes + edges. Used for Functional models and for
the Functional graph a built Sequential model keeps.
"""

from __future__ import annotations

from typing import Any, Optional

import keras

from ..build.records import Call, OutputShape
from .reader import RawEntry
from .shape_values import as_shape


def shapes_of(tensors: Any) -> Optional[OutputShape]:
    """One shape for one tensor, a tuple of shapes for several; None for no tensors."""
    if not tensors:
        return None
    shapes = tuple(as_shape(tensor.shape) for tensor in tensors)
    return shapes[0] if len(shapes) == 1 else shapes


def _producing_node(tensor: Any) -> Any:
    """The Node whose call produced ``tensor``, or None for a raw input.

    KerasTensor._keras_history = (operation, node_index, tensor_index) and
    Operation._inbound_nodes: both private, both in every Keras 3 release
    (checked on 3.15.1); ``keras.src.ops.node`` documents them.
    """
    history: Any = getattr(tensor, "_keras_history", None)
    operation = getattr(history, "operation", None)
    if operation is None:
        return None
    return operation._inbound_nodes[history.node_index]


def _producer_name(tensor: Any) -> str:
    history = getattr(tensor, "_keras_history", None)
    operation = getattr(history, "operation", None)
    return str(operation.name) if operation is not None else "?"


def walk_functional(model: Any) -> tuple[list[RawEntry], list[str], list[str]]:
    """One pass over a Functional model's nodes (calls), then a topological order of them.

    Keras's own order (``model.layers``) sorts by depth from the outputs, which
    interleaves parallel branches: in an Inception block all four branches'
    first Conv2Ds come before any of their BatchNormalizations. Here a depth-
    first topological sort keeps each branch contiguous: after a node, its
    readiest child comes next (ties broken by Keras's order), and only when a
    branch ends at a merge still waiting for other inputs does another branch
    start. For a straight chain this is exactly Keras's order.
    """
    inputs = list(model.inputs)
    outputs = list(model.outputs)
    input_ids = {id(tensor): index for index, tensor in enumerate(inputs)}
    # Node.is_input: public attribute of keras.src.ops.node.Node (checked on 3.15.1).

    def inside(tensor: Any) -> Any:
        node = _producing_node(tensor)
        if node is None:
            return None
        # A model built from an intermediate tensor (keras.Model(x, y) with x
        # produced by a layer) stops there, as Keras's map_graph does.
        if id(tensor) in input_ids and not node.is_input:
            return None
        return node

    nodes: dict[int, Any] = {}
    parents: dict[int, list[Any]] = {}
    source_rank: dict[int, int] = {}
    stack = [tensor for tensor in outputs] + [tensor for tensor in inputs]
    while stack:
        tensor = stack.pop()
        node = inside(tensor)
        if node is None or id(node) in nodes:
            continue
        nodes[id(node)] = node
        if id(tensor) in input_ids:
            source_rank[id(node)] = input_ids[id(tensor)]
        node_parents: list[Any] = []
        for parent_tensor in node.input_tensors:
            parent = inside(parent_tensor)
            if parent is not None and all(parent is not seen for seen in node_parents):
                node_parents.append(parent)
                stack.append(parent_tensor)
        parents[id(node)] = node_parents

    # Keras's order of operations (Function.operations, public) breaks ties.
    operation_rank = {id(operation): index for index, operation in enumerate(model.operations)}
    node_rank = {
        node_id: (source_rank.get(node_id, len(inputs)), operation_rank.get(id(node.operation), len(operation_rank)))
        for node_id, node in nodes.items()
    }
    children: dict[int, list[Any]] = {node_id: [] for node_id in nodes}
    waiting = {node_id: len(node_parents) for node_id, node_parents in parents.items()}
    for node_id, node_parents in parents.items():
        for parent in node_parents:
            children[id(parent)].append(nodes[node_id])

    order: list[Any] = []

    def emit(node: Any) -> list[Any]:
        order.append(node)
        now_ready = []
        for child in children[id(node)]:
            waiting[id(child)] -= 1
            if not waiting[id(child)]:
                now_ready.append(child)
        return sorted(now_ready, key=lambda n: node_rank[id(n)])

    # The model's inputs come first, in model.inputs order, like a function's
    # arguments; then a depth-first walk from the first input's readers.
    sources = sorted((node for node_id, node in nodes.items() if not waiting[node_id]), key=lambda n: node_rank[id(n)])
    ready = [node for node in reversed(sources) if not node.is_input]
    first_readers: list[Any] = []
    for node in sources:
        if node.is_input:
            first_readers.extend(emit(node))
    ready.extend(reversed(first_readers))
    while ready:
        ready.extend(reversed(emit(ready.pop())))

    entries: dict[int, RawEntry] = {}
    call_number: dict[int, int] = {}  # node id -> 1-based call in this model
    for node in order:
        operation = node.operation
        if id(operation) not in entries:
            entries[id(operation)] = (operation, [], not isinstance(operation, keras.layers.Layer))
            # Calls in Keras's call order (the index in _inbound_nodes, private,
            # checked on 3.15.1), keeping only the calls that are part of this model.
            model_nodes = [n for n in operation._inbound_nodes if id(n) in nodes]
            for number, model_node in enumerate(model_nodes, start=1):
                call_number[id(model_node)] = number if len(model_nodes) > 1 else 0
    for operation, calls, _ in entries.values():
        for node in operation._inbound_nodes:
            if id(node) in nodes:
                tensors = list(node.input_tensors)
                calls.append(
                    Call(
                        inbound=tuple(_producer_name(tensor) for tensor in tensors),
                        input_shape=shapes_of(tensors),
                        output_shape=shapes_of(node.output_tensors),
                        inbound_calls=tuple(call_number.get(id(_producing_node(tensor)), 0) for tensor in tensors),
                    )
                )
    return list(entries.values()), [_producer_name(t) for t in inputs], [_producer_name(t) for t in outputs]
