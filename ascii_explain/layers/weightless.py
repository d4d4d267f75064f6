"""The built-in layers that create no weights, in one table: 0 parameters, and what their mult-adds are.

Each name maps to how its mult-adds are counted:

- ``ZERO_MACS``: element-wise work, data movement, max/average pooling or a
  fixed rescaling; the README's convention counts these as 0 MACs.
- ``MACS_OWN``: the family module registers a MACs function (``Dot`` in
  ``merging.py``, ``UpSampling`` in ``reshaping.py``).
- ``MACS_UNKNOWN``: no MACs function on purpose, so the cost shows as unknown
  (``?``): ``Lambda`` runs arbitrary code, ``Resizing`` interpolates, the random
  augmentation and preprocessing layers' work is not a multiply-accumulate we
  model. The adaptive poolings were never given one either.

Layers with weights whose MACs are 0 by the same convention (``PReLU``,
``Embedding``, the normalizations) register :func:`zero_macs` in their own
family modules. Names missing from the installed Keras are skipped, so an
older or newer Keras still loads.
"""

from __future__ import annotations

from typing import Any, Mapping

import keras

from .formula import BuildShape, Formula
from .registry import OutputShapeArg, classes_named, register_formula, register_macs

ZERO_MACS = "0 MACs by convention"
MACS_OWN = "a MACs function in the family module"
MACS_UNKNOWN = "unknown MACs"


def no_weights(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """A layer that creates no weights: 0 parameters."""
    return Formula(())


def zero_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """No multiply-accumulate: element-wise work, data movement, lookups, pooling or normalization: 0."""
    return "0"


# Built-in layers that create no weights in any configuration, and how their MACs are counted.
WEIGHTLESS_LAYERS: dict[str, str] = {
    "InputLayer": ZERO_MACS,
    "Activation": ZERO_MACS,
    "ReLU": ZERO_MACS,
    "LeakyReLU": ZERO_MACS,
    "ELU": ZERO_MACS,
    "Softmax": ZERO_MACS,
    "Dropout": ZERO_MACS,
    "SpatialDropout1D": ZERO_MACS,
    "SpatialDropout2D": ZERO_MACS,
    "SpatialDropout3D": ZERO_MACS,
    "GaussianDropout": ZERO_MACS,
    "GaussianNoise": ZERO_MACS,
    "AlphaDropout": ZERO_MACS,
    "ActivityRegularization": ZERO_MACS,
    "Flatten": ZERO_MACS,
    "Reshape": ZERO_MACS,
    "Permute": ZERO_MACS,
    "RepeatVector": ZERO_MACS,
    "Identity": ZERO_MACS,
    "Masking": ZERO_MACS,
    "MaxPooling1D": ZERO_MACS,
    "MaxPooling2D": ZERO_MACS,
    "MaxPooling3D": ZERO_MACS,
    "AveragePooling1D": ZERO_MACS,
    "AveragePooling2D": ZERO_MACS,
    "AveragePooling3D": ZERO_MACS,
    "GlobalMaxPooling1D": ZERO_MACS,
    "GlobalMaxPooling2D": ZERO_MACS,
    "GlobalMaxPooling3D": ZERO_MACS,
    "GlobalAveragePooling1D": ZERO_MACS,
    "GlobalAveragePooling2D": ZERO_MACS,
    "GlobalAveragePooling3D": ZERO_MACS,
    "AdaptiveAveragePooling1D": MACS_UNKNOWN,
    "AdaptiveAveragePooling2D": MACS_UNKNOWN,
    "AdaptiveAveragePooling3D": MACS_UNKNOWN,
    "AdaptiveMaxPooling1D": MACS_UNKNOWN,
    "AdaptiveMaxPooling2D": MACS_UNKNOWN,
    "AdaptiveMaxPooling3D": MACS_UNKNOWN,
    "ZeroPadding1D": ZERO_MACS,
    "ZeroPadding2D": ZERO_MACS,
    "ZeroPadding3D": ZERO_MACS,
    "Cropping1D": ZERO_MACS,
    "Cropping2D": ZERO_MACS,
    "Cropping3D": ZERO_MACS,
    "UpSampling1D": MACS_OWN,
    "UpSampling2D": MACS_OWN,
    "UpSampling3D": MACS_OWN,
    "Add": ZERO_MACS,
    "Subtract": ZERO_MACS,
    "Multiply": ZERO_MACS,
    "Average": ZERO_MACS,
    "Maximum": ZERO_MACS,
    "Minimum": ZERO_MACS,
    "Concatenate": ZERO_MACS,
    "Dot": MACS_OWN,
    "Lambda": MACS_UNKNOWN,
    "Rescaling": ZERO_MACS,
    "Resizing": MACS_UNKNOWN,
    "CenterCrop": ZERO_MACS,
    "RandomCrop": MACS_UNKNOWN,
    "RandomFlip": MACS_UNKNOWN,
    "RandomRotation": MACS_UNKNOWN,
    "RandomZoom": MACS_UNKNOWN,
    "RandomTranslation": MACS_UNKNOWN,
    "RandomContrast": MACS_UNKNOWN,
    "RandomBrightness": MACS_UNKNOWN,
    "UnitNormalization": ZERO_MACS,
    # Preprocessing and augmentation layers: lookup tables, hash functions and
    # random transforms hold no Keras variables (checked on 3.15.1).
    "AugMix": MACS_UNKNOWN,
    "AutoContrast": MACS_UNKNOWN,
    "CategoryEncoding": MACS_UNKNOWN,
    "ContrastLimitedAdaptiveHistogramEqualization": MACS_UNKNOWN,
    "CutMix": MACS_UNKNOWN,
    "Discretization": MACS_UNKNOWN,
    "Equalization": MACS_UNKNOWN,
    "HashedCrossing": MACS_UNKNOWN,
    "Hashing": MACS_UNKNOWN,
    "IntegerLookup": MACS_UNKNOWN,
    "StringLookup": MACS_UNKNOWN,
    "TextVectorization": MACS_UNKNOWN,
    "MaxNumBoundingBoxes": MACS_UNKNOWN,
    "MelSpectrogram": MACS_UNKNOWN,
    "MixUp": MACS_UNKNOWN,
    "RandAugment": MACS_UNKNOWN,
    "RandomColorDegeneration": MACS_UNKNOWN,
    "RandomColorJitter": MACS_UNKNOWN,
    "RandomElasticTransform": MACS_UNKNOWN,
    "RandomErasing": MACS_UNKNOWN,
    "RandomGaussianBlur": MACS_UNKNOWN,
    "RandomGrayscale": MACS_UNKNOWN,
    "RandomHue": MACS_UNKNOWN,
    "RandomInvert": MACS_UNKNOWN,
    "RandomPerspective": MACS_UNKNOWN,
    "RandomPosterization": MACS_UNKNOWN,
    "RandomSaturation": MACS_UNKNOWN,
    "RandomSharpness": MACS_UNKNOWN,
    "RandomShear": MACS_UNKNOWN,
    "Solarization": MACS_UNKNOWN,
}

register_formula(*classes_named(keras.layers, WEIGHTLESS_LAYERS))(no_weights)
register_macs(*classes_named(keras.layers, [name for name, macs in WEIGHTLESS_LAYERS.items() if macs == ZERO_MACS]))(
    zero_macs
)
