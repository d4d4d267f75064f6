"""Attention layers: MultiHeadAttention, GroupQueryAttention, Attention, AdditiveAttention; parameters and mult-adds."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import keras

from ..arithmetic import product
from .backward import BackwardMacs, attention_backward_of
from .dims import NotCoveredError, known
from .formula import BuildShape, Formula, FormulaTerm
from .quantization import (
    float8_terms,
    frozen_by_lora,
    group_index_term,
    lora_rank,
    lora_terms,
    quantization_of,
    quantized_matrix_terms,
)
from .registry import OutputShapeArg, register_backward_macs, register_formula, register_macs

Sublayers = Optional[Mapping[str, Mapping[str, Any]]]


def _projection(
    name: str,
    rows: Sequence[Any],
    columns: Sequence[Any],
    use_bias: bool,
    config: Mapping[str, Any],
    sublayers: Sublayers,
) -> list[FormulaTerm]:
    """One EinsumDense projection ``rows -> columns``, its terms named ``name/weight``.

    The projection's own config (from ``sublayers``) says whether it was
    quantized or given LoRA after the attention layer was built; without it,
    the attention layer's dtype policy is what Keras passed down at build time.
    The quantizer reduces ``rows`` (the contracted axes) and keeps ``columns``.
    """
    own = (sublayers or {}).get(name) or config
    quantization = quantization_of(own)
    rank = lora_rank(own)
    terms = quantized_matrix_terms("kernel", rows, columns, quantization)
    terms = frozen_by_lora(terms, "kernel", rank)
    if use_bias:
        terms.append(FormulaTerm("bias", product(columns)))
    terms += float8_terms(quantization)
    terms += group_index_term([product(rows)], quantization)
    # EinsumDense.enable_lora: a is kernel[:-1] + (rank,), b is (rank, kernel[-1]).
    kernel = [*rows, *columns]
    terms += lora_terms("lora_kernel", kernel[:-1], kernel[-1:], rank)
    return [FormulaTerm(f"{name}/{term.name}", term.expression, term.trainable, term.reason) for term in terms]


def _shapes(input_shape: BuildShape) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any]]:
    """(query, value, key) shapes from MultiHeadAttention's ``shapes_dict`` build config."""
    shapes = dict(input_shape)  # type: ignore[arg-type]
    query, value = shapes["query_shape"], shapes["value_shape"]
    key = shapes.get("key_shape") or value
    return query, value, key


@register_formula(keras.layers.MultiHeadAttention)
def multi_head_attention(config: Mapping[str, Any], input_shape: BuildShape, sublayers: Sublayers = None) -> Formula:
    """MultiHeadAttention: four EinsumDense projections (five with ``use_gate``).

    Mirrors ``MultiHeadAttention.build``: query ``q*heads*key_dim``, key
    ``k*heads*key_dim``, value ``v*heads*value_dim`` (``q``, ``k``, ``v`` the
    last axes of query, key and value: cross-attention may differ), each with
    a ``heads*dim`` bias when ``use_bias``; the gate (``use_gate``) projects the
    query to ``heads*value_dim``; attention_output maps ``heads*value_dim`` to
    ``output_shape`` (default: the query's last axis), bias ``output_shape``.
    """
    query, value, key = _shapes(input_shape)
    heads, key_dim = int(config["num_heads"]), int(config["key_dim"])
    value_dim = int(config.get("value_dim") or key_dim)
    use_bias = bool(config.get("use_bias", True))
    output = config.get("output_shape")
    if output is None:
        output = [int(query[-1])]
    elif isinstance(output, int):
        output = [output]
    terms = _projection("query", [int(query[-1])], [heads, key_dim], use_bias, config, sublayers)
    terms += _projection("key", [int(key[-1])], [heads, key_dim], use_bias, config, sublayers)
    if config.get("use_gate", False):
        terms += _projection("gate", [int(query[-1])], [heads, value_dim], use_bias, config, sublayers)
    terms += _projection("value", [int(value[-1])], [heads, value_dim], use_bias, config, sublayers)
    terms += _projection("attention_output", [heads, value_dim], [int(n) for n in output], use_bias, config, sublayers)
    return Formula(terms)


@register_formula(keras.layers.GroupQueryAttention)
def group_query_attention(config: Mapping[str, Any], input_shape: BuildShape, sublayers: Sublayers = None) -> Formula:
    """GroupQueryAttention: query/gate over ``num_query_heads``, key/value over ``num_key_value_heads``.

    Mirrors ``GroupQueryAttention.build``: query ``m*uh``, key ``k*vh``,
    value ``v*vh`` (u query heads, v key/value heads, h ``head_dim``), the
    optional gate like the query, and attention_output ``u*h*m`` back to the
    query's width ``m``; biases over the output letters when ``use_bias``.
    """
    query, value, key = _shapes(input_shape)
    q_heads, kv_heads = int(config["num_query_heads"]), int(config["num_key_value_heads"])
    head_dim = int(config["head_dim"])
    use_bias = bool(config.get("use_bias", True))
    features = int(query[-1])
    terms = _projection("query", [features], [q_heads, head_dim], use_bias, config, sublayers)
    terms += _projection("key", [int(key[-1])], [kv_heads, head_dim], use_bias, config, sublayers)
    if config.get("use_gate", False):
        terms += _projection("gate", [features], [q_heads, head_dim], use_bias, config, sublayers)
    terms += _projection("value", [int(value[-1])], [kv_heads, head_dim], use_bias, config, sublayers)
    terms += _projection("attention_output", [q_heads, head_dim], [features], use_bias, config, sublayers)
    return Formula(terms)


@register_formula(keras.layers.Attention)
def dot_attention(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Attention (Luong): a scalar ``scale`` with ``use_scale``, a scalar ``concat_score_weight`` for "concat".

    Mirrors ``Attention.build``: both weights have shape ``()``, one parameter
    each, whatever the input widths.
    """
    terms = []
    if config.get("use_scale", False):
        terms.append(FormulaTerm("scale", "1"))
    if config.get("score_mode", "dot") == "concat":
        terms.append(FormulaTerm("concat_score_weight", "1"))
    return Formula(terms)


@register_formula(keras.layers.AdditiveAttention)
def additive_attention(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """AdditiveAttention (Bahdanau): ``scale`` of the query's width ``dim`` with ``use_scale``.

    Mirrors ``AdditiveAttention.build``: ``scale`` has shape ``[dim]`` where
    ``dim = input_shape[0][-1]`` (the query's last axis).
    """
    if not config.get("use_scale", True):
        return Formula(())
    query = input_shape[0]  # type: ignore[index]
    return Formula([FormulaTerm("scale", str(int(query[-1])))])


# ----------------------------------------------------------------- mult-adds


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
        raise NotCoveredError(f"attention_axes={axes} (not all inner axes) is not covered")
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
        raise NotCoveredError(f"score_mode={config.get('score_mode')!r} is not covered")
    query, value = input_shape[0], input_shape[1]
    tq, d = _positions_and_features(query)
    tv, dv = _positions_and_features(value)
    return f"{tq}*{tv}*{d} + {tq}*{tv}*{dv}"


# ------------------------------------------------------------ backward mult-adds

# Projections, score and value products, output: layers/backward.py's attention_backward.
multi_head_attention_backward_macs = register_backward_macs(keras.layers.MultiHeadAttention)(
    attention_backward_of(multi_head_attention_macs)
)
group_query_attention_backward_macs = register_backward_macs(keras.layers.GroupQueryAttention)(
    attention_backward_of(group_query_attention_macs)
)


@register_backward_macs(keras.layers.Attention)
def attention_backward_macs(
    config: Mapping[str, Any], input_shape: BuildShape, output_shape: OutputShapeArg
) -> BackwardMacs:
    """Attention (dot): no weights; the scores' gradient into query and key, the values' into value and scores.

    ``S = Q·Kᵀ``: ``dQ = dS·K`` and ``dK = dSᵀ·Q``, forward each (input-grad);
    ``O = P·V``: ``dV = Pᵀ·dO`` (input-grad) and ``dP = dO·Vᵀ`` (internal:
    into the scores), forward each.
    """
    scores, values = attention_macs(config, input_shape, output_shape).split(" + ")
    return BackwardMacs(input_grad=f"2*{scores} + {values}", weight_grad="0", internal=values)
