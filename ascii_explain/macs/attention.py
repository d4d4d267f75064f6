"""Mult-adds of attention layers: MultiHeadAttention, GroupQueryAttention and (dot) Attention."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from ..arithmetic import product
from .registry import BuildShape, OutputShapeArg, known, register_macs


def _positions_and_features(shape: Any) -> tuple[str, int]:
    """(positions, features): positions are the axes between batch and the last, multiplied out."""
    dims = known(*shape[1:])
    return product(dims[:-1]), dims[-1]


@register_macs(keras.layers.MultiHeadAttention)
def multi_head_attention_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """MultiHeadAttention: projections + score and value matmuls.

    With Tq query and Tv value positions, H heads, key_dim K, value_dim V:
    query ``Tq*dq*H*K`` + key ``Tv*dk*H*K`` + value ``Tv*dv*H*V`` (+ gate
    ``Tq*dq*H*V`` when ``use_gate``) + scores ``H*Tq*Tv*K`` + weighted values
    ``H*Tq*Tv*V`` + output ``Tq*H*V*out``. Softmax, scaling, masking and biases
    are not MACs. Covered when attention runs over all the axes between batch
    and features (Keras's default ``attention_axes``); otherwise unknown.
    """
    query = input_shape["query_shape"]
    value = input_shape["value_shape"]
    key = input_shape.get("key_shape") or value
    rank = len(query)
    axes = config.get("attention_axes")
    if axes is not None and sorted(int(a) % rank for a in axes) != list(range(1, rank - 1)):
        raise ValueError(f"attention_axes={axes} (not all inner axes) is not covered")
    tq, dq = _positions_and_features(query)
    tv, dv = _positions_and_features(value)
    dk = known(key[-1])[0]
    heads, key_dim = int(config["num_heads"]), int(config["key_dim"])
    value_dim = int(config.get("value_dim") or key_dim)
    out = config.get("output_shape")
    out_size = product(out if isinstance(out, (list, tuple)) else [out]) if out else str(dq)
    parts = [
        f"{tq}*{dq}*{heads}*{key_dim}",
        f"{tv}*{dk}*{heads}*{key_dim}",
        f"{tv}*{dv}*{heads}*{value_dim}",
    ]
    if config.get("use_gate"):
        parts.append(f"{tq}*{dq}*{heads}*{value_dim}")
    parts += [
        f"{heads}*{tq}*{tv}*{key_dim}",
        f"{heads}*{tq}*{tv}*{value_dim}",
        f"{tq}*{heads}*{value_dim}*{out_size}",
    ]
    return " + ".join(parts)


@register_macs(keras.layers.GroupQueryAttention)
def group_query_attention_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """GroupQueryAttention: projections + score and value matmuls.

    With Tq query and Tv value positions, Hq query heads, Hkv key/value heads,
    head_dim D: query ``Tq*dq*Hq*D`` + key ``Tv*dk*Hkv*D`` + value
    ``Tv*dv*Hkv*D`` (+ gate ``Tq*dq*Hq*D`` when ``use_gate``) + scores
    ``Hq*Tq*Tv*D`` + weighted values ``Hq*Tq*Tv*D`` + output ``Tq*Hq*D*dq``.
    Key/value heads are shared by groups of query heads, not recomputed.
    """
    query = input_shape["query_shape"]
    value = input_shape["value_shape"]
    key = input_shape.get("key_shape") or value
    tq, dq = _positions_and_features(query)
    tv, dv = _positions_and_features(value)
    dk = known(key[-1])[0]
    hq, hkv, dim = int(config["num_query_heads"]), int(config["num_key_value_heads"]), int(config["head_dim"])
    parts = [f"{tq}*{dq}*{hq}*{dim}", f"{tv}*{dk}*{hkv}*{dim}", f"{tv}*{dv}*{hkv}*{dim}"]
    if config.get("use_gate"):
        parts.append(f"{tq}*{dq}*{hq}*{dim}")
    parts += [f"{hq}*{tq}*{tv}*{dim}", f"{hq}*{tq}*{tv}*{dim}", f"{tq}*{hq}*{dim}*{dq}"]
    return " + ".join(parts)


@register_macs(keras.layers.Attention)
def attention_macs(config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """Attention (Luong, ``score_mode="dot"``): scores ``Tq*Tv*d`` + weighted values ``Tq*Tv*dv``.

    There are no projections; the optional scale is element-wise. The
    ``"concat"`` score mode (a tanh of sums) is not covered (unknown MACs).
    """
    if config.get("score_mode", "dot") != "dot":
        raise ValueError(f"score_mode={config.get('score_mode')!r} is not covered")
    query, value = input_shape[0], input_shape[1]
    tq, d = _positions_and_features(query)
    tv, dv = _positions_and_features(value)
    return f"{tq}*{tv}*{d} + {tq}*{tv}*{dv}"
