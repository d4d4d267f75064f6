"""Qwen3.5: its gated full attention and its gated delta net (linear attention) layers.

Qwen3_5Attention (keras-hub 0.32.0's build) is Qwen3's attention whose query
projection also produces an output gate: query ``hidden*Hq*2D``; key and
value ``hidden*Hkv*D``; query_norm and key_norm of ``D``; attention_output
``Hq*D*hidden``; no biases. The gate's product with the output is
element-wise: 0 MACs.

Qwen3_5GatedDeltaNet.build: in_proj_qkv ``hidden x (2K + V)``, in_proj_z
``hidden x V``, in_proj_b and in_proj_a ``hidden x Hv``, the depthwise causal
convolution ``conv1d_kernel`` ``(2K + V) x kernel``, ``dt_bias`` and
``A_log`` of ``Hv``, a gated RMS norm of ``head_v_dim`` and out_proj
``V x hidden`` (``K = Hk*dk``, ``V = Hv*dv``). Its mult-adds are not covered:
the chunked delta rule pads the sequence to 64-token chunks and runs a
63-step triangular solve per chunk, a count this module does not reproduce
(unknown, never a guess).
"""

from __future__ import annotations

from typing import Any

from ..formula import Formula, FormulaTerm
from .attention import _key_positions, attention_products
from .common import Config, Shape, dense_terms, last_axis, positions


def _heads(config: Config) -> tuple[int, int, int]:
    return int(config["num_query_heads"]), int(config["num_key_value_heads"]), int(config["head_dim"])


def qwen3_5_attention(config: Config, input_shape: Shape) -> Formula:
    """Qwen3_5Attention: see the module docstring."""
    hidden = last_axis(input_shape)
    q_heads, kv_heads, head_dim = _heads(config)
    return Formula(
        [
            FormulaTerm("query/kernel", f"{hidden}*{q_heads}*2*{head_dim}"),
            FormulaTerm("query_norm/scale", str(head_dim)),
            *dense_terms("key", [hidden], [kv_heads, head_dim], False),
            FormulaTerm("key_norm/scale", str(head_dim)),
            *dense_terms("value", [hidden], [kv_heads, head_dim], False),
            *dense_terms("attention_output", [q_heads, head_dim], [hidden], False),
        ]
    )


def qwen3_5_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """``T*h*Hq*2D + 2*T*h*Hkv*D + 2*Hq*T*T*D + T*Hq*D*h`` (the query's gate half included in its projection)."""
    hidden, tokens = last_axis(input_shape), positions(input_shape)
    q_heads, kv_heads, head_dim = _heads(config)
    parts = [
        f"{tokens}*{hidden}*{q_heads}*2*{head_dim}",
        f"2*{tokens}*{hidden}*{kv_heads}*{head_dim}",
        *attention_products(tokens, tokens, q_heads, head_dim),
        f"{tokens}*{q_heads}*{head_dim}*{hidden}",
    ]
    return " + ".join(parts)


def qwen3_5_attention_kv(config: Config, input_shape: Any) -> str:
    """Keys and values of the ``Hkv`` heads: ``2*Tk*Hkv*D``."""
    _, kv_heads, head_dim = _heads(config)
    return f"2*{_key_positions(input_shape)}*{kv_heads}*{head_dim}"


def gated_delta_net(config: Config, input_shape: Shape) -> Formula:
    """Qwen3_5GatedDeltaNet: see the module docstring (attributes ``key_dim``, ``value_dim``, ``num_v_heads``)."""
    hidden = last_axis(input_shape)
    keys, values = int(config["key_dim"]), int(config["value_dim"])
    value_heads, kernel = int(config["num_v_heads"]), int(config["conv_kernel_size"])
    mixed = f"(2*{keys} + {values})"
    return Formula(
        [
            FormulaTerm("in_proj_qkv/kernel", f"{hidden}*{mixed}"),
            *dense_terms("in_proj_z", [hidden], [values], False),
            *dense_terms("in_proj_b", [hidden], [value_heads], False),
            *dense_terms("in_proj_a", [hidden], [value_heads], False),
            FormulaTerm("conv1d_kernel", f"{mixed}*{kernel}"),
            FormulaTerm("dt_bias", str(value_heads)),
            FormulaTerm("A_log", str(value_heads)),
            FormulaTerm("norm/scale", str(int(config["head_v_dim"]))),
            *dense_terms("out_proj", [values], [hidden], False),
        ]
    )
