"""The public entry point: ``explain(model)``."""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional

from .build.lazy_training import TrainingPlan
from .build.model import build_records
from .build.sequence import annotate_records, sequence_costs
from .build.training_memory import RECOMPUTE
from .explanation import Explanation
from .read.auto_names import auto_names_kept
from .read.model import read_model
from .read.tensor_checks import tensor_checks_by_type
from .read.training import read_training_options
from .read.training import training_facts as make_training_facts
from .read.training_variables import training_variables
from .read.unallocated import values_left_unallocated


def explain(
    model: Any,
    *,
    width: Optional[int] = None,
    ascii_only: bool = False,
    batch_size: Optional[int] = None,
    expand_nested: bool = False,
    optimizer: Any = None,
    dtype_policy: Any = None,
    weights: bool = False,
    custom_objects: Optional[Mapping[str, Any]] = None,
    safe_mode: bool = True,
    max_config_bytes: Optional[int] = None,
    input_shape: Any = None,
    expand_repeats: bool = False,
    training: bool = False,
    recompute: Optional[str] = None,
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

    ``e.training_memory`` is what training takes for ``batch_size`` samples:
    weights, gradients, the optimizer's variables and the activations, in
    bytes with their arithmetic, per layer too. ``optimizer`` is a name
    ("adam"), a Keras optimizer (only read: never built or changed), or None
    for the model's compiled optimizer (none: the optimizer part is 0).
    ``dtype_policy`` (a name such as "mixed_bfloat16") plans as if the model
    had been built under that policy; the model keeps its own.

    ``model`` may also be a path: a ``.keras`` archive, a Keras ``config.json``
    or a keras-hub preset directory. The model is then built from its config
    with every variable shaped and none allocated, so a model larger than this
    machine's memory is explained too. ``weights=True`` loads the values as
    well (nothing in the explanation needs them); ``custom_objects``,
    ``safe_mode`` (Keras's: True refuses a saved Lambda's code) and
    ``max_config_bytes`` (the cap on the config read, 64 MiB) are as in Keras's
    loaders.

    ``input_shape`` makes the dynamic axes concrete, in Keras's ``build()``
    convention (batch axis included): ``(1, 128)`` for a text model's token
    ids. It may be a dict by input name, a list with one shape per input (in
    ``model.inputs`` order), or one shape, which then applies to every input
    of its rank (a keras-hub backbone's ``token_ids`` and ``padding_mask``).
    Every layer's shapes, mult-adds and key/value cache are then those of a
    forward pass at that shape, traced symbolically: nothing is allocated and
    the model is not rebuilt or changed. ``batch_size`` defaults to the
    batch axis of ``input_shape`` (else 1).

    ``e.training_macs`` is what one training step multiplies: the forward
    mult-adds plus the backward pass's (input and weight gradients, per layer
    in ``record.backward_macs``), per sample and for ``batch_size``;
    ``training=True`` (or an optimizer) shows it under the totals.

    Both plans are made here when one of ``optimizer``, ``dtype_policy``,
    ``training=True`` or ``recompute`` is given or the model is compiled;
    otherwise on the first read of ``e.training_memory``, ``e.training_macs``,
    a record's share (``gradient_bytes``, ..., ``backward_macs``) or a view
    showing them, from what was read here (``build/lazy_training.py``): the
    model is not read again.

    ``recompute`` plans the activations under Korthikanti et al.'s (2022)
    recomputation: ``"selective"`` recomputes attention's probabilities
    instead of keeping them, ``"full"`` keeps only each top-level row's
    inputs (see ``build/training_memory.py``); None keeps everything.
    """
    if recompute not in (None, *RECOMPUTE):
        raise ValueError(f"recompute must be None, 'selective' or 'full' (Korthikanti et al. 2022), got {recompute!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer (the batch to count memory for), got {batch_size!r}")
    if isinstance(model, (str, os.PathLike)):
        model = _model_from_path(model, weights, custom_objects, safe_mode, max_config_bytes)
    elif weights or custom_objects is not None or not safe_mode or max_config_bytes is not None:
        raise TypeError(
            "weights=, custom_objects=, safe_mode= and max_config_bytes= apply when explain() is given a path "
            f"(a .keras file, a config.json or a keras-hub preset directory), not a {type(model).__name__}"
        )
    # Asked for the training plan: made now, else when first read (build/lazy_training.py).
    plan_now = (
        bool(training) or optimizer is not None or dtype_policy is not None or recompute is not None
        or getattr(model, "optimizer", None) is not None  # compiled
    )
    # validates, picks the Keras 3 or tf_keras reader once, reads everything (at input_shape, if given)
    with auto_names_kept(), tensor_checks_by_type():
        facts = read_model(model, input_shape=input_shape)
        # What the plan needs of the model and the arguments, read now (a bad name raises here): the
        # weights are the reader's (facts.weight_holders), so a plan made later never reads the model.
        options = read_training_options(model, optimizer, dtype_policy)
        training_facts = None
        if plan_now:
            with values_left_unallocated(model):  # building optimizer stand-ins must not allocate a stateless model
                training_facts = make_training_facts(training_variables(facts.weight_holders), options)
    if batch_size is None:
        batch_size = _batch_of(facts.input_shapes) if input_shape is not None else 1
    graph = build_records(facts, expand_nested=expand_nested)
    if facts.is_model:
        input_shapes = list(facts.input_shapes)
    else:
        shape = graph.records[0].input_shape
        input_shapes = [shape] if shape and not isinstance(shape[0], tuple) else []
    output_dtypes = {entry.name: entry.output_dtypes for entry in facts.graph.entries}
    plan = TrainingPlan(
        graph.records, facts.weight_holders, options, output_dtypes, batch_size, recompute, training_facts
    )
    # at an unknown length, the costs as polynomials in T (e.at(T=4096) gives the numbers)
    sequence = sequence_costs(facts) if input_shape is None else None
    annotate_records(plan.top_level, sequence)  # the rows the totals add up, as the plan picked them
    explanation = Explanation(
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
        show_training=bool(training) or optimizer is not None,
        keras_totals=facts.keras_totals,
        input_shape_given=input_shape is not None,
        expand_repeats=expand_repeats,
        sequence=sequence,
    )
    plan.attach(explanation)
    if plan_now:
        plan.make()
    return explanation


def _model_from_path(
    path: Any, weights: bool, custom_objects: Optional[Mapping[str, Any]], safe_mode: bool, max_config_bytes: Any
) -> Any:
    from .read.stateless import DEFAULT_MAX_CONFIG_BYTES, model_from_path

    return model_from_path(
        path,
        weights=weights,
        custom_objects=custom_objects,
        safe_mode=safe_mode,
        max_config_bytes=DEFAULT_MAX_CONFIG_BYTES if max_config_bytes is None else max_config_bytes,
    )


def _batch_of(shapes: Any) -> int:
    """The batch axis of the given input shapes (the first input's), 1 when there is none."""
    for shape in shapes:
        if shape and isinstance(shape[0], int):
            return int(shape[0])
    return 1
