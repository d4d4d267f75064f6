"""Dense, and the built-in layers that create no weights."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import group
from ..class_lookup import classes_named
from ._quantization import (
    float8_terms,
    frozen_by_lora,
    group_index_term,
    lora_rank,
    lora_terms,
    quantization_of,
    quantized_matrix_terms,
)
from .registry import BuildShape, Formula, FormulaTerm, register_formula


@register_formula(keras.layers.Dense)
def dense(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Dense: kernel ``in*units`` + bias ``units`` = ``(in+1)*units``.

    Mirrors ``keras.layers.Dense.build``: the kernel is
    ``(input_shape[-1], units)``, so an N-D input is projected along its last
    axis only; the bias exists when ``use_bias``. After ``quantize("int8")``
    the kernel holds int8 values plus ``kernel_scale`` (one per unit); after
    ``quantize("int4")`` it is packed ``in*((units+1)//2)`` with per-unit
    scales, or per-block scales, zero points and ``g_idx`` when the int4
    config has a ``block_size`` (``Dense._int4_build``). Float8 adds six
    scaling variables (``_float8_build``). ``enable_lora(rank)`` freezes the
    kernel and adds ``lora_kernel_a`` ``in*rank`` and ``lora_kernel_b``
    ``rank*units`` (``Dense.enable_lora``).
    """
    units = int(config["units"])
    inputs = int(input_shape[-1])
    quantization = quantization_of(config)
    rank = lora_rank(config)
    terms = quantized_matrix_terms("kernel", [inputs], [units], quantization)
    terms = frozen_by_lora(terms, "kernel", rank)
    use_bias = bool(config.get("use_bias", True))
    if use_bias:
        terms.append(FormulaTerm("bias", str(units)))
    terms += float8_terms(quantization)
    terms += group_index_term([inputs], quantization)
    terms += lora_terms("lora_kernel", [inputs], [units], rank)
    compact = None
    if use_bias and quantization.mode is None and not rank:
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
    # Preprocessing and augmentation layers: lookup tables, hash functions and
    # random transforms hold no Keras variables (checked on 3.15.1).
    "AugMix",
    "AutoContrast",
    "CategoryEncoding",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix",
    "Discretization",
    "Equalization",
    "HashedCrossing",
    "Hashing",
    "IntegerLookup",
    "StringLookup",
    "TextVectorization",
    "MaxNumBoundingBoxes",
    "MelSpectrogram",
    "MixUp",
    "RandAugment",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "Solarization",
)

register_formula(*classes_named(keras.layers, WEIGHTLESS_LAYER_NAMES))(no_weights)


@register_formula(keras.layers.Pipeline)
def pipeline(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Pipeline: the sum of its layers' formulas, each named ``layer_name/weight``.

    ``Pipeline`` creates no weights of its own; it tracks the layers it chains
    (``Pipeline.__init__``), so their weights are its weights. Each layer is
    read at the build shape its own serialization recorded; a layer that
    recorded none is read at the pipeline's input shape, which is exact for
    the first layer and for layers whose weights do not depend on the shape.
    """
    from ._nested import frozen, nested_formula, prefixed  # avoid a cycle: _nested imports the registry

    terms: list[FormulaTerm] = []
    for serialized in config.get("layers", []):
        inner = nested_formula(serialized, input_shape)
        terms += frozen(prefixed(inner, serialized.get("config", {}).get("name")), serialized)
    return Formula(terms)
