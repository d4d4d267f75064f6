"""keras-hub's ViTDet layers (SAM's image encoder): absolute and decomposed relative positions, windowed blocks.

Mirrors keras-hub 0.32.0 ``models/vit_det/vit_layers.py``. Inside a
WindowedTransformerEncoder the windows (and, in the relative-position einsums,
the heads) are folded into the batch axis, which a per-sample count cannot
split: the encoder block counts its attention whole, from its config and its
``(batch, H, W, C)`` input.
"""

from __future__ import annotations

import math
from typing import Any

from ..dims import known
from ..formula import Formula, FormulaTerm
from .common import Config, Shape, last_axis, sum_of
from .vision import pair


def add_positional_embedding(config: Config, input_shape: Any) -> Formula:
    """AddPositionalEmbedding.__init__: ``pos_embed`` (1, img//patch, img//patch, embed_dim); added: 0 MACs."""
    side = int(config["img_size"]) // int(config["patch_size"])
    return Formula([FormulaTerm("pos_embed", f"{side}*{side}*{int(config['embed_dim'])}")])


def add_relative_positional_embedding(config: Config, input_shape: Any) -> Formula:
    """AddRelativePositionalEmbedding.__init__: ``rel_pos_h`` (2*H-1, key_dim) and ``rel_pos_w`` (2*W-1, key_dim)."""
    height, width = pair(config["input_size"])
    key_dim = int(config["key_dim"])
    return Formula(
        [FormulaTerm("rel_pos_h", f"(2*{height}-1)*{key_dim}"), FormulaTerm("rel_pos_w", f"(2*{width}-1)*{key_dim}")]
    )


def windowed_encoder_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """WindowedTransformerEncoder.call: attention per window (or over the whole grid), then the MLP.

    On a ``H x W x C`` input, with ``window_size`` ws > 0 the grid is padded to
    whole windows, ``nW = ceil(H/ws)*ceil(W/ws)`` windows of ``ws x ws``; with 0
    one "window" is the grid. Per window of ``h x w`` (N = h*w) tokens and
    ``heads`` of ``kd = project_dim // num_heads``: qkv ``N*C*3*heads*kd``, scores and
    weighted values ``heads*N*N*kd`` each, with ``use_rel_pos`` the two decomposed
    einsums ``heads*N*kd*h`` and ``heads*N*kd*w``, and the projection
    ``N*C*heads*kd``. The MLP runs on the ``H*W`` tokens: ``H*W*C*inter + H*W*inter*C``.
    """
    height, width = known(input_shape[1], input_shape[2])
    channels, heads = last_axis(input_shape), int(config["num_heads"])
    key_dim = int(config["project_dim"]) // heads
    inner = heads * key_dim
    window = int(config.get("window_size") or 0)
    if window > 0:
        windows, (h, w) = math.ceil(height / window) * math.ceil(width / window), (window, window)
    else:
        windows, (h, w) = 1, (height, width)
    tokens = h * w
    per_window = [
        f"{tokens}*{channels}*{3 * inner}",
        f"{heads}*{tokens}*{tokens}*{key_dim}",
        f"{heads}*{tokens}*{tokens}*{key_dim}",
    ]
    if config.get("use_rel_pos"):
        per_window += [f"{heads}*{tokens}*{key_dim}*{h}", f"{heads}*{tokens}*{key_dim}*{w}"]
    per_window.append(f"{tokens}*{channels}*{inner}")
    attention = [f"{windows}*{part}" if windows > 1 else part for part in per_window]
    intermediate = int(config["intermediate_dim"])
    mlp = [f"{height * width}*{channels}*{intermediate}", f"{height * width}*{intermediate}*{channels}"]
    return sum_of([*attention, *mlp])
