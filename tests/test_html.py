"""The notebook view's HTML, read as text: header first, the tree's groups, numbers, bars, merges, documents.

The browser tests (test_html_browser.py) check what a reader sees; these check
what the HTML says, on every model the other tests build in a few lines.
"""

from __future__ import annotations

import html
import random
import re

import keras
import pytest
from keras import layers

from ascii_explain import examples, explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.views.html_tree import FOLD_AT, FoldNode, LayerNode, RepeatNode, build_tree, flatten
from ascii_explain.views.units import short_bytes, short_count
from tests import graph_models

keras_hub = pytest.importorskip("keras_hub")


def _tiny_llama():
    from tests.test_transformers import tiny_llama

    return tiny_llama()


def _body(page: str) -> str:
    """The view without its stylesheet (whose selectors name every class)."""
    return re.sub(r"<style>.*?</style>", "", page, flags=re.S)


# ----------------------------------------------------------------------------- readable numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (999, "999"),
        (1_000, "1 K"),
        (1_234, "1.23 K"),
        (99_960, "100 K"),
        (999_960, "1 M"),
        (6_738_415_616, "6.74 B"),  # Llama-2-7B's parameters
        (30_923_764_531_200, "30.9 T"),  # its mult-adds at 4,096 tokens
    ],
)
def test_short_count(value, text):
    assert short_count(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(512, "512 B"), (1_023, "1,023 B"), (1_024, "1 KB"), (1_060, "1.04 KB"), (26_953_662_464, "25.1 GB")],
)
def test_short_bytes(value, text):
    assert short_bytes(value) == text


def test_short_numbers_are_within_rounding_of_the_exact_value():
    rng = random.Random(22)
    for _ in range(2_000):
        value = int(10 ** rng.uniform(0, 16))
        for short, base, units in ((short_count, 1000, ("", "K", "M", "B", "T", "P")),
                                   (short_bytes, 1024, ("B", "KB", "MB", "GB", "TB", "PB"))):
            digits, _, unit = short(value).replace(",", "").partition(" ")
            if short is short_count and not unit:
                assert int(digits) == value
                continue
            shown = float(digits) * base ** units.index(unit or "")
            assert abs(shown - value) <= 0.005 * value + 0.5, (value, short(value))
            assert float(digits) < base  # never "1024 KB" or "1000 K"


# ----------------------------------------------------------------------------- header first


def test_header_comes_before_the_first_layer_row_and_carries_the_totals():
    e = explain(keras.applications.ResNet50(weights=None))
    page = _body(e.to_html())
    assert page.index('class="ae-header"') < page.index("data-layer=") < page.index("</div>\n</div>")
    header = page[: page.index("data-layer=")]
    assert f'title="{e.keras_total_params:,}">25.6 M<' in header  # Keras's total, exact on hover
    assert f'title="{e.total_macs:,}">{short_count(e.total_macs)}<' in header
    assert f'title="{e.activation_bytes:,} bytes">{short_bytes(e.activation_bytes)}<' in header
    assert "Every weighted layer&#x27;s formula agrees with Keras&#x27;s count_params() (107 of 107)" in header
    assert e.total_macs == sum(r.macs for r in e.top_level if r.macs)


def test_header_shows_the_kv_cache_and_training_memory_when_known():
    model = _tiny_llama()
    e = explain(model, input_shape=(1, 16), optimizer="adam", batch_size=2)
    header = _body(e.to_html()).split('class="ae-tree"')[0]
    assert e.kv_cache_bytes and f'title="{e.kv_cache_bytes:,} bytes"' in header and "Key/value cache" in header
    assert e.training_memory is not None and e.training_memory.total
    assert f'title="{e.training_memory.total:,} bytes"' in header
    assert "with Adam" in header or "with adam" in header.lower()


# ----------------------------------------------------------------------------- the tree


def test_identical_blocks_are_one_group_that_opens_to_its_members():
    model = _tiny_llama()
    e = explain(model, input_shape=(1, 16))
    page = _body(e.to_html())
    group = re.search(r'<details class="ae-group"( open)?><summary class="ae-row ae-repeat"[^>]*>(.*?)</summary>', page)
    assert group and group.group(1) is None  # folded unless expand_repeats
    assert '<span class="ae-count">2 ×</span> <span class="ae-class-strong">LlamaTransformerDecoder' in group.group(2)
    block = e.layer("transformer_layer_0").params
    assert f"2 × {block:,} = {2 * block:,}" in group.group(2)  # the arithmetic of the group's count
    members = page[group.end() : page.index("</details>\n<div", group.end())]
    assert re.findall(r'data-layer="(transformer_layer_\d)"', members) == ["transformer_layer_0", "transformer_layer_1"]
    # What starts open: explain()'s expand_repeats, or to_html's own.
    assert '<details class="ae-group" open>' in explain(model, input_shape=(1, 16), expand_repeats=True).to_html()
    assert '<details class="ae-group" open>' in e.to_html(expand_repeats=True)


def test_a_composite_block_opens_to_its_parts_with_labelled_mult_adds():
    model = _tiny_llama()
    e = explain(model, input_shape=(1, 16))
    expanded = explain(model, input_shape=(1, 16), expand_nested=True)
    block = e.layer("transformer_layer_0")
    inner = [r for r in expanded.layers if r.parent.endswith("transformer_layer_0") and r.depth == 1]
    # Each part's mult-adds is its own row's, and they add up to the block's.
    assert dict(block.macs_parts) == {r.name: str(r.macs) for r in inner if r.macs}
    assert sum(evaluate(expression) for _, expression in block.macs_parts) == block.macs == evaluate(block.macs_formula)
    page = html.unescape(_body(e.to_html()))
    for name, expression in block.macs_parts:
        assert re.search(rf"macs    {name} +{re.escape(expression)}<", page)
    for term in block.term_list:
        assert re.search(rf"params  {term.name} +{re.escape(term.expression)} ", page)
    # Expanded, the block's own line names its parts too.
    labelled = " + ".join(f"{name} {expression}" for name, expression in block.macs_parts)
    assert f"macs    {labelled} = {block.macs}" in html.unescape(expanded.to_html())


def test_expand_nested_decides_what_starts_open():
    nested = explain(graph_models.two_level_nested(), expand_nested=True)
    page = _body(nested.to_html())
    assert page.count('<details class="ae-node" open>') >= 1 and '<details class="ae-node">' not in page
    closed = _body(nested.to_html(expand_nested=False))
    assert '<details class="ae-node" open>' not in closed and closed.count('<details class="ae-node">') >= 1
    # The inner rows sit inside their container's <details>, in the view model's order.
    tree = build_tree(nested.view_model().layers)
    assert [layer.record.name for layer in flatten(tree)] == [r.name for r in nested.layers]
    assert any(isinstance(node, LayerNode) and node.children for node in tree)


def test_long_runs_of_weightless_rows_fold():
    e = explain(examples.seed000_small_cnn())
    tree = build_tree(e.view_model().layers)
    folds = [node for node in tree if isinstance(node, FoldNode)]
    assert len(folds) == 1 and len(folds[0].members) >= FOLD_AT
    assert all(member.layer.record.params == 0 for member in folds[0].members)
    page = _body(e.to_html())
    fold = page[page.index('<details class="ae-weightless">') :]
    fold = fold[: fold.index("</details>")]
    assert f"{len(folds[0].members)} layers without weights" in fold
    assert [f'data-layer="{m.layer.record.name}"' in fold for m in folds[0].members] == [True] * len(folds[0].members)
    assert [layer.record.name for layer in flatten(tree)] == [r.name for r in e.layers]  # nothing lost, nothing twice


def test_a_merge_row_names_what_it_reads():
    e = explain(graph_models.residual_block())
    page = _body(e.to_html())
    merge = next(r for r in e.layers if len(r.inbound) > 1)
    row = next(line for line in page.splitlines() if f'data-layer="{merge.name}"' in line)
    assert f'<div class="ae-detail ae-reads" style="--ae-indent:2.2em">← {", ".join(merge.inbound)}</div>' in row


def test_share_bars_are_as_long_as_the_share():
    e = explain(examples.seed000_small_cnn())
    page = _body(e.to_html())
    view = {layer.record.name: layer for layer in e.view_model().layers}
    for record in e.layers:
        if not record.params:
            continue
        row = next(line for line in page.splitlines() if f'data-layer="{record.name}"' in line)
        widths = re.findall(r'<span style="width:([\d.]+)%">', row)
        assert float(widths[0]) == round(view[record.name].percent, 1)
        assert record.macs is not None
        assert float(widths[1]) == round(100 * record.macs / e.total_macs, 1)


def test_the_view_runs_no_script_and_fetches_nothing():
    for e in (explain(examples.seed003_batchnorm()), explain(_tiny_llama(), input_shape=(1, 16))):
        page = e.to_html().lower()
        assert "<script" not in page
        assert not re.search(r"\son\w+=[\"']", page)  # no event handler attributes
        assert "http" not in page and "url(" not in page and "@import" not in page and "src=" not in page


def test_save_html_writes_a_complete_document(tmp_path):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="d")], name='m<"&>')
    e = explain(model)
    path = tmp_path / "e.html"
    e.save_html(path)
    document = path.read_text(encoding="utf-8")
    assert document.startswith("<!DOCTYPE html>\n<html") and document.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in document
    assert "<title>m&lt;&quot;&amp;&gt; (Sequential) - ascii_explain</title>" in document
    assert e.to_html() in document  # the same view, styles and all


def test_markdown_collapses_repeats_as_the_text_does():
    model = _tiny_llama()
    e = explain(model, input_shape=(1, 16))
    markdown = e.to_markdown()
    block = e.layer("transformer_layer_0").params
    (row,) = [line for line in markdown.splitlines() if "LlamaTransformerDecoder" in line]
    assert "transformer\\_layer\\_0 … transformer\\_layer\\_1" in row and "2 × LlamaTransformerDecoder" in row
    assert re.search(rf"\|\s+{2 * block:,} \|", row) and "each of 2: `" in row
    assert e.render().count("LlamaTransformerDec") == 1  # the text draws the run once too (its label cut to fit)
    expanded = e.to_markdown(expand_repeats=True)
    assert sum("LlamaTransformerDecoder" in line for line in expanded.splitlines()) == 2


def test_tree_keeps_every_record_once_on_random_repeats():
    """RepeatNode members are the records collapse_repeats merged, in order, for every Llama size."""
    for num_layers in (1, 3):
        keras.backend.clear_session()
        model = keras_hub.models.LlamaBackbone(
            vocabulary_size=20, num_layers=num_layers, hidden_dim=8, intermediate_dim=16,
            num_query_heads=2, num_key_value_heads=1,
        )
        e = explain(model, input_shape=(1, 4))
        tree = build_tree(e.view_model().layers)
        assert [layer.record.name for layer in flatten(tree)] == [r.name for r in e.layers]
        repeats = [node for node in tree if isinstance(node, RepeatNode)]
        assert len(repeats) == (1 if num_layers > 1 else 0)
        if repeats:
            assert repeats[0].group.repeat == len(repeats[0].members) == num_layers


def test_golden_html_tiny_llama(golden):
    golden("llama_tiny_t16.html", explain(_tiny_llama(), input_shape=(1, 16)).to_html())


def test_names_cannot_open_attributes_or_elements():
    """Layer and model names land in text, ``data-layer`` attributes, titles and the document's title."""
    keras.backend.clear_session()
    evil = 'x" onmouseover="alert(1)" <img>\x1b[31m'
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(3, name=evil), layers.Dropout(0.1, name=evil + "2")], name=evil + "m"
    )
    e = explain(model)
    for page in (e.to_html(), e.to_html(expand_nested=True, expand_repeats=True)):
        assert not re.search(r"\son\w+=[\"']", page) and "<img" not in page and "\x1b" not in page
        assert 'data-layer="x&quot; onmouseover=&quot;alert(1)&quot; &lt;img&gt;\\x1b[31m"' in page


def test_several_outputs_are_each_written_whole_and_the_list_wraps() -> None:
    """DepthAnything's neck has four outputs: they read ``8 × 8 × 8 | 16 × 16 × 8``, each on one line, the list
    free to wrap (it read ``8 × 8 × 8 × | × 16`` and ran over the next columns)."""
    from ascii_explain.views.html_cells import dims_html

    written = dims_html(((None, 8, 8, 8), (None, 16, 16, 8)))
    assert written == (
        '<span class="ae-shapes"><span class="ae-shape">8 × 8 × 8</span> | '
        '<span class="ae-shape">16 × 16 × 8</span></span>'
    )
    assert dims_html((None, 26, 26, 32)) == "26 × 26 × 32"
    css = explain(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])).to_html()
    assert ".ae-shapes{white-space:normal}" in css and ".ae-shape{white-space:nowrap}" in css
