"""The blocks kecam's models share, written as its functional code writes them (``keras.ops`` between layers).

Multi-head self-attention with an optional bias on its scores, window partition
and reverse, an MLP, an MBConv and a squeeze-and-excitation: each a function of
a KerasTensor returning one, building Keras layers and ``keras.ops`` nodes.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from keras import layers, ops

from .zoo_layers import ChannelAffine


def mlp(x: Any, hidden: int, name: str, activation: str = "gelu") -> Any:
    channels = x.shape[-1]
    x = layers.Dense(hidden, activation=activation, name=f"{name}_fc1")(x)
    return layers.Dense(channels, name=f"{name}_fc2")(x)


def layer_norm(x: Any, name: str) -> Any:
    return layers.LayerNormalization(epsilon=1e-6, name=name)(x)


def scaled_residual(shortcut: Any, x: Any, name: str, scale: float = 1e-2) -> Any:
    """A block's output through a layer scale, added to its shortcut (ConvNeXt, CaiT, PoolFormer, HorNet)."""
    return layers.Add(name=f"{name}_add")([shortcut, ChannelAffine(False, scale, name=f"{name}_gamma")(x)])


def split_heads(x: Any, num_heads: int) -> Any:
    """(batch, tokens, heads * d) -> (batch, heads, tokens, d)."""
    tokens, channels = x.shape[1], x.shape[2]
    return ops.transpose(ops.reshape(x, (-1, tokens, num_heads, channels // num_heads)), (0, 2, 1, 3))


def merge_heads(x: Any) -> Any:
    """(batch, heads, tokens, d) -> (batch, tokens, heads * d)."""
    heads, tokens, key_dim = x.shape[1], x.shape[2], x.shape[3]
    return ops.reshape(ops.transpose(x, (0, 2, 1, 3)), (-1, tokens, heads * key_dim))


def attention_scores(query: Any, key: Any, bias: Optional[Callable[[Any], Any]] = None) -> Any:
    # A division, not ``* d ** -0.5``: Keras 3.15.1 marks a KerasTensor times a Python float sparse.
    scores = ops.matmul(query, ops.transpose(key, (0, 1, 3, 2))) / (float(query.shape[-1]) ** 0.5)
    if bias is not None:
        scores = bias(scores)
    return ops.softmax(scores, axis=-1)


def mhsa(
    x: Any,
    num_heads: int,
    name: str,
    bias: Optional[Callable[[Any], Any]] = None,
    key_value: Optional[Any] = None,
    qkv_bias: bool = True,
) -> Any:
    """kecam's multi_head_self_attention: one qkv Dense (or q and kv from ``key_value``), scores, output Dense."""
    channels = x.shape[-1]
    if key_value is None:
        qkv = layers.Dense(3 * channels, use_bias=qkv_bias, name=f"{name}_qkv")(x)
        query, key, value = ops.split(qkv, 3, axis=-1)
    else:
        query = layers.Dense(channels, use_bias=qkv_bias, name=f"{name}_query")(x)
        kv = layers.Dense(2 * channels, use_bias=qkv_bias, name=f"{name}_kv")(key_value)
        key, value = ops.split(kv, 2, axis=-1)
    query, key, value = (split_heads(part, num_heads) for part in (query, key, value))
    out = merge_heads(ops.matmul(attention_scores(query, key, bias), value))
    return layers.Dense(channels, name=f"{name}_output")(out)


def window_partition(x: Any, window: int) -> Any:
    """(batch, H, W, C) -> (batch * windows, window * window, C)."""
    height, width, channels = x.shape[1:]
    x = ops.reshape(x, (-1, height // window, window, width // window, window, channels))
    return ops.reshape(ops.transpose(x, (0, 1, 3, 2, 4, 5)), (-1, window * window, channels))


def window_reverse(x: Any, window: int, height: int, width: int) -> Any:
    channels = x.shape[-1]
    x = ops.reshape(x, (-1, height // window, width // window, window, window, channels))
    return ops.reshape(ops.transpose(x, (0, 1, 3, 2, 4, 5)), (-1, height, width, channels))


def grid_partition(x: Any, grid: int) -> Any:
    """MaxViT's grid: (batch, H, W, C) -> (batch * cells, grid * grid, C), each cell's tokens strided over the map."""
    height, width, channels = x.shape[1:]
    x = ops.reshape(x, (-1, grid, height // grid, grid, width // grid, channels))
    return ops.reshape(ops.transpose(x, (0, 2, 4, 1, 3, 5)), (-1, grid * grid, channels))


def grid_reverse(x: Any, grid: int, height: int, width: int) -> Any:
    channels = x.shape[-1]
    x = ops.reshape(x, (-1, height // grid, width // grid, grid, grid, channels))
    return ops.reshape(ops.transpose(x, (0, 3, 1, 4, 2, 5)), (-1, height, width, channels))


def squeeze_excite(x: Any, ratio: float, name: str) -> Any:
    channels = x.shape[-1]
    se = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_se_pool")(x)
    se = layers.Conv2D(max(int(channels * ratio), 1), 1, activation="relu", name=f"{name}_se_reduce")(se)
    se = layers.Conv2D(channels, 1, activation="sigmoid", name=f"{name}_se_expand")(se)
    return layers.Multiply(name=f"{name}_se_out")([x, se])


def mbconv(x: Any, filters: int, name: str, strides: int = 1, expand: int = 4, se_ratio: float = 0.25) -> Any:
    """EfficientNet's inverted residual as CoAtNet / MaxViT / TinyViT use it."""
    shortcut = x
    channels = x.shape[-1]
    x = layers.BatchNormalization(name=f"{name}_preact_bn")(x)
    x = layers.Conv2D(channels * expand, 1, use_bias=False, name=f"{name}_expand")(x)
    x = layers.Activation("gelu", name=f"{name}_expand_act")(layers.BatchNormalization(name=f"{name}_expand_bn")(x))
    x = layers.DepthwiseConv2D(3, strides, padding="same", use_bias=False, name=f"{name}_dw")(x)
    x = layers.Activation("gelu", name=f"{name}_dw_act")(layers.BatchNormalization(name=f"{name}_dw_bn")(x))
    if se_ratio:
        x = squeeze_excite(x, se_ratio / expand, name)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_project")(x)
    if strides == 1 and channels == filters:
        return layers.Add(name=f"{name}_add")([shortcut, x])
    return x


def conv_stem(x: Any, filters: int, name: str = "stem", strides: int = 2, kernel: int = 3) -> Any:
    x = layers.Conv2D(filters, kernel, strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
    return layers.Activation("gelu", name=f"{name}_act")(layers.BatchNormalization(name=f"{name}_bn")(x))


def classifier(x: Any, classes: int = 10) -> Any:
    if len(x.shape) == 4:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif len(x.shape) == 3:
        x = layers.GlobalAveragePooling1D(name="avg_pool")(x)
    x = layers.LayerNormalization(name="head_norm")(x)
    return layers.Dense(classes, name="predictions")(x)
