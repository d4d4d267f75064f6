"""Views other than the diagram: dict/JSON, tabulate tables, Markdown, HTML and Jupyter display."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import keras
import pytest
import tabulate
from keras import layers

from ascii_explain import (
    Formula,
    FormulaTerm,
    LayerRecord,
    cli,
    examples,
    explain,
    register_formula,
    unregister_formula,
)
from ascii_explain.examples import EXAMPLES, seed003_batchnorm
from ascii_explain.views import exports as export

ROOT = Path(__file__).resolve().parent.parent
EVIL = "<evil&x>"


class Scale(layers.Layer):
    """A custom layer without a registered formula: explained from its weight shapes. Its weight's size
    (two more than the features) is no config value nor shape, so nothing can be inferred from it (issue 21)."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1] + 2,), name="scale")

    def call(self, inputs):
        return inputs * keras.ops.mean(self.scale)


class ForgetfulDense(layers.Dense):
    """A Dense whose registered formula (below) forgets the bias: a mismatch."""


@pytest.fixture
def forgetful_formula():
    @register_formula(ForgetfulDense)
    def forgetful(config, input_shape):
        return Formula([FormulaTerm("kernel", f"{input_shape[-1]}*{config['units']}")])

    yield
    unregister_formula(ForgetfulDense)


def marked_model(scale_name: str = "scale"):
    """Every kind of row the HTML highlights: formulas, non-trainable terms, a fallback, a mismatch."""
    keras.backend.clear_session()
    inputs = keras.Input((8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.MaxPooling2D(name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = Scale(name=scale_name)(x)
    outputs = ForgetfulDense(2, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name="marked")


# ----------------------------------------------------------------------------- dict / JSON


@pytest.mark.parametrize("name", ["seed000", "seed003", "seed004-separable"])
def test_json_round_trip(name):
    e = explain(examples.EXAMPLES[name]())
    assert json.loads(e.to_json()) == e.to_dict()
    assert json.loads(e.to_json(indent=None, sort_keys=False)) == e.to_dict()


def test_dict_has_every_record_field_and_the_totals(forgetful_formula):
    e = explain(marked_model())
    d = e.to_dict()
    record_fields = [field.name for field in dataclasses.fields(LayerRecord)]
    derived = ["trainable_params", "non_trainable_params", "matches", "is_fallback", "is_inferred", "neurons"]
    for layer, record in zip(d["layers"], e.layers, strict=True):
        assert list(layer) == record_fields + derived  # stable keys, in a stable order
        assert layer["name"] == record.name and layer["params"] == record.params
        assert layer["term_list"] == [dataclasses.asdict(term) for term in record.term_list]
        assert layer["trainable_params"] == record.trainable_params
    model = marked_model()
    assert d["model"] == {
        "name": "marked",
        "class": "Functional",
        # issue 4: the graph's kind and the layers making its inputs and outputs
        "kind": "functional",
        "inputs": [tensor._keras_history.operation.name for tensor in model.inputs],
        "outputs": [tensor._keras_history.operation.name for tensor in model.outputs],
    }
    assert d["totals"] == {
        "params": e.total_params,
        "trainable": e.trainable_params,
        "non_trainable": 8,
        "keras_params": marked_model().count_params(),
        "keras_trainable": e.keras_trainable_params,
        "keras_non_trainable": 8,
        "match": False,
    }
    assert d["mismatches"] == ["head"] and d["fallbacks"] == ["scale"]
    conv = d["layers"][1]
    assert conv["output_shape"] == [None, 6, 6, 4] and conv["formula"] == "(3*3*3+1)*4"


def test_dict_holds_json_types_only():
    def walk(value):
        assert not isinstance(value, tuple), value
        if isinstance(value, dict):
            assert all(isinstance(key, str) for key in value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            assert value is None or isinstance(value, (bool, int, float, str)), value

    walk(explain(examples.seed003_batchnorm()).to_dict())


def test_json_is_stable_between_two_explanations_of_the_same_model():
    keras.backend.clear_session()
    first = explain(examples.seed001_cnn()).to_json()
    keras.backend.clear_session()
    assert explain(examples.seed001_cnn()).to_json() == first


# ----------------------------------------------------------------------------- tables and Markdown


@pytest.mark.parametrize("fmt", tabulate.tabulate_formats)
def test_every_tabulate_format(fmt):
    e = explain(examples.seed000_small_cnn())
    table = e.table(fmt)
    assert "l1_conv2d" in table.replace("\\_", "_")
    assert "(3*3*3+1)*2 = 56" in table
    assert "140" in table and "52.8%" in table.replace("\\%", "%")


def test_markdown_format_is_github_and_errors_name_the_formats():
    e = explain(examples.seed000_small_cnn())
    assert e.table("markdown") == e.table("github") == e.table()
    table = e.table("markdown").splitlines()
    assert all(line.startswith("|") for line in table)
    assert "`kernel 3*3*3*2 + bias 2 = (3*3*3+1)*2 = 56`" in table[3]  # code spans: "*" is not emphasis
    assert table[-1].startswith("|    | total ") and " 265 | " in table[-1] and table[-1].endswith("265: agrees |")
    with pytest.raises(ValueError, match="unknown table format 'nope'.*github.*latex"):
        e.table("nope")


def test_to_markdown(forgetful_formula):
    md = explain(marked_model(scale_name=EVIL)).to_markdown()
    lines = md.splitlines()
    assert lines[0] == "**marked** (Functional)"
    assert lines[3].startswith("|-") and lines[2].startswith("|")
    # Arithmetic in code spans (no "*" read as emphasis), user text escaped.
    assert "`kernel 3*3*3*4 + bias 4 = (3*3*3+1)*4 = 112`" in md
    assert EVIL not in md and "&lt;evil&amp;x&gt;" in md
    assert "- ! 1 of" in md.replace("\\", "") and "- ? 1 layer has" in md
    total_row = next(line for line in lines if "| total " in line)
    assert total_row.startswith("| !") and "MISMATCH" in total_row  # formulas 238, Keras 240


# ----------------------------------------------------------------------------- HTML and Jupyter


def test_html_escapes_user_text():
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name=EVIL)], name='<m&"q">')
    e = explain(model)
    for html in (e.to_html(), e._repr_html_(), e._repr_mimebundle_()["text/html"]):
        assert EVIL not in html and "&lt;evil&amp;x&gt;" in html
        assert '<m&"q">' not in html and "&lt;m&amp;&quot;q&quot;&gt;" in html
    assert EVIL in e._repr_mimebundle_()["text/plain"]  # plain text needs no escaping


def test_mimebundle_has_plain_text_and_html():
    e = explain(examples.seed000_small_cnn())
    bundle = e._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == str(e)
    assert bundle["text/html"] == e._repr_html_() == e.to_html()


def test_html_highlights_mismatches_fallbacks_and_non_trainable_terms(forgetful_formula):
    html = explain(marked_model()).to_html()
    body = html.split("</style>", 1)[1]  # the rows and the header, not the stylesheet's class names
    rows = [line for line in body.splitlines() if line.startswith('<div class="ae-row')]
    head = next(row for row in rows if 'data-layer="head"' in row)
    scale = next(row for row in rows if 'data-layer="scale"' in row)
    # A class for the tint, and the sign and the words, for readers who do not see the tint.
    assert head.startswith('<div class="ae-row ae-mismatch"') and ">!</span>head " in head and "MISMATCH" in head
    assert scale.startswith('<div class="ae-row ae-fallback"') and ">?</span>scale " in scale
    assert "from weight shapes" in scale
    # moving_mean and moving_variance in bn's row, and the totals' reason line
    assert body.count('class="ae-nontrainable"') == 2 and body.count("ae-nontrainable") == 2 + 1
    assert sum("ae-mismatch" in row or "ae-fallback" in row for row in rows) == 2
    # The header lists both marked rows, before the first layer row.
    header = body[: body.index('data-layer="conv"')]
    assert "head (ForgetfulDense): MISMATCH" in header and "scale (Scale): from weight shapes" in header


def test_golden_html(golden, forgetful_formula):
    golden("marked.html", explain(marked_model()).to_html())


def test_importing_does_not_import_tabulate():
    code = (
        "import sys, ascii_explain; from ascii_explain import examples, explain; "
        "e = explain(examples.seed000_small_cnn()); str(e); e.to_dict(); e.to_html(); "
        "print('tabulate' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""},
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


# ----------------------------------------------------------------------------- the exporters behind --format


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
            self.offset = self.add_weight(shape=(input_shape[-1] + 2,), name="offset")  # matches nothing

        def call(self, x):
            return x + keras.ops.mean(self.offset)

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Offset(name="offset")(inputs))
    row = next(line for line in export.to_table(explain(model), "plain").splitlines() if " offset " in line)
    assert row.startswith("?") and "from weight shapes" in row


def test_help_lists_every_example():
    help_text = "".join(cli.build_parser().format_help().split())  # argparse may wrap at a hyphen
    for name in EXAMPLES:
        assert name in help_text
