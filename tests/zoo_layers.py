"""Custom layers of a third-party vision zoo, written as keras-cv-attention-models (kecam) 1.4.3 writes them.

kecam does not run on Keras 3 ("A KerasTensor cannot be used as input to a
TensorFlow function"), so these are its kinds of layers rewritten for Keras 3:
subclassed ``keras.layers.Layer`` with their own ``add_weight`` in ``build``
(layer scales, class tokens, relative position bias tables, attention biases,
Fourier position encodings), ``keras.ops`` in ``call``, and a ``get_config``
that returns their own arguments. Nobody registered a formula for any of them:
ascii_explain must infer their parameters from what Keras knows and trace
their mult-adds (issue 21). ``tests/zoo_corpus.py`` builds models from them.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers, ops


class ChannelAffine(layers.Layer):
    """kecam's ChannelAffine: a per-channel scale (and shift) on one axis; ResMLP's Affine, ConvNeXt's layer scale."""

    def __init__(self, use_bias: bool = True, weight_init_value: float = 1.0, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.use_bias, self.weight_init_value, self.axis = use_bias, weight_init_value, axis

    def build(self, input_shape: Any) -> None:
        if self.axis in (-1, len(input_shape) - 1):
            shape = [input_shape[-1]]
        else:  # one weight per entry of that axis, ones to broadcast over the axes after it (kecam's)
            shape = [input_shape[self.axis]] + [1] * (len(input_shape) - 1 - self.axis)
        init = keras.initializers.Constant(self.weight_init_value)
        self.ww = self.add_weight(name="weight", shape=shape, initializer=init)
        if self.use_bias:
            self.bb = self.add_weight(name="bias", shape=shape, initializer="zeros")

    def call(self, inputs: Any) -> Any:
        return inputs * self.ww + self.bb if self.use_bias else inputs * self.ww

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"use_bias": self.use_bias, "weight_init_value": self.weight_init_value, "axis": self.axis})
        return config


class ClassToken(layers.Layer):
    """kecam's ClassToken: one learned token put before the patch tokens (ViT, CaiT)."""

    def build(self, input_shape: Any) -> None:
        self.token_init = self.add_weight(name="tokens", shape=(1, 1, input_shape[-1]), initializer="zeros")

    def call(self, inputs: Any) -> Any:
        tokens = ops.repeat(self.token_init, ops.shape(inputs)[0], axis=0)
        return ops.concatenate([tokens, inputs], axis=1)


class PositionalEmbedding(layers.Layer):
    """kecam's PositionalEmbedding: a learned (tokens, channels) table added to the tokens."""

    def build(self, input_shape: Any) -> None:
        self.pp = self.add_weight(name="positional_embedding", shape=(1, *input_shape[1:]), initializer="zeros")

    def call(self, inputs: Any) -> Any:
        return inputs + self.pp


def _relative_index(height: int, width: int) -> np.ndarray:
    """Swin's relative_position_index: for every (query, key) pair of a height x width window, its offset's row."""
    coords = np.stack(np.meshgrid(np.arange(height), np.arange(width), indexing="ij")).reshape(2, -1)
    relative = coords[:, :, None] - coords[:, None, :]
    relative[0] += height - 1
    relative[1] += width - 1
    return (relative[0] * (2 * width - 1) + relative[1]).astype("int32")


class MultiHeadRelativePositionalEmbedding(layers.Layer):
    """kecam's MultiHeadRelativePositionalEmbedding (Swin, CoAtNet, MaxViT, GCViT): a bias table per head.

    Built on the attention scores (batch, heads, queries, keys) of a square window:
    ``pos_emb`` holds (2*height-1)*(2*width-1) offsets per head, gathered to (queries, keys).
    """

    def __init__(self, attn_height: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.attn_height = attn_height

    def build(self, input_shape: Any) -> None:
        num_heads, queries = input_shape[1], input_shape[2]
        self.height = self.attn_height if self.attn_height > 0 else int(round(queries**0.5))
        self.width = queries // self.height
        size = (2 * self.height - 1) * (2 * self.width - 1)
        self.pos_emb = self.add_weight(name="positional_embedding", shape=(num_heads, size), initializer="zeros")
        self.relative_index = _relative_index(self.height, self.width)

    def call(self, inputs: Any) -> Any:
        bias = ops.take(self.pos_emb, ops.convert_to_tensor(self.relative_index), axis=1)  # (heads, q, k)
        return inputs + bias

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"attn_height": self.attn_height})
        return config


class MultiHeadPositionalEmbedding(layers.Layer):
    """kecam's LeViT / EfficientFormer / TinyViT attention biases: one bias per head and absolute offset.

    ``positional_embedding`` is (heads, query_height * query_width): the key at offset
    (|dy|, |dx|) from a query reads bias ``|dy| * width + |dx|``.
    """

    def __init__(self, query_height: int = -1, key_height: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query_height, self.key_height = query_height, key_height

    def build(self, input_shape: Any) -> None:
        num_heads, queries, keys = input_shape[1], input_shape[2], input_shape[3]
        query_height = self.query_height if self.query_height > 0 else int(round(queries**0.5))
        key_height = self.key_height if self.key_height > 0 else int(round(keys**0.5))
        query_width, key_width = queries // query_height, keys // key_height
        stride = max(key_height // query_height, 1)
        self.bb = self.add_weight(
            name="positional_embedding", shape=(num_heads, key_height * key_width), initializer="zeros"
        )
        qy, qx = np.meshgrid(np.arange(query_height) * stride, np.arange(query_width) * stride, indexing="ij")
        ky, kx = np.meshgrid(np.arange(key_height), np.arange(key_width), indexing="ij")
        dy = np.abs(qy.reshape(-1, 1) - ky.reshape(1, -1))
        dx = np.abs(qx.reshape(-1, 1) - kx.reshape(1, -1))
        self.bb_index = (dy * key_width + dx).astype("int32")

    def call(self, inputs: Any) -> Any:
        return inputs + ops.take(self.bb, ops.convert_to_tensor(self.bb_index), axis=1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"query_height": self.query_height, "key_height": self.key_height})
        return config


class RelativePositionalEmbedding(layers.Layer):
    """kecam's BoTNet / HaloNet RelativePositionalEmbedding: relative logits of queries against learned embeddings.

    Called on queries (batch, heads, query_height, query_width, key_dim); ``pos_emb_h`` and
    ``pos_emb_w`` are (key_dim, key_size + query_size - 1), one column per relative offset.
    The output is the logits (batch, heads, queries, keys) to add to the attention scores.
    """

    def __init__(self, position_height: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.position_height = position_height  # the keys' side (a halo block's); 0: the queries'

    def build(self, input_shape: Any) -> None:
        key_dim = input_shape[-1]
        self.query_height, self.query_width = input_shape[2], input_shape[3]
        self.key_height = self.position_height or self.query_height
        self.key_width = self.position_height or self.query_width
        height, width = self.key_height + self.query_height - 1, self.key_width + self.query_width - 1
        self.pos_emb_h = self.add_weight(name="r_height", shape=(key_dim, height), initializer="random_normal")
        self.pos_emb_w = self.add_weight(name="r_width", shape=(key_dim, width), initializer="random_normal")
        rows = np.arange(self.key_height)[None, :] - np.arange(self.query_height)[:, None] + self.query_height - 1
        cols = np.arange(self.key_width)[None, :] - np.arange(self.query_width)[:, None] + self.query_width - 1
        self.rows, self.cols = rows.astype("int32"), cols.astype("int32")

    def call(self, inputs: Any) -> Any:
        emb_h = ops.take(self.pos_emb_h, ops.convert_to_tensor(self.rows), axis=1)  # (d, query rows, key rows)
        emb_w = ops.take(self.pos_emb_w, ops.convert_to_tensor(self.cols), axis=1)
        logits_h = ops.einsum("bnxyd,dxj->bnxyj", inputs, emb_h)
        logits_w = ops.einsum("bnxyd,dyk->bnxyk", inputs, emb_w)
        logits = ops.expand_dims(logits_h, -1) + ops.expand_dims(logits_w, -2)  # (b, n, x, y, j, k)
        heads = ops.shape(inputs)[1]
        queries, keys = self.query_height * self.query_width, self.key_height * self.key_width
        return ops.reshape(logits, (-1, heads, queries, keys))

    def compute_output_shape(self, input_shape: Any) -> Any:
        queries = input_shape[2] * input_shape[3]
        side = self.position_height
        keys = side * side if side else queries
        return (input_shape[0], input_shape[1], queries, keys)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"position_height": self.position_height})
        return config


class PositionalEncodingFourier(layers.Layer):
    """kecam's EdgeNeXt PositionalEncodingFourier: sine features of the grid, projected by its own kernel and bias."""

    def __init__(self, filters: int = 8, temperature: float = 1e4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.filters, self.temperature = filters, temperature

    def build(self, input_shape: Any) -> None:
        height, width, channels = input_shape[1:]
        self.token_projection_ww = self.add_weight(
            name="ww", shape=(self.filters * 2, channels), initializer="glorot_uniform"
        )
        self.token_projection_bb = self.add_weight(name="bb", shape=(channels,), initializer="zeros")
        y, x = np.meshgrid(np.arange(1, height + 1), np.arange(1, width + 1), indexing="ij")
        y, x = y / height * 2 * np.pi, x / width * 2 * np.pi
        dim_t = self.temperature ** (2 * (np.arange(self.filters) // 2) / self.filters)
        pos_x, pos_y = x[..., None] / dim_t, y[..., None] / dim_t
        pos_x = np.stack([np.sin(pos_x[..., 0::2]), np.cos(pos_x[..., 1::2])], axis=-1).reshape(height, width, -1)
        pos_y = np.stack([np.sin(pos_y[..., 0::2]), np.cos(pos_y[..., 1::2])], axis=-1).reshape(height, width, -1)
        self.positional_embedding = np.concatenate([pos_y, pos_x], axis=-1).astype("float32")

    def call(self, inputs: Any) -> Any:
        embedding = ops.matmul(ops.convert_to_tensor(self.positional_embedding), self.token_projection_ww)
        return inputs + embedding + self.token_projection_bb

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"filters": self.filters, "temperature": self.temperature})
        return config


class GlobalQueryTokens(layers.Layer):
    """GCViT's global queries made per window from the stage's pooled features: a learned per-head query scale.

    kecam's GCViT generates the queries with a small conv stack; the learned ``query_scale``
    (heads, key_dim) here keeps a weight of its own in the block.
    """

    def __init__(self, num_heads: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_heads = num_heads

    def build(self, input_shape: Any) -> None:
        self.query_scale = self.add_weight(
            name="query_scale", shape=(self.num_heads, input_shape[-1] // self.num_heads), initializer="ones"
        )

    def call(self, inputs: Any) -> Any:
        tokens = ops.shape(inputs)[1]
        queries = ops.reshape(inputs, (-1, tokens, self.num_heads, inputs.shape[-1] // self.num_heads))
        return ops.transpose(queries * self.query_scale, (0, 2, 1, 3))  # (batch, heads, tokens, key_dim)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], self.num_heads, input_shape[1], input_shape[-1] // self.num_heads)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"num_heads": self.num_heads})
        return config


# Every custom layer class of the zoo (tests/test_zoo.py checks each comes out "inferred").
ZOO_LAYERS = (
    ChannelAffine,
    ClassToken,
    GlobalQueryTokens,
    MultiHeadPositionalEmbedding,
    MultiHeadRelativePositionalEmbedding,
    PositionalEmbedding,
    PositionalEncodingFourier,
    RelativePositionalEmbedding,
)
