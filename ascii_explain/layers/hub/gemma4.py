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

from ..dims import NotCoveredError
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


def _block_attention_config(config: Config) -> dict[str, Any]:
    """The attention config a Gemma4TextDecoderBlock gives its Gemma4TextAttention (its __init__'s derivation).

    ``head_dim`` is ``global_head_dim`` on a global layer that has one; keys are
    the values only on a global layer (``attention_k_eq_v`` without a sliding
    window), which then has ``num_global_key_value_heads`` when given.
    """
    global_head = config.get("global_head_dim") if config.get("is_global_attention") else None
    k_eq_v = bool(config.get("attention_k_eq_v")) and not config.get("use_sliding_window_attention")
    kv_heads = config["num_key_value_heads"]
    if k_eq_v and config.get("num_global_key_value_heads") is not None:
        kv_heads = config["num_global_key_value_heads"]
    return {
        "num_query_heads": config["num_query_heads"],
        "num_key_value_heads": kv_heads,
        "head_dim": global_head or config["head_dim"],
        "is_kv_shared_layer": config.get("is_kv_shared_layer", False),
        "attention_k_eq_v": k_eq_v,
    }


def gemma4_decoder_block_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """Gemma4TextDecoderBlock: its attention + the gated FFN ``3*T*h*F`` + the per-layer input gate ``2*T*h*p``.

    The block multiplies its FFN kernels itself (``ops.matmul`` on
    ``ffw_gating``, ``ffw_gating_2`` and ``ffw_linear``'s kernels, keras-hub
    0.32.0's call), so its sublayers' sum would miss them: this function
    counts the whole block. ``F`` is ``actual_intermediate_dim`` (doubled
    on shared layers with ``use_double_wide_mlp``); ``p`` is
    ``hidden_size_per_layer_input``. The MoE variant is not covered.
    """
    if config.get("enable_moe_block"):
        raise NotCoveredError("Gemma4TextDecoderBlock with a MoE block: mult-adds not covered")
    hidden, tokens = last_axis(input_shape), positions(input_shape)
    inner = int(config.get("actual_intermediate_dim") or config["intermediate_dim"])
    parts = [gemma4_text_attention_macs(_block_attention_config(config), input_shape, output_shape)]
    parts.append(f"3*{tokens}*{hidden}*{inner}")
    per_layer = int(config.get("hidden_size_per_layer_input") or 0)
    if per_layer:
        parts.append(f"2*{tokens}*{hidden}*{per_layer}")
    return " + ".join(parts)
