"""Normalization layers whose weights follow the normalized axes."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import product
from ._shapes import axes
from .registry import BuildShape, Formula, FormulaTerm, register_formula

STATISTICS_REASON = "moving statistics, updated by the forward pass, not by gradients"


@register_formula(keras.layers.BatchNormalization)
def batch_normalization(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """BatchNormalization: one vector per statistic over the ``axis`` dimension(s).

    Mirrors ``BatchNormalization.build``: gamma (if ``scale``) and beta (if
    ``center``) are trainable; moving_mean and moving_variance are updated by
    the forward pass, not by the optimizer, so Keras counts them as
    non-trainable (seed 003: ``4*32 = 128``, of which 64 non-trainable).
    With ``renorm`` Keras adds moving_stddev, renorm_mean and renorm_stddev,
    all non-trainable.
    """
    shape = input_shape
    size = product(int(shape[axis]) for axis in axes(config.get("axis", -1)))
    terms = []
    if config.get("scale", True):
        terms.append(FormulaTerm("gamma", size))
    if config.get("center", True):
        terms.append(FormulaTerm("beta", size))
    statistics = ["moving_mean", "moving_variance"]
    if config.get("renorm", False):
        statistics += ["moving_stddev", "renorm_mean", "renorm_stddev"]
    terms += [FormulaTerm(name, size, trainable=False, reason=STATISTICS_REASON) for name in statistics]
    return Formula(terms, compact=f"{len(terms)}*{size}")
