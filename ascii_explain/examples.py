"""The seeds' models, built in code (no downloads): the acceptance cases and the CLI's example.

Each builder returns a fresh, built Keras 3 model. The layer names of seed 000
and seed 003 are the ones their authors used. ``api`` builds the same model
with another Keras package of the same API, e.g. ``seed002_vgg_mnist(api=tf_keras)``
for a Keras 2 model (the seeds' authors used Keras 2).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable, Optional

import keras as keras3


def _api(api: Optional[ModuleType]) -> tuple[Any, Any]:
    """(keras, keras.layers) of the requested package: Keras 3 by default."""
    module = keras3 if api is None else api
    return module, module.layers


def seed000_small_cnn(api: Optional[ModuleType] = None) -> Any:
    """Seed 000: the keras_sequential_ascii diagram that was annotated by hand (265 params)."""
    keras, layers = _api(api)
    return keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            layers.Conv2D(2, [3, 3], padding="valid", name="l1_conv2d"),
            layers.Activation("relu", name="l2_act_relu"),
            layers.Conv2D(3, [3, 3], strides=[2, 2], padding="valid", name="l3_conv2d"),
            layers.Activation("relu", name="l4_act_relu"),
            layers.MaxPool2D(pool_size=[2, 2], name="l5_mpool2d"),
            layers.Dropout(0.1, name="l6_dropout"),
            layers.Flatten(name="l7_flatten"),
            layers.Dense(5, name="l8_dense"),
            layers.Activation("relu", name="l9_act_relu"),
            layers.Dense(2, name="l10_dense"),
            layers.Activation("softmax", name="l11_act_relu"),
        ],
        name="seed000_small_cnn",
    )


def seed001_mlp(api: Optional[ModuleType] = None) -> Any:
    """Seed 001, part 1: a Dense MLP on 4 features (35 + 104 + 70 = 209)."""
    keras, layers = _api(api)
    return keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(7),
            layers.Activation("sigmoid"),
            layers.Dense(13),
            layers.Activation("sigmoid"),
            layers.Dense(5),
            layers.Activation("softmax"),
        ],
        name="seed001_mlp",
    )


def seed001_cnn(api: Optional[ModuleType] = None) -> Any:
    """Seed 001, part 2: a CNN on 8x8 digits."""
    keras, layers = _api(api)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(32, kernel_size=(3, 2)),
            layers.Activation("relu"),
            layers.Conv2D(64, (2, 3), activation="relu"),
            layers.Conv2D(64, (2, 2), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="seed001_cnn",
    )


def seed001_dcnn(api: Optional[ModuleType] = None) -> Any:
    """Seed 001, part 3: transposed convolutions on 40x110 inputs."""
    keras, layers = _api(api)
    return keras.Sequential(
        [
            keras.Input((40, 110, 1)),
            layers.Conv2DTranspose(5, kernel_size=(2, 2), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2DTranspose(3, kernel_size=(2, 2), activation="relu"),
            layers.Flatten(),
            layers.Dense(158, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="seed001_dcnn",
    )


def seed002_vgg_mnist(api: Optional[ModuleType] = None) -> Any:
    """Seed 002: a VGG-like MNIST network (329,962 params); the CLI's built-in example."""
    keras, layers = _api(api)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, (3, 3), strides=(1, 1), padding="valid", activation="relu"),
            layers.Conv2D(32, (3, 3), strides=(1, 1), padding="valid", activation="relu"),
            layers.MaxPool2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Conv2D(64, (3, 3), strides=(1, 1), padding="valid", activation="relu"),
            layers.Conv2D(64, (3, 3), strides=(1, 1), padding="valid", activation="relu"),
            layers.MaxPool2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="seed002_vgg_mnist",
    )


def seed003_batchnorm(api: Optional[ModuleType] = None) -> Any:
    """Seed 003: functional model with BatchNormalization (64 non-trainable params)."""
    keras, layers = _api(api)
    x_input = keras.Input((64, 64, 3))
    x = layers.ZeroPadding2D((3, 3))(x_input)
    x = layers.Conv2D(32, (7, 7), strides=(1, 1), name="conv0")(x)
    x = layers.BatchNormalization(axis=3, name="bn0")(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D((2, 2), name="max_pool")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(1, activation="sigmoid", name="fc")(x)
    return keras.Model(inputs=x_input, outputs=x, name="myModel")


def seed004_mnist_cnn(api: Optional[ModuleType] = None) -> Any:
    """Seed 004, part 1: the MNIST CNN (55,744 params)."""
    keras, layers = _api(api)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
        ],
        name="seed004_mnist_cnn",
    )


def seed004_separable(api: Optional[ModuleType] = None) -> Any:
    """Seed 004, part 2: separable convolutions (184,234 params)."""
    keras, layers = _api(api)
    separable = dict(kernel_size=3, padding="same", activation="selu")
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, padding="same", activation="selu"),
            layers.SeparableConv2D(32, **separable),
            layers.MaxPool2D(2),
            layers.SeparableConv2D(64, **separable),
            layers.SeparableConv2D(64, **separable),
            layers.MaxPool2D(2),
            layers.SeparableConv2D(128, **separable),
            layers.SeparableConv2D(128, **separable),
            layers.MaxPool2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="selu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="seed004_separable",
    )


EXAMPLES: dict[str, Callable[..., Any]] = {
    "seed000": seed000_small_cnn,
    "seed001-mlp": seed001_mlp,
    "seed001-cnn": seed001_cnn,
    "seed001-dcnn": seed001_dcnn,
    "seed002": seed002_vgg_mnist,
    "seed003": seed003_batchnorm,
    "seed004-cnn": seed004_mnist_cnn,
    "seed004-separable": seed004_separable,
}

DEFAULT_EXAMPLE = "seed002"
