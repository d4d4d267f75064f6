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
``V x hidden`` (``K = Hk*dk``, ``V = Hv*dv``).

Its mult-adds (:func:`gated_delta_net_macs`) are what keras-hub's
``_chunk_gated_delta_rule`` computes without a cache: the projections, the
depthwise causal convolution ``(2K + V)*T*kernel``, and, over the sequence
padded to ``P`` = whole chunks of ``L = 64`` (``C = P/L`` chunks, ``Hv`` heads,
queries and keys repeated to the value heads), per head and chunk: ``k_beta kᵀ``
``L*L*dk``, the triangular solve ``sum(i*i, i = 1..L-1)``, the corrected values
``L*L*dv`` and decayed keys ``L*L*dk``, then the chunk's scores ``L*L*dk``, its
state read twice ``2*L*dk*dv``, its output ``L*L*dv`` and the state update
``L*dk*dv``. Gates, decays, the L2 and gated norms: 0.
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


CHUNK = 64  # keras-hub 0.32.0's _chunk_gated_delta_rule(chunk_size=64)


def gated_delta_net_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """Qwen3_5GatedDeltaNet without a cache: see the module docstring (the padded chunks are computed in full)."""
    hidden, tokens = last_axis(input_shape), positions(input_shape)
    keys, values = int(config["key_dim"]), int(config["value_dim"])
    heads, kernel = int(config["num_v_heads"]), int(config["conv_kernel_size"])
    dk, dv = int(config["head_k_dim"]), int(config["head_v_dim"])
    chunks = -(-tokens // CHUNK)
    solve = sum(i * i for i in range(1, CHUNK))
    L = CHUNK
    parts = [
        f"{tokens}*{hidden}*(2*{keys} + {values})",  # in_proj_qkv
        f"{tokens}*{hidden}*{values}",  # in_proj_z
        f"2*{tokens}*{hidden}*{heads}",  # in_proj_b, in_proj_a
        f"(2*{keys} + {values})*{tokens}*{kernel}",  # the depthwise causal convolution
        f"{heads}*{chunks}*({L}*{L}*{dk} + {solve} + {L}*{L}*{dv} + {L}*{L}*{dk})",  # within each chunk
        f"{heads}*{chunks}*({L}*{L}*{dk} + 2*{L}*{dk}*{dv} + {L}*{L}*{dv} + {L}*{dk}*{dv})",  # across chunks
        f"{tokens}*{values}*{hidden}",  # out_proj
    ]
    return " + ".join(parts)
