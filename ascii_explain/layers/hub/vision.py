"""keras-hub's vision layers: patch and class-token embeddings (ViT, DeiT, DINOv2), their MLPs, DINOv2's layer scale."""

from __future__ import annotations

from typing import Any

from ..backward import chain_backward, contraction_backward
from ..dims import known
from ..formula import Formula, FormulaTerm
from .common import (
    NOT_TRAINED,
    Config,
    Shape,
    dense_terms,
    last_axis,
    product_of,
    tokens_and_width,
)


def dinov2_layer_scale(config: Config, input_shape: Shape) -> Formula:
    """DINOV2LayerScale: ``lambda1`` of ``hidden_dim`` (an element-wise scale: 0 MACs)."""
    return Formula([FormulaTerm("lambda1", str(int(config["hidden_dim"])))])


# --------------------------------------------------------------------------- patch and class-token embeddings


def pair(value: Any) -> tuple[int, int]:
    """A patch or image size given as one int or a pair, as a pair."""
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def image_axes(config: Config, input_shape: Shape) -> tuple[Any, Any, int]:
    """(height, width, channels) of an image build shape, honouring ``data_format``."""
    if config.get("data_format") == "channels_first":
        return input_shape[2], input_shape[3], int(input_shape[1])
    return input_shape[1], input_shape[2], int(input_shape[3])


def _patch_conv(name: str, patch: tuple[int, int], channels: int, hidden: int, bias: bool) -> list[FormulaTerm]:
    """A Conv2D with kernel = stride = patch: kernel ``ph*pw*C*hidden``, bias ``hidden``."""
    terms = [FormulaTerm(f"{name}/kernel", product_of([*patch, channels, hidden]))]
    if bias:
        terms.append(FormulaTerm(f"{name}/bias", str(hidden)))
    return terms


def _patch_conv_macs(config: Config, input_shape: Shape, patch: tuple[int, int], hidden: int) -> str:
    """The patch convolution: ``floor(H/ph)*floor(W/pw)`` patches, each ``ph*pw*C*hidden``."""
    height, width, channels = image_axes(config, input_shape)
    height, width = known(height, width)
    return product_of([height // patch[0], width // patch[1], *patch, channels, hidden])


def vit_patching_and_embedding(config: Config, input_shape: Shape) -> Formula:
    """ViTPatchingAndEmbedding: class_token, patch_embedding (Conv2D), position_embedding (Embedding).

    Mirrors ViTPatchingAndEmbedding.build: ``class_token`` ``(1, 1, hidden)``
    when ``use_class_token``; the patch Conv2D kernel ``patch*patch*C*hidden``
    with a bias when ``use_patch_bias`` (not in get_config: read by
    hub_config); the position Embedding ``num_positions x hidden`` where
    ``num_positions = (H/p)*(W/p) (+1 with the class token)``.
    """
    hidden = int(config["hidden_dim"])
    patch = pair(config["patch_size"])
    _, _, channels = image_axes(config, input_shape)
    terms = []
    if config.get("use_class_token", True):
        terms.append(FormulaTerm("class_token", str(hidden)))
    terms += _patch_conv("patch_embedding", patch, channels, hidden, bool(config.get("use_patch_bias", True)))
    terms.append(FormulaTerm("position_embedding/embeddings", product_of([config["num_positions"], hidden])))
    return Formula(terms)


def vit_patching_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """ViTPatchingAndEmbedding: the patch convolution; the class token and positions are added (0)."""
    return _patch_conv_macs(config, input_shape, pair(config["patch_size"]), int(config["hidden_dim"]))


def deit_embeddings(config: Config, input_shape: Shape) -> Formula:
    """DeiTEmbeddings: mask_token (``use_mask_token``), class and distillation tokens, patch Conv2D, positions.

    Mirrors DeiTEmbeddings.build: tokens ``(1, 1, hidden)`` each;
    patch_embedding kernel ``p*p*C*hidden`` + bias; ``position_embedding``
    ``(1, num_positions, hidden)`` with ``num_positions = patches + 2``.
    """
    hidden = int(config["hidden_dim"])
    patch = pair(config["patch_size"])
    _, _, channels = image_axes(config, input_shape)
    terms = []
    if config.get("use_mask_token", False):
        terms.append(FormulaTerm("mask_token", str(hidden)))
    terms += [FormulaTerm("class_token", str(hidden)), FormulaTerm("distillation_token", str(hidden))]
    terms.append(FormulaTerm("position_embedding", product_of([config["num_positions"], hidden])))
    terms += _patch_conv("patch_embedding", patch, channels, hidden, True)
    return Formula(terms)


def deit_embeddings_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DeiTEmbeddings: the patch convolution only."""
    return _patch_conv_macs(config, input_shape, pair(config["patch_size"]), int(config["hidden_dim"]))


def dinov2_patch_embedding(config: Config, input_shape: Shape) -> Formula:
    """DINOV2PatchEmbedding: ``projection`` Conv2D, kernel ``p*p*C*hidden`` + bias (its build)."""
    _, _, channels = image_axes(config, input_shape)
    return Formula(_patch_conv("projection", pair(config["patch_size"]), channels, int(config["hidden_dim"]), True))


def dinov2_patch_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DINOV2PatchEmbedding / DINOV2Embedding: the patch convolution (interpolation happens at build time)."""
    return _patch_conv_macs(config, input_shape, pair(config["patch_size"]), int(config["hidden_dim"]))


def dinov2_embedding(config: Config, input_shape: Shape) -> Formula:
    """DINOV2Embedding: cls/mask/register tokens, two position tables, the patch projection.

    Mirrors DINOV2Embedding.__init__/build: ``cls_token`` hidden; ``mask_token``
    hidden when ``use_mask_token``; ``register_tokens`` ``R*hidden`` when R > 0;
    ``position_embeddings`` ``(P+1)*hidden`` with P patches of
    ``position_embedding_shape`` — created non-trainable; and
    ``interpolated_position_embeddings`` ``(P'+1)*hidden`` with P' patches of
    ``image_shape``; then patch_embeddings/projection.
    """
    hidden, patch = int(config["hidden_dim"]), int(config["patch_size"])
    image = pair(config["image_shape"])
    source = pair(config["position_embedding_shape"])
    terms = [FormulaTerm("cls_token", str(hidden))]
    if config.get("use_mask_token", True):
        terms.append(FormulaTerm("mask_token", str(hidden)))
    registers = int(config.get("num_register_tokens", 0))
    if registers > 0:
        terms.append(FormulaTerm("register_tokens", product_of([registers, hidden])))
    terms.append(FormulaTerm("interpolated_position_embeddings", f"({source_grid(image, patch)}+1)*{hidden}"))
    terms.append(FormulaTerm("position_embeddings", f"({source_grid(source, patch)}+1)*{hidden}", False, NOT_TRAINED))
    _, _, channels = image_axes(config, input_shape)
    terms += _patch_conv("patch_embeddings/projection", (patch, patch), channels, hidden, True)
    return Formula(terms)


def source_grid(image: tuple[int, int], patch: int) -> str:
    """The patch count of an image, ``(H//p)*(W//p)`` written with the quotients."""
    return f"{image[0] // patch}*{image[1] // patch}"


def vit_mlp(config: Config, input_shape: Shape) -> Formula:
    """ViT's MLP: dense_1 ``in x mlp_dim`` and dense_2 ``mlp_dim x hidden_dim``, biases with ``use_bias``."""
    bias = bool(config.get("use_bias", True))
    mlp, hidden = int(config["mlp_dim"]), int(config["hidden_dim"])
    return Formula(
        dense_terms("dense_1", [last_axis(input_shape)], [mlp], bias) + dense_terms("dense_2", [mlp], [hidden], bias)
    )


def vit_mlp_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """ViT's MLP: ``T*d*mlp_dim + T*mlp_dim*hidden``."""
    tokens, width = tokens_and_width(input_shape)
    mlp, hidden = int(config["mlp_dim"]), int(config["hidden_dim"])
    return f"{tokens}*{width}*{mlp} + {tokens}*{mlp}*{hidden}"


def deit_intermediate(config: Config, input_shape: Shape) -> Formula:
    """DeiTIntermediate: one Dense ``dense`` ``in x intermediate_dim`` with bias."""
    return Formula(dense_terms("dense", [last_axis(input_shape)], [config["intermediate_dim"]], True))


def deit_intermediate_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DeiTIntermediate: one Dense per token, ``T*d*intermediate_dim``; the bias is 0."""
    tokens, width = tokens_and_width(input_shape)
    return product_of([tokens, width, config["intermediate_dim"]])


def deit_output(config: Config, input_shape: Shape) -> Formula:
    """DeiTOutput: one Dense ``output`` ``in x hidden_dim`` with bias."""
    return Formula(dense_terms("output", [last_axis(input_shape)], [config["hidden_dim"]], True))


def deit_output_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DeiTOutput: one Dense per token, ``T*d*hidden_dim``; the bias and the residual add are 0."""
    tokens, width = tokens_and_width(input_shape)
    return product_of([tokens, width, config["hidden_dim"]])


def dinov2_mlp(config: Config, input_shape: Shape) -> Formula:
    """DINOV2MLP: fc1 ``in x intermediate_dim`` and fc2 ``intermediate_dim x hidden_dim``, with biases."""
    inner, hidden = int(config["intermediate_dim"]), int(config["hidden_dim"])
    return Formula(
        dense_terms("fc1", [last_axis(input_shape)], [inner], True) + dense_terms("fc2", [inner], [hidden], True)
    )


def dinov2_mlp_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DINOV2MLP: ``T*d*intermediate_dim + T*intermediate_dim*hidden_dim``; GELU and biases are 0."""
    tokens, width = tokens_and_width(input_shape)
    inner, hidden = int(config["intermediate_dim"]), int(config["hidden_dim"])
    return f"{tokens}*{width}*{inner} + {tokens}*{inner}*{hidden}"


# ------------------------------------------------------------ backward mult-adds

# A patch embedding is one convolution of the image (input-grad = weight-grad = forward); an MLP a
# chain of two contractions (the first's input gradient leaves the layer, the second's stays inside).
vit_patching_backward_macs = contraction_backward(vit_patching_macs)
deit_embeddings_backward_macs = contraction_backward(deit_embeddings_macs)
dinov2_patch_backward_macs = contraction_backward(dinov2_patch_macs)
vit_mlp_backward_macs = chain_backward(vit_mlp_macs)
deit_intermediate_backward_macs = contraction_backward(deit_intermediate_macs)
deit_output_backward_macs = contraction_backward(deit_output_macs)
dinov2_mlp_backward_macs = chain_backward(dinov2_mlp_macs)
