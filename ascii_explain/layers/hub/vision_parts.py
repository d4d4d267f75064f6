"""keras-hub's small vision parts: layer scales, affine blocks, drop paths, poolers, contrastive heads, DINOv3 tokens.

Each function mirrors the keras-hub 0.32.0 ``build()`` named in its docstring
and reads only the config (completed by read/hub.py) and the shapes.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..dims import UnknownDimensionError
from ..formula import Formula, FormulaTerm
from .common import Config, Shape, product_of


def hgnetv2_affine(config: Config, input_shape: Shape) -> Formula:
    """HGNetV2LearnableAffineBlock: ``scale`` and ``bias``, one scalar each (shape ``()``).

    ``y = scale*x + bias`` is element-wise: 0 MACs.
    """
    return Formula([FormulaTerm("scale", "1"), FormulaTerm("bias", "1")])


def hidden_dim_scale(config: Config, input_shape: Shape) -> Formula:
    """DINOV3LayerScale: ``lambda1`` of ``hidden_dim`` (an element-wise scale: 0 MACs)."""
    return Formula([FormulaTerm("lambda1", str(int(config["hidden_dim"])))])


def logit_scale_head(config: Config, input_shape: Any) -> Formula:
    """CLIPHead / MetaCLIP2Head: one scalar ``logit_scale`` (their build)."""
    return Formula([FormulaTerm("logit_scale", "1")])


def siglip_head(config: Config, input_shape: Any) -> Formula:
    """SigLIPHead: scalars ``logit_scale`` and ``logit_bias`` (its build)."""
    return Formula([FormulaTerm("logit_scale", "1"), FormulaTerm("logit_bias", "1")])


def contrastive_head_macs(
    config: Config, input_shape: Any, output_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None
) -> str:
    """CLIP/SigLIP/MetaCLIP2 heads: ``text @ vision^T`` of L2-normalised embeddings: ``d`` per text-image pair.

    Per sample (this project's convention) one text meets one image: the
    matmul's ``Bt*Bv*d`` at batch 1. The norms, scale and bias are 0.
    """
    shapes = call_shapes or {}
    shape = shapes.get("text_embedding") or shapes.get("vision_embedding")
    if shape is None:
        if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[-1], int):
            shape = input_shape
        else:
            raise UnknownDimensionError("the embeddings' width is known only at an input_shape")
    return str(int(shape[-1]))


def dinov3_embedding_own(config: Config, input_shape: Any) -> Formula:
    """DINOV3Embedding's own weights (its patch_embeddings sublayer is explained by its Conv2D).

    Mirrors DINOV3Embedding.build: ``cls_token`` (1, 1, hidden); ``mask_token``
    (1, 1, hidden) when ``use_mask_token``; ``register_tokens`` (1, R, hidden) when R > 0.
    """
    hidden = int(config["hidden_dim"])
    terms = [FormulaTerm("cls_token", str(hidden))]
    if config.get("use_mask_token", True):
        terms.append(FormulaTerm("mask_token", str(hidden)))
    registers = int(config.get("num_register_tokens", 0))
    if registers > 0:
        terms.append(FormulaTerm("register_tokens", product_of([registers, hidden])))
    return Formula(terms)


def random_frequency_embedding(config: Config, input_shape: Any) -> Formula:
    """SAM's RandomFrequencyPositionalEmbeddings.__init__: ``positional_encoding_gaussian_matrix`` (2, F).

    Created with ``trainable=False``: random Fourier frequencies, never trained.
    """
    return Formula(
        [
            FormulaTerm(
                "positional_encoding_gaussian_matrix",
                f"2*{int(config['num_positional_features'])}",
                False,
                "created with trainable=False by keras-hub (random Fourier frequencies)",
            )
        ]
    )


def parseq_decoder_own(config: Config, input_shape: Any) -> Formula:
    """PARSeqDecoder's own weight (its embedding, blocks and norm are explained by theirs).

    Mirrors PARSeqDecoder.build: ``pos_query_embeddings`` (1, max_label_length + 1, hidden_dim).
    """
    length, hidden = int(config["max_label_length"]), int(config["hidden_dim"])
    return Formula([FormulaTerm("pos_query_embeddings", f"({length}+1)*{hidden}")])


def channel_gamma(config: Config, input_shape: Any) -> Formula:
    """MobileNetV5's RmsNorm2d and LayerScale2d: ``gamma`` of ``dim`` channels (their build); element-wise: 0 MACs."""
    return Formula([FormulaTerm("gamma", str(int(config["dim"])))])
