"""RWKV-7's time mixing and channel mixing: the weights these composite layers create themselves.

Their Dense sublayers (receptance, key, value, output_layer; dense_k,
dense_v) and the GroupNormalization have their own Keras formulas; these
functions are the own-weights part (``register_own_weights``), mirroring
keras-hub 0.32.0's RWKV7TimeMix.build and RWKV7ChannelMix.build, with
``C = hidden_size``, ``H = hidden_size // head_size`` heads of ``N = head_size``.

Mult-adds: RWKV7TimeMix has no function of its own: its Dense sublayers plus
what its call multiplies itself (the low-rank decay, in-context learning
rate, value and gate pairs, and the generalized delta rule's per-token
``state @ a`` and ``state @ r``), counted from its traced call
(``build/costs.py``, ``own_macs``; on TensorFlow its Python loop's ``@`` is read
from the graph, ``read/graph_contractions.py``). TimeShift (a one-token shift)
has no weights and no product.
"""

from __future__ import annotations

from typing import Any

from ..formula import Formula, FormulaTerm
from .common import Config, last_axis


def rwkv7_time_mix_own_weights(config: Config, input_shape: Any) -> Formula:
    """RWKV7TimeMix's own weights: token-shift mixes, low-rank decay/ICL/value/gate pairs, ``k_k``, ``k_a``, ``r_k``.

    ``x_r, x_w, x_k, x_v, x_a, x_g, w0, a0, k_k, k_a`` of ``C``; ``w1``/``w2``
    ``C x decay_lora``; ``a1``/``a2`` ``C x aaa_lora``; ``g1``/``g2``
    ``C x gate_lora``; with ``add_v_first`` (every layer but the first)
    ``v0`` of ``C`` and ``v1``/``v2`` ``C x mv_lora``; ``r_k`` ``H x N``.
    """
    width = int(config["hidden_size"])
    heads, head_size = width // int(config["head_size"]), int(config["head_size"])
    vector = lambda name: FormulaTerm(name, str(width))  # noqa: E731 - one line per weight below
    pair = lambda name, rank: [  # noqa: E731
        FormulaTerm(f"{name}1", f"{width}*{int(config[rank])}"),
        FormulaTerm(f"{name}2", f"{int(config[rank])}*{width}"),
    ]
    terms = [vector(name) for name in ("x_r", "x_w", "x_k", "x_v", "x_a", "x_g", "w0")]
    terms += pair("w", "decay_lora") + [vector("a0")] + pair("a", "aaa_lora")
    if config.get("add_v_first", False):
        terms += [vector("v0"), *pair("v", "mv_lora")]
    terms += pair("g", "gate_lora")
    terms += [vector("k_k"), vector("k_a"), FormulaTerm("r_k", f"{heads}*{head_size}")]
    return Formula(terms)


def rwkv7_channel_mix_own_weights(config: Config, input_shape: Any) -> Formula:
    """RWKV7ChannelMix's own weight: ``time_mix_k`` of the input's last axis (RWKV7ChannelMix.build)."""
    shape = (
        input_shape[0]
        if isinstance(input_shape, (list, tuple)) and isinstance(input_shape[0], (list, tuple))
        else input_shape
    )
    return Formula([FormulaTerm("time_mix_k", str(last_axis(shape)))])
