"""Embedding and ReversibleEmbedding: lookup tables ``input_dim x output_dim``."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from .backward import zero_backward
from .formula import BuildShape, Formula, FormulaTerm
from .quantization import (
    frozen_by_lora,
    group_index_term,
    lora_rank,
    lora_terms,
    quantization_of,
    quantized_matrix_terms,
)
from .registry import register_backward_macs, register_formula, register_macs
from .weightless import zero_macs


def _table_terms(config: Mapping[str, Any]) -> list[FormulaTerm]:
    rows, columns = int(config["input_dim"]), int(config["output_dim"])
    quantization = quantization_of(config)
    rank = lora_rank(config)
    # Embedding._int8_build/_int4_build keep one scale per row (per token):
    # "we choose to reduce the axis of output_dim" (3.15.1).
    terms = quantized_matrix_terms("embeddings", [rows], [columns], quantization, scale_per_row=True)
    terms = frozen_by_lora(terms, "embeddings", rank)
    terms += group_index_term([columns], quantization)
    terms += lora_terms("lora_embeddings", [rows], [columns], rank)
    return terms


@register_formula(keras.layers.Embedding)
def embedding(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """Embedding: embeddings ``input_dim*output_dim``, whatever the input shape.

    Mirrors ``Embedding.build``: one table of shape ``(input_dim, output_dim)``.
    int8 adds ``embeddings_scale`` (``input_dim``); int4 packs the table to
    ``input_dim*((output_dim+1)//2)``, with per-row scales, or per-block scales,
    zero points and ``g_idx`` (``output_dim``) for a block size.
    ``enable_lora(rank)`` freezes the table and adds ``lora_embeddings_a``
    ``input_dim*rank`` and ``lora_embeddings_b`` ``rank*output_dim``.
    """
    return Formula(_table_terms(config))


@register_formula(keras.layers.ReversibleEmbedding)
def reversible_embedding(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """ReversibleEmbedding: the Embedding table, plus ``output_dim*input_dim`` when not ``tie_weights``.

    Mirrors ``ReversibleEmbedding.build``: with ``tie_weights`` (the default)
    the reverse projection reuses the table's transpose; otherwise it is its
    own ``reverse_embeddings`` ``(output_dim, input_dim)``. Quantized, the
    reverse table keeps one scale per token (``input_dim``), and int4 packs it
    along ``output_dim`` (``_int4_build``); it has no ``g_idx`` of its own.
    """
    terms = _table_terms(config)
    if not config.get("tie_weights", True):
        rows, columns = int(config["output_dim"]), int(config["input_dim"])
        quantization = quantization_of(config)
        reverse = quantized_matrix_terms("reverse_embeddings", [rows], [columns], quantization, pack_rows=True)
        terms += reverse
    return Formula(terms)


# A table lookup, not a multiply-accumulate (README convention): 0 MACs.
register_macs(keras.layers.Embedding)(zero_macs)

# A lookup forward, a scatter-add of the gradient rows backward: 0 MACs either way (this project's
# convention: gathers and scatters are data movement).
register_backward_macs(keras.layers.Embedding)(zero_backward)
