"""What changed between two versions of a model: one row per layer, before -> after.

``diff(a, b)`` explains both models (or takes their Explanations) and pairs
their top-level layers:

1. by name: a layer called ``dense_1`` in both is the same layer;
2. then by position: the layers left over on each side are aligned in order
   by class (``difflib.SequenceMatcher`` over their class names), so a layer
   renamed in place pairs with its old self; what stays unpaired was added
   (only in ``b``) or removed (only in ``a``).

A paired row is ``changed`` when its name, class, parameters, mult-adds,
output shape or formula differ, else ``unchanged``. Records are numbers and
plain strings; ``to_text``, ``to_dict``/``to_json`` and ``to_markdown`` are
views over them. ``diff_main(argv)`` is the ``ascii-explain diff A B`` command.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import textwrap
from dataclasses import dataclass
from typing import Any, Optional, Sequence

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
# The mark in front of a row of the text view, as in a unified diff.
MARKS = {ADDED: "+", REMOVED: "-", CHANGED: "~", UNCHANGED: " "}


@dataclass(frozen=True)
class LayerSide:
    """One layer as one model has it: what the diff compares."""

    name: str
    class_name: str
    params: int
    macs: Optional[int]
    output_shape: Any
    formula: str

    @classmethod
    def of(cls, record: Any) -> LayerSide:
        return cls(
            name=record.name,
            class_name=record.class_name,
            params=record.params,
            macs=record.macs,
            output_shape=record.output_shape,
            formula=record.formula,
        )


@dataclass(frozen=True)
class LayerChange:
    """One row of the diff: the layer before (None when added) and after (None when removed)."""

    status: str
    before: Optional[LayerSide]
    after: Optional[LayerSide]

    @property
    def name(self) -> str:
        side = self.after or self.before
        assert side is not None
        return side.name

    @property
    def renamed(self) -> bool:
        return self.before is not None and self.after is not None and self.before.name != self.after.name

    @property
    def params_delta(self) -> int:
        return (self.after.params if self.after else 0) - (self.before.params if self.before else 0)

    @property
    def macs_delta(self) -> Optional[int]:
        before = self.before.macs if self.before else 0
        after = self.after.macs if self.after else 0
        if before is None or after is None:
            return None
        return after - before

    @property
    def changed_fields(self) -> tuple[str, ...]:
        """Which of name, class, params, macs, output_shape, formula differ (all of them for added/removed)."""
        fields = ("name", "class_name", "params", "macs", "output_shape", "formula")
        if self.before is None or self.after is None:
            return fields
        return tuple(field for field in fields if getattr(self.before, field) != getattr(self.after, field))


@dataclass(frozen=True)
class ModelDiff:
    """Every layer of two models paired, and the whole models' parameters and mult-adds before -> after."""

    before_name: str
    after_name: str
    rows: tuple[LayerChange, ...]
    params_before: int
    params_after: int
    macs_before: int
    macs_after: int

    @property
    def params_delta(self) -> int:
        return self.params_after - self.params_before

    @property
    def macs_delta(self) -> int:
        return self.macs_after - self.macs_before

    @property
    def params_growth_percent(self) -> float:
        """How much the parameters grew, in percent of before (infinite from zero to any)."""
        if self.params_before == 0:
            return 0.0 if self.params_after == 0 else float("inf")
        return 100.0 * self.params_delta / self.params_before

    @property
    def changes(self) -> tuple[LayerChange, ...]:
        """The rows that are not ``unchanged``; empty when the models are the same."""
        return tuple(row for row in self.rows if row.status != UNCHANGED)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def to_text(self, width: int = 100, show_unchanged: bool = False) -> str:
        return render_text(self, width=width, show_unchanged=show_unchanged)

    def to_dict(self) -> dict[str, Any]:
        return diff_to_dict(self)

    def to_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("indent", 2)
        kwargs.setdefault("sort_keys", True)
        return json.dumps(self.to_dict(), **kwargs)

    def to_markdown(self, show_unchanged: bool = False) -> str:
        return render_markdown(self, show_unchanged=show_unchanged)

    def __str__(self) -> str:
        return self.to_text()


# ---------------------------------------------------------------- pairing


def diff(a: Any, b: Any) -> ModelDiff:
    """The layer-by-layer difference from ``a`` to ``b`` (models or ``Explanation`` objects)."""
    before, after = _explanation(a), _explanation(b)
    rows = pair_layers([LayerSide.of(r) for r in before.top_level], [LayerSide.of(r) for r in after.top_level])
    return ModelDiff(
        before_name=before.model_name,
        after_name=after.model_name,
        rows=tuple(rows),
        params_before=before.total_params,
        params_after=after.total_params,
        macs_before=before.total_macs,
        macs_after=after.total_macs,
    )


def _explanation(model_or_explanation: Any) -> Any:
    from . import Explanation, explain

    if isinstance(model_or_explanation, Explanation):
        return model_or_explanation
    return explain(model_or_explanation)


def pair_layers(before: Sequence[LayerSide], after: Sequence[LayerSide]) -> list[LayerChange]:
    """Rows in ``after``'s order, each removed layer placed after the row that preceded it in ``before``."""
    partner = _pairs(before, after)  # index in after -> index in before
    paired_before = set(partner.values())
    rows: list[LayerChange] = []
    next_before = 0  # removed layers of `before` not yet placed start here

    def place_removed(up_to: int) -> None:
        nonlocal next_before
        while next_before < up_to:
            if next_before not in paired_before:
                rows.append(LayerChange(REMOVED, before[next_before], None))
            next_before += 1

    for index, side in enumerate(after):
        old = partner.get(index)
        if old is None:
            rows.append(LayerChange(ADDED, None, side))
            continue
        place_removed(old)
        next_before = max(next_before, old + 1)
        same = not LayerChange(UNCHANGED, before[old], side).changed_fields
        rows.append(LayerChange(UNCHANGED if same else CHANGED, before[old], side))
    place_removed(len(before))
    return rows


def _pairs(before: Sequence[LayerSide], after: Sequence[LayerSide]) -> dict[int, int]:
    """First by name, then the rest in order by class: {index in after: index in before}."""
    before_by_name = {side.name: index for index, side in enumerate(before)}
    partner = {index: before_by_name[side.name] for index, side in enumerate(after) if side.name in before_by_name}
    left_after = [index for index in range(len(after)) if index not in partner]
    taken = set(partner.values())
    left_before = [index for index in range(len(before)) if index not in taken]
    matcher = difflib.SequenceMatcher(
        a=[before[index].class_name for index in left_before],
        b=[after[index].class_name for index in left_after],
        autojunk=False,
    )
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            partner[left_after[block.b + offset]] = left_before[block.a + offset]
    return partner


# ---------------------------------------------------------------- views


def format_shape(shape: Any) -> str:
    """``(None, 12, 12, 32)`` -> ``"12 12 32"``, as the diagram's DATA DIMENSIONS; several outputs joined by " | "."""
    if shape is None:
        return "?"
    if shape and all(isinstance(part, tuple) for part in shape):
        return " | ".join(format_shape(part) for part in shape)
    dims = ["?" if dim is None else str(dim) for dim in shape[1:]]
    return " ".join(dims) if dims else "scalar"


def _count(value: Optional[int]) -> str:
    return "?" if value is None else f"{value:,}"


def _signed(value: Optional[int]) -> str:
    return "?" if value is None else f"{value:+,}"


def _percent(delta: int, base: int) -> str:
    if base == 0:
        return "" if delta == 0 else ", new"
    return f", {100.0 * delta / base:+.1f}%"


def _before_after(before: str, after: str) -> str:
    return before if before == after else f"{before} -> {after}"


def render_text(model_diff: ModelDiff, width: int = 100, show_unchanged: bool = False) -> str:
    """The diff in the diagram's manner: a row per layer, its arithmetic indented under it, the totals below.

    ``+`` added, ``-`` removed, ``~`` changed; unchanged rows only with ``show_unchanged``.
    """
    title = f"Diff: {model_diff.before_name} -> {model_diff.after_name}"
    lines = [title, ""]
    label = max([len(row.name) for row in model_diff.rows] + [5])
    kind = max([len((row.after or row.before).class_name) for row in model_diff.rows] + [9])  # type: ignore[union-attr]
    shown = [row for row in model_diff.rows if show_unchanged or row.status != UNCHANGED]
    lines.append(f"   {'OPERATION':>{kind}}  {'LAYER':<{label}}  {'PARAMS':>14}  {'CHANGE':>12}")
    for row in shown:
        lines.extend(_row_lines(row, kind, label, width))
    if not model_diff.changes:
        lines.append(f"   {'':>{kind}}  (no layer changed)")
    lines.append("")
    for line in _totals_lines(model_diff):
        lines.extend(_wrap(line, width, ""))
    hidden = len(model_diff.rows) - len(shown)
    if hidden:
        lines.append(f"{hidden} unchanged layer{'s' if hidden != 1 else ''} not shown.")
    return "\n".join(line.rstrip() for line in lines)


def _row_lines(row: LayerChange, kind: int, label: int, width: int) -> list[str]:
    side = row.after or row.before
    assert side is not None
    class_name = side.class_name
    if row.before is not None and row.after is not None and row.before.class_name != row.after.class_name:
        class_name = row.after.class_name
    params = _count(side.params) if row.status in (ADDED, REMOVED) else _count(row.after.params)  # type: ignore[union-attr]
    change = _signed(row.params_delta) if row.params_delta else ""
    head = f" {MARKS[row.status]} {class_name:>{kind}}  {row.name:<{label}}  {params:>14}  {change:>12}"
    indent = " " * (kind + 5)
    details = _details(row)
    lines = [head]
    for key, text in details:
        lines.extend(_wrap(f"{key:<8}{text}", width, indent))
    return lines


def _details(row: LayerChange) -> list[tuple[str, str]]:
    """The indented lines under a row: what each field was and is."""
    before, after = row.before, row.after
    if before is None or after is None:
        side = after or before
        assert side is not None
        word = "added" if before is None else "removed"
        details = [(word, f"{side.class_name} {side.name}")]
        if side.params:
            details.append(("params", f"{side.formula} = {side.params}"))
        details.append(("shape", format_shape(side.output_shape)))
        if side.macs != 0:
            details.append(("macs", _count(side.macs)))
        return details
    details = []
    if before.name != after.name:
        details.append(("renamed", f"{before.name} -> {after.name}"))
    if before.class_name != after.class_name:
        details.append(("class", f"{before.class_name} -> {after.class_name}"))
    if before.formula != after.formula or before.params != after.params:
        details.append(
            ("params", f"{before.formula or '0'} = {before.params} -> {after.formula or '0'} = {after.params}")
        )
    if before.output_shape != after.output_shape:
        details.append(("shape", _before_after(format_shape(before.output_shape), format_shape(after.output_shape))))
    if before.macs != after.macs:
        details.append(("macs", f"{_count(before.macs)} -> {_count(after.macs)} ({_signed(row.macs_delta)})"))
    return details


def _totals_lines(model_diff: ModelDiff) -> list[str]:
    params = (
        f"Params: {model_diff.params_before:,} -> {model_diff.params_after:,} "
        f"({model_diff.params_delta:+,}{_percent(model_diff.params_delta, model_diff.params_before)})"
    )
    macs = (
        f"Mult-adds: {model_diff.macs_before:,} -> {model_diff.macs_after:,} "
        f"({model_diff.macs_delta:+,}{_percent(model_diff.macs_delta, model_diff.macs_before)}) per sample"
    )
    counts = {status: sum(1 for row in model_diff.rows if row.status == status) for status in MARKS}
    layers = ", ".join(f"{counts[status]} {status}" for status in (ADDED, REMOVED, CHANGED, UNCHANGED))
    return [params, macs, f"Layers: {layers}"]


def _wrap(text: str, width: int, indent: str) -> list[str]:
    """Wrap at spaces, keeping arithmetic like ``(1024+1)*256`` whole."""
    return textwrap.wrap(
        text,
        width=max(width, len(indent) + 20),
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent]


def _side_dict(side: Optional[LayerSide]) -> Optional[dict[str, Any]]:
    if side is None:
        return None
    return {
        "name": side.name,
        "class_name": side.class_name,
        "params": side.params,
        "macs": side.macs,
        "output_shape": _plain(side.output_shape),
        "formula": side.formula,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(part) for part in value]
    return value


def diff_to_dict(model_diff: ModelDiff) -> dict[str, Any]:
    """Plain JSON types: every row (before/after sides, deltas, changed fields) and the totals."""
    return {
        "before": model_diff.before_name,
        "after": model_diff.after_name,
        "params_before": model_diff.params_before,
        "params_after": model_diff.params_after,
        "params_delta": model_diff.params_delta,
        "macs_before": model_diff.macs_before,
        "macs_after": model_diff.macs_after,
        "macs_delta": model_diff.macs_delta,
        "layers": [
            {
                "status": row.status,
                "name": row.name,
                "renamed": row.renamed,
                "changed_fields": list(row.changed_fields) if row.status != UNCHANGED else [],
                "params_delta": row.params_delta,
                "macs_delta": row.macs_delta,
                "before": _side_dict(row.before),
                "after": _side_dict(row.after),
            }
            for row in model_diff.rows
        ],
    }


def render_markdown(model_diff: ModelDiff, show_unchanged: bool = False) -> str:
    """A GitHub-flavoured Markdown table of the changed rows (all with ``show_unchanged``), totals under it."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    header = "| | Layer | Class | Params | Δ params | MACs | Output shape | Formula |"
    lines = [f"**{cell(model_diff.before_name)} -> {cell(model_diff.after_name)}**", "", header]
    lines.append("|---|---|---|---:|---:|---:|---|---|")
    for row in model_diff.rows:
        if row.status == UNCHANGED and not show_unchanged:
            continue
        before, after = row.before, row.after
        name = _before_after(before.name, after.name) if before and after else row.name
        lines.append(
            "| "
            + " | ".join(
                [
                    MARKS[row.status].strip() or "=",
                    cell(name),
                    cell(_both(row, "class_name", str)),
                    cell(_both(row, "params", _count)),
                    _signed(row.params_delta),
                    cell(_both(row, "macs", _count)),
                    cell(_both(row, "output_shape", format_shape)),
                    cell(_both(row, "formula", lambda text: f"`{text}`" if text else "")),
                ]
            )
            + " |"
        )
    lines.append("")
    lines.append("  \n".join(_totals_lines(model_diff)))  # two spaces: a Markdown line break
    return "\n".join(lines)


def _both(row: LayerChange, attribute: str, show: Any) -> str:
    """One field as a table cell: its value once for an added or removed row, else ``before -> after``."""
    old = show(getattr(row.before, attribute)) if row.before else ""
    new = show(getattr(row.after, attribute)) if row.after else ""
    if row.before is None:
        return new
    if row.after is None:
        return old
    return _before_after(old, new)


# ---------------------------------------------------------------- command line

EXIT_OK, EXIT_GREW, EXIT_BAD_INPUT = 0, 1, 2


def build_diff_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ascii-explain diff",
        description="Show what changed between two models, layer by layer: parameters, mult-adds, "
        "output shapes and formulas before -> after.",
        epilog="Exit status: 0 compared; 1 parameters grew by more than --fail-on-growth; 2 bad input.",
    )
    parser.add_argument("before", metavar="A", help="the model before: a .keras/.h5 file or module:callable")
    parser.add_argument("after", metavar="B", help="the model after: a .keras/.h5 file or module:callable")
    parser.add_argument(
        "--fail-on-growth",
        type=_percent_argument,
        metavar="PERCENT",
        help="exit 1 when B has more than PERCENT%% more parameters than A (for CI)",
    )
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--width", type=int, default=100, metavar="N", help="text width in columns (default: 100)")
    parser.add_argument("--show-unchanged", action="store_true", help="also list the layers that did not change")
    parser.add_argument(
        "--custom", action="append", default=[], metavar="MODULE", help="import MODULE first (custom layers)"
    )
    return parser


def diff_main(argv: Optional[Sequence[str]] = None) -> int:
    """``ascii-explain diff A B``: print the diff; the exit status says whether the parameters grew too much."""
    from .loading import InputError

    args = build_diff_parser().parse_args(argv)
    try:
        before, after = _load_model(args.before, args.custom), _load_model(args.after, [])
    except InputError as error:
        print(f"ascii-explain diff: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    model_diff = diff(before, after)
    if args.format == "json":
        text = model_diff.to_json()
    elif args.format == "markdown":
        text = model_diff.to_markdown(show_unchanged=args.show_unchanged)
    else:
        text = model_diff.to_text(width=args.width, show_unchanged=args.show_unchanged)
    sys.stdout.write(text + "\n")
    if args.fail_on_growth is not None and model_diff.params_growth_percent > args.fail_on_growth:
        print(
            f"ascii-explain diff: parameters grew {_growth_words(model_diff)}, "
            f"more than --fail-on-growth {args.fail_on_growth:g}%",
            file=sys.stderr,
        )
        return EXIT_GREW
    return EXIT_OK


def _growth_words(model_diff: ModelDiff) -> str:
    growth = model_diff.params_growth_percent
    share = "from none" if growth == float("inf") else f"{growth:.2f}%"
    return f"{share} ({model_diff.params_before:,} -> {model_diff.params_after:,})"


def _load_model(spec: str, custom_modules: Sequence[str]) -> Any:
    """A model from a file or ``module:callable`` with the CLI's own loader (``ascii_explain.loading``)."""
    from .loading import call_model_factory, check_model_file, import_user_module, is_callable_spec, load_model_file

    for module in custom_modules:
        import_user_module(module, what=f"--custom {module}")
    if is_callable_spec(spec):
        return call_model_factory(spec)
    return load_model_file(check_model_file(spec), spec)


def _percent_argument(value: str) -> float:
    try:
        number = float(value.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a percentage") from None
    if number < 0 or number != number:
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 or more")
    return number
