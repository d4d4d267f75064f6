"""Gemma4's text decoder: its attention (shared key/value layers, keys used as values), norms and layer scalar.

Mirrors keras-hub 0.32.0's Gemma4TextAttention.__init__/build:

- query ``hidden*Hq*D`` and ``query_norm`` of ``D``, always;
- a layer that reuses another layer's keys and values (``is_kv_shared_layer``)
  builds no key or value projection and no key norm;
- otherwise key ``hidden*Hkv*D`` and ``key_norm`` of ``D``, and value
  ``hidden*Hkv*D`` unless ``attention_k_eq_v`` (global layers only: the keys
  are the values), where ``Hkv`` is ``num_global_key_value_heads`` for such a
  layer (``effective_num_kv_heads``);
- ``value_norm`` (Gemma4VNorm) has no weight; attention_output ``Hq*D*hidden``.

Gemma4TextDecoderBlock's own weight is a non-trainable scalar ``layer_scalar``
(text layers only). MACs as every decoder attention here (soft-capping,
sliding windows and partial rotary are element-wise).
"""

from __future__ import annotations

from typing import Any, Optional

from ..formula import Formula, FormulaTerm
from .attention import _key_positions, attention_products
from .common import Config, Shape, dense_terms, last_axis, positions

LAYER_SCALAR_REASON = "created with trainable=False by keras-hub (Gemma4's per-layer output scale, a buffer)"


def _dims(config: Config) -> tuple[int, int, int, bool, bool]:
    """(query heads, effective key/value heads, head_dim, projects keys, projects values)."""
    q_heads, head_dim = int(config["num_query_heads"]), int(config["head_dim"])
    kv_heads = int(config.get("effective_num_kv_heads") or config["num_key_value_heads"])
    keys = not config.get("is_kv_shared_layer", False)
    values = keys and not config.get("attention_k_eq_v", False)
    return q_heads, kv_heads, head_dim, keys, values


def gemma4_text_attention(config: Config, input_shape: Shape) -> Formula:
    """Gemma4TextAttention: see the module docstring (all four projections are bias-free EinsumDense)."""
    hidden = last_axis(input_shape)
    q_heads, kv_heads, head_dim, keys, values = _dims(config)
    terms = dense_terms("query", [hidden], [q_heads, head_dim], False)
    if keys:
        terms += dense_terms("key", [hidden], [kv_heads, head_dim], False)
    if values:
        terms += dense_terms("value", [hidden], [kv_heads, head_dim], False)
    if keys:
        terms.append(FormulaTerm("key_norm/scale", str(head_dim)))
    terms.append(FormulaTerm("query_norm/scale", str(head_dim)))
    terms += dense_terms("attention_output", [q_heads, head_dim], [hidden], False)
    return Formula(terms)


def gemma4_text_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """``T*h*Hq*D`` + the key and value projections it has (``T*h*Hkv*D`` each) + ``2*Hq*T*T*D`` + ``T*Hq*D*h``.

    A shared layer attends to the reference layer's keys over the same T positions.
    """
    hidden, tokens = last_axis(input_shape), positions(input_shape)
    q_heads, kv_heads, head_dim, keys, values = _dims(config)
    parts = [f"{tokens}*{hidden}*{q_heads}*{head_dim}"]
    parts += [f"{tokens}*{hidden}*{kv_heads}*{head_dim}"] * (int(keys) + int(values))
    parts += [*attention_products(tokens, tokens, q_heads, head_dim), f"{tokens}*{q_heads}*{head_dim}*{hidden}"]
    return " + ".join(parts)


def gemma4_text_attention_kv(config: Config, input_shape: Any) -> Optional[str]:
    """Keys and values of the ``Hkv`` heads, ``2*Tk*Hkv*D``; a shared layer keeps none (it reads another's)."""
    _, kv_heads, head_dim, keys, _ = _dims(config)
    if not keys:
        return None
    return f"2*{_key_positions(input_shape)}*{kv_heads}*{head_dim}"


def gemma4_decoder_own_weights(config: Config, input_shape: Any) -> Formula:
    """Gemma4TextDecoderBlock's own ``layer_scalar``: one non-trainable scalar in text layers (its build)."""
    if not config.get("is_text_layer", True):
        return Formula(())
    return Formula([FormulaTerm("layer_scalar", "1", False, LAYER_SCALAR_REASON)])
