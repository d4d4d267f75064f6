"""Small graph-shaped models for the tests: each builder returns a fresh, built model with fixed names."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers


def residual_block() -> keras.Model:
    """A ResNet-style block: two 3x3 convolutions plus an identity shortcut, then a projection merge."""
    inputs = keras.Input((8, 8, 4), name="image")
    x = layers.Conv2D(4, 3, padding="same", name="conv_a")(inputs)
    x = layers.Activation("relu", name="relu_a")(x)
    x = layers.Conv2D(4, 3, padding="same", name="conv_b")(x)
    x = layers.Add(name="add")([x, inputs])
    x = layers.Activation("relu", name="relu_out")(x)
    shortcut = layers.Conv2D(8, 1, strides=2, name="proj")(x)
    y = layers.Conv2D(8, 3, strides=2, padding="same", name="conv_c")(x)
    y = layers.BatchNormalization(name="bn_c")(y)
    y = layers.Add(name="add_2")([y, shortcut])
    y = layers.GlobalAveragePooling2D(name="gap")(y)
    outputs = layers.Dense(3, activation="softmax", name="head")(y)
    return keras.Model(inputs, outputs, name="residual_block")


def siamese() -> keras.Model:
    """Two inputs through one shared encoder (counted once, called twice), merged and scored."""
    encoder = keras.Sequential(
        [keras.Input((6,), name="features"), layers.Dense(4, activation="relu", name="enc_dense")], name="encoder"
    )
    left = keras.Input((6,), name="left")
    right = keras.Input((6,), name="right")
    shared = layers.Dense(5, name="shared_dense")
    a = shared(left)
    b = shared(right)
    distance = layers.Subtract(name="difference")([a, b])
    both = layers.Concatenate(name="joined")([encoder(left), encoder(right)])
    merged = layers.Concatenate(name="merged")([distance, both])
    score = layers.Dense(1, activation="sigmoid", name="score")(merged)
    return keras.Model([left, right], score, name="siamese")


def two_level_nested() -> keras.Model:
    """outer( inner_block( core ) ): a model inside a model inside a model."""
    core = keras.Sequential(
        [
            keras.Input((5,), name="core_in"),
            layers.Dense(3, name="core_dense"),
            layers.BatchNormalization(name="core_bn"),
        ],
        name="core",
    )
    block_in = keras.Input((4,), name="block_in")
    h = layers.Dense(5, name="block_dense")(block_in)
    block = keras.Model(block_in, core(h), name="block")
    outer_in = keras.Input((4,), name="outer_in")
    y = block(outer_in)
    y = layers.Dense(2, name="outer_head")(y)
    return keras.Model(outer_in, y, name="outer")


def multi_io() -> keras.Model:
    """Two inputs of different kinds, two heads."""
    image = keras.Input((8, 8, 1), name="image")
    meta = keras.Input((3,), name="meta")
    x = layers.Conv2D(2, 3, name="conv")(image)
    x = layers.Flatten(name="flatten")(x)
    m = layers.Dense(4, name="meta_dense")(meta)
    joined = layers.Concatenate(name="joined")([x, m])
    kind = layers.Dense(5, activation="softmax", name="kind")(joined)
    size = layers.Dense(1, name="size")(joined)
    return keras.Model([image, meta], [kind, size], name="multi_io")


class ConvPoolDense(keras.Model):
    """A subclassed model with conv, pooling and dense sublayers."""

    def __init__(self):
        super().__init__(name="conv_pool_dense")
        self.conv = layers.Conv2D(3, 3, name="conv")
        self.pool = layers.MaxPooling2D(name="pool")
        self.flatten = layers.Flatten(name="flatten")
        self.dense = layers.Dense(2, name="dense")

    def call(self, inputs):
        return self.dense(self.flatten(self.pool(self.conv(inputs))))


def subclassed() -> keras.Model:
    model = ConvPoolDense()
    model(np.zeros((1, 8, 8, 2), dtype="float32"))
    return model
