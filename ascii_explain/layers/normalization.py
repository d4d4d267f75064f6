"""Normalization layers whose weights follow the normalized axes."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import product
from .dims import axes
from .formula import BuildShape, Formula, FormulaTerm
from .registry import register_formula, register_macs
from .weightless import zero_macs

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


def _axes_size(axis: Any, input_shape: BuildShape) -> str:
    """The product of the input's sizes along ``axis`` (an int or a list of ints)."""
    shape = input_shape  # type: ignore[assignment]
    return product(int(shape[a]) for a in sorted(axes(axis)))  # type: ignore[index]


@register_formula(keras.layers.LayerNormalization)
def layer_normalization(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """LayerNormalization: gamma (``scale``) and beta (``center``), each the product of the ``axis`` sizes.

    Mirrors ``LayerNormalization.build``: both have shape
    ``tuple(input_shape[a] for a in axis)``. The deprecated ``rms_scaling``
    keeps gamma and drops beta.
    """
    size = _axes_size(config.get("axis", -1), input_shape)
    rms = bool(config.get("rms_scaling", False))
    terms = []
    if config.get("scale", True) or rms:
        terms.append(FormulaTerm("gamma", size))
    if config.get("center", True) and not rms:
        terms.append(FormulaTerm("beta", size))
    return Formula(terms, f"2*{size}" if len(terms) == 2 else None)


@register_formula(keras.layers.GroupNormalization)
def group_normalization(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """GroupNormalization: gamma and beta over the ``axis`` channels, whatever ``groups`` is.

    Mirrors ``GroupNormalization.build``: gamma (``scale``) and beta
    (``center``) have shape ``(input_shape[axis],)``; groups only changes
    which channels share statistics.
    """
    channels = str(int(input_shape[int(config.get("axis", -1))]))  # type: ignore[index]
    terms = []
    if config.get("scale", True):
        terms.append(FormulaTerm("gamma", channels))
    if config.get("center", True):
        terms.append(FormulaTerm("beta", channels))
    return Formula(terms, f"2*{channels}" if len(terms) == 2 else None)


@register_formula(keras.layers.RMSNormalization)
def rms_normalization(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """RMSNormalization: one ``scale`` vector, the product of the ``axis`` sizes.

    Mirrors ``RMSNormalization.build``.
    """
    return Formula([FormulaTerm("scale", _axes_size(config.get("axis", -1), input_shape))])


ADAPTED_REASON = "statistics set by adapt(), not by gradients"


@register_formula(keras.layers.Normalization)
def normalization(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Normalization (preprocessing): mean and variance over the kept ``axis`` sizes, plus ``count``.

    Mirrors ``Normalization.build``: without a given ``mean``/``variance``
    the layer creates ``mean`` and ``variance`` of shape
    ``tuple(input_shape[a] for a in axis)`` and a scalar ``count``, all
    non-trainable (they are learned by ``adapt()``). With ``mean`` and
    ``variance`` passed to the constructor it stores constants, not weights.
    """
    if config.get("mean") is not None:
        return Formula(())
    shape = input_shape  # type: ignore[assignment]
    rank = len(shape)  # type: ignore[arg-type]
    axis = config.get("axis", -1)
    kept = sorted({a % rank for a in (axes(axis) if axis is not None else [])})
    size = product(int(shape[a]) for a in kept)  # type: ignore[index]
    terms = [
        FormulaTerm("mean", size, trainable=False, reason=ADAPTED_REASON),
        FormulaTerm("variance", size, trainable=False, reason=ADAPTED_REASON),
        FormulaTerm("count", "1", trainable=False, reason=ADAPTED_REASON),
    ]
    return Formula(terms)


# Normalization's per-element scale and shift are not multiply-accumulates
# (README convention): 0 MACs.
register_macs(
    keras.layers.BatchNormalization,
    keras.layers.LayerNormalization,
    keras.layers.GroupNormalization,
    keras.layers.RMSNormalization,
    keras.layers.Normalization,
)(zero_macs)
