"""Assertions shared by the test modules."""

from __future__ import annotations

import keras
import numpy as np

from ascii_explain import Explanation, LayerRecord, explain
from ascii_explain.arithmetic import evaluate


def assert_record_consistent(record: LayerRecord) -> None:
    """The printed formula evaluates to the count; the terms add up to it; Keras agrees."""
    assert evaluate(record.formula) == record.params, (record.name, record.formula, record.params)
    assert sum(evaluate(expression) for expression in record.terms.values()) == record.params, record
    for term in record.term_list:
        assert evaluate(term.expression) == term.count
    assert record.params == record.keras_params, (
        f"{record.name} ({record.class_name}): formula {record.formula} = {record.params}, Keras {record.keras_params}"
    )


def assert_layer_formula_matches(layer: keras.layers.Layer) -> LayerRecord:
    """Explain one built layer; its formula must equal count_params() and split like Keras."""
    explanation = explain(layer)
    (record,) = explanation.layers
    assert record.source == "formula", f"{type(layer).__name__} fell back to weight shapes: {record.notes}"
    assert_record_consistent(record)
    trainable = sum(int(_size(w.shape)) for w in layer.trainable_weights)
    assert record.trainable_params == trainable
    assert record.non_trainable_params == layer.count_params() - trainable
    return record


def build_layer(layer: keras.layers.Layer, input_shape: tuple) -> keras.layers.Layer:
    """Build ``layer`` by calling it on a symbolic input of ``input_shape`` (batch axis excluded)."""
    layer(keras.Input(input_shape))
    return layer


def _size(shape) -> int:
    size = 1
    for dim in shape:
        size *= int(dim)
    return size


def model_state(model: keras.Model) -> list:
    """Everything of ``model`` that explaining must leave as it was, comparable with ``==``.

    Per nested layer: its name, class, built flag, graph nodes and variables
    (identity, path, shape, dtype, trainable, and the value's bytes when it has
    one: a variable without a value is never made to allocate one), then
    Keras's own ``count_params()``.
    """
    state: list = []
    for layer in model._flatten_layers(include_self=True, recursive=True):
        variables = [
            (
                id(variable),
                variable.path,
                tuple(variable.shape),
                str(variable.dtype),
                variable.trainable,
                None if getattr(variable, "_value", True) is None else np.asarray(variable.numpy()).tobytes(),
            )
            for variable in layer.weights
        ]
        nodes = (len(getattr(layer, "_inbound_nodes", [])), len(getattr(layer, "_outbound_nodes", [])))
        state.append((layer.name, type(layer).__name__, layer.built, nodes, variables))
    state.append(("count_params", model.count_params()))
    return state


def keras_global_state() -> dict:
    """Keras's process-wide state a public call must leave as it found it (keras.src.backend.common.global_state)."""
    from keras.src import backend
    from keras.src.backend.common import global_state
    from keras.src.backend.common.keras_tensor import KerasTensor

    return {
        # what explain() shadows while it reads (read/tensor_checks.py, read/keras_execution.py): put back
        "is_tensor": backend.is_tensor,
        "KerasTensor.__tf_tensor__": vars(KerasTensor).get("__tf_tensor__"),
        "Variable.__tf_tensor__": vars(keras.Variable).get("__tf_tensor__"),  # the class: making one would take a name
        "inspect as keras.ops sees it": __import__("keras.src.ops.operation", fromlist=["inspect"]).inspect,
        "stateless scope": global_state.get_global_attribute("stateless_scope"),
        "symbolic scope": global_state.get_global_attribute("symbolic_scope"),
        "pending initialisation": [id(v) for v in global_state.get_global_attribute("uninitialized_variables", [])],
        "name scopes": [scope.name for scope in global_state.get_global_attribute("name_scope_stack") or ()],
        "dtype policy": keras.config.dtype_policy().name,
        "floatx": keras.config.floatx(),
        "traceback filtering": global_state.get_global_attribute("traceback_filtering"),
        "to_snake_case": __import__("keras.src.utils.naming", fromlist=["to_snake_case"]).to_snake_case,
        # Keras's auto-name counters (keras.src.utils.naming): what the user names next is named as without explain
        "auto-name counters": dict(global_state.get_global_attribute("object_name_uids") or {}),
        "any_symbolic_tensors as keras.ops sees it": __import__(
            "keras.src.ops.numpy", fromlist=["any_symbolic_tensors"]
        ).any_symbolic_tensors,
        # read/light_config.py: the serialize functions a read shadows, in Keras's modules and its API's
        **{
            f"{module}.serialize": __import__(module, fromlist=["serialize"]).serialize
            for module in (
                "keras.src.initializers", "keras.initializers", "keras.src.regularizers", "keras.regularizers",
                "keras.src.constraints", "keras.constraints", "keras.src.dtype_policies", "keras.dtype_policies",
            )
        },  # fmt: skip
    }


def detail_sum(detail: str) -> int | None:
    """What a composite part's detail adds up to (``intermediate 16*32 + gate (16+1)*32``), None if it is no sum.

    Each piece is a name and an arithmetic expression; the split is at top-level `` + `` only, so an
    expression in parentheses (``(16*4 + 4)``) stays whole.
    """
    from ascii_explain.arithmetic import evaluate

    pieces, depth, start = [], 0, 0
    for index, char in enumerate(detail):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and detail.startswith(" + ", index):
            pieces.append(detail[start:index])
            start = index + 3
    pieces.append(detail[start:])
    counted = 0
    for piece in pieces:
        name, _, expression = piece.partition(" ")
        if not name or not expression:
            return None
        try:
            counted += evaluate(expression)
        except Exception:
            return None
    return counted


def detail_sum_problems(explanation: Explanation) -> list[tuple[str, str, str, int]]:
    """Each composite term whose detail does not add up to the term's count: (row, term, detail, its sum)."""
    problems = []
    for record in explanation.layers:
        for term in record.term_list:
            counted = detail_sum(term.detail) if term.detail else None
            if counted is not None and counted != term.count:
                problems.append((record.name, term.name, term.detail, counted))
    return problems
