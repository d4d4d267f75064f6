"""RoFormerV2 and ESM (ESM2): RoformerNorm, the sinusoidal rotary layer, RoformerAttention and EsmSelfAttention.

EsmSelfAttention subclasses RoformerAttention and computes the same
projections and products (only its rotary layer differs, and rotary has no
weights and no multiply-accumulate by the project's convention).
"""

from __future__ import annotations

from typing import Any

from ..formula import Formula
from .attention import attention_products
from .common import Config, Shape, dense_terms, last_axis, positions


def _dims(config: Config, input_shape: Shape) -> tuple[int, int, int, int]:
    """(input width, heads H, head_size D, out_dim) of a RoformerAttention (``out_dim`` defaults to ``H*D``)."""
    heads, head_size = int(config["heads"]), int(config["head_size"])
    return last_axis(input_shape), heads, head_size, int(config.get("out_dim") or heads * head_size)


def roformer_attention(config: Config, input_shape: Shape) -> Formula:
    """RoformerAttention / EsmSelfAttention: q/k/v Dense ``width x H*D`` and o Dense ``H*D x out_dim``.

    Mirrors RoformerAttention.build: q_dense_layer, k_dense_layer,
    v_dense_layer and o_dense_layer, each with a bias when ``use_bias``.
    """
    width, heads, head_size, out_dim = _dims(config, input_shape)
    bias = bool(config.get("use_bias", False))
    inner = heads * head_size
    return Formula(
        dense_terms("q_dense_layer", [width], [inner], bias)
        + dense_terms("k_dense_layer", [width], [inner], bias)
        + dense_terms("v_dense_layer", [width], [inner], bias)
        + dense_terms("o_dense_layer", [inner], [out_dim], bias)
    )


def roformer_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """Self-attention over T tokens: ``3*T*w*H*D + 2*H*T*T*D + T*H*D*out_dim`` (rotary is element-wise: 0)."""
    width, heads, head_size, out_dim = _dims(config, input_shape)
    tokens = positions(input_shape)
    parts = [
        f"3*{tokens}*{width}*{heads * head_size}",
        *attention_products(tokens, tokens, heads, head_size),
        f"{tokens}*{heads * head_size}*{out_dim}",
    ]
    return " + ".join(parts)
