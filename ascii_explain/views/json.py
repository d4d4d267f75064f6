"""An Explanation as plain data: ``to_dict`` (JSON types only) and ``to_json``.

Every record field and the totals, ours and Keras's; nothing here formats a
number, so a program reading the JSON gets the records as they are.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ..build.records import LayerRecord
from .model import ExplanationData

# Bumped when a key of to_dict() changes meaning or goes away (new keys do not bump it).
FORMAT_VERSION = 1


def to_dict(explanation: ExplanationData) -> dict[str, Any]:
    """Every record field, the totals (ours and Keras's), mismatches and fallbacks, as JSON types.

    ``totals`` holds our sums and Keras's (``keras_params``, ...) and whether
    they ``match``; ``mismatches`` and ``fallbacks`` name the layers concerned.
    Keys are stable across runs; tuples become lists, so
    ``json.loads(to_json(e)) == to_dict(e)``. Each layer holds all of
    ``LayerRecord``'s fields (``term_list`` as a list of term dicts) plus its
    derived counts (``trainable_params``, ``non_trainable_params``,
    ``matches``, ``is_fallback``, ``is_inferred``, ``neurons``).
    """
    e = explanation
    return {
        "format_version": FORMAT_VERSION,
        "model": {
            "name": e.model_name,
            "class": e.model_class,
            "kind": e.model_kind,
            "inputs": list(e.input_names),
            "outputs": list(e.output_names),
        },
        "input_shapes": _plain(e.input_shapes),
        "totals": {
            "params": e.total_params,
            "trainable": e.trainable_params,
            "non_trainable": e.non_trainable_params,
            "keras_params": e.keras_total_params,
            "keras_trainable": e.keras_trainable_params,
            "keras_non_trainable": e.keras_non_trainable_params,
            "match": e.totals_match,
        },
        "mismatches": [record.name for record in e.mismatches],
        "fallbacks": [record.name for record in e.fallbacks],
        "costs": {
            "macs": e.total_macs,
            "macs_unknown": [record.name for record in e.macs_unknown],
            "param_bytes": e.param_bytes,
            "batch_size": e.batch_size,
            "activation_bytes": e.activation_bytes,
            "input_bytes": e.input_bytes,
            "kv_cache_bytes": e.kv_cache_bytes,
        },
        # at an unknown sequence length: the totals as polynomials in T (null when the length is known)
        "sequence": None
        if e.sequence is None
        else {
            "symbol": e.sequence.symbol,
            "note": e.sequence.note,
            "macs": e.macs_in_length,
            "activation_bytes_per_sample": e.activation_bytes_in_length,
            "kv_cache_bytes_per_sample": e.kv_cache_bytes_in_length,
        },
        "layers": [_record_dict(record) for record in e.layers],
        "training_memory": None if e.training_memory is None else e.training_memory.to_dict(),
        "training_macs": None if getattr(e, "training_macs", None) is None else e.training_macs.to_dict(),
        "extra": _plain(e.extra),
    }


def to_json(explanation: ExplanationData, **kwargs: Any) -> str:
    """``to_dict`` as JSON; sorted keys and indent 2 unless ``kwargs`` (for ``json.dumps``) say otherwise."""
    kwargs.setdefault("indent", 2)
    kwargs.setdefault("sort_keys", True)
    return json.dumps(to_dict(explanation), **kwargs)


def _record_dict(record: LayerRecord) -> dict[str, Any]:
    fields = {field.name: _plain(getattr(record, field.name)) for field in dataclasses.fields(record)}
    fields.update(
        trainable_params=record.trainable_params,
        non_trainable_params=record.non_trainable_params,
        matches=record.matches,
        is_fallback=record.is_fallback,
        is_inferred=record.is_inferred,
        neurons=record.neurons,
    )
    return fields


def _plain(value: Any) -> Any:
    """JSON's types only: dataclasses become dicts, tuples lists; anything unknown its str()."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)
