"""Graph-shaped models: DAGs with merges, nested, shared, subclassed, several inputs and outputs."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from keras import layers

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate

from . import graph_models
from .helpers import assert_record_consistent
from .test_bad_input import snapshot

WIDTH = 100


# -- keras.applications: ResNet50V2 and InceptionV3 ---------------------------


@pytest.fixture(scope="module")
def resnet():
    return keras.applications.ResNet50V2(weights=None)


@pytest.fixture(scope="module")
def inception():
    return keras.applications.InceptionV3(weights=None)


def keras_inbound(layer) -> tuple[str, ...]:
    """What Keras's own graph says a layer (called once) reads: its node's parent nodes' operations."""
    (node,) = layer._inbound_nodes
    from_parents = tuple(parent.operation.name for parent in node.parent_nodes)
    from_history = tuple(tensor._keras_history.operation.name for tensor in node.input_tensors)
    assert from_parents == from_history
    return from_parents


@pytest.mark.parametrize("name", ["resnet", "inception"])
def test_merge_inbound_matches_keras_graph(name, request):
    model = request.getfixturevalue(name)
    e = explain(model)
    merges = [r for r in e.layers if r.class_name in ("Add", "Concatenate")]
    keras_merges = [layer for layer in model.layers if isinstance(layer, (layers.Add, layers.Concatenate))]
    assert len(merges) == len(keras_merges) > 10
    for record in merges:
        assert record.inbound == keras_inbound(model.get_layer(record.name)), record.name
        assert len(record.inbound) >= 2 and record.calls == 1


@pytest.mark.parametrize("name", ["resnet", "inception"])
def test_application_totals_and_every_record(name, request):
    model = request.getfixturevalue(name)
    e = explain(model)
    assert e.totals_match and e.total_params == model.count_params()
    assert not e.mismatches and not e.fallbacks
    assert sorted(r.name for r in e.layers) == sorted(layer.name for layer in model.layers)
    for record in e.layers:
        assert_record_consistent(record)
        if record.class_name != "InputLayer":
            assert record.inbound == keras_inbound(model.get_layer(record.name))


@pytest.mark.parametrize("name", ["resnet", "inception"])
def test_display_order_is_topological_and_keeps_branches_together(name, request):
    model = request.getfixturevalue(name)
    e = explain(model)
    position = {record.name: index for index, record in enumerate(e.layers)}
    for record in e.layers:
        assert all(position[source] < position[record.name] for source in record.inbound), record.name

    def jumps(names):
        """Rows that do not read (only) the row just above them."""
        inbound = {r.name: r.inbound for r in e.layers}
        return sum(1 for above, name in zip(names, names[1:], strict=False) if inbound[name] != (above,))

    ours, keras_order = jumps([r.name for r in e.layers]), jumps([layer.name for layer in model.layers])
    assert ours <= keras_order
    if name == "inception":  # Keras's depth order interleaves the branches of every block
        assert ours * 3 < keras_order


def test_application_diagram(inception):
    e = explain(inception)
    text = e.render(width=140)
    assert max(len(line) for line in text.splitlines()) <= 140
    mixed0 = next(line for line in text.splitlines() if line.rstrip().endswith("mixed0"))
    assert mixed0.lstrip().startswith("+") and "-> Concatenate" in mixed0
    branches = keras_inbound(inception.get_layer("mixed0"))  # auto-named layers: names depend on the session
    assert len(branches) == 4 and f"← {', '.join(branches)}" in text
    assert_lanes_are_continuous(text)
    # Each "←" opens a detail line of its own, after the lanes passing by.
    assert text.count("←") == sum(1 for line in text.splitlines() if line.lstrip(" |").startswith("← ")) > 40


# -- small models: golden diagrams ---------------------------------------------


def test_residual_block_golden(golden):
    keras.backend.clear_session()
    e = explain(graph_models.residual_block())
    text = e.render(width=WIDTH)
    golden("residual_block_w100.txt", text)
    assert_lanes_are_continuous(text)
    assert_weights_column_adds_up(text, e.total_params)
    assert e.layer("add").inbound == ("conv_b", "image")
    assert e.layer("add_2").inbound == ("bn_c", "proj")
    assert e.layer("proj").inbound == ("relu_out",)
    assert "← conv_b, image" in text and "← bn_c, proj" in text and "← relu_out" in text


def test_siamese_golden(golden):
    keras.backend.clear_session()
    e = explain(graph_models.siamese())
    text = e.render(width=WIDTH)
    golden("siamese_w100.txt", text)
    assert_lanes_are_continuous(text)
    assert_weights_column_adds_up(text, e.total_params)


def test_nested_expanded_golden(golden):
    keras.backend.clear_session()
    text = explain(graph_models.two_level_nested(), expand_nested=True).render(width=WIDTH)
    golden("nested_expanded_w100.txt", text)


# -- shared layers ---------------------------------------------------------------


def test_shared_layer_counted_once_with_each_call():
    model = graph_models.siamese()
    e = explain(model)
    shared = e.layer("shared_dense")
    assert shared.calls == 2 and shared.params == 35 == model.get_layer("shared_dense").count_params()
    assert [call.inbound for call in shared.call_list] == [("left",), ("right",)]
    assert [call.output_shape for call in shared.call_list] == [(None, 5), (None, 5)]
    assert shared.inbound == ("left", "right")
    assert e.layer("encoder").calls == 2
    assert e.layer("difference").inbound == ("shared_dense", "shared_dense")
    assert e.layer("difference").call_list[0].inbound_calls == (1, 2)
    assert [r.name for r in e.layers].count("shared_dense") == 1
    assert e.totals_match and e.total_params == model.count_params() == 35 + 28 + 14
    text = e.render(width=WIDTH)
    assert "shared: 2 calls in this model, weights counted once" in text
    assert "call 1  ← left  (None, 6) → (None, 5)" in text
    assert "call 2  ← right  (None, 6) → (None, 5)" in text
    assert "← shared_dense (call 1), shared_dense (call 2)" in text


def test_json_export_carries_the_graph():
    import json

    from ascii_explain.views.json import to_json

    data = json.loads(to_json(explain(graph_models.siamese(), expand_nested=True)))
    assert data["model"]["kind"] == "functional" and data["model"]["inputs"] == ["left", "right"]
    shared = next(layer for layer in data["layers"] if layer["name"] == "shared_dense")
    assert shared["calls"] == 2 and [call["inbound"] for call in shared["call_list"]] == [["left"], ["right"]]
    assert shared["call_list"][1]["output_shape"] == [None, 5]
    inner = next(layer for layer in data["layers"] if layer["name"] == "enc_dense")
    assert inner["depth"] == 1 and inner["parent"] == "encoder"


def test_layer_applied_twice_in_a_row():
    """x = d(d(x)): one row, two calls, the second reading the first."""
    inputs = keras.Input((4,), name="x")
    dense = layers.Dense(4, name="twice")
    model = keras.Model(inputs, dense(dense(inputs)))
    e = explain(model)
    record = e.layer("twice")
    assert record.calls == 2 and record.params == 20 and e.totals_match
    assert [call.inbound for call in record.call_list] == [("x",), ("twice",)]
    assert "call 2  ← twice (call 1)" in e.render(width=WIDTH)


# -- nested models ---------------------------------------------------------------


def test_nested_collapsed_is_one_row_summing_its_inner_rows():
    model = graph_models.two_level_nested()
    e = explain(model)
    assert [(r.name, r.depth) for r in e.layers] == [("outer_in", 0), ("block", 0), ("outer_head", 0)]
    block = e.layer("block")
    inner = model.get_layer("block")
    expected = " + ".join(str(layer.count_params()) for layer in inner.layers if layer.count_params())
    assert block.formula == expected == "25 + 30"
    assert evaluate(block.formula) == block.params == inner.count_params() == block.keras_params
    assert block.trainable_params == sum(int(np.prod(w.shape)) for w in inner.trainable_weights)
    assert e.totals_match and e.total_params == model.count_params()
    assert "explain(model, expand_nested=True)" in e.render(width=WIDTH)


def test_nested_expanded_shows_every_level_without_double_counting():
    model = graph_models.two_level_nested()
    collapsed, expanded = explain(model), explain(model, expand_nested=True)
    assert [(r.name, r.depth, r.parent) for r in expanded.layers] == [
        ("outer_in", 0, ""),
        ("block", 0, ""),
        ("block_in", 1, "block"),
        ("block_dense", 1, "block"),
        ("core", 1, "block"),
        ("core_in", 2, "block/core"),
        ("core_dense", 2, "block/core"),
        ("core_bn", 2, "block/core"),
        ("outer_head", 0, ""),
    ]
    assert expanded.layer("core").formula == "18 + 12"
    assert expanded.total_params == collapsed.total_params == model.count_params()
    assert expanded.totals_match and collapsed.totals_match
    for record in expanded.layers:
        assert_record_consistent(record)
    text = expanded.render(width=WIDTH)
    core_bn = next(line for line in text.splitlines() if "core_bn" in line and "-----" in line)
    assert core_bn.startswith("  : : BatchNormalization") and core_bn.endswith("    core_bn")
    assert "the sum of the 2 rows nested below it" in text


def test_nested_model_inside_subclassed_model():
    class Wrapper(keras.Model):
        def __init__(self):
            super().__init__(name="wrapper")
            body_layers = [layers.Dense(3, name="body_dense"), layers.Dense(2, name="body_out")]
            self.body = keras.Sequential(body_layers, name="body")
            self.head = layers.Dense(1, name="head")

        def call(self, inputs):
            return self.head(self.body(inputs))

    model = Wrapper()
    model(np.zeros((2, 4), dtype="float32"))
    collapsed, expanded = explain(model), explain(model, expand_nested=True)
    assert [r.name for r in collapsed.layers] == ["body", "head"]
    assert collapsed.layer("body").formula == "15 + 8"
    assert "body_out" in [r.name for r in expanded.layers]
    assert collapsed.totals_match and expanded.totals_match and expanded.total_params == model.count_params()


def test_layer_inside_a_nested_model_and_outside_it_is_counted_once():
    dense = layers.Dense(4, name="both")
    inner = keras.Sequential([keras.Input((4,)), dense], name="inner")
    inputs = keras.Input((4,), name="x")
    model = keras.Model(inputs, layers.Add(name="sum")([inner(inputs), dense(inputs)]))
    for expand_nested in (False, True):
        e = explain(model, expand_nested=expand_nested)
        top = [r for r in e.layers if r.depth == 0 and r.name == "both"]
        assert top[0].counted_in == "inner" and top[0].params == 20
        assert e.totals_match and e.total_params == model.count_params() == 20
    assert "weights already counted in inner: not added again" in e.render(width=WIDTH)


class Block(keras.layers.Layer):
    """A custom layer holding sublayers and a weight of its own: no formula, so a container."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = layers.Dense(3, name="block_inner")
        self.norm = layers.LayerNormalization(name="block_norm")

    def build(self, input_shape):
        self.inner.build(input_shape)
        self.norm.build((*input_shape[:-1], 3))
        self.scale = self.add_weight(shape=(3,), name="scale")

    def call(self, inputs):
        return self.norm(self.inner(inputs)) * self.scale


def test_custom_layer_with_sublayers_is_a_container():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Block(name="block")(inputs))
    e = explain(model, expand_nested=True)
    block = e.layer("block")
    assert block.formula == "15 + 6 + 3" and block.params == model.get_layer("block").count_params()
    # Its own weight has no registered formula: its one dimension matches the block's output (3 units), so
    # it is inferred from the shapes (issue 21), not a part counted from its shape alone (issue 14's "?").
    assert block.terms["scale"] == "3" and block.fallback_parts == () and not block.is_fallback
    scale = next(term for term in block.term_list if term.name == "scale")
    assert "output 3" in scale.detail
    assert e.fallbacks == []
    assert [r.name for r in e.layers if r.depth == 1] == ["block_inner", "block_norm"]
    assert e.totals_match
    single = explain(model.get_layer("block"))
    assert [r.name for r in single.layers] == ["block"] and single.total_params == 24


# -- several inputs and outputs; keras.ops in the graph --------------------------


def test_multiple_inputs_and_outputs():
    model = graph_models.multi_io()
    e = explain(model)
    assert e.input_names == ["image", "meta"] and e.output_names == ["kind", "size"]
    assert e.layer("joined").inbound == ("flatten", "meta_dense")
    assert e.layer("size").inbound == ("joined",)
    assert e.totals_match and e.total_params == model.count_params()
    text = e.render(width=WIDTH)
    assert "Inputs (2): image (None, 8, 8, 1), meta (None, 3)" in text
    assert "Outputs (2): kind (None, 5), size (None, 1)" in text
    assert "→ output 1 of 2" in text and "→ output 2 of 2" in text
    assert [line.split()[-1] for line in text.splitlines() if line.strip().startswith("Input ") or " Input " in line][
        :2
    ] == ["image", "meta"]
    assert_lanes_are_continuous(text)
    plain = e.render(width=WIDTH, ascii_only=True)
    assert plain.isascii() and "<- flatten, meta_dense" in plain and "-> output 2 of 2" in plain
    assert max(len(line) for line in plain.splitlines()) <= WIDTH


def test_keras_ops_in_a_functional_graph_get_a_row():
    inputs = keras.Input((4,), name="x")
    h = layers.Dense(3, name="d1")(inputs)
    y = layers.Dense(2, name="d2")(h * 2.0 + 1.0)
    model = keras.Model(inputs, y)
    e = explain(model)
    operations = [r for r in e.layers if "not a layer" in " ".join(r.notes)]
    assert len(operations) == 2 and all(r.params == 0 for r in operations)
    assert e.layer("d2").inbound == (operations[-1].name,)
    assert e.totals_match
    str(e)


# -- subclassed models -------------------------------------------------------------


def test_subclassed_model_rows_formulas_and_shapes():
    model = graph_models.subclassed()
    e = explain(model)
    assert [r.class_name for r in e.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    for record in e.layers:
        assert_record_consistent(record)
    conv, pool, flatten, dense = e.layers
    assert conv.formula == "(3*3*2+1)*3" and dense.formula == "(27+1)*2"
    assert conv.input_shape == (1, 8, 8, 2) and conv.output_shape == (1, 6, 6, 3)  # from build config
    # MaxPooling2D keeps no build config: its shape comes from the model's call traced at its build shape,
    # batch 1 (read/subclassed_shapes.py), as Keras computes it
    assert pool.output_shape == (1, 3, 3, 3)
    assert flatten.input_shape == (1, 3, 3, 3) and flatten.output_shape == (1, 27)
    assert all(r.inbound == () and r.calls == 1 for r in e.layers)
    assert e.totals_match and e.total_params == model.count_params()
    text = e.render(width=WIDTH)
    assert "#####     3    3    3       27" in text  # the pool's output, from the trace
    assert "Subclassed model: rows are its tracked sublayers" in text


# -- bad and odd input -------------------------------------------------------------


@pytest.mark.filterwarnings(r"ignore:`build\(\)` was called on layer:UserWarning")  # Keras warns about the unused layer
def test_unbuilt_sublayer_of_subclassed_model_is_an_unbuilt_row():
    class Unused(keras.Model):
        def __init__(self):
            super().__init__(name="unused")
            self.used = layers.Dense(2, name="used")
            self.spare = layers.Dense(2, name="spare")

        def call(self, inputs):
            return self.used(inputs)

    model = Unused()
    model(np.zeros((1, 3), dtype="float32"))
    e = explain(model)  # as Keras's summary: the spare layer is a row with 0 parameters, marked unbuilt
    spare = e.layer("spare")
    assert spare.state == "unbuilt" and spare.params == 0 and e.total_params == model.count_params() == 8


def test_unbuilt_layer_inside_a_built_custom_layer_is_an_unbuilt_row():
    class Lazy(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.later = layers.Dense(2, name="later")

        def build(self, input_shape):
            pass

        def call(self, inputs):
            return inputs

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Lazy(name="lazy")(inputs), name="holder")
    e = explain(model, expand_nested=True)
    later = e.layer("later")
    assert later.state == "unbuilt" and later.depth == 1 and later.parent == "lazy"
    assert e.total_params == model.count_params() == 0


@pytest.mark.parametrize(
    "thing, error",
    [
        (layers.Dense, TypeError),
        (keras.Model, TypeError),
        (keras.Input((3,)), TypeError),
        ({"layers": []}, TypeError),
    ],
)
def test_odd_objects_get_a_clear_error(thing, error):
    with pytest.raises(error, match=r"explain\(\) takes"):
        explain(thing)


def odd_but_valid_models():
    inputs = keras.Input((4,), name="raw")
    hidden = layers.Dense(3, name="hidden")(inputs)
    tail = keras.Model(hidden, layers.Dense(2, name="tail")(hidden), name="from_intermediate")
    sequential_called = keras.Sequential([layers.Dense(3), layers.Dense(1)], name="called_on_data")
    sequential_called(np.zeros((2, 5), dtype="float32"))
    unused_input = keras.Input((2,), name="unused")
    two = keras.Model([inputs, unused_input], hidden, name="unused_input")
    return [tail, sequential_called, two, graph_models.residual_block().get_layer("add")]


@pytest.mark.parametrize("model", odd_but_valid_models(), ids=lambda m: m.name)
@pytest.mark.parametrize("expand_nested", [False, True])
def test_odd_but_valid_models_explain_without_crashing(model, expand_nested):
    e = explain(model, expand_nested=expand_nested)
    text = e.render(width=80) + e.render(width=60, ascii_only=True)
    assert e.totals_match and "Total params" in text


@pytest.mark.parametrize(
    "build", [graph_models.residual_block, graph_models.siamese, graph_models.two_level_nested, graph_models.subclassed]
)
def test_graph_models_are_not_modified(build):
    model = build()
    before = snapshot(model)
    str(explain(model, expand_nested=True))
    str(explain(model))
    after = snapshot(model)
    assert before[0] == after[0] and before[2:] == after[2:]


# -- diagram checks shared by the tests above ----------------------------------------


def assert_lanes_are_continuous(text: str) -> None:
    """Every gutter column: a lane opens with + on a data row, runs | and ends with +...> on an operation."""
    lines = text.splitlines()[2:]
    lines = lines[: next(i for i, line in enumerate(lines) if not line.strip())]
    column = 2
    while any(len(line) > column and line[column] in "|+" for line in lines):
        open_lane = False
        for index, line in enumerate(lines):
            char = line[column] if len(line) > column else " "
            if char == "|":
                assert open_lane, (column, line)
            elif char == "+":
                if "#####" in line:  # a data row starts a lane
                    assert not open_lane, (column, line)
                    open_lane = True
                else:  # an operation row joins it; the lane ends unless the next line carries it on
                    assert open_lane and ">" in line, (column, line)
                    following = lines[index + 1] if index + 1 < len(lines) else ""
                    open_lane = len(following) > column and following[column] in "|+"
            elif char in " -":  # nothing here, or another row's line crossing an empty column
                assert not open_lane, (column, line)
        assert not open_lane
        column += 2


def assert_weights_column_adds_up(text: str, total: int) -> None:
    rows = [line for line in text.splitlines() if " -----" in line]
    column = [int(re.split(r"\s{2,}", row.split("-----")[-1].strip())[0].replace(",", "")) for row in rows]
    assert sum(column) == total
