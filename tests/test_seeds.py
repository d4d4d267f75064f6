"""Acceptance: the seeds' models and figures, exactly as their authors worked them out."""

from __future__ import annotations

import pytest

from ascii_explain import examples, explain
from ascii_explain.arithmetic import evaluate

from .helpers import assert_record_consistent


def weighted(explanation):
    return [(r.class_name, r.params) for r in explanation.layers if r.params]


def check_whole(explanation):
    for record in explanation.layers:
        assert_record_consistent(record)
    assert explanation.mismatches == []
    assert explanation.fallbacks == []
    assert explanation.totals_match


def test_seed000_small_cnn():
    e = explain(examples.seed000_small_cnn())
    check_whole(e)
    assert weighted(e) == [("Conv2D", 56), ("Conv2D", 57), ("Dense", 140), ("Dense", 12)]
    assert e.total_params == 265 and e.trainable_params == 265 and e.non_trainable_params == 0
    first = e.layer("l1_conv2d")
    assert first.formula == "(3*3*3+1)*2"
    assert first.terms == {"kernel": "3*3*3*2", "bias": "2"}
    assert first.output_shape == (None, 14, 14, 2)
    assert first.neurons == 392
    assert e.layer("l3_conv2d").formula == "(3*3*2+1)*3"
    assert e.layer("l3_conv2d").output_shape == (None, 6, 6, 3)
    assert e.layer("l7_flatten").neurons == 27
    assert e.layer("l8_dense").formula == "(27+1)*5"
    assert e.layer("l10_dense").formula == "(5+1)*2"
    for name in ("l2_act_relu", "l5_mpool2d", "l6_dropout", "l7_flatten"):
        assert e.layer(name).params == 0 and e.layer(name).formula == "0"


def test_seed001_mlp():
    e = explain(examples.seed001_mlp())
    check_whole(e)
    assert [p for _, p in weighted(e)] == [35, 104, 70]
    assert e.total_params == 209
    assert [r.formula for r in e.layers if r.params] == ["(4+1)*7", "(7+1)*13", "(13+1)*5"]


def test_seed001_cnn():
    e = explain(examples.seed001_cnn())
    check_whole(e)
    assert [p for _, p in weighted(e)] == [224, 12352, 16448, 32896, 1290]
    assert e.layers[0].formula == "(3*2*1+1)*32"
    assert e.layers[0].output_shape == (None, 6, 7, 32)
    assert e.layers[6].class_name == "Flatten" and e.layers[6].neurons == 256


def test_seed001_dcnn():
    e = explain(examples.seed001_dcnn())
    check_whole(e)
    assert [p for _, p in weighted(e)] == [25, 63, 557582, 1590]
    assert e.layers[0].formula == "(2*2*1+1)*5"
    assert e.layers[0].output_shape == (None, 41, 111, 5)
    assert e.layers[2].formula == "(2*2*5+1)*3"
    assert e.layers[3].neurons == 3528


def test_seed002_vgg_mnist():
    e = explain(examples.seed002_vgg_mnist())
    check_whole(e)
    assert [p for _, p in weighted(e)] == [320, 9248, 18496, 36928, 262400, 2570]
    assert e.total_params == 329_962
    assert e.layers[0].output_shape == (None, 26, 26, 32)


def test_seed003_batchnorm_non_trainable():
    e = explain(examples.seed003_batchnorm())
    check_whole(e)
    assert e.layer("conv0").params == 4736
    bn = e.layer("bn0")
    assert bn.params == 128 and bn.formula == "4*32"
    assert bn.trainable_params == 64 and bn.non_trainable_params == 64
    assert {t.name for t in bn.term_list if not t.trainable} == {"moving_mean", "moving_variance"}
    assert e.layer("fc").params == 32769
    assert (e.total_params, e.trainable_params, e.non_trainable_params) == (37633, 37569, 64)
    assert e.layers[0].class_name == "InputLayer" and e.layers[0].params == 0


def test_seed004_mnist_cnn():
    e = explain(examples.seed004_mnist_cnn())
    check_whole(e)
    assert [p for _, p in weighted(e)] == [320, 18496, 36928]
    assert e.total_params == 55744


def test_seed004_separable():
    e = explain(examples.seed004_separable())
    check_whole(e)
    assert [p for _, p in weighted(e)] == [320, 1344, 2400, 4736, 8896, 17664, 147584, 1290]
    assert e.total_params == 184_234
    first_separable = e.layers[1]
    assert first_separable.terms == {"depthwise_kernel": "3*3*32", "pointwise_kernel": "32*32", "bias": "32"}
    assert evaluate(first_separable.terms["depthwise_kernel"]) == 288
    assert evaluate(first_separable.terms["pointwise_kernel"]) + 32 == 1056


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
def test_every_example_is_fully_explained(name):
    check_whole(explain(examples.EXAMPLES[name]()))
