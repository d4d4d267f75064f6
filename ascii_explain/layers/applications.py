"""Layers that keras.applications defines for its own models (ConvNeXt, InceptionResNetV2)."""

from __future__ import annotations

from typing import Any, Mapping

from keras.src.applications import convnext, inception_resnet_v2

from .formula import BuildShape, Formula, FormulaTerm
from .registry import register_formula
from .weightless import no_weights


@register_formula(convnext.LayerScale)
def layer_scale(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """ConvNeXt's LayerScale: ``gamma`` of ``projection_dim`` entries.

    Mirrors ``keras.src.applications.convnext.LayerScale.build``.
    """
    return Formula([FormulaTerm("gamma", str(int(config["projection_dim"])))])


# StochasticDepth drops residual branches at random; CustomScaleLayer multiplies
# by a constant from its config: neither creates weights (3.15.1).
register_formula(convnext.StochasticDepth, inception_resnet_v2.CustomScaleLayer)(no_weights)
