"""``Explanation.to_html()``: the notebook view, a header then a tree you fold and open.

The header comes first: the model, Keras's totals, our verdict, mult-adds,
memory and the marked rows. Then the layers, from the same view model as the
text diagram (``html_tree.py`` groups them): a run of identical blocks is one
``<details>`` (``32 × LlamaTransformerDecoder``) that opens to its members, a
nested model or composite layer opens to its parts, long runs of weightless
rows fold. Plain ``<details>``/``<summary>`` and one ``<style>`` element
(``html_style.py``): no JavaScript, nothing fetched. ``expand_nested`` and
``expand_repeats`` say which groups start open.

Everything from the model is made ``displayable`` (control characters written
visibly) and then HTML-escaped. One row a line, so a diff of two versions reads
row by row. ``html`` is imported inside the functions, so ``import
ascii_explain`` does not pay for it.
"""

from __future__ import annotations

import re
from typing import Optional

from ..build.records import LayerRecord, OutputShape
from . import graph_text
from .arithmetic_text import STEP_SEPARATOR, TERM_SEPARATOR, Arithmetic
from .cost_text import MACS_LABEL
from .diagram_rows import compact_run_name, graph_items
from .formatting import format_count, format_dims, format_percent
from .html_style import ROOT_CLASS, ROOT_INLINE, stylesheet
from .html_tree import FoldNode, LayerNode, Node, RepeatNode, build_tree
from .model import (
    ADJUSTED,
    AGREES,
    ERROR,
    FALLBACK,
    INTERNAL_ERROR,
    MISMATCH,
    NON_TRAINABLE,
    OK,
    TOTAL,
    UNBUILT,
    WARNING,
    ExplanationData,
    LayerView,
    ViewModel,
    build_view_model,
)
from .safe_text import displayable
from .training_text import is_shown
from .units import short_bytes, short_count

# Marks a reader must not miss: listed in the header, and their rows tinted. The sign (``!``, ``?``,
# ``E``, ``*``, ``u``) starts the row and the words say why, so colour is never the only cue.
MARKED = (MISMATCH, INTERNAL_ERROR, FALLBACK, ADJUSTED, UNBUILT)
MARK_WORDS = {
    MISMATCH: "disagrees with Keras",
    INTERNAL_ERROR: "internal error of ascii_explain",
    FALLBACK: "counted from weight shapes (no formula)",
    ADJUSTED: "inherited formula, adjusted",
    UNBUILT: "unbuilt",
    "no_weights": "no weights",
    OK: "",
}
AGREES_SIGN = "\u2713"  # ✓
_INPUT_LABEL = '<span class="ae-class">Input</span>'
MAX_MARKED_LISTED = 20
COLUMN_HEADINGS = (  # (heading, class): one per grid column of html_style.COLUMNS
    ("Layer", ""),
    ("Output", "ae-num"),
    ("Activation", ""),
    ("Params", "ae-num"),
    ("Params share", "ae-num"),
    ("Mult-adds", "ae-num"),
    ("MACs share", "ae-num"),
    ("Train", "ae-c"),
)
_KIND_CLASSES = {ERROR: "ae-error", WARNING: "ae-warning", NON_TRAINABLE: "ae-nontrainable", AGREES: "ae-agrees"}


def to_html(
    explanation: ExplanationData,
    *,
    expand_nested: Optional[bool] = None,
    expand_repeats: Optional[bool] = None,
) -> str:
    """The notebook view (a fragment for ``_repr_html_``): header, then the foldable tree of layers.

    ``expand_nested``: nested models and composite layers start open (default:
    open when ``explain(..., expand_nested=True)`` listed their inner rows);
    ``expand_repeats``: runs of identical blocks start open (default: the
    explanation's own ``expand_repeats``, False unless explain() was told).
    """
    e = displayable(explanation)  # control characters written visibly, as in the text views
    view = build_view_model(e)
    if expand_nested is None:
        expand_nested = any(layer.record.depth > 0 for layer in view.layers)
    if expand_repeats is None:
        expand_repeats = bool(getattr(explanation, "expand_repeats", False))
    writer = _TreeWriter(e, view, expand_nested, expand_repeats)
    # One row a line, so that a diff of two versions reads row by row.
    return "\n".join(
        [
            f'<div class="{ROOT_CLASS}" style="{ROOT_INLINE}">',
            f"<style>{stylesheet()}</style>",
            *_header_html(e, view),
            '<div class="ae-tree">',
            '<div class="ae-row ae-colhead">'
            + "".join(f'<span class="{cls}">{text}</span>' if cls else f"<span>{text}</span>"
                      for text, cls in COLUMN_HEADINGS)
            + "</div>",
            *writer.rows(),
            "</div>",
            "</div>",
        ]
    )


def to_html_document(
    explanation: ExplanationData,
    *,
    expand_nested: Optional[bool] = None,
    expand_repeats: Optional[bool] = None,
) -> str:
    """A complete HTML document (charset, title, the view's styles) for ``Explanation.save_html``."""
    import html

    e = displayable(explanation)
    title = html.escape(f"{e.model_name} ({e.model_class}) - ascii_explain")
    body = to_html(explanation, expand_nested=expand_nested, expand_repeats=expand_repeats)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            f"<title>{title}</title>",
            "</head>",
            '<body style="margin:16px">',
            body,
            "</body>",
            "</html>",
            "",
        ]
    )


# ----------------------------------------------------------------------------- numbers


def number_html(value: Optional[int], unknown_title: str = "") -> str:
    """``6.74 B`` with the exact value one hover away (``title="6,738,415,616"``)."""
    import html

    if value is None:
        title = f' title="{html.escape(unknown_title)}"' if unknown_title else ""
        return f'<span class="ae-dimmed"{title}>?</span>'
    return f'<span title="{value:,}">{short_count(value)}</span>'


def bytes_html(value: Optional[float]) -> str:
    """``25.1 GB`` with the exact number of bytes in the title."""
    if value is None:
        return '<span class="ae-dimmed" title="unknown: a dimension is not known">?</span>'
    exact = f"{int(value):,}" if value == int(value) else f"{value:,}"  # Keras's totals count bytes as floats
    return f'<span title="{exact} bytes">{short_bytes(value)}</span>'


def share_html(percent: Optional[float]) -> str:
    """``21.1%`` and a bar as long as the share (inline width), so the heaviest rows stand out.

    Nothing for an unknown or zero share: a column of empty bars would only hide the full ones.
    """
    if not percent:
        return ""
    width = max(0.0, min(100.0, percent))
    return (
        f"<span>{format_percent(percent)}</span>"
        f'<span class="ae-bar" aria-hidden="true"><span style="width:{width:.1f}%"></span></span>'
    )


# ----------------------------------------------------------------------------- the header


def _header_html(e: ExplanationData, view: ViewModel) -> list[str]:
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
                f'<span class="{_KIND_CLASSES[item.kind]}">'
                + (f"{AGREES_SIGN} " if item.kind == AGREES else "")
                + f"{esc(item.text.strip())}</span>"
                for item in verdict
            ),
        )
    )
    macs_known = not e.macs_unknown
    macs = f"{'' if macs_known else 'at least '}<b>{number_html(e.total_macs)}</b> per sample"
    if not macs_known:
        macs += f" ({len(e.macs_unknown)} {'layer' if len(e.macs_unknown) == 1 else 'layers'} unknown)"
    facts.append(("Mult-adds", macs))
    batch = "a batch of 1" if e.batch_size == 1 else f"a batch of {e.batch_size:,}"
    facts.append(("Activations", f"{bytes_html(e.activation_bytes)} for {batch} (each layer's output once)"))
    plan = getattr(e, "training_memory", None)
    if plan is not None and is_shown(plan):
        optimizer = esc(plan.optimizer_name or "no optimizer")
        facts.append(("Training memory", f"{bytes_html(plan.total)} for {batch} with {optimizer}"))
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
            f'<li class="ae-{layer.mark}-item"><span class="ae-mark {_mark_text_class(layer.mark)}">'
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
        f'<div class="{" ".join(filter(None, ("ae-code ae-total-line", _KIND_CLASSES.get(item.kind))))}"'
        + (' style="font-weight:bold"' if item.kind == TOTAL else "")
        + f">{esc(item.text.rstrip())}</div>"
        for item in every
    )
    lines.extend(["</details>", "</div>"])
    return lines


def _mark_text_class(mark: str) -> str:
    return "ae-error" if mark in (MISMATCH, INTERNAL_ERROR) else "ae-warning" if mark in (FALLBACK, ADJUSTED) else ""


# ----------------------------------------------------------------------------- the tree


class _TreeWriter:
    """Writes the rows of the tree; remembers the last row's output, to say what a merge reads."""

    def __init__(self, e: ExplanationData, view: ViewModel, expand_nested: bool, expand_repeats: bool) -> None:
        self.e = e
        self.view = view
        self.expand_nested = expand_nested
        self.expand_repeats = expand_repeats
        self.total_macs = e.total_macs
        self.above: Optional[str] = None  # the layer whose output the previous row shows

    def rows(self) -> list[str]:
        lines = []
        records = self.e.layers
        if self.e.input_shapes and (not records or records[0].class_name != "InputLayer"):
            lines.append(self._input_row(format_dims(self.e.input_shapes[0], compact=True)))
            self.above = self.e.input_names[0] if self.e.input_names else None
        lines.extend(self._nodes(build_tree(self.view.layers)))
        return lines

    def _nodes(self, nodes: list[Node]) -> list[str]:
        lines: list[str] = []
        for node in nodes:
            if isinstance(node, RepeatNode):
                lines.extend(self._repeat(node))
            elif isinstance(node, FoldNode):
                lines.extend(self._fold(node))
            else:
                lines.extend(self._layer(node))
        return lines

    def _input_row(self, dims: str, name: str = "", depth: int = 0) -> str:
        import html

        cells = [
            _layer_cell(depth, "", "", (html.escape(name) + " " if name else "") + _INPUT_LABEL),
            f'<span class="ae-num">{html.escape(dims.replace(" ", " × "))}</span>',
            *["<span></span>"] * (len(COLUMN_HEADINGS) - 2),
        ]
        return f'<div class="ae-row ae-input">{"".join(cells)}</div>'

    def _layer(self, node: LayerNode, in_group: bool = False) -> list[str]:
        layer, record = node.layer, node.layer.record
        if record.class_name == "InputLayer":
            self.above = record.name
            return [self._input_row(format_dims(record.output_shape, compact=True), record.name, record.depth)]
        reads = graph_text.graph_details(record, self.above)
        self.above = record.name
        parts = _part_lines(layer) if not node.children and record.sublayer_count and layer.arithmetic else ""
        opens = bool(node.children or parts)
        summary = self._row(layer, reads, folded=opens, in_group=in_group, parts_below=bool(parts))
        if not opens:
            return [f'<div class="{_row_class(layer)}" data-layer="{_attr(record.name)}">{summary}</div>']
        open_attr = " open" if self.expand_nested else ""
        lines = [
            f'<details class="ae-node"{open_attr}><summary class="{_row_class(layer)}" '
            f'data-layer="{_attr(record.name)}">{summary}</summary>'
        ]
        if parts:
            lines.append(f'<div class="ae-parts" style="--ae-indent:{record.depth * 1.2 + 2.2:.1f}em">{parts}</div>')
        lines.extend(self._nodes(node.children))
        if node.children:
            self.above = record.name  # the next row reads the container's output, not its last inner row's
        lines.append("</details>")
        return lines

    def _repeat(self, node: RepeatNode) -> list[str]:
        import html

        group, record = node.group, node.group.record
        reads = graph_text.graph_details(record, self.above)
        count = group.repeat
        label = (
            f'<span class="ae-count">{count} ×</span> <span class="ae-class-strong">{html.escape(record.class_name)}'
            f"</span> <span class=\"ae-class\">{html.escape(compact_run_name(group))}</span>"
        )
        macs = None if record.macs is None else record.macs * max(record.calls, 1) * count
        cells = [
            _layer_cell(0, "", "fold", label),
            f'<span class="ae-num">{_dims_html(record.output_shape)}</span>',
            f"<span>{html.escape(record.activation)}</span>",
            f'<span class="ae-num">{count} × {number_html(record.params)}</span>',
            f'<span class="ae-num">{share_html(group.percent * count)}</span>',
            f'<span class="ae-num">{number_html(macs, record.macs_note)}</span>',
            f'<span class="ae-num">{share_html(_share(macs, self.total_macs))}</span>',
            f'<span class="ae-c">{html.escape(group.trainable)}</span>',
        ]
        words = (
            f"{count} identical blocks (class, config apart from the name, shapes), "
            f"{format_count(record.params)} parameters each: {count} × {format_count(record.params)} = "
            f"{format_count(record.params * count)}"
        )
        indent = ' style="--ae-indent:2.2em"'
        details = [_detail(line, "ae-reads", indent) for line in reads]
        details.append(_detail(words, "", indent))
        open_attr = " open" if self.expand_repeats else ""
        lines = [
            f'<details class="ae-group"{open_attr}><summary class="ae-row ae-repeat" data-group="{_attr(record.name)}">'
            f"{''.join(cells)}{''.join(details)}</summary>"
        ]
        for member in node.members:
            lines.extend(self._layer(member, in_group=True))
        self.above = group.last_name
        lines.append("</details>")
        return lines

    def _fold(self, node: FoldNode) -> list[str]:
        import html

        names = [member.layer.record.name for member in node.members]
        shown = ", ".join(names[:3]) + (f" … {names[-1]}" if len(names) > 3 else "")
        depth = node.members[0].layer.record.depth
        label = f"{len(names)} layers without weights <span class=\"ae-class\">({html.escape(shown)})</span>"
        cells = [_layer_cell(depth, "", "fold", label), *["<span></span>"] * (len(COLUMN_HEADINGS) - 1)]
        lines = [f'<details class="ae-weightless"><summary class="ae-row ae-fold-row">{"".join(cells)}</summary>']
        for member in node.members:
            lines.extend(self._layer(member))
        lines.append("</details>")
        return lines

    def _row(self, layer: LayerView, reads: list[str], folded: bool, in_group: bool, parts_below: bool) -> str:
        import html

        esc = html.escape
        record = layer.record
        depth = record.depth + (1 if in_group else 0)
        name = f'{esc(record.name)} <span class="ae-class">{esc(record.class_name)}</span>'
        macs = None if record.macs is None else record.macs * max(record.calls, 1)
        cells = [
            _layer_cell(depth, layer.mark, "fold" if folded else "", name, layer.sign),
            f'<span class="ae-num">{_dims_html(record.output_shape)}</span>',
            f"<span>{esc(record.activation)}</span>",
            f'<span class="ae-num">{number_html(record.params)}</span>',
            f'<span class="ae-num">{share_html(layer.percent)}</span>',
            f'<span class="ae-num">{number_html(macs, record.macs_note)}</span>',
            f'<span class="ae-num">{share_html(_share(macs, self.total_macs))}</span>',
            f'<span class="ae-c">{esc(layer.trainable)}</span>',
        ]
        indent = f' style="--ae-indent:{depth * 1.2 + 2.2:.1f}em"'
        details = [_detail(line, "ae-reads", indent) for line in reads]
        if layer.arithmetic is not None and not parts_below:
            details.append(
                f'<div class="ae-detail"{indent}>params  <span class="ae-arithmetic">'
                f"{_pieces_html(layer.arithmetic)}</span></div>"
            )
        elif parts_below:
            details.append(
                _detail(f"params  {format_count(record.params)}, the sum of its parts (open the row)", "", indent)
            )
        if not parts_below:
            details.extend(_detail(_labelled(line.text, record), "", indent) for line in layer.cost_lines)
        if layer.check:
            details.append(_detail(layer.check, _mark_text_class(layer.mark) or "ae-dimmed", indent))
        for note in record.notes:
            if note.startswith("no registered formula"):  # the check above says so already
                continue
            details.append(_detail(note, "", indent))
        return "".join(cells) + "".join(details)


def _layer_cell(depth: int, mark: str, fold: str, label: str, sign: str = "") -> str:
    """The first cell: indentation for the depth, the fold sign, the mark's sign (its name on hover), the label."""
    import html

    title = f' title="{html.escape(MARK_WORDS.get(mark, mark))}"' if sign else ""
    mark_html = f'<span class="ae-mark"{title}>{html.escape(sign)}</span>'
    fold_html = '<span class="ae-fold" aria-hidden="true"></span>' if fold else '<span class="ae-fold"></span>'
    # A hanging indent: a long name wraps under itself, not under the fold and mark signs.
    style = f"padding-left:{depth * 1.2 + 2.2:.1f}em;text-indent:-2.2em"
    return f'<span class="ae-layer" style="{style}">{fold_html}{mark_html}{label}</span>'


def _detail(text: str, cls: str = "", indent: str = "") -> str:
    import html

    classes = "ae-detail" + (f" {cls}" if cls else "")
    return f'<div class="{classes}"{indent}>{html.escape(text)}</div>'


def _dims_html(shape: Optional[OutputShape]) -> str:
    """``26 × 26 × 32``: the data dimensions (no batch axis), as the tables write them."""
    import html

    return html.escape(format_dims(shape, compact=True).replace(" ", " × "))


def _attr(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _row_class(layer: LayerView) -> str:
    return "ae-row" + (f" ae-{layer.mark}" if layer.sign else "")


def _labelled(cost_line: str, record: LayerRecord) -> str:
    """A composite's mult-adds line with each part named: ``macs    self_attention 20480 + ... = 45056``."""
    if not record.macs_parts or not cost_line.startswith(MACS_LABEL):
        return cost_line
    parts = TERM_SEPARATOR.join(f"{name} {expression}" for name, expression in record.macs_parts)
    return f"{MACS_LABEL}{parts} = {record.macs}"


def _share(value: Optional[int], total: int) -> Optional[float]:
    if value is None or not total:
        return None
    return 100.0 * value / total


def _part_lines(layer: LayerView) -> str:
    """A composite row's parts, one a line: its parameters by part, then its mult-adds by part, each labelled."""
    import html

    record = layer.record
    lines = []
    width = max([len(term.name) for term in record.term_list] + [len(name) for name, _ in record.macs_parts] + [4])
    for term in record.term_list:
        text = f"params  {term.name:<{width}}  {term.expression}" + (f" ({term.detail})" if term.detail else "")
        cls = "ae-detail ae-arithmetic" + ("" if term.trainable else " ae-nontrainable")
        flag = "" if term.trainable else " (non-trainable)"
        title = f' title="{html.escape(term.reason)}"' if term.reason else ""
        lines.append(f'<div class="{cls}"{title}>{html.escape(text + flag)}</div>')
    lines.append(f'<div class="ae-detail ae-arithmetic">params  {"":<{width}}  = {record.params:,}</div>')
    if record.shape_formula:
        lines.append(_detail("shape   " + record.shape_formula))
    for name, expression in record.macs_parts:
        lines.append(_detail(f"macs    {name:<{width}}  {expression}"))
    if record.macs_parts:
        lines.append(_detail(f"macs    {'':<{width}}  = {record.macs:,}"))
    elif record.macs is None:
        lines.append(_detail(f"macs    ? ({record.macs_note})" if record.macs_note else "macs    ?"))
    return "".join(lines)


# Each piece between " + " and " = " stays on one line (nowrap); the line may break between pieces.
_BREAKS = re.compile(f"({re.escape(TERM_SEPARATOR)}|{re.escape(STEP_SEPARATOR)})")


def _pieces_html(arithmetic: Arithmetic) -> str:
    import html

    pieces = []

    def plain(text: str) -> None:
        for piece in _BREAKS.split(text):
            if piece in (TERM_SEPARATOR, STEP_SEPARATOR):
                pieces.append(html.escape(piece))
            else:
                pieces.append(f'<span style="white-space:nowrap">{html.escape(piece)}</span>')

    for index, term in enumerate(arithmetic.terms):
        if index:
            pieces.append(html.escape(TERM_SEPARATOR))
        if term.trainable or _BREAKS.search(term.text):
            plain(term.text)
        else:
            pieces.append(
                f'<span class="ae-nontrainable" title="{html.escape(term.reason)}" '
                f'style="white-space:nowrap">{html.escape(term.text)}</span>'
            )
    if not arithmetic.terms:
        plain(arithmetic.named)
    for step in arithmetic.steps:
        pieces.append(html.escape(STEP_SEPARATOR))
        plain(step)
    return "".join(pieces)
