"""The notebook view's header, before any layer row: the model, Keras's totals, the verdict, costs, marked rows.

Then every line the text diagram writes after its rows, one click away
(a closed ``<details>``), in the same words.
"""

from __future__ import annotations

from .diagram_rows import graph_items
from .html_cells import MARK_WORDS, bytes_html, mark_text_class, number_html
from .model import (
    ADJUSTED,
    AGREES,
    ERROR,
    FALLBACK,
    INFERRED,
    INTERNAL_ERROR,
    MISMATCH,
    NON_TRAINABLE,
    TOTAL,
    UNBUILT,
    WARNING,
    ExplanationData,
    ViewModel,
)
from .training_text import is_shown

# Marks a reader must not miss: listed here, and their rows tinted. The sign (``!``, ``?``, ``E``,
# ``*``, ``u``) starts the row and the words say why, so colour is never the only cue.
MARKED = (MISMATCH, INTERNAL_ERROR, FALLBACK, INFERRED, ADJUSTED, UNBUILT)
AGREES_SIGN = "\u2713"  # ✓
MAX_MARKED_LISTED = 20
KIND_CLASSES = {ERROR: "ae-error", WARNING: "ae-warning", NON_TRAINABLE: "ae-nontrainable", AGREES: "ae-agrees"}


def header_html(e: ExplanationData, view: ViewModel) -> list[str]:
    import html

    esc = html.escape
    facts: list[tuple[str, str]] = []
    totals = e.keras_totals
    size = f" ({bytes_html(totals.total.bytes)})" if totals is not None else ""
    facts.append(
        (
            "Parameters (Keras)",
            f'<b>{number_html(e.keras_total_params)}</b>{size}; trainable {number_html(e.keras_trainable_params)}, '
            f"non-trainable {number_html(e.keras_non_trainable_params)}",
        )
    )
    verdict = [item for item in view.totals if item.kind in (AGREES, ERROR, WARNING)]
    facts.append(
        (
            "Formulas",
            "<br>".join(
                f'<span class="{KIND_CLASSES[item.kind]}">'
                + (f"{AGREES_SIGN} " if item.kind == AGREES else "")
                + f"{esc(item.text.strip())}</span>"
                for item in verdict
            ),
        )
    )
    macs_known = not e.macs_unknown
    in_length = getattr(e, "macs_in_length", None)
    if not macs_known and in_length is not None:  # unknown only for want of the sequence length, as the text says
        macs = f"<b>{esc(in_length)}</b> per sample at sequence length T"
    else:
        macs = f"{'' if macs_known else 'at least '}<b>{number_html(e.total_macs)}</b> per sample"
        if not macs_known:
            macs += f" ({len(e.macs_unknown)} {'layer' if len(e.macs_unknown) == 1 else 'layers'} unknown)"
    facts.append(("Mult-adds", macs))
    batch = "a batch of 1" if e.batch_size == 1 else f"a batch of {e.batch_size:,}"
    activations_in_length = getattr(e, "activation_bytes_in_length", None)
    if e.activation_bytes is None and activations_in_length is not None:
        activations = f"{esc(activations_in_length)} bytes per sample at sequence length T (each layer's output once)"
    else:
        activations = f"{bytes_html(e.activation_bytes)} for {batch} (each layer's output once)"
    facts.append(("Activations", activations))
    # a plan not shown is not made (build/lazy_training.py)
    plan = getattr(e, "training_memory", None) if getattr(e, "training_memory_shown", True) else None
    if plan is not None and is_shown(plan):
        optimizer = esc(plan.optimizer_name or "no optimizer")
        known = getattr(plan, "known_total", None)
        if plan.total is None and known:  # the known parts, as the text's totals give them
            whole = f"{bytes_html(known)} + activations unknown"
        else:
            whole = bytes_html(plan.total)
        facts.append(("Training memory", f"{whole} for {batch} with {optimizer}"))
    if e.kv_cache_layers:
        cache = e.kv_cache_bytes
        facts.append(
            (
                "Key/value cache",
                f"{bytes_html(cache)} for {batch}"
                if cache is not None
                else "? (the sequence length is unknown: explain(model, input_shape=(1, T)) counts it)",
            )
        )
    marked = [layer for layer in view.layers if layer.mark in MARKED]
    if marked:
        items = [
            f'<li class="ae-{layer.mark}-item"><span class="ae-mark {mark_text_class(layer.mark)}">'
            f"{esc(layer.sign)}</span> {esc(layer.record.name)} ({esc(layer.record.class_name)}): "
            f"{esc(layer.check or MARK_WORDS[layer.mark])}</li>"
            for layer in marked[:MAX_MARKED_LISTED]
        ]
        if len(marked) > MAX_MARKED_LISTED:
            items.append(f"<li>and {len(marked) - MAX_MARKED_LISTED} more (marked below)</li>")
        facts.append(("Marked rows", f'<ul class="ae-marked">{"".join(items)}</ul>'))
    lines = [
        '<div class="ae-header">',
        f'<div class="ae-title">Model "{esc(e.model_name)}" <span class="ae-class">({esc(e.model_class)})</span></div>',
        '<dl class="ae-facts">',
        *(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts),
        "</dl>",
    ]
    # Every line the text diagram writes after its rows, in its words: one click away, not in the way.
    every = list(view.totals) + graph_items(e)
    lines.append(f'<details class="ae-all-totals"><summary>All totals and notes ({len(every)} lines)</summary>')
    lines.extend(
        f'<div class="{" ".join(filter(None, ("ae-code ae-total-line", KIND_CLASSES.get(item.kind))))}"'
        + (' style="font-weight:bold"' if item.kind == TOTAL else "")
        + f">{esc(item.text.rstrip())}</div>"
        for item in every
    )
    lines.extend(["</details>", "</div>"])
    return lines
