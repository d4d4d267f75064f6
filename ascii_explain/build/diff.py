"""What changed between two versions of a model: one row per layer, before -> after (data and pairing).

``diff_explanations(before, after)`` pairs the top-level records of two
Explanations (``ascii_explain.diff.diff`` explains models, files and the like
first):

1. by name: a layer called ``dense_1`` in both is the same layer;
2. then by position: the layers left over on each side are aligned in order
   by class (``difflib.SequenceMatcher`` over their class names), so a layer
   renamed in place pairs with its old self; what stays unpaired was added
   (only in ``b``) or removed (only in ``a``).

A paired row is ``changed`` when its name, class, parameters, mult-adds,
output shape or formula differ, else ``unchanged``. Records are numbers and
plain strings; the views over them (``views/diff_text.py``, ``views/diff_json.py``,
``views/diff_markdown.py``) are the methods of ``ascii_explain.diff.ModelDiff``,
so nothing here imports a view.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .records import LayerRecord

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
    def of(cls, record: LayerRecord) -> LayerSide:
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
class DiffRows:
    """Every layer of two models paired, and the whole models' parameters and mult-adds before -> after.

    The data only: ``ascii_explain.diff.ModelDiff`` adds the views.
    """

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


# ---------------------------------------------------------------- pairing


def diff_explanations(before: Any, after: Any) -> DiffRows:
    """The layer-by-layer difference from one Explanation to another (their top-level rows)."""
    rows = pair_layers([LayerSide.of(r) for r in before.top_level], [LayerSide.of(r) for r in after.top_level])
    return DiffRows(
        before_name=before.model_name,
        after_name=after.model_name,
        rows=tuple(rows),
        params_before=before.total_params,
        params_after=after.total_params,
        macs_before=before.total_macs,
        macs_after=after.total_macs,
    )


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
