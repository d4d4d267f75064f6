"""A real-world corpus: models written the way keras.io's examples write them.

Custom layers with their own weights, composite layers, subclassed models, Lambda,
preprocessing layers, string inputs, several inputs and outputs, RNNs called with
an initial state, user-defined activations. Each builder returns a built model
(random weights). Every failure found on a real model becomes an entry here first.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import numpy as np
from keras import layers, ops

# --- custom layers as keras.io writes them ------------------------------------------------


@keras.saving.register_keras_serializable(package="corpus")
def corpus_swish(x: Any) -> Any:
    """A user-defined activation (registered, so it saves by name)."""
    return x * keras.activations.sigmoid(x)


class Linear(layers.Layer):
    """keras.io "Making new layers and models via subclassing": a layer with its own weights."""

    def __init__(self, units: int = 32, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape: Any) -> None:
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs: Any) -> Any:
        return ops.matmul(inputs, self.w) + self.b


class ComputeSum(layers.Layer):
    """A layer with a non-trainable weight created non-trainable (the layer itself stays trainable)."""

    def build(self, input_shape: Any) -> None:
        self.total = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False)

    def call(self, inputs: Any) -> Any:
        return inputs + self.total


class MLPBlock(layers.Layer):
    """A composite: sublayers that are themselves custom layers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.linear_1 = Linear(16)
        self.linear_2 = Linear(8)

    def call(self, inputs: Any) -> Any:
        return self.linear_2(keras.activations.relu(self.linear_1(inputs)))


class Sampling(layers.Layer):
    """keras.io VAE: weightless, two inputs."""

    def call(self, inputs: Any) -> Any:
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(shape=ops.shape(z_mean), seed=1)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class Patches(layers.Layer):
    """keras.io ViT example: weightless patch extraction."""

    def __init__(self, patch_size: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, images: Any) -> Any:
        patches = ops.image.extract_patches(images, size=self.patch_size)
        batch, h, w, c = ops.shape(patches)
        return ops.reshape(patches, (batch, h * w, c))

    def compute_output_shape(self, input_shape: Any) -> Any:
        h, w, c = input_shape[1:]
        n = (h // self.patch_size) * (w // self.patch_size)
        return (input_shape[0], n, self.patch_size * self.patch_size * c)


class PatchEncoder(layers.Layer):
    """keras.io ViT example: a Dense projection plus a position Embedding (a composite with sublayers)."""

    def __init__(self, num_patches: int, projection_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_patches = num_patches
        self.projection = layers.Dense(units=projection_dim)
        self.position_embedding = layers.Embedding(input_dim=num_patches, output_dim=projection_dim)

    def call(self, patch: Any) -> Any:
        positions = ops.expand_dims(ops.arange(start=0, stop=self.num_patches, step=1), axis=0)
        return self.projection(patch) + self.position_embedding(positions)


class StochasticDepth(layers.Layer):
    """keras.io ConvMixer/Swin examples: weightless, training-only behaviour."""

    def __init__(self, drop_prob: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.drop_prob = drop_prob

    def call(self, x: Any, training: Any = None) -> Any:
        return x


class TransformerBlock(layers.Layer):
    """keras.io "Text classification with Transformer": MHA + FFN + two LayerNorms + dropouts."""

    def __init__(self, embed_dim: int, num_heads: int, ff_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(0.1)
        self.dropout2 = layers.Dropout(0.1)

    def call(self, inputs: Any, training: Any = None) -> Any:
        attn_output = self.dropout1(self.att(inputs, inputs), training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.dropout2(self.ffn(out1), training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    """keras.io "Text classification with Transformer": two Embeddings summed."""

    def __init__(self, maxlen: int, vocab_size: int, embed_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x: Any) -> Any:
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        return self.token_emb(x) + self.pos_emb(positions)


class Involution(layers.Layer):
    """keras.io "Involutional neural networks": its kernel generator, a Sequential, is created in ``build()``.

    With ``compute_output_shape`` defined, building the functional model never
    calls ``call()``: the Sequential stays unbuilt and Keras counts it 0 (its
    summary, ``count_params()``) until the model runs on data.
    """

    def __init__(self, channel: int, group_number: int, kernel_size: int, reduction_ratio: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channel = channel
        self.group_number = group_number
        self.kernel_size = kernel_size
        self.reduction_ratio = reduction_ratio

    def build(self, input_shape: Any) -> None:
        _, self.height, self.width, self.channels = input_shape
        self.kernel_gen = keras.Sequential(
            [
                layers.Conv2D(self.channel // self.reduction_ratio, kernel_size=1),
                layers.BatchNormalization(),
                layers.ReLU(),
                layers.Conv2D(self.kernel_size * self.kernel_size * self.group_number, kernel_size=1),
            ]
        )

    def call(self, x: Any) -> Any:
        k2, groups = self.kernel_size * self.kernel_size, self.group_number
        kernel = ops.reshape(self.kernel_gen(x), (-1, self.height, self.width, k2, 1, groups))
        patches = ops.image.extract_patches(x, size=self.kernel_size, strides=1, padding="same")
        patches = ops.reshape(patches, (-1, self.height, self.width, k2, self.channels // groups, groups))
        return ops.reshape(ops.sum(kernel * patches, axis=3), (-1, self.height, self.width, self.channels))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


# --- models ---------------------------------------------------------------------------------


def mnist_convnet() -> Any:
    """keras.io "Simple MNIST convnet"."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )


def user_activation() -> Any:
    """A registered user-defined activation and a plain lambda activation."""
    inputs = keras.Input((4,))
    x = layers.Dense(3, activation=corpus_swish)(inputs)
    outputs = layers.Dense(2, activation=lambda t: t * 2)(x)
    return keras.Model(inputs, outputs)


def custom_weights() -> Any:
    inputs = keras.Input((4,))
    x = Linear(8, name="linear")(inputs)
    x = ComputeSum(name="running_sum")(x)
    return keras.Model(inputs, MLPBlock(name="mlp")(x))


def text_transformer() -> Any:
    """keras.io "Text classification with Transformer" at a tiny size."""
    inputs = layers.Input(shape=(10,))
    x = TokenAndPositionEmbedding(10, 50, 8)(inputs)
    x = TransformerBlock(8, 2, 16)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def vit_patches() -> Any:
    """keras.io "Image classification with Vision Transformer" at a tiny size."""
    inputs = keras.Input(shape=(8, 8, 3))
    patches = Patches(4)(inputs)
    encoded = PatchEncoder(4, 8)(patches)
    x = layers.LayerNormalization(epsilon=1e-6)(encoded)
    x = layers.MultiHeadAttention(num_heads=2, key_dim=8, dropout=0.1)(x, x)
    x = StochasticDepth(0.1)(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs=inputs, outputs=layers.Dense(3)(x))


def vae_encoder() -> Any:
    """keras.io "Variational AutoEncoder": two heads, Sampling, three outputs."""
    encoder_inputs = keras.Input(shape=(8, 8, 1))
    x = layers.Conv2D(4, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Flatten()(x)
    x = layers.Dense(8, activation="relu")(x)
    z_mean = layers.Dense(2, name="z_mean")(x)
    z_log_var = layers.Dense(2, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    return keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")


class VAE(keras.Model):
    """A subclassed model holding two functional models."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.encoder = vae_encoder()
        latent = keras.Input((2,))
        self.decoder = keras.Model(latent, layers.Dense(64, activation="sigmoid")(layers.Dense(8)(latent)))

    def call(self, inputs: Any) -> Any:
        _, _, z = self.encoder(inputs)
        return self.decoder(z)


def vae_subclassed() -> Any:
    model = VAE()
    model(np.zeros((1, 8, 8, 1), "float32"))
    return model


def lambda_layer() -> Any:
    inputs = keras.Input((4,))
    x = layers.Lambda(lambda t: t * 2.0, name="double")(inputs)
    return keras.Model(inputs, layers.Dense(2)(x))


def string_lookup() -> Any:
    """keras.io "Structured data": a string input through StringLookup into an Embedding."""
    lookup = layers.StringLookup(vocabulary=["a", "b", "c"])
    inputs = keras.Input((1,), dtype="string")
    x = lookup(inputs)
    x = layers.Embedding(lookup.vocabulary_size(), 4)(x)
    return keras.Model(inputs, layers.Dense(1)(layers.Flatten()(x)))


def normalization_preprocessing() -> Any:
    norm = layers.Normalization()
    norm.adapt(np.arange(12, dtype="float32").reshape(4, 3))
    inputs = keras.Input((3,))
    return keras.Model(inputs, layers.Dense(1)(norm(inputs)))


def multi_io() -> Any:
    """keras.io functional API guide: title/body/tags in, priority/department out."""
    title = keras.Input(shape=(None,), name="title")
    body = keras.Input(shape=(None,), name="body")
    tags = keras.Input(shape=(4,), name="tags")
    title_features = layers.LSTM(8)(layers.Embedding(50, 4)(title))
    body_features = layers.LSTM(4)(layers.Embedding(50, 4)(body))
    x = layers.concatenate([title_features, body_features, tags])
    priority = layers.Dense(1, name="priority")(x)
    department = layers.Dense(3, name="department")(x)
    return keras.Model(inputs=[title, body, tags], outputs={"priority": priority, "department": department})


def seq2seq_initial_state() -> Any:
    """keras.io "Character-level seq2seq": the decoder LSTM is called with initial_state."""
    encoder_inputs = keras.Input(shape=(None, 5))
    _, state_h, state_c = layers.LSTM(8, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, 6))
    decoder_outputs, _, _ = layers.LSTM(8, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[state_h, state_c]
    )
    return keras.Model([encoder_inputs, decoder_inputs], layers.Dense(6, activation="softmax")(decoder_outputs))


def shared_in_two_nested() -> Any:
    """A layer shared by two nested models: Keras counts its weights once."""
    shared = layers.Dense(4, name="shared")
    a_in = keras.Input((4,))
    a = keras.Model(a_in, shared(a_in), name="branch_a")
    b_in = keras.Input((4,))
    b = keras.Model(b_in, layers.Dense(2)(shared(b_in)), name="branch_b")
    inputs = keras.Input((4,))
    return keras.Model(inputs, layers.concatenate([a(inputs), b(inputs)]))


class HoldsTwice(keras.Model):
    """A subclassed model holding a layer both as an attribute and inside its nested Sequential."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dense = layers.Dense(16)
        self.stack = keras.Sequential([self.dense, layers.Dense(4)])

    def call(self, inputs: Any) -> Any:
        return self.stack(inputs)


def holds_twice() -> Any:
    model = HoldsTwice()
    model(np.zeros((1, 8), "float32"))
    return model


class UnbuiltSublayer(keras.Model):
    """A sublayer created but never called (keras-hub Bloom's AlibiBias, EfficientNet SE at ratio 0)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.used = layers.Dense(3)
        self.spare = layers.Dense(5)

    def call(self, inputs: Any) -> Any:
        return self.used(inputs)


def unbuilt_sublayer() -> Any:
    model = UnbuiltSublayer()
    model(np.zeros((1, 4), "float32"))
    return model


def frozen_base() -> Any:
    """keras.io transfer learning: a frozen nested base plus a trainable head."""
    base = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3), layers.BatchNormalization()], name="base")
    base.trainable = False
    inputs = keras.Input((8, 8, 3))
    x = layers.GlobalAveragePooling2D()(base(inputs, training=False))
    return keras.Model(inputs, layers.Dense(2)(x))


def conv_lstm() -> Any:
    """keras.io "Next-frame prediction with Conv-LSTM" at a tiny size."""
    inputs = keras.Input(shape=(None, 8, 8, 1))
    x = layers.ConvLSTM2D(4, (3, 3), padding="same", return_sequences=True)(inputs)
    x = layers.BatchNormalization()(x)
    return keras.Model(inputs, layers.Conv3D(1, (3, 3, 3), activation="sigmoid", padding="same")(x))


def ops_in_graph() -> Any:
    """keras.ops calls between layers (a scalar mean as an output)."""
    inputs = keras.Input((4,))
    x = layers.Dense(3)(inputs)
    return keras.Model(inputs, [x, ops.mean(x)])


def involution() -> Any:
    """keras.io "Involutional neural networks" at a tiny size: a block whose build() makes an unbuilt Sequential."""
    inputs = keras.Input((8, 8, 4))
    x = Involution(channel=4, group_number=1, kernel_size=3, reduction_ratio=2, name="involution")(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(2)(x))


def bidirectional_gru() -> Any:
    inputs = keras.Input((None,), dtype="int32")
    x = layers.Embedding(50, 8, mask_zero=True)(inputs)
    x = layers.Bidirectional(layers.GRU(4))(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


# --- weights the called graph does not reach (issue 21, item 5) ----------------------------


class LatentPerceiver(keras.Model):
    """A Perceiver-style model: a latent array made by the model's own ``build`` (no layer holds it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project = layers.Dense(8, name="project")

    def build(self, input_shape: Any) -> None:
        self.latents = self.add_weight(shape=(4, 8), name="latents")
        self.project.build(input_shape)

    def call(self, inputs: Any) -> Any:
        keys = self.project(inputs)  # (batch, 5, 8)
        return ops.matmul(self.latents, ops.transpose(keys, (0, 2, 1)))  # (batch, 4, 5)


def perceiver_latents() -> Any:
    model = LatentPerceiver(name="perceiver")
    model(np.zeros((1, 5, 3), "float32"))
    return model


def unused_stem() -> Any:
    """A Functional model holding a built encoder stem as an attribute that its graph never calls (BASNet's)."""
    inputs = keras.Input((6,))
    model = keras.Model(inputs, layers.Dense(2, name="head")(inputs), name="with_stem")
    model.stem = layers.Dense(9, name="stem")
    model.stem.build((None, 6))
    return model


class OwnsBeforeBuild(layers.Layer):
    """A rotary-embedding-style layer: a non-trainable ``inv_freq`` made in ``__init__``, never built."""

    def __init__(self, dim: int = 8, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dim = dim
        self.inv_freq = self.add_weight(shape=(dim // 2,), trainable=False, name="inv_freq")

    def call(self, inputs: Any) -> Any:
        return inputs


class HoldsUnbuiltOwner(keras.Model):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dense = layers.Dense(3, name="dense")
        self.rotary = OwnsBeforeBuild(8, name="rotary")

    def call(self, inputs: Any) -> Any:
        return self.dense(inputs)


def unbuilt_owner() -> Any:
    model = HoldsUnbuiltOwner(name="holds_unbuilt_owner")
    model(np.zeros((1, 4), "float32"))
    return model


def application_scales() -> Any:
    """keras.applications' ConvNeXt LayerScale and InceptionResNetV2's scale layer, at a tiny size."""
    from keras.src.applications.convnext import LayerScale
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer

    inputs = keras.Input((4, 4, 8))
    x = layers.Conv2D(8, 1, name="conv")(inputs)
    x = LayerScale(1e-6, 8, name="layer_scale")(x)
    return keras.Model(inputs, CustomScaleLayer(0.17, name="scale")([inputs, x]))


KERAS_IO_MODELS: dict[str, Callable[[], Any]] = {
    name: builder
    for name, builder in dict(globals()).items()
    if callable(builder)
    and getattr(builder, "__module__", None) == __name__
    and not isinstance(builder, type)
    and not name.startswith("_")
    and name != "corpus_swish"
}
