"""Reading keras-rs layers: the facts their formulas need that keras-rs 0.4.0's ``get_config()`` leaves out.

keras-rs is never imported here: a layer is recognised by its class's module.

- ``BruteForceRetrieval``: the candidates are data given to ``update_candidates()``, which
  ``get_config()`` does not keep ("the serialization of this layer does not preserve the
  candidates"), so their shape is read from the candidate variable (``num_candidates``,
  ``candidate_width``) and whether ids were given from the ids variable (``has_candidate_ids``).
  The formula takes the width from the query's shape where the layer's call shape is known (the
  product ``query @ candidatesᵀ`` needs them equal); ``update_candidates`` builds the layer without
  ``build()``, so a subclassed model that never shows the call has only the candidates' width.
  Its ``get_config()`` also puts the bound method ``compute_score`` under ``return_scores`` (a
  keras-rs 0.4.0 slip); the attribute's value replaces it.
- ``FeatureCross``: whether its Dense projections are built (``projections_built``): its ``build()``
  creates them but leaves them unbuilt until the first call, so a layer only ``build()``-ed has no
  weights yet (Keras counts 0).
- ``DistributedEmbedding``: each table's placement as the layer resolved it (``"auto"`` becomes
  ``"sparsecore"`` or ``"default_device"`` at construction), ``resolved_placements``
  ``{table name: placement}``, read from the layer's placement map when it has one.
"""

from __future__ import annotations

import functools
from typing import Any


def is_rs_layer(layer: Any) -> bool:
    """A layer whose class (or a base) keras-rs defines."""
    return _defined_in_keras_rs(layer.__class__)


@functools.cache  # asked of every layer's class on every explain; a class's bases never change
def _defined_in_keras_rs(layer_class: Any) -> bool:
    return any(klass.__module__.startswith("keras_rs") for klass in layer_class.__mro__)


def rs_config(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` completed with the facts above, for the keras-rs layers that hold them; others unchanged."""
    completed = dict(config)
    if hasattr(layer, "candidate_embeddings") and hasattr(layer, "update_candidates"):
        candidates = layer.candidate_embeddings
        completed["num_candidates"] = int(candidates.shape[0]) if candidates is not None else 0
        completed["candidate_width"] = int(candidates.shape[1]) if candidates is not None else 0
        completed["has_candidate_ids"] = getattr(layer, "candidate_ids", None) is not None
        if not isinstance(completed.get("return_scores"), bool):
            completed["return_scores"] = bool(getattr(layer, "return_scores", True))
    if hasattr(layer, "dense") and hasattr(layer, "diag_scale"):  # FeatureCross
        projections = [getattr(layer, "down_proj_dense", None), getattr(layer, "dense", None)]
        completed["projections_built"] = all(bool(sub.built) for sub in projections if sub is not None)
    placements = getattr(layer, "_placement_to_path_to_feature_config", None)
    if isinstance(placements, dict):
        completed["resolved_placements"] = {
            feature.table.name: str(placement)
            for placement, features in placements.items()
            for feature in features.values()
        }
    return completed
