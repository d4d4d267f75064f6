"""Dense, and the built-in layers that create no weights."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import group, product
from .registry import BuildShape, Formula, FormulaTerm, register_formula


@register_formula(keras.layers.Dense)
def dense(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Dense: kernel ``in*units`` + bias ``units`` = ``(in+1)*units``.

    Mirrors ``keras.layers.Dense.build``: the kernel is
    ``(input_shape[-1], units)``, so an N-D input is projected along its last
    axis only; the bias exists when ``use_bias``.
    """
    units = int(config["units"])
    inputs = int(input_shape[-1])
    terms = [FormulaTerm("kernel", product([inputs, units]))]
    compact = None
    if config.get("use_bias", True):
        terms.append(FormulaTerm("bias", str(units)))
        compact = f"{group(f'{inputs}+1')}*{units}"
    return Formula(terms, compact)


def no_weights(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """A layer that creates no weights: 0 parameters."""
    return Formula(())


# Built-in layers that create no weights in any configuration. Names missing
# from the installed Keras are skipped, so an older or newer Keras still loads.
WEIGHTLESS_LAYER_NAMES = (
    "InputLayer",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "ActivityRegularization",
    "Flatten",
    "Reshape",
    "Permute",
    "RepeatVector",
    "Identity",
    "Masking",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
    "Lambda",
    "Rescaling",
    "Resizing",
    "CenterCrop",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomZoom",
    "RandomTranslation",
    "RandomContrast",
    "RandomBrightness",
    "UnitNormalization",
)

for _name in WEIGHTLESS_LAYER_NAMES:
    _layer_class = getattr(keras.layers, _name, None)
    if isinstance(_layer_class, type):
        register_formula(_layer_class)(no_weights)
