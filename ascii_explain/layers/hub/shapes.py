"""Output shapes of keras-hub layers from (config, input shape), batch axis included (tuples, not shape arithmetic)."""

from __future__ import annotations

from typing import Any

from .common import (
    Config,
    Shape,
)
from .vision import image_axes, pair

# --------------------------------------------------------------------------- output shapes


def same_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    """Norms, attention, FFN and MoE blocks keep the (batch, T, hidden) shape of their input."""
    return tuple(input_shape)


def embedded_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    """TokenAndPositionEmbedding: (batch, T) token ids -> (batch, T, embedding_dim)."""
    return (*input_shape, int(config["embedding_dim"]))


def patch_tokens_shape(config: Config, input_shape: Shape, extra_tokens: int) -> tuple[Any, ...]:
    """Patch embeddings: (batch, H, W, C) -> (batch, (H//ph)*(W//pw) + extra tokens, hidden)."""
    height, width, _ = image_axes(config, input_shape)
    patch = pair(config["patch_size"])
    tokens = (
        None if height is None or width is None else (int(height) // patch[0]) * (int(width) // patch[1]) + extra_tokens
    )
    return (input_shape[0], tokens, int(config["hidden_dim"]))


def vit_embedding_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    """ViTPatchingAndEmbedding: the patches, plus the class token when ``use_class_token``."""
    return patch_tokens_shape(config, input_shape, 1 if config.get("use_class_token", True) else 0)


def deit_embedding_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    """DeiTEmbeddings: the patches plus the class and distillation tokens."""
    return patch_tokens_shape(config, input_shape, 2)


def dinov2_embedding_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    """DINOV2Embedding: the patches plus the class token and the register tokens."""
    return patch_tokens_shape(config, input_shape, 1 + int(config.get("num_register_tokens", 0)))


def dinov2_patch_shape(config: Config, input_shape: Shape) -> tuple[Any, ...]:
    """DINOV2PatchEmbedding flattens the grid: (batch, patches, hidden)."""
    return patch_tokens_shape(config, input_shape, 0)
