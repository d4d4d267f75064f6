"""The public entry point: ``explain(model)``."""

from __future__ import annotations

from typing import Any, Optional

from .build.model import build_records
from .explanation import Explanation
from .read.model import read_model


def explain(
    model: Any,
    *,
    width: Optional[int] = None,
    ascii_only: bool = False,
    batch_size: Optional[int] = None,
    expand_nested: bool = False,
    input_shape: Any = None,
    expand_repeats: bool = False,
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

    ``input_shape`` makes the dynamic axes concrete, in Keras's ``build()``
    convention (batch axis included): ``(1, 128)`` for a text model's token
    ids. It may be a dict by input name, a list with one shape per input (in
    ``model.inputs`` order), or one shape, which then applies to every input
    of its rank (a keras-hub backbone's ``token_ids`` and ``padding_mask``).
    Every layer's shapes, mult-adds and key/value cache are then those of a
    forward pass at that shape, traced symbolically: nothing is allocated and
    the model is not rebuilt or changed. ``batch_size`` defaults to the
    batch axis of ``input_shape`` (else 1).
    """
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer (the batch to count memory for), got {batch_size!r}")
    # validates, picks the Keras 3 or tf_keras reader once, reads everything (at input_shape, if given)
    facts = read_model(model, input_shape=input_shape)
    if batch_size is None:
        batch_size = _batch_of(facts.input_shapes) if input_shape is not None else 1
    graph = build_records(facts, expand_nested=expand_nested)
    if facts.is_model:
        input_shapes = list(facts.input_shapes)
    else:
        shape = graph.records[0].input_shape
        input_shapes = [shape] if shape and not isinstance(shape[0], tuple) else []
    return Explanation(
        model_name=facts.name,
        model_class=facts.class_name,
        layers=graph.records,
        input_shapes=input_shapes,  # type: ignore[arg-type]
        keras_total_params=facts.keras_total_params,
        keras_trainable_params=facts.keras_trainable_params,
        keras_non_trainable_params=facts.keras_non_trainable_params,
        width=width,
        ascii_only=ascii_only,
        model_kind=graph.kind,
        input_names=graph.input_names,
        output_names=graph.output_names,
        batch_size=batch_size,
        input_sample_bytes=facts.input_sample_bytes,
        summary_order=list(facts.summary_order),
        input_shape_given=input_shape is not None,
        expand_repeats=expand_repeats,
    )


def _batch_of(shapes: Any) -> int:
    """The batch axis of the given input shapes (the first input's), 1 when there is none."""
    for shape in shapes:
        if shape and isinstance(shape[0], int):
            return int(shape[0])
    return 1
