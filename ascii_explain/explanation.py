"""The Explanation: a model's layer records and totals, displayable in several ways."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .records import LayerRecord, Shape


@dataclass
class Explanation:
    """What ``explain(model)`` returns. ``str(e)`` is the diagram."""

    model_name: str
    model_class: str
    layers: list[LayerRecord]
    input_shapes: list[Shape]
    keras_total_params: int
    keras_trainable_params: int
    keras_non_trainable_params: int
    width: Optional[int] = None
    ascii_only: bool = False
    extra: dict = field(default_factory=dict)
    # Graph-shaped models (issue 4): "functional", "sequential", "subclassed"
    # or "layer"; the names of the layers producing the model's inputs and outputs.
    model_kind: str = ""
    input_names: list[str] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)

    @property
    def total_params(self) -> int:
        """Sum of our formulas over the top-level records (each layer once)."""
        return sum(record.params for record in self.top_level)

    @property
    def trainable_params(self) -> int:
        return sum(record.trainable_params for record in self.top_level)

    @property
    def non_trainable_params(self) -> int:
        return sum(record.non_trainable_params for record in self.top_level)

    @property
    def top_level(self) -> list[LayerRecord]:
        """The rows the totals add up: depth 0, each weight once (see ``LayerRecord.counted_in``)."""
        return [record for record in self.layers if record.depth == 0 and not record.counted_in]

    @property
    def mismatches(self) -> list[LayerRecord]:
        """Records whose formula disagrees with ``layer.count_params()``."""
        return [record for record in self.layers if not record.matches]

    @property
    def fallbacks(self) -> list[LayerRecord]:
        """Records counted from weight shapes because no formula is registered."""
        return [record for record in self.layers if record.is_fallback]

    @property
    def totals_match(self) -> bool:
        """Our totals equal Keras's own, split by trainable and non-trainable."""
        return (
            self.total_params == self.keras_total_params
            and self.trainable_params == self.keras_trainable_params
            and self.non_trainable_params == self.keras_non_trainable_params
        )

    def layer(self, name: str) -> LayerRecord:
        """The record of the layer called ``name``."""
        for record in self.layers:
            if record.name == name:
                return record
        raise KeyError(f"no layer named {name!r}; layers: {', '.join(r.name for r in self.layers)}")

    def render(self, width: Optional[int] = None, ascii_only: Optional[bool] = None) -> str:
        """The diagram as text, ``width`` columns wide (default 100)."""
        from .render.text import render_text

        return render_text(
            self,
            width=width if width is not None else (self.width or 100),
            ascii_only=self.ascii_only if ascii_only is None else ascii_only,
        )

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return (
            f"<Explanation of {self.model_class} {self.model_name!r}: {len(self.layers)} layers, "
            f"{self.total_params:,} params, {len(self.mismatches)} mismatches, {len(self.fallbacks)} fallbacks>"
        )
