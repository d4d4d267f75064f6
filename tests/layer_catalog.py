"""A buildable default for every class in ``keras.layers``, for the coverage test.

``build_default(layer_class)`` returns a built instance of the class with a
reasonable default configuration and input, or raises ``NotBuildable``
for the classes listed in ``NOT_GENERICALLY_BUILDABLE`` (each with the reason
and the test that covers it instead).
"""

from __future__ import annotations

from typing import Any, Callable

import keras

L = keras.layers


class NotBuildable(Exception):
    pass


# Classes that cannot be built from a default config here, and why. Each one is
# covered elsewhere, as noted.
NOT_GENERICALLY_BUILDABLE = {
    # Abstract bases: no weights of their own; subclasses are covered.
    "Layer": "abstract base class (custom layers: tests/test_fallback.py)",
    "Wrapper": "abstract base of Bidirectional/TimeDistributed/SpectralNormalization (tests/test_formulas_wrappers.py)",
    # Bridges to other frameworks or files: need JAX/Flax, PyTorch or a SavedModel on disk.
    "FlaxLayer": "needs the JAX backend and flax; its weights are the Flax module's, counted from weight shapes",
    "JaxLayer": "needs the JAX backend; its weights are the JAX function's params, counted from weight shapes",
    "TorchModuleWrapper": "needs the torch backend; counted from weight shapes",
    "TFSMLayer": "needs an exported SavedModel on disk; counted from weight shapes",
}

# Every symbolic input the catalog feeds: (shape without batch, dtype).
IMAGE = ((8, 8, 3), "float32")
SEQUENCE = ((5, 6), "float32")
VECTOR = ((6,), "float32")
VOLUME = ((4, 4, 4, 3), "float32")

Factory = Callable[[], Any]


def _call(layer: Any, *inputs: Any, **kwargs: Any) -> Any:
    layer(*inputs, **kwargs)
    return layer


def _inp(shape: tuple, dtype: str = "float32") -> Any:
    return keras.Input(shape, dtype=dtype)


# name -> a function returning a built layer. Layers not listed are built as
# ``cls()`` on the first of IMAGE, SEQUENCE, VECTOR that they accept.
SPECIAL: dict[str, Factory] = {
    "InputLayer": lambda: L.InputLayer(shape=(3,)),
    "Dense": lambda: _call(L.Dense(4), _inp((6,))),
    "EinsumDense": lambda: _call(L.EinsumDense("abc,cd->abd", output_shape=(5, 4), bias_axes="d"), _inp((5, 6))),
    "Embedding": lambda: _call(L.Embedding(10, 4), _inp((5,), "int32")),
    "ReversibleEmbedding": lambda: _call(L.ReversibleEmbedding(10, 4, tie_weights=False), _inp((5,), "int32")),
    "Conv1D": lambda: _call(L.Conv1D(4, 3), _inp((8, 3))),
    "Conv2D": lambda: _call(L.Conv2D(4, 3), _inp((8, 8, 3))),
    "Conv3D": lambda: _call(L.Conv3D(4, 3), _inp((5, 5, 5, 3))),
    "Conv1DTranspose": lambda: _call(L.Conv1DTranspose(4, 3), _inp((8, 3))),
    "Conv2DTranspose": lambda: _call(L.Conv2DTranspose(4, 3), _inp((8, 8, 3))),
    "Conv3DTranspose": lambda: _call(L.Conv3DTranspose(4, 3), _inp((5, 5, 5, 3))),
    "SeparableConv1D": lambda: _call(L.SeparableConv1D(4, 3), _inp((8, 3))),
    "SeparableConv2D": lambda: _call(L.SeparableConv2D(4, 3), _inp((8, 8, 3))),
    "DepthwiseConv1D": lambda: _call(L.DepthwiseConv1D(3), _inp((8, 3))),
    "DepthwiseConv2D": lambda: _call(L.DepthwiseConv2D(3), _inp((8, 8, 3))),
    "ConvLSTM1D": lambda: _call(L.ConvLSTM1D(2, 3), _inp((4, 8, 3))),
    "ConvLSTM2D": lambda: _call(L.ConvLSTM2D(2, 3), _inp((4, 8, 8, 3))),
    "ConvLSTM3D": lambda: _call(L.ConvLSTM3D(2, 3), _inp((2, 5, 5, 5, 3))),
    "SimpleRNN": lambda: _call(L.SimpleRNN(3), _inp((5, 6))),
    "LSTM": lambda: _call(L.LSTM(3), _inp((5, 6))),
    "GRU": lambda: _call(L.GRU(3), _inp((5, 6))),
    "SimpleRNNCell": lambda: _built(L.SimpleRNNCell(3), (None, 6)),
    "LSTMCell": lambda: _built(L.LSTMCell(3), (None, 6)),
    "GRUCell": lambda: _built(L.GRUCell(3), (None, 6)),
    "RNN": lambda: _call(L.RNN(L.LSTMCell(3)), _inp((5, 6))),
    "StackedRNNCells": lambda: _built(L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2)]), (None, 6)),
    "Bidirectional": lambda: _call(L.Bidirectional(L.LSTM(3)), _inp((5, 6))),
    "TimeDistributed": lambda: _call(L.TimeDistributed(L.Dense(3)), _inp((5, 6))),
    "SpectralNormalization": lambda: _call(L.SpectralNormalization(L.Dense(3)), _inp((6,))),
    "MultiHeadAttention": lambda: _call(L.MultiHeadAttention(2, 3), _inp((4, 8)), _inp((5, 6))),
    "GroupedQueryAttention": lambda: _call(L.GroupQueryAttention(4, 4, 2), _inp((4, 8)), _inp((5, 8))),
    "Attention": lambda: _call(L.Attention(use_scale=True, score_mode="concat"), [_inp((4, 6)), _inp((5, 6))]),
    "AdditiveAttention": lambda: _call(L.AdditiveAttention(), [_inp((4, 6)), _inp((5, 6))]),
    "GroupNormalization": lambda: _call(L.GroupNormalization(groups=3), _inp((8, 8, 6))),
    "Normalization": lambda: _call(L.Normalization(), _inp((6,))),
    "STFTSpectrogram": lambda: _call(L.STFTSpectrogram(frame_length=16, window=None), _inp((64, 1))),
    "MelSpectrogram": lambda: _call(L.MelSpectrogram(fft_length=64, sequence_stride=16), _inp((256,))),
    "Add": lambda: _call(L.Add(), [_inp((6,)), _inp((6,))]),
    "Subtract": lambda: _call(L.Subtract(), [_inp((6,)), _inp((6,))]),
    "Multiply": lambda: _call(L.Multiply(), [_inp((6,)), _inp((6,))]),
    "Average": lambda: _call(L.Average(), [_inp((6,)), _inp((6,))]),
    "Maximum": lambda: _call(L.Maximum(), [_inp((6,)), _inp((6,))]),
    "Minimum": lambda: _call(L.Minimum(), [_inp((6,)), _inp((6,))]),
    "Concatenate": lambda: _call(L.Concatenate(), [_inp((6,)), _inp((6,))]),
    "Dot": lambda: _call(L.Dot(axes=1), [_inp((6,)), _inp((6,))]),
    "Reshape": lambda: _call(L.Reshape((3, 2)), _inp((6,))),
    "Permute": lambda: _call(L.Permute((2, 1)), _inp((5, 6))),
    "RepeatVector": lambda: _call(L.RepeatVector(3), _inp((6,))),
    "Lambda": lambda: _call(L.Lambda(lambda x: x * 2), _inp((6,))),
    "Resizing": lambda: _call(L.Resizing(4, 4), _inp((8, 8, 3))),
    "CenterCrop": lambda: _call(L.CenterCrop(4, 4), _inp((8, 8, 3))),
    "RandomCrop": lambda: _call(L.RandomCrop(4, 4), _inp((8, 8, 3))),
    "RandomRotation": lambda: _call(L.RandomRotation(0.1), _inp((8, 8, 3))),
    "RandomZoom": lambda: _call(L.RandomZoom(0.1), _inp((8, 8, 3))),
    "RandomTranslation": lambda: _call(L.RandomTranslation(0.1, 0.1), _inp((8, 8, 3))),
    "RandomContrast": lambda: _call(L.RandomContrast(0.1), _inp((8, 8, 3))),
    "RandomBrightness": lambda: _call(L.RandomBrightness(0.1), _inp((8, 8, 3))),
    "Rescaling": lambda: _call(L.Rescaling(1 / 255), _inp((8, 8, 3))),
    "Dropout": lambda: _call(L.Dropout(0.5), _inp((6,))),
    "SpatialDropout1D": lambda: _call(L.SpatialDropout1D(0.5), _inp((5, 6))),
    "SpatialDropout2D": lambda: _call(L.SpatialDropout2D(0.5), _inp((8, 8, 3))),
    "SpatialDropout3D": lambda: _call(L.SpatialDropout3D(0.5), _inp((4, 4, 4, 3))),
    "GaussianDropout": lambda: _call(L.GaussianDropout(0.5), _inp((6,))),
    "GaussianNoise": lambda: _call(L.GaussianNoise(0.5), _inp((6,))),
    "AlphaDropout": lambda: _call(L.AlphaDropout(0.5), _inp((6,))),
    "Activation": lambda: _call(L.Activation("relu"), _inp((6,))),
    "Masking": lambda: _call(L.Masking(), _inp((5, 6))),
    "CategoryEncoding": lambda: _call(L.CategoryEncoding(num_tokens=5), _inp((3,), "int32")),
    "Discretization": lambda: _call(L.Discretization(bin_boundaries=[0.0, 1.0]), _inp((6,))),
    "Hashing": lambda: _call(L.Hashing(num_bins=4), _inp((3,), "int32")),
    "HashedCrossing": lambda: _call(L.HashedCrossing(num_bins=4), (_inp((1,), "int32"), _inp((1,), "int32"))),
    "IntegerLookup": lambda: _call(L.IntegerLookup(vocabulary=[1, 2, 3]), _inp((3,), "int64")),
    "StringLookup": lambda: _call(L.StringLookup(vocabulary=["a", "b"]), _inp((3,), "string")),
    "TextVectorization": lambda: _call(L.TextVectorization(vocabulary=["a", "b"]), _inp((1,), "string")),
    "Pipeline": lambda: _call(L.Pipeline([L.Rescaling(2.0), L.Normalization(mean=1.0, variance=2.0)]), _inp((6,))),
    "MaxNumBoundingBoxes": lambda: _call(L.MaxNumBoundingBoxes(max_number=3), _inp((8, 8, 3))),
    "RandomElasticTransform": lambda: _call(L.RandomElasticTransform(), _inp((8, 8, 3))),
    "RandomPerspective": lambda: _call(L.RandomPerspective(), _inp((8, 8, 3))),
}


def _built(layer: Any, shape: tuple) -> Any:
    layer.build(shape)
    return layer


def build_default(layer_class: type) -> Any:
    name = layer_class.__name__
    if name in NOT_GENERICALLY_BUILDABLE:
        raise NotBuildable(NOT_GENERICALLY_BUILDABLE[name])
    if name in SPECIAL:
        return SPECIAL[name]()
    errors = []
    # No arguments, else one small positional argument (a pool size, an
    # output size, an augmentation factor), on each input rank in turn.
    for arguments in ((), (2,), (0.5,)):
        for shape, dtype in (IMAGE, SEQUENCE, VECTOR, VOLUME):
            try:
                layer = layer_class(*arguments)
                layer(keras.Input(shape, dtype=dtype))
                return layer
            except Exception as error:  # noqa: BLE001 - try the next candidate
                errors.append(f"{arguments} on {shape}: {type(error).__name__}: {error}")
    raise AssertionError(f"{name} has no default in tests/layer_catalog.py and cls() failed: {errors}")


def public_layer_classes() -> list[type]:
    """Each distinct Layer subclass exported by ``keras.layers`` (aliases such as Conv2D/Convolution2D once)."""
    seen: dict[type, str] = {}
    for attribute in sorted(dir(keras.layers)):
        value = getattr(keras.layers, attribute)
        if isinstance(value, type) and issubclass(value, keras.layers.Layer) and value not in seen:
            seen[value] = attribute
    return list(seen)
