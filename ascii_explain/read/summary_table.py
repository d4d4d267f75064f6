"""keras.Model.summary's own table, read as facts: for a model ``explain`` cannot read yet (layers unbuilt).

``summary()`` must never raise where Keras's summary does not (issue 16).
Keras summarises an unbuilt model: each layer with ``0 (unbuilt)`` and shape
``?``, built ones with their count and the shape Keras knows. This module
reads those rows the way Keras 3.15.1's ``summary_utils.print_summary`` does
(which layers, in which order, nested ones under ``expand_nested``), so the
drop-in can print them with the totals in Keras's words. Everything here
only reads the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..build.records import OutputShape
from .facts import KerasTotals
from .model import open_reader_unchecked, unbuilt_paths


@dataclass(frozen=True)
class SummaryRow:
    """One row of keras.Model.summary's table."""

    name: str
    class_name: str
    built: bool
    params: int  # count_params() of a built layer; 0 for an unbuilt one ("0 (unbuilt)")
    output_shape: Optional[OutputShape]  # None: "?"
    trainable: str  # "Y", "N", or "-" for a layer without weights (the Trainable column)
    depth: int = 0  # nesting under expand_nested


@dataclass(frozen=True)
class SummaryTable:
    name: str
    class_name: str
    rows: tuple[SummaryRow, ...]
    totals: KerasTotals
    # Paths ("model/inner/dense") of the layers that are not built.
    unbuilt: tuple[str, ...]


def read_summary_table(model: Any, expand_nested: bool = False) -> SummaryTable:
    """The rows keras.Model.summary prints for ``model`` (built or not), and its totals."""
    reader = open_reader_unchecked(model)
    rows: list[SummaryRow] = []

    def add(layer: Any, depth: int) -> None:
        built = bool(getattr(layer, "built", False))
        weights = list(getattr(layer, "weights", None) or []) if built else []
        rows.append(
            SummaryRow(
                name=str(layer.name),
                class_name=type(layer).__name__,
                built=built,
                params=int(layer.count_params()) if built and hasattr(layer, "count_params") else 0,
                output_shape=reader.summary_output_shape(layer) if built else None,
                trainable=("Y" if layer.trainable else "N") if weights else "-",
                depth=depth,
            )
        )
        inner = getattr(layer, "layers", None) if expand_nested else None
        for sublayer in inner or []:
            add(sublayer, depth + 1)

    for layer in reader.summary_layers(model):
        add(layer, 0)
    return SummaryTable(
        name=str(model.name),
        class_name=type(model).__name__,
        rows=tuple(rows),
        totals=reader.weight_totals(model),
        unbuilt=tuple(unbuilt_paths(model, reader)),
    )
