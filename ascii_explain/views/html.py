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

from typing import Optional

from ..build.records import LayerRecord, calls_counted
from ..safe_text import displayable
from . import graph_text
from .arithmetic_text import TERM_SEPARATOR
from .cost_text import MACS_LABEL
from .diagram_rows import compact_run_name
from .formatting import format_count, format_dims
from .html_cells import MARK_WORDS, attr, detail, dims_html, mark_text_class, number_html, pieces_html, share_html
from .html_header import header_html
from .html_style import ROOT_CLASS, ROOT_INLINE, stylesheet
from .html_tree import FoldNode, LayerNode, Node, RepeatNode, build_tree
from .model import ExplanationData, LayerView, ViewModel, build_view_model

_INPUT_LABEL = '<span class="ae-class">Input</span>'
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
            *header_html(e, view),
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
        self.batch_unknown = graph_text.inputs_batch_unknown(e.input_shapes)

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
        reads = graph_text.graph_details(record, self.above, batch_unknown=self.batch_unknown)
        self.above = record.name
        parts = _part_lines(layer) if not node.children and record.sublayer_count and layer.arithmetic else ""
        opens = bool(node.children or parts)
        summary = self._row(layer, reads, folded=opens, in_group=in_group, parts_below=bool(parts))
        if not opens:
            return [f'<div class="{_row_class(layer)}" data-layer="{attr(record.name)}">{summary}</div>']
        open_attr = " open" if self.expand_nested else ""
        lines = [
            f'<details class="ae-node"{open_attr}><summary class="{_row_class(layer)}" '
            f'data-layer="{attr(record.name)}">{summary}</summary>'
        ]
        if parts:
            depth = record.depth + (1 if in_group else 0)
            lines.append(f'<div class="ae-parts" style="--ae-indent:{depth * 1.2 + 2.2:.1f}em">{parts}</div>')
        lines.extend(self._nodes(node.children))
        if node.children:
            self.above = record.name  # the next row reads the container's output, not its last inner row's
        lines.append("</details>")
        return lines

    def _repeat(self, node: RepeatNode) -> list[str]:
        import html

        group, record = node.group, node.group.record
        reads = graph_text.graph_details(record, self.above, batch_unknown=self.batch_unknown)
        count = group.repeat
        label = (
            f'<span class="ae-count">{count} ×</span> <span class="ae-class-strong">{html.escape(record.class_name)}'
            f"</span> <span class=\"ae-class\">{html.escape(compact_run_name(group))}</span>"
        )
        macs = None if record.macs is None else record.macs * calls_counted(record) * count
        cells = [
            _layer_cell(0, "", "fold", label),
            f'<span class="ae-num">{dims_html(record.output_shape)}</span>',
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
        details = [detail(line, "ae-reads", indent) for line in reads]
        details.append(detail(words, "", indent))
        open_attr = " open" if self.expand_repeats else ""
        lines = [
            f'<details class="ae-group"{open_attr}><summary class="ae-row ae-repeat" data-group="{attr(record.name)}">'
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
        macs = None if record.macs is None else record.macs * calls_counted(record)
        cells = [
            _layer_cell(depth, layer.mark, "fold" if folded else "", name, layer.sign),
            f'<span class="ae-num">{dims_html(record.output_shape)}</span>',
            f"<span>{esc(record.activation)}</span>",
            f'<span class="ae-num">{number_html(record.params)}</span>',
            f'<span class="ae-num">{share_html(layer.percent)}</span>',
            f'<span class="ae-num">{number_html(macs, record.macs_note)}</span>',
            f'<span class="ae-num">{share_html(_share(macs, self.total_macs))}</span>',
            f'<span class="ae-c">{esc(layer.trainable)}</span>',
        ]
        indent = f' style="--ae-indent:{depth * 1.2 + 2.2:.1f}em"'
        details = [detail(line, "ae-reads", indent) for line in reads]
        if layer.arithmetic is not None and not parts_below:
            details.append(
                f'<div class="ae-detail"{indent}>params  <span class="ae-arithmetic">'
                f"{pieces_html(layer.arithmetic)}</span></div>"
            )
        elif parts_below:
            details.append(
                detail(f"params  {format_count(record.params)}, the sum of its parts (open the row)", "", indent)
            )
        if not parts_below:
            details.extend(detail(_labelled(line.text, record), "", indent) for line in layer.cost_lines)
        if layer.check:
            details.append(detail(layer.check, mark_text_class(layer.mark) or "ae-dimmed", indent))
        for note in record.notes:
            if note.startswith("no registered formula"):  # the check above says so already
                continue
            details.append(detail(note, "", indent))
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
        lines.append(detail("shape   " + record.shape_formula))
    for name, expression in record.macs_parts:
        lines.append(detail(f"macs    {name:<{width}}  {expression}"))
    if record.macs_parts:
        lines.append(detail(f"macs    {'':<{width}}  = {record.macs:,}"))
    elif record.macs is None:
        lines.append(detail(f"macs    ? ({record.macs_note})" if record.macs_note else "macs    ?"))
    return "".join(lines)


# Each piece between " + " and " = " stays on one line (nowrap); the line may break between pieces.
