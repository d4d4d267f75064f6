"""Weight bytes of a model after ``model.quantize(mode)``, without quantizing the model.

``keras.Model.quantize`` (Keras 3.15.1) walks ``model._flatten_layers()`` and
calls ``quantize(mode)`` on each leaf layer; Dense, EinsumDense, Embedding and
ReversibleEmbedding implement it for their exact class (a subclass raises
NotImplementedError, which Keras turns into a warning), and every other layer
keeps its weights (AttributeError/NotImplementedError, skipped). Quantizing
replaces the float kernel (or embeddings) with int8 values plus float scales;
int4 packs two values into each int8 byte.

Here each such layer is re-created from its config, built from its build
config and quantized inside a stateless scope: its weights exist only as
shapes and dtypes, and Keras's own ``quantize`` decides which variables the
quantized layer holds, so this stays right as Keras adds modes. The copy's
kernel is materialized from its initializer (zeros) for the length of one
layer's quantization, because ``quantize`` computes the scales from values.
"""

from __future__ import annotations

import warnings
from typing import Any

import keras

# keras.src: the stateless scope, private, checked against Keras 3.15.1.
from keras.src.backend.common.stateless_scope import StatelessScope

from .dtypes import dtype_bytes
from .optimizer_slots import _deferred_variables_forgotten

QUANTIZATION_MODES = ("int8", "int4")


def quantized_weight_bytes(model: Any, mode: str) -> int:
    """Bytes of ``model``'s weights (each once) once ``model.quantize(mode)`` has run; the model is unchanged."""
    if mode not in QUANTIZATION_MODES:
        raise ValueError(f"mode must be one of {', '.join(QUANTIZATION_MODES)}, got {mode!r}")
    replaced: set[int] = set()
    added = 0
    # _flatten_layers is what Model.quantize walks (private, Keras 3.15.1).
    for layer in model._flatten_layers():
        if len(list(layer._flatten_layers())) != 1 or not layer.weights:
            continue
        quantized = _quantized_copy_bytes(layer, mode)
        if quantized is None:
            continue
        replaced.update(id(variable) for variable in layer.weights)
        added += quantized
    kept = sum(
        _bytes(variable.shape, variable.dtype) for variable in _unique(model.weights) if id(variable) not in replaced
    )
    return kept + added


def _quantized_copy_bytes(layer: Any, mode: str) -> int | None:
    """Bytes of a value-less copy of ``layer`` after its own ``quantize(mode)``; None when Keras would skip it."""
    if type(layer).quantize is keras.layers.Layer.quantize:
        return None  # Layer.quantize raises NotImplementedError: Model.quantize skips it
    build_config = layer.get_build_config()
    if build_config is None:
        return None
    with _deferred_variables_forgotten():
        with StatelessScope(initialize_variables=False):
            copy = type(layer).from_config(layer.get_config())
            copy.build_from_config(build_config)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    copy.quantize(mode)
            except (NotImplementedError, AttributeError):
                return None  # what Model.quantize skips
        return sum(_bytes(variable.shape, variable.dtype) for variable in copy.weights)


def _bytes(shape: Any, dtype: Any) -> int:
    elements = 1
    for dim in shape:
        elements *= int(dim)
    return elements * dtype_bytes(dtype)


def _unique(variables: Any) -> list[Any]:
    seen: set[int] = set()
    result = []
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            result.append(variable)
    return result
