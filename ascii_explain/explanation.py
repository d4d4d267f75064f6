"""The Explanation: a model's layer records and totals, displayable in several ways."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

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
        return [record for record in self.layers if record.depth == 0]

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

    def render(
        self,
        width: Optional[int] = None,
        ascii_only: Optional[bool] = None,
        *,
        show_trainable: bool = False,
        layer_range: Optional[Sequence[str]] = None,
    ) -> str:
        """The diagram as text, ``width`` columns wide (default 100).

        ``show_trainable`` adds a TRAINABLE column; ``layer_range=(first, last)``
        draws only those layers (names or regular expressions, both inclusive,
        as in ``keras.Model.summary``).
        """
        from .render.text import render_text

        return render_text(
            self,
            width=width if width is not None else (self.width or 100),
            ascii_only=self.ascii_only if ascii_only is None else ascii_only,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    # Views over the same records, in ascii_explain/export.py (imported when first used).

    def to_dict(self) -> dict[str, Any]:
        """Every record field and the totals as plain JSON types (lists, not tuples)."""
        from .export import to_dict

        return to_dict(self)

    def to_json(self, **kwargs: Any) -> str:
        """``to_dict()`` as JSON: sorted keys, indent 2; ``kwargs`` go to ``json.dumps``."""
        from .export import to_json

        return to_json(self, **kwargs)

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table with the totals under it."""
        from .export import to_markdown

        return to_markdown(self)

    def table(self, fmt: str = "github") -> str:
        """The layers as a table in any ``tabulate`` format ("github", "grid", "latex", "html", ...)."""
        from .export import to_table

        return to_table(self, fmt)

    def to_html(self) -> str:
        """An HTML table: the diagram's columns, the arithmetic, mismatches and fallbacks highlighted."""
        from .export import to_html

        return to_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows the HTML table, a console the diagram; no IPython import needed."""
        return {"text/plain": str(self), "text/html": self.to_html()}

    def __rich__(self) -> Any:
        """``rich.print(e)`` prints the diagram with colour (rich imported only here)."""
        from .render.colour import coloured

        return coloured(self.render())

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return (
            f"<Explanation of {self.model_class} {self.model_name!r}: {len(self.layers)} layers, "
            f"{self.total_params:,} params, {len(self.mismatches)} mismatches, {len(self.fallbacks)} fallbacks>"
        )
