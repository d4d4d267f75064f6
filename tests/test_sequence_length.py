"""The sequence length as a symbol (issue 24, item 3): costs as polynomials in T, and ``e.at(T=n)``.

The polynomials are the MACs and cache functions' own expressions with ``T``
put in for the unknown axis (``build/sequence.py``); checked here against
explaining at ``input_shape=(1, n)`` — a symbolic forward pass of the model at
that length, through the same functions with numbers — for several n, on a
tiny Llama, GPT-2, BERT and a plain Keras Transformer block, and at one length
on every text model of the keras-hub corpus.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascii_explain import explain
from ascii_explain.arithmetic import evaluate
from ascii_explain.polynomial import SEQUENCE, Polynomial, PolynomialError, evaluate_polynomial

keras_hub = pytest.importorskip("keras_hub")

from . import hub_corpus  # noqa: E402
from .test_transformers import ARCHITECTURES  # noqa: E402

LENGTHS = (1, 5, 24, 100)


# ----------------------------------------------------------------- the polynomial evaluator


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-50, 50)), max_size=6), st.integers(0, 300))
def test_a_polynomials_text_evaluates_to_itself_at_every_length(terms, length):
    polynomial = sum((Polynomial({degree: c}) for degree, c in terms), Polynomial())
    text = polynomial.text()
    assert evaluate_polynomial(text) == polynomial
    # with T written as the number, the integer evaluator agrees: the printed expression is the value
    assert evaluate(text.replace("T**2", f"{length}*{length}").replace("T**3", f"{length}*{length}*{length}")
                    .replace("T", str(length))) == polynomial.at(length)


def test_expressions_the_macs_functions_write_collect_into_a_polynomial():
    # MultiHeadAttention-style: q, k, v, scores, values, output over T tokens (hidden 16, 2 heads of 8)
    text = "T*16*2*8 + T*16*2*8 + T*16*2*8 + 2*T*T*8 + 2*T*T*8 + T*2*8*16"
    polynomial = evaluate_polynomial(text)
    assert polynomial.terms == {2: 32, 1: 1024}
    assert polynomial.text() == "32*T**2 + 1024*T"
    for n in LENGTHS:
        assert polynomial.at(n) == evaluate(text.replace("T", str(n)))


def test_a_symbolic_dimension_flows_through_a_product_and_refuses_int():
    tokens = SEQUENCE * 3
    assert evaluate_polynomial(f"{tokens}*16") == Polynomial({1: 48})
    with pytest.raises(TypeError, match="not a number until T is chosen"):
        int(tokens)
    with pytest.raises(PolynomialError, match="division by T"):
        evaluate_polynomial("16//T")
    assert evaluate_polynomial("(3*T)//8").at(8) == 3  # eighths of a byte: exact, rounded up by bytes' users
    assert evaluate_polynomial("(3*T)//8").at(3) == Fraction(9, 8)
    with pytest.raises(PolynomialError):
        evaluate_polynomial("__import__('os')")


# ----------------------------------------------------------------- against explaining at the length


def _transformer_block() -> keras.Model:
    """A plain Keras Transformer block over token ids: embedding, self-attention, residual norms, feed-forward."""
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(50, 16, name="embedding")(tokens)
    attended = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8, name="attention")(x, x)
    x = keras.layers.LayerNormalization(name="norm_1")(keras.layers.Add(name="add_1")([x, attended]))
    h = keras.layers.Dense(32, activation="relu", name="ffn_in")(x)
    h = keras.layers.Dense(16, name="ffn_out")(h)
    x = keras.layers.LayerNormalization(name="norm_2")(keras.layers.Add(name="add_2")([x, h]))
    return keras.Model(tokens, keras.layers.Dense(50, name="logits")(x), name="keras_block")


MODELS = {
    "llama": hub_corpus.llama, "gpt2": hub_corpus.gpt2, "bert": hub_corpus.bert, "keras_block": _transformer_block,
}


def _model(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MODELS[name]()


def _has_unknown_axis(shape):
    if shape is None:
        return True
    if shape and all(isinstance(part, tuple) for part in shape):
        return any(_has_unknown_axis(part) for part in shape)
    return any(dim is None for dim in shape[1:])


def _assert_at_equals_explained(e, model, length, batch=1, partial=False, features=()):
    """``partial``: rows whose count is not a polynomial in T (T5's cross-attention, whose key length its
    build shape does not hold) are unknown in ``at``, never a wrong number; every other row agrees."""
    at = e.at(T=length)
    concrete = explain(model, input_shape=(batch, length, *features))
    if partial and at.macs_unknown:
        known = {name: macs for name, macs in at.macs_by_layer.items() if macs is not None}
        assert known == {r.name: r.macs for r in concrete.called_rows if r.name in known}
        assert at.total_macs < concrete.total_macs
        return concrete
    assert at.total_macs == concrete.total_macs
    assert at.macs_unknown == tuple(r.name for r in concrete.macs_unknown)
    assert at.macs_by_layer == {r.name: r.macs for r in concrete.called_rows}
    if concrete.activation_bytes is None and any(_has_unknown_axis(r.output_shape) for r in concrete.top_level):
        # input_shape's trace leaves a nested backbone's (several) output shapes unread (BertTextClassifier's
        # dict of outputs): the concrete total is unknown where the polynomial is not; compare the rest row by row
        by_row = {r.name: r.output_bytes for r in concrete.top_level if r.output_bytes is not None}
        for name, size in by_row.items():
            row = e.sequence.row(name)
            assert row is not None and evaluate_polynomial(row.output_bytes).at(length) * batch == size * batch
    else:
        assert at.activation_bytes == concrete.activation_bytes
    assert at.kv_cache_bytes == concrete.kv_cache_bytes
    return concrete


@pytest.mark.parametrize("name", sorted(MODELS))
def test_at_T_equals_explaining_at_that_input_shape(name):
    model = _model(name)
    e = explain(model)
    assert e.sequence is not None and not e.sequence.note
    assert e.macs_in_length is not None and "T**2" in e.macs_in_length  # attention: T x T products
    assert evaluate_polynomial(e.macs_in_length_grouped or "") == evaluate_polynomial(e.macs_in_length)
    for length in LENGTHS:
        concrete = _assert_at_equals_explained(e, model, length)
        # the printed polynomial itself evaluates to the number
        assert evaluate_polynomial(e.macs_in_length).at(length) == concrete.total_macs
        if concrete.kv_cache_bytes is not None:
            assert evaluate_polynomial(e.kv_cache_bytes_in_length or "").at(length) == concrete.kv_cache_bytes


def test_the_polynomials_coefficients_are_the_models_numbers():
    """Tiny Llama (L=2 blocks, h=16, Hq=4, Hkv=2, D=4, I=32): per block q and o ``2*T*h*Hq*D``, k and v
    ``2*T*h*Hkv*D``, scores and values ``2*Hq*T*T*D``, feed-forward ``3*T*h*I``."""
    L, h, hq, hkv, d, i = 2, 16, 4, 2, 4, 32
    e = explain(_model("llama"))
    expected = Polynomial({2: L * 2 * hq * d, 1: L * (2 * h * hq * d + 2 * h * hkv * d + 3 * h * i)})
    assert evaluate_polynomial(e.macs_in_length or "") == expected
    assert e.kv_cache_bytes_in_length == f"{2 * L * hkv * d * 4}*T"  # float32 keys and values


def test_the_readme_example_is_the_tiny_llama_as_printed():
    from pathlib import Path

    model = keras_hub.models.LlamaBackbone(vocabulary_size=50, num_layers=2, hidden_dim=16,
                                           intermediate_dim=32, num_query_heads=4, num_key_value_heads=2)
    e = explain(model)
    text = e.render(width=100)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    totals = text[text.index("Mult-adds:") : text.index("Inputs (2)")].rstrip("\n")
    assert totals in readme
    assert "macs    32*T**2 + 2304*T (in the sequence length T)" in text
    assert (e.macs_in_length_grouped, e.macs_in_length, e.kv_cache_bytes_in_length) == (
        "2*(32*T**2 + 2304*T)", "64*T**2 + 4608*T", "128*T"
    )
    assert e.at(T=2048).total_macs == 277872640 == explain(model, input_shape=(1, 2048)).total_macs


def test_batch_size_scales_the_memory_not_the_macs():
    model = _model("gpt2")
    e = explain(model, batch_size=3)
    _assert_at_equals_explained(e, model, 7, batch=3)


# encoder-decoders whose cross-attention count needs the call's key shape, which only input_shape's trace records;
# Qwen3.5's gated delta nets, which keras-hub runs on the sequence padded to whole 64-token chunks: not a
# polynomial in T, so their blocks are unknown in T (never a wrong number)
PARTIAL = {"t5", "qwen3_5", "qwen3_5_moe"}


@pytest.mark.parametrize("name", sorted(name for name, shape in ARCHITECTURES.items() if len(shape) == 2))
def test_every_text_model_of_the_corpus_agrees_at_one_length(name):
    """Where the costs are polynomials in T they equal the concrete explanation; where not, a note says why."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = hub_corpus.HUB_MODELS[name]()
        e = explain(model)
        if e.sequence is None or e.sequence.note:
            pytest.skip(f"{name}: no costs in T ({e.sequence.note if e.sequence else 'no unknown axis'})")
        _assert_at_equals_explained(e, model, 8, partial=name in PARTIAL)


# The image models of tests/hub_corpus.py outside ARCHITECTURES (whose shapes say which take images).
IMAGE_CLASSIFIERS = ("resnet", "vgg", "vit_classifier")


def _token_models():
    """Every keras-hub model of the corpus whose inputs are all (batch, length): ARCHITECTURES or not."""
    names = []
    for name in sorted(hub_corpus.HUB_MODELS):
        shape = ARCHITECTURES.get(name, (1, 8))
        if name in hub_corpus.VISION_MODELS or name in IMAGE_CLASSIFIERS or not isinstance(shape, tuple):
            continue
        if len(shape) == 2:
            names.append(name)
    return names


@pytest.mark.parametrize("name", _token_models())
def test_a_printed_polynomial_is_the_count_at_a_length_on_every_token_model(name):
    """No wrong number in T: the printed polynomial (and its grouped form) is the concrete count at a length, or
    there is none. XLNet's relative attention, RWKV7's time mix and Gemma3n's AltUp contract in their own call,
    which only a traced length counts: they were once the sum of their parts, a polynomial short of those."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = hub_corpus.HUB_MODELS[name]()
        assert all(len(tensor.shape) == 2 for tensor in model.inputs), name  # the list above is right
        e = explain(model)
        concrete = explain(model, input_shape=(1, 8))
    assert e.sequence is not None, name
    if e.macs_in_length is None:
        assert e.macs_unknown, name  # unknown in T is said, row by row
        return
    assert evaluate_polynomial(e.macs_in_length).at(8) == concrete.total_macs
    assert evaluate_polynomial(e.macs_in_length_grouped or "") == evaluate_polynomial(e.macs_in_length)
    assert e.at(T=8).total_macs == concrete.total_macs


def test_own_contractions_leave_the_count_in_T_unknown_not_short():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("xlnet", "rwkv7", "gemma3n"):
            e = explain(hub_corpus.HUB_MODELS[name]())
            assert e.macs_in_length is None, name
            notes = " ".join(row.macs_note for row in e.sequence.rows)
            assert "input_shape=(1, T)" in notes, (name, notes)
            totals = " ".join(e.render(width=200).split())
            assert "(at a length: explain(model, input_shape=(1, T)))" in totals, name


def test_no_costs_in_T_when_the_length_is_known_or_may_change():
    fixed = keras.Sequential([keras.Input((10, 8)), keras.layers.Dense(4)])
    assert explain(fixed).sequence is None
    with pytest.raises(ValueError, match="no unknown sequence length"):
        explain(fixed).at(T=4)
    strided = keras.Sequential([keras.Input((None, 8)), keras.layers.Conv1D(4, 3, strides=2, name="conv")])
    sequence = explain(strided).sequence
    assert sequence is not None
    note = sequence.note
    assert "'conv' may change the sequence length" in note
    with pytest.raises(ValueError, match="may change the sequence length"):
        explain(strided).at(T=9)
    image = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Dense(2)])
    image_sequence = explain(image).sequence
    assert image_sequence is not None and "more than one unknown axis" in image_sequence.note
    with pytest.raises(ValueError, match="positive integer"):
        explain(_model("keras_block")).at(T=0)


def test_explain_in_T_only_reads_the_model():
    model = _model("llama")
    before = [v.numpy().copy() for v in model.weights]
    built = [layer.built for layer in model._flatten_layers()]
    e = explain(model)
    e.at(T=9)
    assert [layer.built for layer in model._flatten_layers()] == built
    assert all((a == v.numpy()).all() for a, v in zip(before, model.weights, strict=True))


def test_recurrent_and_dense_models_over_an_unknown_length_agree_too():
    """Not only attention: an LSTM's ``T*4*(in*units + units*units)`` and a Dense on every position."""
    tokens = keras.Input((None, 8), name="frames")
    x = keras.layers.LSTM(4, return_sequences=True, name="lstm")(tokens)
    x = keras.layers.Dense(3, name="dense")(x)
    model = keras.Model(tokens, keras.layers.GRU(2, name="gru")(x))
    e = explain(model)
    assert e.layer("lstm").macs_in_length == f"{4 * (8 * 4 + 4 * 4)}*T"
    for length in (1, 6, 13):
        _assert_at_equals_explained(e, model, length, features=(8,))


def test_the_json_carries_the_costs_in_T():
    e = explain(_model("llama"))
    data = e.to_dict()["sequence"]
    assert data == {
        "symbol": "T",
        "note": "",
        "macs": e.macs_in_length,
        "activation_bytes_per_sample": e.activation_bytes_in_length,
        "kv_cache_bytes_per_sample": e.kv_cache_bytes_in_length,
    }
    blocks = [layer for layer in e.to_dict()["layers"] if layer["macs_in_length"]]
    assert [layer["macs_in_length"] for layer in blocks] == ["32*T**2 + 2304*T"] * 2
    assert explain(_model("llama"), input_shape=(1, 4)).to_dict()["sequence"] is None


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_notebook_header_gives_the_costs_in_T_as_the_text_does(name):
    """At an unknown sequence length the HTML header once said "at least 0 per sample": it gives the polynomial,
    which evaluates to the numbers explaining at that length gives."""
    import html as html_module

    e = explain(_model(name))
    page = html_module.unescape(e.to_html())
    assert e.macs_in_length is not None and e.activation_bytes_in_length is not None
    assert f"<b>{e.macs_in_length}</b> per sample at sequence length T" in page
    assert f"{e.activation_bytes_in_length} bytes per sample at sequence length T" in page
    assert "at least <b>0</b>" not in page
    assert "per sample at sequence length T" in str(e)  # as the text view says it
    plan = explain(_model(name), optimizer="adam").training_memory
    assert plan is not None and plan.total is None and plan.known_total  # the activations need T
    assert "+ activations unknown for a batch of 1 with Adam" in html_module.unescape(
        explain(_model(name), optimizer="adam").to_html()
    )
