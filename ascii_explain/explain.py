"""The public entry point: ``explain(model)``."""

from __future__ import annotations

from typing import Any, Optional

from . import introspect
from .explanation import Explanation
from .model_records import records_for_model, records_for_single_layer


def explain(
    model: Any,
    *,
    width: Optional[int] = None,
    ascii_only: bool = False,
    batch_size: int = 1,
    expand_nested: bool = False,
) -> Explanation:
    """Explain where every parameter of a built Keras model comes from.

    ``model`` is a built ``keras.Model`` (Sequential, Functional, or subclassed
    after it has been called) or a built layer. ``width`` and ``ascii_only``
    set how ``str()`` draws the diagram; ``Explanation.render`` takes them too.
    ``batch_size`` (default 1) is the batch the activation memory is counted
    for; parameters and mult-adds are per sample. A nested model is one row
    summing its inner rows; ``expand_nested=True`` lists its layers beneath it
    (``record.depth`` 1, 2, ...), to any depth. The model is only read, never
    changed.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer (the batch to count memory for), got {batch_size!r}")
    introspect.ensure_explainable(model)
    if introspect.is_model(model):
        graph = records_for_model(model, expand_nested=expand_nested)
        input_shapes = introspect.model_input_shapes(model)
    else:
        graph = records_for_single_layer(model, expand_nested=expand_nested)
        shape = graph.records[0].input_shape
        input_shapes = [shape] if shape and not isinstance(shape[0], tuple) else []
    total, trainable, non_trainable = introspect.model_param_counts(model)
    return Explanation(
        model_name=model.name,
        model_class=type(model).__name__,
        layers=graph.records,
        input_shapes=input_shapes,  # type: ignore[arg-type]
        keras_total_params=total,
        keras_trainable_params=trainable,
        keras_non_trainable_params=non_trainable,
        width=width,
        ascii_only=ascii_only,
        model_kind=graph.kind,
        input_names=graph.input_names,
        output_names=graph.output_names,
        batch_size=batch_size,
        input_sample_bytes=introspect.model_input_sample_bytes(model) if introspect.is_model(model) else None,
        summary_order=introspect.keras_summary_order(model),
    )
