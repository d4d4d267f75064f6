"""Gemma3n's text decoder: its RMS norm, its attention and AltUp's own weight (keras-hub 0.32.0's build()s).

- Gemma3nRMSNorm.build: ``scale`` of ``dim`` (a constructor argument, not the
  input's axis) when ``with_scale``, else nothing (the value norm).
- Gemma3nTextAttention.__init__/build: q_proj ``hidden x Hq*D``, k_proj and
  v_proj ``hidden x Hkv*D``, o_proj ``Hq*D x hidden_size`` (biases with
  ``attention_bias``); q_norm and k_norm of ``D``; v_norm without scale.
- Gemma3nTextAltUp.build: ``correct_output_scale`` of ``hidden_size`` when
  ``altup_correct_scale``; its router and coefficient Dense are sublayers.

AltUp has no mult-add function: keras-hub never calls the layer, the decoder
block calls its predict/correct methods, so the block's traced call carries
their products outside any sublayer (the streams by the predicted
coefficients, the router's second call): the block's own part
(``build/costs.py``, ``own_macs``), beside its sublayers' sum.
"""

from __future__ import annotations

from typing import Any, Optional

from ..dims import NotCoveredError
from ..formula import Formula, FormulaTerm
from .attention import _gqa_macs, _key_positions
from .common import Config, Shape, dense_terms, last_axis, positions


def gemma3n_norm(config: Config, input_shape: Shape) -> Formula:
    """Gemma3nRMSNorm: ``scale`` of ``dim`` with ``with_scale``, else no weight."""
    if not config.get("with_scale", True):
        return Formula(())
    return Formula([FormulaTerm("scale", str(int(config["dim"])))])


def _dims(config: Config, input_shape: Shape) -> tuple[int, int, int, int]:
    hidden = last_axis(input_shape)
    return hidden, int(config["num_attention_heads"]), int(config["num_key_value_heads"]), int(config["head_dim"])


def gemma3n_attention(config: Config, input_shape: Shape) -> Formula:
    """Gemma3nTextAttention: see the module docstring."""
    hidden, q_heads, kv_heads, head_dim = _dims(config, input_shape)
    bias = bool(config.get("attention_bias", False))
    return Formula(
        dense_terms("q_proj", [hidden], [q_heads * head_dim], bias)
        + dense_terms("k_proj", [hidden], [kv_heads * head_dim], bias)
        + dense_terms("v_proj", [hidden], [kv_heads * head_dim], bias)
        + dense_terms("o_proj", [q_heads * head_dim], [int(config["hidden_size"])], bias)
        + [FormulaTerm("q_norm/scale", str(head_dim)), FormulaTerm("k_norm/scale", str(head_dim))]
    )


def gemma3n_attention_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """``T*h*Hq*D + 2*T*h*Hkv*D + 2*Hq*T*T*D + T*Hq*D*h``; a layer sharing another's keys is not covered."""
    if config.get("is_kv_shared_layer", False):
        raise NotCoveredError("Gemma3nTextAttention sharing another layer's keys and values: mult-adds not covered")
    hidden, q_heads, kv_heads, head_dim = _dims(config, input_shape)
    return _gqa_macs(positions(input_shape), hidden, q_heads, kv_heads, head_dim)


def gemma3n_attention_kv(config: Config, input_shape: Any) -> Optional[str]:
    """Keys and values of the ``Hkv`` heads, ``2*Tk*Hkv*D``; a layer sharing another's keeps none."""
    if config.get("is_kv_shared_layer", False):
        return None
    return f"2*{_key_positions(input_shape)}*{int(config['num_key_value_heads'])}*{int(config['head_dim'])}"


def gemma3n_altup_own_weights(config: Config, input_shape: Any) -> Formula:
    """Gemma3nTextAltUp's own ``correct_output_scale`` of ``hidden_size`` (with ``altup_correct_scale``)."""
    if not config.get("altup_correct_scale", True):
        return Formula(())
    return Formula([FormulaTerm("correct_output_scale", str(int(config["hidden_size"])))])
