"""Layers nobody registered a formula for, explained from their config and shapes (issue 21, item 2).

The inferred terms name each weight's dimensions (``kernel 64*128 (input 64 * units 128)``);
their arithmetic must still evaluate to ``count_params()``, and the names must be the
config values and shapes that really gave each dimension.
"""

from __future__ import annotations

import re
from typing import Any

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.build.inferred import UNMATCHED, config_values, infer_formula, shape_values
from ascii_explain.checks import formula_problems
from ascii_explain.read.facts import WeightFacts

from .keras_io_corpus import KERAS_IO_MODELS


def _weight(name: str, *shape: int, trainable: bool = True) -> WeightFacts:
    return WeightFacts(name, tuple(shape), "float32", trainable, id=hash((name, shape)), created_trainable=trainable)


# -- on hand-written facts ---------------------------------------------------------------------


def test_kernel_dimensions_are_named_input_then_units() -> None:
    # a Dense-like kernel (64, 128) on input (None, 10, 64) with units 128: 64*128 + 128 = 8320
    formula = infer_formula({"units": 128, "use_bias": True}, (None, 10, 64), (None, 10, 128),
                            [_weight("kernel", 64, 128), _weight("bias", 128)])
    assert formula is not None
    details = [term.detail for term in formula.terms]
    assert details == ["input 64 * units 128", "units 128"]
    assert [term.expression for term in formula.terms] == ["64*128", "128"]
    assert evaluate(formula.expression) == 64 * 128 + 128


def test_a_dimension_matching_nothing_is_said_so_and_still_counted() -> None:
    # scale (16, 7): 16 is hidden_dim, 7 is nothing the layer knows; 16*7 = 112
    formula = infer_formula({"hidden_dim": 16}, (None, 4), (None, 4), [_weight("scale", 16, 7)])
    assert formula is not None
    (term,) = formula.terms
    assert term.detail == f"hidden_dim 16 * 7 {UNMATCHED}"
    assert evaluate(term.expression) == 112


def test_product_of_two_config_values_is_written_as_both_factors() -> None:
    # a fused projection (16, 4*8): num_heads 4 times head_dim 8 gives 32; 16*4*8 = 512.
    # A single value is preferred to a product: at (32, 32) the input and the output name both axes.
    formula = infer_formula({"num_heads": 4, "head_dim": 8}, (None, 5, 32), (None, 5, 32), [_weight("w", 32, 32)])
    assert formula is not None
    (term,) = formula.terms
    assert term.detail == "input 32 * output 32"
    formula = infer_formula({"num_heads": 4, "head_dim": 8}, (None, 5, 16), (None, 5, 16), [_weight("w", 16, 32)])
    assert formula is not None
    (term,) = formula.terms
    assert term.detail == "input 16 * num_heads 4 * head_dim 8" and term.expression == "16*4*8"
    assert evaluate(term.expression) == 16 * 32


def test_half_a_config_value_is_named_as_such() -> None:
    # a rotary inv_freq of dim // 2 = 4 for dim 8
    formula = infer_formula({"dim": 8}, None, None, [_weight("inv_freq", 4, trainable=False)])
    assert formula is not None
    (term,) = formula.terms
    assert term.detail == "dim 8 / 2" and term.expression == "(8//2)" and evaluate(term.expression) == 4
    assert term.trainable is False


def test_relative_position_tables_are_named_as_offsets_between_positions() -> None:
    # BoTNet's r_height (key_dim 8, 2*8-1) on queries (None, heads 2, 8, 8, key_dim 8): 8*15 = 120
    formula = infer_formula({}, (None, 2, 8, 8, 8), (None, 2, 64, 64), [_weight("r_height", 8, 15)])
    assert formula is not None
    (term,) = formula.terms
    assert term.expression == "8*(2*8-1)" and evaluate(term.expression) == 120
    assert term.detail == "input axis 2 8 * 2*input axis 2 8 - 1"
    # HaloNet's: 2x2 query blocks (4 heads) against 4x4 key blocks (position_height 4): 4+2-1 = 5 offsets
    formula = infer_formula({"position_height": 4}, (None, 4, 2, 2, 8), None, [_weight("r_width", 8, 5)])
    assert formula is not None
    (term,) = formula.terms
    assert term.expression == "8*(4+2-1)" and term.detail == "input 8 * position_height 4 + input axis 2 2 - 1"
    # Swin's bias table of a 4x4 window, 2 heads: (2*4-1)*(2*4-1) = 49 offsets per head
    formula = infer_formula({"attn_height": 4}, (None, 2, 16, 16), None, [_weight("pos_emb", 2, 49)])
    assert formula is not None
    (term,) = formula.terms
    assert term.expression == "2*(2*4-1)*(2*4-1)" and evaluate(term.expression) == 98
    assert term.detail == "input axis 1 2 * (2*attn_height 4 - 1)*(2*attn_height 4 - 1)"


def test_a_features_axis_gives_no_offsets() -> None:
    # 7 = 2*4-1 of a 4-feature input would be a coincidence: the last axis holds features, not positions
    formula = infer_formula({}, (None, 4), (None, 4), [_weight("w", 4, 7)])
    assert formula is not None and formula.terms[0].detail == f"input 4 * 7 {UNMATCHED}"


def test_nothing_matched_is_not_inferred() -> None:
    assert infer_formula({}, (None, 5), (None, 5), [_weight("table", 11)]) is None
    assert infer_formula(None, None, None, [_weight("table", 11, 13)]) is None


def test_a_scalar_weight_and_ones_need_no_names() -> None:
    formula = infer_formula({"units": 3}, (None, 3), (None, 3), [_weight("w", 1, 3), _weight("offset")])
    assert formula is not None
    assert [term.detail for term in formula.terms] == ["1 * units 3", ""]
    assert [term.expression for term in formula.terms] == ["1*3", "1"]


def test_config_values_read_the_top_level_integers_and_lists_only() -> None:
    named = config_values({"units": 4, "kernel_size": [3, 5], "use_bias": True, "seed": 7, "name": "x",
                           "initializer": {"config": {"seed": 3}}, "rate": 0.5})
    assert [(n.name, n.value) for n in named] == [("units", 4), ("kernel_size[0]", 3), ("kernel_size[1]", 5)]


def test_shape_values_name_the_last_axis_and_the_others_by_position() -> None:
    named = shape_values((None, 6, 8), "input")
    assert [(n.name, n.value) for n in named] == [("input axis 1", 6), ("input", 8)]
    named = shape_values(((None, 3), (None, 4)), "input")
    assert [(n.name, n.value) for n in named] == [("input 0", 3), ("input 1", 4)]


# -- on Keras layers ---------------------------------------------------------------------------


class Projection(keras.layers.Layer):
    """A user's layer: a kernel (input, heads*head_dim), a per-head scale, and a non-trainable table."""

    def __init__(self, heads: int = 2, head_dim: int = 4, table: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heads, self.head_dim, self.table = heads, head_dim, table

    def build(self, input_shape: Any) -> None:
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.heads * self.head_dim))
        self.scale = self.add_weight(name="scale", shape=(self.heads,))
        self.lookup = self.add_weight(name="lookup", shape=(self.table, self.head_dim), trainable=False)

    def call(self, inputs: Any) -> Any:
        return keras.ops.matmul(inputs, self.kernel)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "heads": self.heads, "head_dim": self.head_dim, "table": self.table}


def _projection_record(features: int, heads: int, head_dim: int, table: int) -> Any:
    layer = Projection(heads, head_dim, table, name="projection")
    model = keras.Sequential([keras.Input((features,)), layer])
    before = [(v.path, tuple(v.shape)) for v in model.weights]
    e = explain(model)
    assert [(v.path, tuple(v.shape)) for v in model.weights] == before  # explain only reads
    return layer, e


@settings(max_examples=25, deadline=None)
@given(
    features=st.integers(1, 40),
    heads=st.integers(1, 9),
    head_dim=st.integers(1, 9),
    table=st.integers(1, 12),
)
def test_inferred_terms_evaluate_to_count_params_at_random_configs(
    features: int, heads: int, head_dim: int, table: int
) -> None:
    layer, e = _projection_record(features, heads, head_dim, table)
    record = e.layer("projection")
    assert record.params == evaluate(record.formula) == layer.count_params() == record.keras_params
    for term in record.term_list:
        assert evaluate(term.expression) == term.count
    by_name = {term.name: term for term in record.term_list}
    assert by_name["lookup"].trainable is False
    assert record.state in ("inferred", "weights")
    if features > 1 and features != heads * head_dim:
        assert record.state == "inferred"
        # the kernel's first axis is the input's features, whatever config value happens to equal it
        assert by_name["kernel"].detail.startswith(f"input {features} *")
    if record.state == "inferred":
        assert not formula_problems(e)  # inferred is a fact, not a failure of --check
        for term in record.term_list:
            factors = [piece.split() for piece in term.detail.split(" * ")] if term.detail else []
            for factor in factors:  # every named factor is the value it claims
                if len(factor) >= 2 and UNMATCHED not in " ".join(factor):
                    name, value = " ".join(factor[:-1]), int(factor[-1])
                    known = {"input": features, "heads": heads, "head_dim": head_dim, "table": table,
                             "output": heads * head_dim}
                    assert known[name] == value, (term, known)


def test_keras_io_custom_layers_are_inferred_and_named() -> None:
    e = explain(KERAS_IO_MODELS["custom_weights"]())
    linear = e.layer("linear")
    assert linear.state == "inferred"
    assert [term.detail for term in linear.term_list] == ["input 4 * units 8", "units 8"]
    assert linear.params == linear.keras_params == 40
    running = e.layer("running_sum")
    assert running.state == "inferred" and running.params == running.keras_params == 8
    text = e.render(width=100)
    # Keras names an unnamed weight "variable", "variable_1"... by how many the process made before
    assert re.search(r"variable(_\d+)? 4\*8 \(input 4 \* units 8\)", text), text
    assert "~ 2 rows inferred from config" in text
    assert not formula_problems(e)
    assert e.to_dict()["layers"][1]["is_inferred"] is True


@pytest.mark.parametrize("name", sorted(KERAS_IO_MODELS))
def test_every_keras_io_model_has_no_row_counted_only_from_weight_shapes(name: str) -> None:
    e = explain(KERAS_IO_MODELS[name]())
    # A model's own latent array (4, 8) sized by nothing its config or shapes say is honestly "?"
    unexplainable = [r for r in e.fallbacks if r.placement != "own_weights"]
    assert not unexplainable, [(r.name, r.class_name, r.terms) for r in unexplainable]
    for record in e.inferred:
        assert record.params == evaluate(record.formula) == record.keras_params
        assert all(term.detail or term.expression == "1" for term in record.term_list)


class ScaledBlock(keras.layers.Layer):
    """A composite with a weight of its own: a per-feature ``gamma`` beside a Dense sublayer."""

    def __init__(self, dim: int = 8, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dim = dim
        self.dense = keras.layers.Dense(dim, name="dense")

    def build(self, input_shape: Any) -> None:
        self.gamma = self.add_weight(shape=(self.dim,), name="gamma")
        self.dense.build(input_shape)

    def call(self, inputs: Any) -> Any:
        return self.dense(inputs) * self.gamma

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dim": self.dim}


def test_a_composites_own_weights_are_inferred_not_a_fallback_part() -> None:
    inputs = keras.Input((5, 8))
    e = explain(keras.Model(inputs, ScaledBlock(8, name="block")(inputs)))
    record = e.layer("block")
    # dense (8+1)*8 = 72, gamma 8 named by the config's dim
    assert record.terms == {"dense": "72", "gamma": "8"}
    assert [term.detail for term in record.term_list][1] == "dim 8"
    assert record.fallback_parts == () and not e.fallbacks
    assert record.params == record.keras_params == 80


def test_a_hostile_config_key_naming_a_dimension_reaches_no_view_raw() -> None:
    """Config keys are the model's text: an inferred term's description is made safe like any name."""
    hostile = "units\x1b[31m<b>"

    class Hostile(keras.layers.Layer):
        def build(self, input_shape: Any) -> None:
            self.kernel = self.add_weight(shape=(input_shape[-1], 6), name="kernel")

        def call(self, inputs: Any) -> Any:
            return keras.ops.matmul(inputs, self.kernel)

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), hostile: 6}

    inputs = keras.Input((4,))
    e = explain(keras.Model(inputs, Hostile(name="hostile")(inputs)))
    record = e.layer("hostile")
    assert record.state == "inferred" and hostile in record.term_list[0].detail  # the record keeps the fact
    text, html = e.render(width=120), e.to_html()
    # the notebook view bolds its own totals (<b>), never the model's text: the key is escaped
    assert "\x1b" not in text and "\x1b" not in html and hostile not in html and "units\\x1b[31m&lt;b&gt;" in html
    assert "input 4 * units" in text
