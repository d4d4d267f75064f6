"""``from ascii_explain import keras2ascii`` (issue 23): keras_sequential_ascii 0.1.1's table for Keras 3 models."""

from __future__ import annotations

import contextlib
import inspect
import io
import warnings

import keras
import pytest

import ascii_explain
from ascii_explain import examples

from . import graph_models

with warnings.catch_warnings():  # its module has invalid escape sequences
    warnings.simplefilter("ignore")
    import keras_sequential_ascii
    from keras_sequential_ascii import main as ksa


def _keras3_jsonize(model: keras.Model) -> list[dict]:
    """keras_sequential_ascii's jsonize written with Keras 3's API (layer.input.shape): the independent reading."""
    result = []
    for layer in model.layers:
        # An InputLayer's input is its output (Keras 3 gives it no input tensor).
        source = layer.output if isinstance(layer, keras.layers.InputLayer) else layer.input
        result.append(
            {
                "name": layer.name,
                "kind": layer.__class__.__name__,
                "input_shape": tuple(keras.tree.flatten(source)[0].shape)[1:],
                "output_shape": tuple(layer.output.shape)[1:],
                "n_parameters": layer.count_params(),
                "activation": getattr(getattr(layer, "activation", None), "__name__", ""),
            }
        )
    return result


def _printed(function, *args, **kwargs) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        function(*args, **kwargs)
    return out.getvalue()


def test_the_original_fails_on_keras_3():
    with pytest.raises(AttributeError, match="input_shape"):
        _printed(keras_sequential_ascii.keras2ascii, examples.seed000_small_cnn())


def test_same_signature_as_keras_sequential_ascii():
    ours = inspect.signature(ascii_explain.keras2ascii).parameters.values()
    theirs = inspect.signature(keras_sequential_ascii.keras2ascii).parameters.values()
    assert [(p.name, p.default, p.kind) for p in ours] == [(p.name, p.default, p.kind) for p in theirs]


@pytest.mark.parametrize("options", [{}, {"sparser": True}, {"simplify": False}, {"header": False}])
@pytest.mark.parametrize("build", [examples.seed000_small_cnn, examples.seed002_vgg_mnist, examples.seed003_batchnorm])
def test_prints_what_the_original_prints_on_the_same_layers(build, options):
    model = build()
    # print_layers defaults to simplify=False; keras2ascii to simplify=True.
    expected = _printed(ksa.print_layers, _keras3_jsonize(model), **{"simplify": True, **options})
    assert _printed(ascii_explain.keras2ascii, model, **options) == expected


def test_seed000_classic_table():
    text = _printed(ascii_explain.keras2ascii, examples.seed000_small_cnn())
    lines = text.splitlines()
    assert lines[0] == "           OPERATION           DATA DIMENSIONS   WEIGHTS(N)   WEIGHTS(%)"
    assert lines[2] == "               Input   #####     16   16    3"
    assert lines[3] == "              Conv2D    \\|/  -------------------        56    21.1%"
    assert lines[4] == "                relu   #####     14   14    2"
    assert sum(int(line.split()[-2]) for line in lines if "-----" in line) == 265


def test_any_keras_3_model_prints_without_raising():
    for model in (graph_models.residual_block(), graph_models.two_level_nested(), graph_models.multi_io()):
        text = _printed(ascii_explain.keras2ascii, model)
        assert "WEIGHTS(%)" in text and "Input   #####" in text
