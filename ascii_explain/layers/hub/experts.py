"""Expert banks and sparse MoE blocks of Qwen3-MoE, Qwen3.5-MoE and GPT-OSS: parameters count every expert, MACs top-k.

The conventions of ``moe.py``: an expert bank on its own costs what its
call() computes (every expert on every token, two einsums); a sparse block
costs its router plus ``top_k`` experts per token (keras-hub computes every
expert densely and zeroes the unrouted ones: the dense figure is the bank's
MACs plus the router). Gating products, biases, clipping and the routing
sum are 0.
"""

from __future__ import annotations

from typing import Any

from ..formula import Formula, FormulaTerm
from .common import Config, Shape, dense_terms, positions, prefixed, product_of
from .moe import _moe_tokens, qwen_moe_mlp


def _bank(config: Config) -> tuple[int, int, int]:
    """(experts E, hidden, intermediate) of an expert bank."""
    return int(config["num_experts"]), int(config["hidden_dim"]), int(config["intermediate_dim"])


def qwen3_moe_experts(config: Config, input_shape: Shape) -> Formula:
    """Qwen3MoeExperts: gate and up fused ``E x hidden x 2*intermediate``, output ``E x intermediate x hidden``.

    Mirrors Qwen3MoeExperts.build (no biases).
    """
    experts, hidden, inner = _bank(config)
    return Formula(
        [
            FormulaTerm("expert_feedforward_gate_dense", f"{experts}*{hidden}*2*{inner}"),
            FormulaTerm("expert_feedforward_output_dense", product_of([experts, inner, hidden])),
        ]
    )


def fused_bank_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """A fused gate/up expert bank on its own: ``E*T*hidden*2*inter + E*T*inter*hidden`` (its two einsums)."""
    experts, hidden, inner = _bank(config)
    tokens = _moe_tokens(input_shape)
    return f"{experts}*{tokens}*{hidden}*2*{inner} + {experts}*{tokens}*{inner}*{hidden}"


def qwen3_moe_block(config: Config, input_shape: Shape) -> Formula:
    """Qwen3SparseMoeBlock: router ``sparse_feedforward_gate_dense`` ``hidden x E`` (no bias) and the experts.

    Mirrors Qwen3SparseMoeBlock.build (no shared expert, unlike Qwen-MoE).
    """
    experts, hidden, _ = _bank(config)
    terms = dense_terms("sparse_feedforward_gate_dense", [hidden], [experts], False)
    terms += prefixed("experts", qwen3_moe_experts(config, input_shape).terms)
    return Formula(terms)


def top_k_block_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """A sparse block at top-k: router ``T*hidden*E`` + ``top_k`` experts per token ``T*3*hidden*inter``."""
    experts, hidden, inner = _bank(config)
    tokens = positions(input_shape)
    return f"{tokens}*{hidden}*{experts} + {int(config['top_k'])}*{tokens}*3*{hidden}*{inner}"


def gpt_oss_experts(config: Config, input_shape: Shape) -> Formula:
    """GptOssExperts: fused gate/up ``E x hidden x 2*inter`` + bias ``E x 2*inter``; down ``E x inter x hidden`` + bias.

    Mirrors GptOssExperts.build: gate_up_proj, gate_up_proj_bias, down_proj, down_proj_bias.
    """
    experts, hidden, inner = _bank(config)
    return Formula(
        [
            FormulaTerm("gate_up_proj", f"{experts}*{hidden}*2*{inner}"),
            FormulaTerm("gate_up_proj_bias", f"{experts}*2*{inner}"),
            FormulaTerm("down_proj", product_of([experts, inner, hidden])),
            FormulaTerm("down_proj_bias", product_of([experts, hidden])),
        ]
    )


def gpt_oss_block(config: Config, input_shape: Shape) -> Formula:
    """GptOssSparseMoeBlock: the router's ``router_dense`` ``hidden x E`` + bias ``E``, and the experts.

    Mirrors GptOssSparseMoeBlock.build and GptOssTopKRouter.build (a biased Dense).
    """
    experts, hidden, _ = _bank(config)
    terms = prefixed("router", dense_terms("router_dense", [hidden], [experts], True))
    terms += prefixed("experts", gpt_oss_experts(config, input_shape).terms)
    return Formula(terms)


def gpt_oss_router(config: Config, input_shape: Shape) -> Formula:
    """GptOssTopKRouter: one biased Dense ``router_dense`` ``hidden x num_experts`` (GptOssTopKRouter.build)."""
    experts = int(config["num_experts"])
    return Formula(dense_terms("router_dense", [int(input_shape[-1])], [experts], True))


def gpt_oss_router_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """GptOssTopKRouter: ``T*hidden*E``; top-k, softmax and the one-hot routing sum are 0."""
    return f"{_moe_tokens(input_shape)}*{int(input_shape[-1])}*{int(config['num_experts'])}"


# --------------------------------------------------------------------------- Qwen3.5-MoE


def qwen3_5_moe_block(config: Config, input_shape: Shape) -> Formula:
    """Qwen3_5MoeSparseMoeBlock: router_gate ``hidden x E``, the experts, a shared expert and its 1-unit gate.

    Mirrors Qwen3_5MoeSparseMoeBlock.build: experts of ``moe_intermediate_dim``
    (Qwen3_5MoeExperts, the fused bank of :func:`qwen3_moe_experts`), the
    shared expert a Qwen3_5MoeMLP of ``shared_expert_intermediate_size``
    (gate, intermediate, output; as QwenMoeMLP), shared_expert_gate
    ``hidden x 1``. No biases.
    """
    experts, hidden = int(config["num_experts"]), int(config["hidden_dim"])
    bank = {"num_experts": experts, "hidden_dim": hidden, "intermediate_dim": config["moe_intermediate_dim"]}
    shared = {"intermediate_dim": config["shared_expert_intermediate_size"], "hidden_dim": hidden}
    terms = dense_terms("router_gate", [hidden], [experts], False)
    terms += prefixed("experts", qwen3_moe_experts(bank, input_shape).terms)
    terms += prefixed("shared_expert", qwen_moe_mlp(shared, input_shape).terms)
    terms += dense_terms("shared_expert_gate", [hidden], [1], False)
    return Formula(terms)


def qwen3_5_moe_block_macs(config: Config, input_shape: Shape, output_shape: Any) -> str:
    """At top-k: router ``T*h*E`` + ``top_k`` experts ``T*3*h*i`` + the shared expert ``T*3*h*s`` + its gate ``T*h``."""
    experts, hidden = int(config["num_experts"]), int(config["hidden_dim"])
    inner, shared = int(config["moe_intermediate_dim"]), int(config["shared_expert_intermediate_size"])
    tokens = positions(input_shape)
    return (
        f"{tokens}*{hidden}*{experts} + {int(config['top_k'])}*{tokens}*3*{hidden}*{inner}"
        f" + {tokens}*3*{hidden}*{shared} + {tokens}*{hidden}*1"
    )
