"""A third-party vision zoo: 25 architectures of keras-cv-attention-models (kecam), at tiny sizes (issue 21, "Proof").

kecam 1.4.3 fails on Keras 3, so each model is written the way kecam writes it:
a functional Keras 3 model of Keras layers, ``keras.ops`` nodes between them and
kecam's own kind of custom layers (``tests/zoo_layers.py``), with the shared
blocks in ``tests/zoo_blocks.py``. One or two blocks per stage, widths of 8 to
32, 32x32 images (CaiT and PoolFormer's stems cut to few tokens), random
weights, nothing downloaded. ``ZOO_MODELS`` maps a name to its builder;
``tests/test_zoo.py`` checks every one.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
from keras import layers, ops

from .zoo_blocks import (
    attention_scores,
    classifier,
    conv_stem,
    grid_partition,
    grid_reverse,
    layer_norm,
    mbconv,
    merge_heads,
    mhsa,
    mlp,
    scaled_residual,
    split_heads,
    squeeze_excite,
    window_partition,
    window_reverse,
)
from .zoo_layers import (
    ChannelAffine,
    ClassToken,
    GlobalQueryTokens,
    MultiHeadPositionalEmbedding,
    MultiHeadRelativePositionalEmbedding,
    PositionalEmbedding,
    PositionalEncodingFourier,
    RelativePositionalEmbedding,
)

IMAGE = (32, 32, 3)


def _patches(x: Any, filters: int, patch: int, name: str = "stem") -> Any:
    """A patchify stem: a strided convolution, its map flattened to tokens."""
    x = layers.Conv2D(filters, patch, strides=patch, name=name)(x)
    return layers.Reshape((-1, filters), name=f"{name}_tokens")(x)


def _model(inputs: Any, outputs: Any, name: str) -> Any:
    return keras.Model(inputs, outputs, name=name)


# --- MLPs -------------------------------------------------------------------------------------


def mlp_mixer() -> Any:
    inputs = keras.Input(IMAGE)
    x = _patches(inputs, 16, 8)  # 16 tokens
    for i in range(2):
        y = layers.Permute((2, 1))(layer_norm(x, f"block{i}_ln1"))
        y = layers.Permute((2, 1))(mlp(y, 8, f"block{i}_token_mixing"))
        x = layers.Add()([x, y])
        x = layers.Add()([x, mlp(layer_norm(x, f"block{i}_ln2"), 32, f"block{i}_channel_mixing")])
    return _model(inputs, classifier(x), "mlp_mixer")


def resmlp() -> Any:
    """ResMLP: ChannelAffine in place of normalization, a linear token mixing and layer scales."""
    inputs = keras.Input(IMAGE)
    x = _patches(inputs, 16, 8)
    for i in range(2):
        y = ChannelAffine(name=f"block{i}_norm1")(x)
        y = layers.Permute((2, 1))(layers.Dense(x.shape[1], name=f"block{i}_token_mixing")(layers.Permute((2, 1))(y)))
        x = scaled_residual(x, y, f"block{i}_attn")
        y = mlp(ChannelAffine(name=f"block{i}_norm2")(x), 32, f"block{i}_mlp")
        x = scaled_residual(x, y, f"block{i}_mlp")
    return _model(inputs, classifier(ChannelAffine(name="pre_head_norm")(x)), "resmlp")


def gmlp() -> Any:
    """gMLP: spatial gating, half the channels gate the other half through a Dense across the tokens."""
    inputs = keras.Input(IMAGE)
    x = _patches(inputs, 16, 8)
    for i in range(2):
        y = layers.Dense(32, activation="gelu", name=f"block{i}_proj_in")(layer_norm(x, f"block{i}_ln"))
        u, v = ops.split(y, 2, axis=-1)
        v = layers.Permute((2, 1))(layer_norm(v, f"block{i}_sgu_ln"))
        v = layers.Permute((2, 1))(layers.Dense(x.shape[1], name=f"block{i}_sgu_spatial")(v))
        x = layers.Add()([x, layers.Dense(16, name=f"block{i}_proj_out")(layers.Multiply()([u, v]))])
    return _model(inputs, classifier(x), "gmlp")


# --- convolutional, meta-former -------------------------------------------------------------


def convnext() -> Any:
    inputs = keras.Input(IMAGE)
    x = layer_norm(layers.Conv2D(16, 4, strides=4, name="stem")(inputs), "stem_ln")
    for stage, filters in enumerate((16, 24)):
        if stage:
            x = layers.Conv2D(filters, 2, strides=2, name=f"down{stage}")(layer_norm(x, f"down{stage}_ln"))
        y = layers.DepthwiseConv2D(7, padding="same", name=f"stage{stage}_dw")(x)
        y = mlp(layer_norm(y, f"stage{stage}_ln"), 4 * filters, f"stage{stage}_mlp")
        x = scaled_residual(x, y, f"stage{stage}")
    return _model(inputs, classifier(x), "convnext")


def poolformer() -> Any:
    inputs = keras.Input(IMAGE)
    x = layers.Conv2D(16, 7, strides=4, padding="same", name="stem")(inputs)
    for i in range(2):
        y = layers.GroupNormalization(1, name=f"block{i}_norm1")(x)
        y = layers.Subtract()([layers.AveragePooling2D(3, 1, padding="same")(y), y])
        x = scaled_residual(x, y, f"block{i}_pool")
        y = layers.GroupNormalization(1, name=f"block{i}_norm2")(x)
        y = layers.Conv2D(16, 1, name=f"block{i}_fc2")(layers.Conv2D(64, 1, activation="gelu", name=f"block{i}_fc1")(y))
        x = scaled_residual(x, y, f"block{i}_mlp")
    return _model(inputs, classifier(x), "poolformer")


def ghostnet() -> Any:
    def ghost_module(x: Any, filters: int, name: str, activation: bool = True) -> Any:
        primary = layers.Conv2D(filters // 2, 1, use_bias=False, name=f"{name}_primary")(x)
        primary = layers.BatchNormalization(name=f"{name}_primary_bn")(primary)
        if activation:
            primary = layers.ReLU()(primary)
        cheap = layers.DepthwiseConv2D(3, padding="same", use_bias=False, name=f"{name}_cheap")(primary)
        cheap = layers.BatchNormalization(name=f"{name}_cheap_bn")(cheap)
        if activation:
            cheap = layers.ReLU()(cheap)
        return layers.Concatenate()([primary, cheap])

    inputs = keras.Input(IMAGE)
    x = layers.ReLU()(conv_stem(inputs, 16))
    for i, (hidden, filters) in enumerate(((32, 16), (48, 24))):
        shortcut = x
        y = ghost_module(x, hidden, f"block{i}_ghost1")
        y = squeeze_excite(y, 0.25, f"block{i}")
        y = ghost_module(y, filters, f"block{i}_ghost2", activation=False)
        if shortcut.shape[-1] != filters:
            shortcut = layers.Conv2D(filters, 1, use_bias=False, name=f"block{i}_shortcut")(shortcut)
        x = layers.Add()([shortcut, y])
    return _model(inputs, classifier(x), "ghostnet")


def fasternet() -> Any:
    """FasterNet: a partial convolution over a quarter of the channels, the rest passed through."""
    inputs = keras.Input(IMAGE)
    x = layers.Conv2D(16, 4, strides=4, use_bias=False, name="stem")(inputs)
    for i in range(2):
        part, rest = ops.split(x, [4], axis=-1)
        part = layers.Conv2D(4, 3, padding="same", use_bias=False, name=f"block{i}_partial_conv")(part)
        y = layers.Concatenate()([part, rest])
        y = layers.Conv2D(32, 1, use_bias=False, name=f"block{i}_fc1")(y)
        y = layers.ReLU()(layers.BatchNormalization(name=f"block{i}_bn")(y))
        x = scaled_residual(x, layers.Conv2D(16, 1, use_bias=False, name=f"block{i}_fc2")(y), f"block{i}")
    return _model(inputs, classifier(x), "fasternet")


def hornet() -> Any:
    """HorNet's recursive gated convolution (gnconv, order 3): pointwise gates over a depthwise map."""
    inputs = keras.Input(IMAGE)
    x = layer_norm(layers.Conv2D(16, 4, strides=4, name="stem")(inputs), "stem_ln")
    dims = [4, 8, 16]
    for i in range(2):
        y = layers.Conv2D(2 * 16, 1, name=f"block{i}_gn_in")(layer_norm(x, f"block{i}_ln"))
        gate, rest = ops.split(y, [dims[0]], axis=-1)
        rest = layers.DepthwiseConv2D(7, padding="same", name=f"block{i}_gn_dw")(rest)
        parts = ops.split(rest, [dims[0], dims[0] + dims[1]], axis=-1)
        y = gate * parts[0]
        for order in range(1, len(dims)):
            y = layers.Conv2D(dims[order], 1, name=f"block{i}_gn_pw{order}")(y) * parts[order]
        y = layers.Conv2D(16, 1, name=f"block{i}_gn_out")(y)
        x = scaled_residual(x, y, f"block{i}_gnconv")
        x = scaled_residual(x, mlp(layer_norm(x, f"block{i}_mlp_ln"), 64, f"block{i}_mlp"), f"block{i}_mlp")
    return _model(inputs, classifier(x), "hornet")


def involution_net() -> Any:
    """kecam's Involution (RedNet): a kernel per position generated from the features, applied to its window."""
    inputs = keras.Input(IMAGE)
    x = conv_stem(inputs, 8, strides=4)  # 8x8x8
    kernel, groups = 3, 2
    for i in range(2):
        weights = layers.Conv2D(4, 1, use_bias=False, name=f"block{i}_reduce")(x)
        weights = layers.ReLU()(layers.BatchNormalization(name=f"block{i}_reduce_bn")(weights))
        weights = layers.Conv2D(kernel * kernel * groups, 1, name=f"block{i}_span")(weights)
        height, width, channels = x.shape[1:]
        weights = ops.expand_dims(ops.reshape(weights, (-1, height, width, kernel * kernel, groups)), -1)
        patches = ops.image.extract_patches(x, size=kernel, strides=1, padding="same")
        patches = ops.reshape(patches, (-1, height, width, kernel * kernel, groups, channels // groups))
        y = ops.reshape(ops.sum(weights * patches, axis=3), (-1, height, width, channels))
        x = layers.Add()([x, layers.BatchNormalization(name=f"block{i}_bn")(y)])
    return _model(inputs, classifier(x), "involution_net")


# --- vision transformers --------------------------------------------------------------------


def cait() -> Any:
    """CaiT: talking-heads self-attention with layer scales, then class attention (only the class token queries)."""
    inputs = keras.Input(IMAGE)
    x = PositionalEmbedding(name="pos_emb")(_patches(inputs, 16, 8))
    heads = 2
    for i in range(2):
        y = layer_norm(x, f"block{i}_ln1")
        qkv = layers.Dense(48, name=f"block{i}_qkv")(y)
        query, key, value = (split_heads(part, heads) for part in ops.split(qkv, 3, axis=-1))
        scores = ops.matmul(query, ops.transpose(key, (0, 1, 3, 2))) / 4.0
        scores = layers.Permute((2, 3, 1))(scores)  # heads last: talking heads mix them with a Dense
        scores = layers.Softmax(axis=2)(layers.Dense(heads, name=f"block{i}_talking_pre")(scores))
        scores = layers.Permute((3, 1, 2))(layers.Dense(heads, name=f"block{i}_talking_post")(scores))
        y = layers.Dense(16, name=f"block{i}_output")(merge_heads(ops.matmul(scores, value)))
        x = scaled_residual(x, y, f"block{i}_attn")
        x = scaled_residual(x, mlp(layer_norm(x, f"block{i}_ln2"), 32, f"block{i}_mlp"), f"block{i}_mlp")
    tokens = ClassToken(name="class_token")(x)
    cls = tokens[:, :1]
    y = layer_norm(tokens, "class_attn_ln")
    cls = scaled_residual(cls, mhsa(y[:, :1], heads, "class_attn", key_value=y), "class_attn")
    return _model(inputs, classifier(ops.squeeze(cls, 1)), "cait")


def _swin_block(x: Any, window: int, heads: int, name: str, shift: int = 0) -> Any:
    height, width, channels = x.shape[1:]
    y = layer_norm(x, f"{name}_ln1")
    if shift:
        y = ops.roll(y, (-shift, -shift), axis=(1, 2))
    bias = MultiHeadRelativePositionalEmbedding(4, name=f"{name}_pos_emb")
    y = window_reverse(mhsa(window_partition(y, window), heads, f"{name}_attn", bias=bias), window, height, width)
    if shift:
        y = ops.roll(y, (shift, shift), axis=(1, 2))
    x = layers.Add()([x, y])
    return layers.Add()([x, mlp(layer_norm(x, f"{name}_ln2"), 4 * channels, f"{name}_mlp")])


def swin() -> Any:
    inputs = keras.Input(IMAGE)
    x = layer_norm(layers.Conv2D(16, 4, strides=4, name="stem")(inputs), "stem_ln")  # 8x8
    x = _swin_block(x, 4, 2, "stage0_block0")
    x = _swin_block(x, 4, 2, "stage0_block1", shift=2)
    x = layers.Dense(32, use_bias=False, name="merge")(layers.Reshape((4, 4, 64))(ops.reshape(x, (-1, 4, 2, 4, 2, 16))))
    x = _swin_block(x, 4, 4, "stage1_block0")
    return _model(inputs, classifier(x), "swin")


def botnet() -> Any:
    """BoTNet: a ResNet bottleneck whose 3x3 convolution is self-attention with relative position logits."""
    inputs = keras.Input(IMAGE)
    x = conv_stem(inputs, 16, strides=4)  # 8x8x16
    heads = 2
    y = layers.Conv2D(16, 1, use_bias=False, name="bottleneck_reduce")(x)
    height, width, channels = y.shape[1:]
    qkv = layers.Conv2D(3 * channels, 1, use_bias=False, name="mhsa_qkv")(y)
    query, key, value = (split_heads(ops.reshape(part, (-1, height * width, channels)), heads)
                         for part in ops.split(qkv, 3, axis=-1))
    logits = RelativePositionalEmbedding(name="mhsa_rel_pos")(
        ops.reshape(query, (-1, heads, height, width, channels // heads))
    )
    scores = ops.softmax(ops.matmul(query, ops.transpose(key, (0, 1, 3, 2))) + logits, axis=-1)
    y = ops.reshape(merge_heads(ops.matmul(scores, value)), (-1, height, width, channels))
    y = layers.ReLU()(layers.BatchNormalization(name="mhsa_bn")(y))
    y = layers.Conv2D(32, 1, use_bias=False, name="bottleneck_expand")(y)
    shortcut = layers.Conv2D(32, 1, use_bias=False, name="shortcut")(x)
    x = layers.ReLU()(layers.Add()([shortcut, layers.BatchNormalization(name="out_bn")(y)]))
    return _model(inputs, classifier(x), "botnet")


def halonet() -> Any:
    """HaloNet: blocked local attention, each 2x2 query block attending to its 4x4 block with a halo of 1."""
    inputs = keras.Input(IMAGE)
    x = conv_stem(inputs, 16, strides=4)  # 8x8x16
    block, halo, heads = 2, 1, 2
    height, width, channels = x.shape[1:]
    key_size = block + 2 * halo
    query = layers.Conv2D(channels, 1, use_bias=False, name="halo_query")(x)
    kv = layers.Conv2D(2 * channels, 1, use_bias=False, name="halo_kv")(x)
    query = ops.reshape(window_partition(query, block), (-1, block, block, heads, channels // heads))
    query = ops.transpose(query, (0, 3, 1, 2, 4))  # (batch * blocks, heads, 2, 2, d)
    kv = ops.image.extract_patches(ops.pad(kv, ((0, 0), (halo, halo), (halo, halo), (0, 0))), key_size, block)
    kv = ops.reshape(kv, (-1, key_size * key_size, 2 * channels))
    key, value = (split_heads(part, heads) for part in ops.split(kv, 2, axis=-1))
    logits = RelativePositionalEmbedding(key_size, name="halo_rel_pos")(query)
    flat_query = ops.reshape(query, (-1, heads, block * block, channels // heads))
    scores = ops.softmax(ops.matmul(flat_query, ops.transpose(key, (0, 1, 3, 2))) + logits, axis=-1)
    y = merge_heads(ops.matmul(scores, value))  # (batch * blocks, 4, channels)
    y = window_reverse(ops.reshape(y, (-1, block * block, channels)), block, height, width)
    x = layers.Add()([x, layers.BatchNormalization(name="halo_bn")(y)])
    return _model(inputs, classifier(x), "halonet")


def volo() -> Any:
    """VOLO's outlook attention: each position's 3x3 window re-weighted by attention generated from the centre."""
    inputs = keras.Input(IMAGE)
    x = layers.Reshape((8, 8, 16))(_patches(inputs, 16, 4))
    kernel, heads = 3, 2
    height, width, channels = x.shape[1:]
    y = layer_norm(x, "outlook_ln")
    value = layers.Dense(channels, use_bias=False, name="outlook_v")(y)
    patches = ops.image.extract_patches(value, size=kernel, strides=1, padding="same")
    patches = ops.reshape(patches, (-1, height, width, kernel * kernel, heads, channels // heads))
    patches = ops.transpose(patches, (0, 1, 2, 4, 3, 5))  # (b, h, w, heads, k*k, d)
    attn = layers.Dense(kernel**4 * heads, name="outlook_attn")(y)
    attn = ops.softmax(ops.reshape(attn, (-1, height, width, heads, kernel * kernel, kernel * kernel)), axis=-1)
    y = ops.mean(ops.matmul(attn, patches), axis=4)  # each window position's output, folded by its mean
    y = layers.Dense(channels, name="outlook_proj")(ops.reshape(y, (-1, height, width, channels)))
    x = layers.Add()([x, y])
    x = layers.Add()([x, mlp(layer_norm(x, "mlp_ln"), 32, "mlp")])
    tokens = ClassToken(name="class_token")(layers.Reshape((-1, channels))(x))
    y = layer_norm(tokens, "class_attn_ln")
    cls = layers.Add()([tokens[:, :1], mhsa(y[:, :1], heads, "class_attn", key_value=y)])
    return _model(inputs, classifier(ops.squeeze(cls, 1)), "volo")


def levit() -> Any:
    """LeViT: attention with per-head attention biases over absolute offsets, and a subsampling attention."""
    inputs = keras.Input(IMAGE)
    x = conv_stem(conv_stem(inputs, 8, "stem1"), 16, "stem2")  # 8x8x16
    x = layers.Reshape((-1, 16))(x)
    x = layers.Add()([x, mhsa(x, 2, "attn0", bias=MultiHeadPositionalEmbedding(name="attn0_bias"), qkv_bias=False)])
    x = layers.Add()([x, mlp(x, 32, "mlp0", activation="hard_swish")])
    # the subsampling block: queries from every other position, keys and values from all
    grid = layers.Reshape((8, 8, 16))(x)
    queries = layers.Reshape((-1, 16))(grid[:, ::2, ::2])
    bias = MultiHeadPositionalEmbedding(name="attn_sub_bias")
    x = mhsa(queries, 2, "attn_sub", bias=bias, key_value=x, qkv_bias=False)
    x = layers.Add()([x, mlp(x, 32, "mlp1", activation="hard_swish")])
    return _model(inputs, classifier(x), "levit")


def efficientformer() -> Any:
    """EfficientFormer: pooling meta blocks (4D) with layer scales, then one attention block (3D) with biases."""
    inputs = keras.Input(IMAGE)
    x = conv_stem(conv_stem(inputs, 8, "stem1"), 16, "stem2")  # 8x8x16
    y = layers.Subtract()([layers.AveragePooling2D(3, 1, padding="same")(x), x])
    x = scaled_residual(x, y, "meta4d_pool")
    y = layers.Conv2D(16, 1, name="meta4d_fc2")(layers.Conv2D(32, 1, activation="gelu", name="meta4d_fc1")(x))
    x = scaled_residual(x, layers.BatchNormalization(name="meta4d_bn")(y), "meta4d_mlp")
    x = layers.Reshape((-1, 16))(layers.Conv2D(16, 3, 2, padding="same", name="down")(x))  # 16 tokens
    y = mhsa(layer_norm(x, "meta3d_ln1"), 2, "meta3d_attn", bias=MultiHeadPositionalEmbedding(name="meta3d_bias"))
    x = scaled_residual(x, y, "meta3d_attn")
    x = scaled_residual(x, mlp(layer_norm(x, "meta3d_ln2"), 32, "meta3d_mlp"), "meta3d_mlp")
    return _model(inputs, classifier(x), "efficientformer")


def coatnet() -> Any:
    """CoAtNet: MBConv stages, then a transformer stage with a relative position bias."""
    inputs = keras.Input(IMAGE)
    x = conv_stem(inputs, 8)  # 16x16
    x = mbconv(x, 16, "stage0", strides=2)  # 8x8
    x = mbconv(x, 16, "stage1")
    x = layers.Reshape((-1, 16))(layers.MaxPooling2D(2)(x))  # 16 tokens
    bias = MultiHeadRelativePositionalEmbedding(4, name="stage2_pos_emb")
    x = layers.Add()([x, mhsa(layer_norm(x, "stage2_ln1"), 2, "stage2_attn", bias=bias)])
    x = layers.Add()([x, mlp(layer_norm(x, "stage2_ln2"), 64, "stage2_mlp")])
    return _model(inputs, classifier(x), "coatnet")


def _transformer(x: Any, heads: int, name: str, bias: Any = None) -> Any:
    x = layers.Add()([x, mhsa(layer_norm(x, f"{name}_ln1"), heads, f"{name}_attn", bias=bias)])
    return layers.Add()([x, mlp(layer_norm(x, f"{name}_ln2"), 2 * x.shape[-1], f"{name}_mlp")])


def mobilevit() -> Any:
    """MobileViT: local convolutions, then a transformer across 2x2 patches (unfold, attend, fold), fused back."""
    inputs = keras.Input(IMAGE)
    x = mbconv(conv_stem(inputs, 8), 16, "mv2", strides=2, se_ratio=0)  # 8x8x16
    height, width = x.shape[1:3]
    y = layers.Conv2D(16, 3, padding="same", name="local_conv")(x)
    y = layers.Conv2D(24, 1, use_bias=False, name="local_proj")(y)
    patch = 2
    unfolded = ops.reshape(y, (-1, height // patch, patch, width // patch, patch, 24))
    unfolded = ops.reshape(ops.transpose(unfolded, (0, 2, 4, 1, 3, 5)), (-1, (height // patch) * (width // patch), 24))
    y = layer_norm(_transformer(unfolded, 2, "transformer"), "transformer_ln")
    y = ops.reshape(y, (-1, patch, patch, height // patch, width // patch, 24))
    y = ops.reshape(ops.transpose(y, (0, 3, 1, 4, 2, 5)), (-1, height, width, 24))
    y = layers.Conv2D(16, 1, name="fusion_proj")(y)
    x = layers.Conv2D(16, 3, padding="same", name="fusion_conv")(layers.Concatenate()([x, y]))
    return _model(inputs, classifier(x), "mobilevit")


def maxvit() -> Any:
    """MaxViT: MBConv, block (window) attention, then grid attention, each attention with a relative bias."""
    inputs = keras.Input(IMAGE)
    x = mbconv(conv_stem(inputs, 16, strides=4), 16, "mbconv")  # 8x8x16
    height, width, channels = x.shape[1:]
    attentions = (("block", window_partition, window_reverse), ("grid", grid_partition, grid_reverse))
    for kind, partition, reverse in attentions:
        bias = MultiHeadRelativePositionalEmbedding(4, name=f"{kind}_pos_emb")
        windows = _transformer(partition(x, 4), 2, kind, bias=bias)
        x = reverse(windows, 4, height, width)
    return _model(inputs, classifier(x), "maxvit")


def edgenext() -> Any:
    """EdgeNeXt: a conv encoder, then split depth-wise transposed attention (XCA) with a Fourier position encoding."""
    inputs = keras.Input(IMAGE)
    x = layer_norm(layers.Conv2D(16, 4, strides=4, name="stem")(inputs), "stem_ln")  # 8x8x16
    y = mlp(layer_norm(layers.DepthwiseConv2D(3, padding="same", name="conv_dw")(x), "conv_ln"), 32, "conv_mlp")
    x = scaled_residual(x, y, "conv_encoder")
    first, second = ops.split(x, 2, axis=-1)
    second = layers.Add()([first, layers.DepthwiseConv2D(3, padding="same", name="sdta_dw")(second)])
    x = PositionalEncodingFourier(8, name="sdta_pos")(layers.Concatenate()([first, second]))
    tokens = layers.Reshape((-1, 16))(x)
    heads = 2
    qkv = layers.Dense(48, name="xca_qkv")(layer_norm(tokens, "xca_ln"))
    query, key, value = (ops.transpose(split_heads(part, heads), (0, 1, 3, 2)) for part in ops.split(qkv, 3, axis=-1))
    query, key = (part / ops.norm(part, axis=-1, keepdims=True) for part in (query, key))
    scores = ops.matmul(query, ops.transpose(key, (0, 1, 3, 2)))  # (batch, heads, d, d): channels attend
    scores = ops.softmax(ChannelAffine(False, axis=1, name="xca_temperature")(scores), axis=-1)
    y = ops.transpose(ops.matmul(scores, value), (0, 1, 3, 2))
    y = layers.Dense(16, name="xca_output")(merge_heads(y))
    tokens = scaled_residual(tokens, y, "xca")
    return _model(inputs, classifier(tokens), "edgenext")


def cmt() -> Any:
    """CMT: a local perception unit (depth-wise residual), attention over keys reduced by a strided depth-wise conv."""
    inputs = keras.Input(IMAGE)
    x = conv_stem(inputs, 16, strides=4)  # 8x8x16
    x = layers.Add()([x, layers.DepthwiseConv2D(3, padding="same", name="lpu")(x)])
    tokens = layers.Reshape((-1, 16))(layer_norm(x, "attn_ln"))
    reduced = layers.DepthwiseConv2D(2, strides=2, name="kv_reduce")(layers.Reshape((8, 8, 16))(tokens))
    reduced = layers.Reshape((-1, 16))(layer_norm(reduced, "kv_ln"))
    bias = MultiHeadPositionalEmbedding(name="attn_bias")
    y = mhsa(tokens, 2, "lmhsa", bias=bias, key_value=reduced)
    x = layers.Add()([x, layers.Reshape((8, 8, 16))(y)])
    y = layers.Conv2D(64, 1, activation="gelu", name="irffn_expand")(layer_norm(x, "irffn_ln"))
    y = layers.Add()([y, layers.DepthwiseConv2D(3, padding="same", name="irffn_dw")(y)])
    x = layers.Add()([x, layers.Conv2D(16, 1, name="irffn_project")(y)])
    return _model(inputs, classifier(x), "cmt")


def nat() -> Any:
    """NAT: neighbourhood attention, each query attending to its 3x3 neighbours, with a learned bias per offset."""
    inputs = keras.Input(IMAGE)
    x = layer_norm(conv_stem(inputs, 16, strides=4), "stem_ln")  # 8x8x16
    kernel, heads = 3, 2
    height, width, channels = x.shape[1:]
    qkv = layers.Dense(3 * channels, name="nat_qkv")(layer_norm(x, "nat_ln"))
    query, key_value = ops.split(qkv, [channels], axis=-1)
    neighbours = ops.image.extract_patches(key_value, size=kernel, strides=1, padding="same")
    neighbours = ops.reshape(neighbours, (-1, height * width, kernel * kernel, 2, heads, channels // heads))
    key, value = (ops.transpose(neighbours[:, :, :, i], (0, 3, 1, 2, 4)) for i in range(2))  # (b, heads, hw, 9, d)
    query = ops.expand_dims(split_heads(ops.reshape(query, (-1, height * width, channels)), heads), 3)
    scores = ops.matmul(query, ops.transpose(key, (0, 1, 2, 4, 3)))  # (b, heads, hw, 1, 9)
    scores = ops.reshape(scores, (-1, heads, height * width, kernel * kernel))
    scores = MultiHeadPositionalEmbedding(1, kernel, name="nat_rpb")(scores)  # one bias per head and offset
    scores = ops.expand_dims(ops.softmax(scores, axis=-1), 3)
    y = merge_heads(ops.squeeze(ops.matmul(scores, value), 3))
    y = layers.Dense(channels, name="nat_output")(y)
    x = layers.Add()([x, layers.Reshape((height, width, channels))(y)])
    return _model(inputs, classifier(x), "nat")


def tinyvit() -> Any:
    """TinyViT: MBConv, then window attention with attention biases."""
    inputs = keras.Input(IMAGE)
    x = mbconv(conv_stem(inputs, 16, strides=4), 16, "mbconv", se_ratio=0)  # 8x8x16
    height, width = x.shape[1:3]
    windows = window_partition(x, 4)
    bias = MultiHeadPositionalEmbedding(name="window_bias")
    windows = layers.Add()([windows, mhsa(layer_norm(windows, "attn_ln"), 2, "window_attn", bias=bias)])
    x = window_reverse(windows, 4, height, width)
    x = layers.Add()([x, layers.DepthwiseConv2D(3, padding="same", name="local_conv")(x)])
    x = layers.Add()([x, mlp(layer_norm(x, "mlp_ln"), 32, "mlp")])
    return _model(inputs, classifier(x), "tinyvit")


def gcvit() -> Any:
    """GCViT: local window attention, then global attention whose queries come from the whole pooled map."""
    inputs = keras.Input(IMAGE)
    x = conv_stem(inputs, 16, strides=4)  # 8x8x16
    height, width, channels = x.shape[1:]
    local_bias = MultiHeadRelativePositionalEmbedding(4, name="local_pos_emb")
    x = window_reverse(_transformer(window_partition(x, 4), 2, "local", bias=local_bias), 4, height, width)
    pooled = layers.Conv2D(channels, 3, 2, padding="same", name="global_query_conv")(x)  # 4x4: one window's size
    query = GlobalQueryTokens(2, name="global_query")(layers.Reshape((-1, channels))(pooled))  # (b, heads, 16, d)
    windows = window_partition(layer_norm(x, "global_ln"), 4)
    kv = layers.Dense(2 * channels, name="global_kv")(windows)
    key, value = (split_heads(part, 2) for part in ops.split(kv, 2, axis=-1))
    query = ops.reshape(ops.repeat(ops.expand_dims(query, 1), 4, axis=1), (-1, 2, 16, channels // 2))
    bias = MultiHeadRelativePositionalEmbedding(4, name="global_pos_emb")
    y = layers.Dense(channels, name="global_output")(merge_heads(ops.matmul(attention_scores(query, key, bias), value)))
    x = layers.Add()([x, window_reverse(y, 4, height, width)])
    return _model(inputs, classifier(x), "gcvit")


def uniformer() -> Any:
    """UniFormer: a local MHRA block (a 5x5 depth-wise affinity) with a conv position encoding, then global MHSA."""
    inputs = keras.Input(IMAGE)
    x = layers.BatchNormalization(name="stem_bn")(layers.Conv2D(16, 4, strides=4, name="stem")(inputs))  # 8x8x16
    x = layers.Add()([x, layers.DepthwiseConv2D(3, padding="same", name="local_pos")(x)])
    y = layers.Conv2D(16, 1, name="local_v")(layers.BatchNormalization(name="local_bn")(x))
    y = layers.Conv2D(16, 1, name="local_proj")(layers.DepthwiseConv2D(5, padding="same", name="local_affinity")(y))
    x = layers.Add()([x, y])
    x = layers.Add()([x, layers.DepthwiseConv2D(3, padding="same", name="global_pos")(x)])
    tokens = _transformer(layers.Reshape((-1, 16))(x), 2, "global")
    return _model(inputs, classifier(tokens), "uniformer")


ZOO_MODELS: dict[str, Callable[[], Any]] = {
    name: builder
    for name, builder in dict(globals()).items()
    if callable(builder)
    and getattr(builder, "__module__", None) == __name__
    and not isinstance(builder, type)
    and not name.startswith("_")
}
