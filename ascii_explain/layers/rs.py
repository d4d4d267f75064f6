"""keras-rs's layers (checked on keras-rs 0.4.0, Keras 3.15.1): parameters, mult-adds, backward, output shapes.

Registered by class path through the one registry (``registry.register_by_path``), as keras-hub's
tables are: the paths are resolved on the first look-up of a ``keras_rs`` class, so keras-rs is never
imported for a model that does not use it. Every function mirrors the layer's ``build()`` and
``call()`` in ``keras_rs/src/layers``:

- ``FeatureCross`` (DCN's cross layer, ``feature_interaction/feature_cross.py``): ``build`` makes a
  ``Dense(last_dim, use_bias)`` and, with ``projection_dim``, a ``Dense(projection_dim,
  use_bias=False)`` before it (a low-rank ``W = U*V``); both are built on the first call. The call
  is ``x0 * (dense(x) + diag_scale*x) + x``: the Dense contractions are the only MACs.
- ``DotInteraction`` (DLRM, ``dot_interaction.py``): no weights; stacks its ``F`` inputs of width
  ``D`` and multiplies the stack by its transpose, ``F*F*D`` MACs, then keeps the pairs below the
  diagonal (``F*(F-1)//2``, with the diagonal ``F*(F+1)//2``) or the whole masked matrix
  (``skip_gather``: ``F*F``).
- ``DistributedEmbedding`` (``embedding/base_distributed_embedding.py``): one table per distinct
  ``TableConfig``. On a machine without SparseCore (``placement="auto"`` resolves to
  ``"default_device"``, and always for ``"default_device"``) each table is an ``EmbedReduce`` (a
  keras ``Embedding`` subclass, explained by Embedding's formula) named after the table:
  ``vocabulary_size*embedding_dim``. Lookups and the combiner's mean/sum/sqrtn are 0 MACs (the
  project's convention for lookups and pooling). SparseCore tables live in a TPU embedding this
  project has not checked: not covered (unknown, never a guess).
- ``BruteForceRetrieval`` (``retrieval/brute_force_retrieval.py``): ``update_candidates`` creates
  two non-trainable variables, the ``(N, D)`` candidate embeddings and, when given, ``N`` int32
  candidate ids; the call scores a query against every candidate (``query @ candidatesᵀ``, ``N*D``
  MACs per query) and takes the top ``k`` (0 MACs). keras-rs keeps the candidate count nowhere but
  in those variables (its ``get_config`` drops the candidates), so the reader puts it in the config
  (``read/rs.py``: ``num_candidates``, ``candidate_width``, ``has_candidate_ids``); ``D`` comes from
  the query's shape where it is known.
- ``HardNegativeMining``, ``RemoveAccidentalHits``, ``SamplingProbabilityCorrection``: no weights;
  top-k, gathers and element-wise corrections: 0 MACs.

Every function sees facts (the config and shapes, batch axis first), never a layer.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence

from ..arithmetic import evaluate, group, product
from .backward import BackwardMacs, chain_backward, twice, zero_backward
from .core import dense
from .dims import NotCoveredError, UnknownDimensionError, known
from .formula import BuildShape, Formula, FormulaTerm
from .registry import Kind, OutputShapeArg, register_by_path
from .weightless import no_weights, zero_macs

Config = Mapping[str, Any]
Sublayers = Optional[Mapping[str, Mapping[str, Any]]]

CANDIDATES_REASON = "the candidates given to update_candidates(), created with trainable=False: searched, not learned"


# ------------------------------------------------------------------ FeatureCross


def _first_shape(input_shape: BuildShape) -> Sequence[Any]:
    """``x0``'s shape: FeatureCross's ``build`` gets one shape, or (from a shapes dict or list) ``x0`` first."""
    if isinstance(input_shape, Mapping):
        input_shape = next(iter(input_shape.values()))
    if input_shape and isinstance(input_shape[0], (tuple, list)):
        input_shape = input_shape[0]
    return tuple(input_shape)


def _cross_projections(config: Config, sublayers: Sublayers) -> list[tuple[str, Mapping[str, Any]]]:
    """(name, Dense config) of each projection in call order: ``down_proj_dense`` (low rank only), ``dense``.

    The names and configs are the real sublayers' when the reader passes them (a quantized or LoRA
    Dense is then counted as it is); built in that order by ``FeatureCross.build``. Without them, the
    attribute names and the configs ``build`` gives the Dense layers.
    """
    low_rank = config.get("projection_dim") is not None
    real = list((sublayers or {}).items())
    if len(real) == (2 if low_rank else 1):
        return real
    use_bias = bool(config.get("use_bias", True))
    projections: list[tuple[str, Mapping[str, Any]]] = []
    if low_rank:
        projections.append(("down_proj_dense", {"units": int(config["projection_dim"]), "use_bias": False}))
    projections.append(("dense", {"use_bias": use_bias}))
    return projections


def feature_cross(config: Config, input_shape: BuildShape, sublayers: Sublayers = None) -> Formula:
    """FeatureCross: ``dense`` kernel ``in*in`` + bias ``in`` = ``(in+1)*in``; low rank: ``in*p + (p+1)*in``.

    Mirrors ``FeatureCross.build``: ``Dense(units=last_dim, use_bias=use_bias)`` and, when
    ``projection_dim`` is ``p``, first ``Dense(units=p, use_bias=False)``, so ``W = U*V`` has
    ``in*p + p*in`` entries instead of ``in*in``. Each projection is counted by Dense's formula
    (``core.dense``), its terms named ``sublayer/weight``. ``build`` leaves the Dense layers unbuilt
    until the first call (``projections_built``, from the reader): until then there are no weights.
    """
    if config.get("projections_built") is False:  # build() ran, the first call has not: no weights yet
        return Formula(())
    width = int(_first_shape(input_shape)[-1])
    terms: list[FormulaTerm] = []
    rows = width
    for name, sub in _cross_projections(config, sublayers):
        units = int(sub.get("units", width))
        inner = dense({**sub, "units": units}, (None, rows))
        terms += [FormulaTerm(f"{name}/{t.name}", t.expression, t.trainable, t.reason) for t in inner.terms]
        rows = units
    compact = None
    if config.get("projection_dim") is None and bool(config.get("use_bias", True)) and len(terms) == 2:
        compact = f"{group(f'{width}+1')}*{width}"
    return Formula(terms, compact)


def feature_cross_macs(config: Config, input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """FeatureCross: positions × ``in*in`` (full rank), or positions × ``(in*p + p*in)`` (low rank).

    The Dense projections of ``x`` are the only contractions of ``call``; ``diag_scale*x``, the
    product with ``x0`` and the residual add are element-wise (0 MACs).
    """
    shape = _first_shape(input_shape)
    dims = known(*shape[1:])
    positions, width = dims[:-1], dims[-1]
    projection = config.get("projection_dim")
    if projection is None:
        return product([*positions, width, width])
    rank = int(projection)
    return f"{product([*positions, width, rank])} + {product([*positions, rank, width])}"


# A chain of contractions of x: the first reads the layer's input, the second (low rank) its projection.
feature_cross_backward_macs = chain_backward(feature_cross_macs)


def feature_cross_output_shape(config: Config, input_shape: BuildShape) -> tuple[Any, ...]:
    """FeatureCross keeps ``x0``'s shape (``x0 * (...) + x``)."""
    return tuple(_first_shape(input_shape))


# ---------------------------------------------------------------- DotInteraction


def _features(input_shape: BuildShape) -> tuple[int, Any, Any]:
    """(F, D, batch) of DotInteraction's list of ``F`` rank-2 inputs ``(batch, D)``."""
    shapes = list(input_shape.values()) if isinstance(input_shape, Mapping) else list(input_shape)
    if not shapes or not isinstance(shapes[0], (tuple, list)):
        raise NotCoveredError("DotInteraction: expected a list of (batch, features) shapes")
    if len(shapes) == 1 and shapes[0] and isinstance(shapes[0][0], (tuple, list)):  # build's one argument, a list
        shapes = list(shapes[0])
    return len(shapes), shapes[0][-1], shapes[0][0]


def dot_interaction_macs(config: Config, input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """DotInteraction: ``F*F*D``, the stacked features ``(F, D)`` times their transpose ``(D, F)`` (0 at ``D`` 1:
    an outer product, as the traced count and README's convention have it).

    ``call`` computes the whole ``F x F`` matrix (``ops.matmul``) before masking or gathering the
    lower triangle, so the pairs it drops still cost their products.
    """
    count, width, _ = _features(input_shape)
    (width,) = known(width)
    if width == 1 and count > 1:  # nothing summed (features of width 1): an outer product, 0 (README)
        return "0"
    return product([count, count, width])


def dot_interaction_backward_macs(
    config: Config, input_shape: BuildShape, output_shape: OutputShapeArg
) -> BackwardMacs:
    """DotInteraction backward: ``2*(F*F*D)`` into its inputs, no weights.

    The Gram matrix ``G = X Xᵀ`` is a product of two activations (both the stacked inputs): its
    gradient is ``dG X`` plus ``dGᵀ X``, each the forward's ``F*F*D`` products.
    """
    return BackwardMacs(twice(dot_interaction_macs(config, input_shape, output_shape)), "0")


def interactions(config: Config, features: int) -> str:
    """The output width of DotInteraction over ``features`` inputs, as ``compute_output_shape`` gives it."""
    if config.get("skip_gather"):
        return f"{features}*{features}"
    if config.get("self_interaction"):
        return f"{features}*({features}+1)//2"
    return f"{features}*({features}-1)//2"


def dot_interaction_output_shape(config: Config, input_shape: BuildShape) -> tuple[Any, ...]:
    """``(batch, pairs)``: ``F*(F-1)//2`` pairs; ``F*(F+1)//2`` with ``self_interaction``; ``F*F`` with
    ``skip_gather``."""
    count, _, batch = _features(input_shape)
    return (batch, evaluate(interactions(config, count)))


# --------------------------------------------------------- DistributedEmbedding


def _placement(config: Config, table: Mapping[str, Any]) -> str:
    """Where ``table`` lives: the resolved placement the reader found, else the config's (``auto`` is resolved
    as on a machine without SparseCore, the default device)."""
    resolved = (config.get("resolved_placements") or {}).get(table.get("name"))
    placement = str(resolved or table.get("placement", "auto"))
    return "default_device" if placement == "auto" else placement


def distributed_embedding(config: Config, input_shape: BuildShape) -> Formula:
    """DistributedEmbedding: one ``embeddings`` table per TableConfig, ``vocabulary_size*embedding_dim``.

    Mirrors ``DistributedEmbedding._default_device_init``: features sharing a ``TableConfig``
    share its ``EmbedReduce`` (``get_config`` lists each table once, in ``tables``), named after the
    table, so each term is ``<table name>/embeddings``.
    """
    terms = []
    for table in config.get("tables", ()):
        if _placement(config, table) != "default_device":
            raise NotCoveredError(f"DistributedEmbedding: table {table.get('name')!r} on SparseCore is not covered")
        rows, columns = int(table["vocabulary_size"]), int(table["embedding_dim"])
        terms.append(FormulaTerm(f"{table['name']}/embeddings", f"{rows}*{columns}"))
    return Formula(terms)


# ---------------------------------------------------------- BruteForceRetrieval


def brute_force_retrieval(config: Config, input_shape: BuildShape) -> Formula:
    """BruteForceRetrieval: candidate_embeddings ``N*D`` + candidate_ids ``N``, both non-trainable.

    Mirrors ``update_candidates``: ``keras.Variable(candidate_embeddings, trainable=False)`` of
    shape ``(N, D)`` and, only when ids are given, an int32 ``(N,)`` variable. ``N`` is the reader's
    ``num_candidates``; ``D`` is the query's width, which ``compute_score`` contracts with them (the
    candidates' own width, ``candidate_width``, when no call shape is known).
    """
    count = int(config.get("num_candidates") or 0)
    if not count:
        return Formula(())
    query = _first_shape(input_shape) if input_shape else ()
    if query and query[-1] is not None:
        width, words = int(query[-1]), f"candidates {count} * query {int(query[-1])}"
    else:  # built by update_candidates() alone, never called where a shape was recorded
        width = int(config["candidate_width"])
        words = f"candidates {count} * candidate width {width}"
    terms = [FormulaTerm("candidate_embeddings", f"{count}*{width}", False, CANDIDATES_REASON, words)]
    if config.get("has_candidate_ids"):
        terms.append(FormulaTerm("candidate_ids", str(count), False, CANDIDATES_REASON, f"candidates {count}"))
    return Formula(terms)


def brute_force_retrieval_macs(config: Config, input_shape: BuildShape, output_shape: OutputShapeArg) -> str:
    """BruteForceRetrieval: ``N*D`` per query, every candidate scored (``query @ candidatesᵀ``); top-k is 0."""
    if not input_shape:
        raise UnknownDimensionError("BruteForceRetrieval: the query's shape is unknown (never called in a graph)")
    dims = known(*_first_shape(input_shape)[1:])
    count = int(config.get("num_candidates") or 0)
    scores = 1
    for dim in [*dims[:-1], count]:
        scores *= int(dim)
    if dims[-1] == 1 and scores > 1:  # width 1: each score one product, nothing summed (an outer product), 0
        return "0"
    return product([*dims[:-1], count, dims[-1]])


def brute_force_retrieval_backward_macs(
    config: Config, input_shape: BuildShape, output_shape: OutputShapeArg
) -> BackwardMacs:
    """BruteForceRetrieval backward: ``N*D`` into the query (the scores' gradient times the candidates); the
    candidates are created non-trainable, so no weight gradient."""
    return BackwardMacs(brute_force_retrieval_macs(config, input_shape, output_shape), "0")


# ------------------------------------------------------------------------ tables

_L = "keras_rs.src.layers."
_CROSS = _L + "feature_interaction.feature_cross.FeatureCross"
_DOT = _L + "feature_interaction.dot_interaction.DotInteraction"
# The base class: TensorFlow's and JAX's DistributedEmbedding (and the public one) derive from it.
_DISTRIBUTED = _L + "embedding.base_distributed_embedding.DistributedEmbedding"
_RETRIEVAL = _L + "retrieval.brute_force_retrieval.BruteForceRetrieval"
_WEIGHTLESS = (
    _L + "retrieval.hard_negative_mining.HardNegativeMining",
    _L + "retrieval.remove_accidental_hits.RemoveAccidentalHits",
    _L + "retrieval.sampling_probability_correction.SamplingProbabilityCorrection",
)

FORMULAS: dict[str, Callable[..., Formula]] = {
    _CROSS: feature_cross,
    _DOT: no_weights,
    _DISTRIBUTED: distributed_embedding,
    _RETRIEVAL: brute_force_retrieval,
    **{path: no_weights for path in _WEIGHTLESS},
}
MACS: dict[str, Callable[..., str]] = {
    _CROSS: feature_cross_macs,
    _DOT: dot_interaction_macs,
    _DISTRIBUTED: zero_macs,
    _RETRIEVAL: brute_force_retrieval_macs,
    **{path: zero_macs for path in _WEIGHTLESS},
}
BACKWARD_MACS: dict[str, Callable[..., BackwardMacs]] = {
    _CROSS: feature_cross_backward_macs,
    _DOT: dot_interaction_backward_macs,
    _DISTRIBUTED: zero_backward,
    _RETRIEVAL: brute_force_retrieval_backward_macs,
}
OUTPUT_SHAPES: dict[str, Callable[[Config, Any], tuple[Any, ...]]] = {
    _CROSS: feature_cross_output_shape,
    _DOT: dot_interaction_output_shape,
}

PACKAGE = "keras_rs"
TABLES: tuple[tuple[Kind, Mapping[str, Callable[..., Any]]], ...] = (
    ("formula", FORMULAS),
    ("macs", MACS),
    ("backward_macs", BACKWARD_MACS),
    ("output_shape", OUTPUT_SHAPES),
)
for _kind, _table in TABLES:
    register_by_path(PACKAGE, _kind, _table)
