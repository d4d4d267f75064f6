"""Mixture of experts (Mixtral, Qwen-MoE): router, experts, shared expert; parameters total and active; top-k MACs."""

from __future__ import annotations

from typing import Any

from ..backward import chain_backward
from ..dims import known
from ..formula import Formula, FormulaTerm
from .common import (
    Config,
    Shape,
    dense_terms,
    last_axis,
    positions,
    prefixed,
    product_of,
    tokens_and_width,
)


def qwen_moe_mlp(config: Config, input_shape: Shape) -> Formula:
    """QwenMoeMLP (the shared expert): intermediate and gate ``in x intermediate_dim``, output back; no biases."""
    inner, hidden, width = int(config["intermediate_dim"]), int(config["hidden_dim"]), last_axis(input_shape)
    return Formula(
        dense_terms("feedforward_intermediate_dense", [width], [inner], False)
        + dense_terms("feedforward_gate_dense", [width], [inner], False)
        + dense_terms("feedforward_output_dense", [inner], [hidden], False)
    )


def qwen_moe_mlp_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """QwenMoeMLP: ``2*T*d*i`` (intermediate and gate) ``+ T*i*hidden``; the SiLU gating product is 0."""
    tokens, width = tokens_and_width(input_shape)
    inner, hidden = int(config["intermediate_dim"]), int(config["hidden_dim"])
    return f"2*{tokens}*{width}*{inner} + {tokens}*{inner}*{hidden}"


# --------------------------------------------------------------------------- mixture of experts


def mixtral_experts(config: Config, input_shape: Shape) -> Formula:
    """MixtralMoeExperts: three stacked tensors over ``num_experts`` E (its build).

    expert_feedforward_gate_dense and expert_feedforward_intermediate_dense
    ``E x hidden x intermediate``, expert_feedforward_output_dense
    ``E x intermediate x hidden``.
    """
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    return Formula(
        [
            FormulaTerm("expert_feedforward_gate_dense", product_of([experts, hidden, inner])),
            FormulaTerm("expert_feedforward_intermediate_dense", product_of([experts, hidden, inner])),
            FormulaTerm("expert_feedforward_output_dense", product_of([experts, inner, hidden])),
        ],
        compact=f"{experts}*3*{hidden}*{inner}",
    )


def mixtral_experts_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """MixtralMoeExperts on its own: EVERY expert on every token, as its call() computes (three einsums).

    ``E*T*hidden*inter`` twice (gate, intermediate) + ``E*T*inter*hidden``.
    Its input is the flattened tokens ``(T, hidden)``; a (batch, T, hidden)
    build shape is read the same way. The sparse block's MACs
    (:func:`mixtral_block_macs`) count only the top-k experts.
    """
    tokens = _moe_tokens(input_shape)
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    return f"3*{experts}*{tokens}*{hidden}*{inner}"


def _moe_tokens(input_shape: Shape) -> int:
    """Tokens of a MoE input: (tokens, hidden) flattened, or (batch, T, hidden) per sample."""
    if len(input_shape) == 2:
        return int(known(input_shape[0])[0])
    return positions(input_shape)


def mixtral_block(config: Config, input_shape: Shape) -> Formula:
    """MixtralSparseMoeBlock: router ``sparse_feedforward_gate_dense`` ``hidden x E`` (no bias) + the experts.

    Mirrors MixtralSparseMoeBlock.build. Parameters count every expert; the
    parameters active for one token are :func:`moe_active_params`.
    """
    experts, hidden = int(config["num_experts"]), int(config["hidden_dim"])
    terms = dense_terms("sparse_feedforward_gate_dense", [hidden], [experts], False)
    terms += prefixed("experts", mixtral_experts(config, input_shape).terms)
    return Formula(terms)


def mixtral_block_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """MixtralSparseMoeBlock at top-k: router ``T*hidden*E`` + ``top_k`` experts per token ``T*3*hidden*inter``.

    keras-hub 0.32.0 computes every expert densely and zeroes the unrouted
    ones; a sparse implementation (and the issue's convention) costs top-k.
    The dense figure is ``mixtral_experts_macs`` plus the router.
    """
    tokens = positions(input_shape)
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    top_k = int(config["top_k"])
    return f"{tokens}*{hidden}*{experts} + {top_k}*{tokens}*3*{hidden}*{inner}"


def qwen_experts(config: Config, input_shape: Shape) -> Formula:
    """QwenMoeExperts: gate and up fused, ``E x hidden x 2*intermediate``; output ``E x intermediate x hidden``."""
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    return Formula(
        [
            FormulaTerm("expert_feedforward_gate_dense", f"{experts}*{hidden}*2*{inner}"),
            FormulaTerm("expert_feedforward_output_dense", product_of([experts, inner, hidden])),
        ]
    )


def qwen_experts_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """QwenMoeExperts on its own: every expert on every token, ``E*T*hidden*2*inter + E*T*inter*hidden``."""
    tokens = _moe_tokens(input_shape)
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    return f"{experts}*{tokens}*{hidden}*2*{inner} + {experts}*{tokens}*{inner}*{hidden}"


def qwen_block(config: Config, input_shape: Shape) -> Formula:
    """QwenSparseMoeBlock: router, experts, the shared expert (QwenMoeMLP) and its 1-unit gate.

    Mirrors QwenSparseMoeBlock.build: sparse_feedforward_gate_dense
    ``hidden x E``; experts; shared_expert_dense with
    ``intermediate_dim_shared`` (the constructor's shared_expert_intermediate_dim);
    shared_expert_gate_dense ``hidden x 1``. No biases.
    """
    experts, hidden = int(config["num_experts"]), int(config["hidden_dim"])
    shared = {"intermediate_dim": config["intermediate_dim_shared"], "hidden_dim": hidden}
    terms = dense_terms("sparse_feedforward_gate_dense", [hidden], [experts], False)
    terms += prefixed("experts", qwen_experts(config, input_shape).terms)
    terms += prefixed("shared_expert_dense", qwen_moe_mlp(shared, input_shape).terms)
    terms += dense_terms("shared_expert_gate_dense", [hidden], [1], False)
    return Formula(terms)


def qwen_block_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """QwenSparseMoeBlock at top-k: router + top_k experts + the shared expert and its gate, per token."""
    tokens = positions(input_shape)
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    shared = int(config["intermediate_dim_shared"])
    top_k = int(config["top_k"])
    return (
        f"{tokens}*{hidden}*{experts} + {top_k}*{tokens}*3*{hidden}*{inner}"
        f" + {tokens}*3*{hidden}*{shared} + {tokens}*{hidden}*1"
    )


def moe_active_params(config: Config) -> str:
    """Parameters one token uses in a Mixtral or Qwen MoE block: the router, ``top_k`` experts, the shared expert.

    Mixtral: ``hidden*E + top_k*3*hidden*inter``. Qwen adds the shared expert
    ``3*hidden*shared`` and its gate ``hidden``. Pass :func:`hub_config` of
    the MixtralSparseMoeBlock or QwenSparseMoeBlock.
    """
    experts, hidden, inner = int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])
    top_k = int(config["top_k"])
    expression = f"{hidden}*{experts} + {top_k}*3*{hidden}*{inner}"
    if "intermediate_dim_shared" in config:
        expression += f" + 3*{hidden}*{int(config['intermediate_dim_shared'])} + {hidden}"
    return expression


# ------------------------------------------------------------ backward mult-adds

# The shared expert is a gated MLP: intermediate and gate read the input (the first term), the output
# projection reads the gated product. The routed experts' fused counts do not separate what reads
# the input from what reads an intermediate: no backward function (unknown, never a guess).
qwen_moe_mlp_backward_macs = chain_backward(qwen_moe_mlp_macs)
