"""keras-hub's vision attention: DINOv3's rotary attention, Swin's shifted windows, MiT's spatial reduction.

These layers are composites of Dense (and Conv2D) sublayers, whose parameters
their rows already sum; what the sum cannot see is the attention itself
(``q @ k^T`` and ``weights @ v``, two ``ops.matmul`` calls), so each has a
MACs function for the WHOLE layer, as MultiHeadAttention has. Each mirrors the
keras-hub 0.32.0 ``call()`` named in its docstring. Per sample (batch 1), as
everywhere in this project.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional

from ..dims import UnknownDimensionError, known
from ..formula import Formula, FormulaTerm
from .attention import attention_products
from .common import Config, Shape, last_axis, positions, product_of, sum_of


def dinov3_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """DINOV3Attention.call: q/k/v projections ``3*T*d*hidden``, ``2*H*T*T*D`` attention, ``T*hidden*hidden`` output.

    ``D = hidden_dim // num_heads``; rotary on the patch tokens is element-wise (0).
    """
    hidden, heads = int(config["hidden_dim"]), int(config["num_heads"])
    tokens, width = positions(input_shape), last_axis(input_shape)
    parts = [f"3*{tokens}*{width}*{hidden}", *attention_products(tokens, tokens, heads, hidden // heads)]
    return sum_of([*parts, f"{tokens}*{hidden}*{hidden}"])


def swin_window_attention_own(config: Config, input_shape: Any) -> Formula:
    """WindowAttention's own weight (its qkv and proj Dense sublayers are explained by theirs).

    Mirrors WindowAttention.build: ``relative_position_bias_table`` of
    ``(2*win_h - 1)*(2*win_w - 1)`` relative offsets x ``num_heads``.
    """
    win_h, win_w = int(config["win_h"]), int(config["win_w"])
    return Formula(
        [FormulaTerm("relative_position_bias_table", f"(2*{win_h}-1)*(2*{win_w}-1)*{int(config['num_heads'])}")]
    )


def swin_block_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """SwinTransformerBlock.call: window attention over the padded grid, then the MLP.

    The ``H x W`` grid (``input_resolution``) is padded to whole windows of
    ``ws`` (the block's ``window_size``, already clamped to the grid):
    ``nW = ceil(H/ws)*ceil(W/ws)`` windows of ``N = ws*ws`` tokens. Per window:
    qkv ``N*C*3C``, attention ``2*heads*N*N*(C/heads)``, proj ``N*C*C``; then the
    MLP on the ``H*W`` tokens, ``H*W*C*hidden + H*W*hidden*C`` with
    ``hidden = int(C*mlp_ratio)``. Shifting, masks and the bias table are 0.
    (WindowAttention sees the windows folded into the batch axis: it is counted here.)
    """
    height, width = (int(v) for v in config["input_resolution"])
    window, dim, heads = int(config["window_size"]), int(config["dim"]), int(config["num_heads"])
    windows = math.ceil(height / window) * math.ceil(width / window)
    tokens = window * window
    head_dim = dim // heads
    hidden = int(dim * float(config["mlp_ratio"]))
    attention = [
        f"{windows}*{tokens}*{dim}*{3 * heads * head_dim}",
        *(f"{windows}*{part}" for part in attention_products(tokens, tokens, heads, head_dim)),
        f"{windows}*{tokens}*{dim}*{dim}",
    ]
    return sum_of([*attention, f"{height * width}*{dim}*{hidden}", f"{height * width}*{hidden}*{dim}"])


def mit_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """SegFormerMultiheadAttention.call: q on N tokens; k, v on the ``sr_ratio``-reduced grid; attention; proj.

    The N tokens are a square ``H = W = int(sqrt(N))`` grid; with ``sr_ratio > 1`` a
    Conv2D of kernel = stride = sr reduces it to ``Nk = (H//sr)*(W//sr)`` tokens
    (``Nk*sr*sr*C*C``), else ``Nk = N``. Then q ``N*C*C``, k and v ``Nk*C*C`` each,
    ``2*heads*N*Nk*(C/heads)`` and the output projection ``N*C*C``.
    """
    (tokens,) = known(input_shape[1])
    channels, heads, ratio = last_axis(input_shape), int(config["num_heads"]), int(config["sr_ratio"])
    side = int(math.sqrt(tokens))
    parts = [f"{tokens}*{channels}*{channels}"]
    keys = tokens
    if ratio > 1:
        keys = (side // ratio) * (side // ratio)
        parts.append(product_of([keys, ratio, ratio, channels, channels]))
    parts += [f"2*{keys}*{channels}*{channels}", *attention_products(tokens, keys, heads, channels // heads)]
    return sum_of([*parts, f"{tokens}*{channels}*{channels}"])


def flux_rope_attention_macs(
    config: Config, input_shape: Any, output_shape: Any, call_shapes: Optional[Mapping[str, Any]] = None
) -> str:
    """FluxRoPEAttention.call: ``q @ k^T`` and ``weights @ v`` over ``(batch, heads, L, D)`` queries and S keys.

    ``2*heads*L*S*D`` (``D`` of the values for the second); the rotary
    transform is element-wise (0). The shapes are its call's (known at an input_shape).
    """
    shapes = call_shapes or {}
    if not all(shapes.get(name) for name in ("q", "k", "v")):
        raise UnknownDimensionError("FluxRoPEAttention's query and key shapes are known only at an input_shape")
    _, heads, queries, depth = known(*shapes["q"])
    keys, value_depth = known(shapes["k"][2], shapes["v"][3])
    return sum_of(attention_products(queries, keys, heads, depth, value_depth))
