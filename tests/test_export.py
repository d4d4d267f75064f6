"""The minimal exporters behind --format: plain data, JSON, tables, HTML."""

from __future__ import annotations

import json

import keras
from keras import layers

from ascii_explain import cli, explain, export
from ascii_explain.examples import EXAMPLES, seed003_batchnorm


def test_json_is_to_dict_and_keeps_keras_numbers():
    explanation = explain(seed003_batchnorm())
    data = export.to_dict(explanation)
    assert json.loads(export.to_json(explanation)) == data
    assert data["totals"] == {
        "params": 37_633,
        "trainable": 37_569,
        "non_trainable": 64,
        "keras_params": 37_633,
        "keras_trainable": 37_569,
        "keras_non_trainable": 64,
        "match": True,
    }
    bn = next(layer for layer in data["layers"] if layer["name"] == "bn0")
    assert [term["name"] for term in bn["term_list"] if not term["trainable"]] == ["moving_mean", "moving_variance"]
    assert bn["output_shape"] == [None, 64, 64, 32]


def test_markdown_puts_formulas_in_code_spans_and_ends_with_totals():
    table = export.to_table(explain(seed003_batchnorm()), "markdown")
    assert "| conv0 " in table and "`kernel 7*7*3*32 + bias 32 = (7*7*3+1)*32 = 4736`" in table
    last = table.splitlines()[-1]
    assert "| total " in last and "37,633" in last and last.rstrip("| ").endswith("agrees")


def test_html_escapes_names():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(2, name="a<b>&c")(inputs), name="m<1>")
    page = export.to_html(explain(model))
    assert "a&lt;b&gt;&amp;c" in page and 'Model "m&lt;1&gt;"' in page
    assert "a<b>" not in page and "m<1>" not in page


def test_mismatch_and_fallback_rows_say_so():
    class Offset(layers.Layer):
        def build(self, input_shape):
            self.offset = self.add_weight(shape=(input_shape[-1],), name="offset")

        def call(self, x):
            return x + self.offset

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Offset(name="offset")(inputs))
    row = next(line for line in export.to_table(explain(model), "plain").splitlines() if " offset " in line)
    assert row.startswith("?") and "from weight shapes" in row


def test_help_lists_every_example():
    help_text = "".join(cli.build_parser().format_help().split())  # argparse may wrap at a hyphen
    for name in EXAMPLES:
        assert name in help_text
