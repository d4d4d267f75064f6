"""keras-hub's embeddings: PositionEmbedding, TokenAndPositionEmbedding, DeBERTa's relative embedding, XLNet's.

RotaryEmbedding and AlibiBias have no weights (``common.no_weights``). Lookups are 0 MACs.
"""

from __future__ import annotations

from ..formula import Formula, FormulaTerm
from .common import (
    Config,
    Shape,
    last_axis,
    product_of,
)

# --------------------------------------------------------------------------- embeddings


def position_embedding(config: Config, input_shape: Shape) -> Formula:
    """PositionEmbedding: ``embeddings`` of ``sequence_length x input_shape[-1]`` (PositionEmbedding.build)."""
    return Formula([FormulaTerm("embeddings", product_of([config["sequence_length"], last_axis(input_shape)]))])


def token_and_position_embedding(config: Config, input_shape: Shape) -> Formula:
    """TokenAndPositionEmbedding: a ReversibleEmbedding of the vocabulary and a PositionEmbedding.

    Mirrors TokenAndPositionEmbedding.build: token_embedding/embeddings
    ``vocabulary_size x embedding_dim`` (plus reverse_embeddings
    ``embedding_dim x vocabulary_size`` when ``tie_weights`` is False) and
    position_embedding/embeddings ``sequence_length x embedding_dim``.
    """
    vocabulary, dim = int(config["vocabulary_size"]), int(config["embedding_dim"])
    terms = [FormulaTerm("token_embedding/embeddings", product_of([vocabulary, dim]))]
    if not config.get("tie_weights", True):
        terms.append(FormulaTerm("token_embedding/reverse_embeddings", product_of([dim, vocabulary])))
    terms.append(FormulaTerm("position_embedding/embeddings", product_of([config["sequence_length"], dim])))
    return Formula(terms)


def deberta_relative_embedding(config: Config, input_shape: Shape) -> Formula:
    """DeBERTa's RelativeEmbedding: ``rel_embedding`` ``2*bucket_size x hidden_dim`` and its LayerNormalization.

    Mirrors RelativeEmbedding.__init__/build: the table has ``bucket_size*2``
    rows; ``rel_embeddings_layer_norm`` has gamma and beta of ``hidden_dim``.
    """
    hidden, buckets = int(config["hidden_dim"]), int(config["bucket_size"])
    return Formula(
        [
            FormulaTerm("rel_embedding", f"2*{buckets}*{hidden}"),
            FormulaTerm("rel_embeddings_layer_norm/gamma", str(hidden)),
            FormulaTerm("rel_embeddings_layer_norm/beta", str(hidden)),
        ]
    )


def xlnet_content_and_query_embedding(config: Config, input_shape: Shape) -> Formula:
    """XLNet's ContentAndQueryEmbedding: word_embedding ``vocabulary_size x hidden_dim``; positions are sinusoids."""
    return Formula(
        [FormulaTerm("word_embedding/embeddings", product_of([config["vocabulary_size"], config["hidden_dim"]]))]
    )


def xlnet_attention_mask_layer(config: Config, input_shape: Shape) -> Formula:
    """XLNetAttentionMaskLayer: ``mask_emb`` of shape ``(1, 1, hidden_dim)`` (its build)."""
    return Formula([FormulaTerm("mask_emb", str(int(config["hidden_dim"])))])
