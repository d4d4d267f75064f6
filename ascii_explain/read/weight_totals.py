"""What a reader totals for a model: its inputs' shapes and bytes, and Keras's weight and optimizer counts.

A mixin of :class:`read.reader.Reader` (the same for Keras 3 and tf_keras): the
headline numbers keras.Model.summary prints, read as Keras reads them.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from ..build.records import Shape
from .dtypes import dtype_bits
from .facts import KerasTotals, WeightFacts, WeightTotal
from .shape_values import as_shape, shape_size, variable_shape


class WeightTotalsReader:
    """The model-level counts of a reader; ``dtype_name`` and ``given_inputs`` come from the reader."""

    given_inputs: Optional[dict[str, Shape]] = None

    def dtype_name(self, dtype: Any) -> str:
        return str(dtype)

    def model_input_shapes(self, model: Any) -> list[Shape]:
        """Shapes of the model's inputs (the given ones with input_shape), batch axis included; [] when unknown."""
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            return []
        given = self.given_inputs or {}
        return [given.get(str(tensor.name)) or as_shape(tensor.shape) for tensor in inputs or []]

    def input_sample_bytes(self, model: Any) -> Optional[int]:
        """Bytes of one sample of the model's symbolic inputs; None when unknown."""
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            return None
        if not inputs:
            return None
        bits = 0
        given = self.given_inputs or {}
        for tensor in inputs:
            size = 1
            for dim in (given.get(str(tensor.name)) or tensor.shape)[1:]:
                if dim is None:
                    return None
                size *= int(dim)
            element_bits = dtype_bits(tensor.dtype)
            if element_bits is None:  # a string input: no fixed size
                return None
            bits += size * element_bits
        return -(-bits // 8)

    def param_counts(self, model: Any) -> tuple[int, int, int]:
        """Keras's own (total, trainable, non-trainable), each weight counted once (optimizer not included)."""
        totals = self.weight_totals(model)
        trainable, non_trainable = totals.trainable.count, totals.non_trainable.count
        return trainable + non_trainable, trainable, non_trainable

    def weight_totals(self, model: Any) -> KerasTotals:
        """What keras.Model.summary totals: trainable and non-trainable weights (count and bytes), and the optimizer's.

        One walk of ``model.weights`` split the way ``Layer.trainable_weights``
        and ``non_trainable_weights`` split it (keras/src/layers/layer.py, checked
        on 3.15.1: a frozen model has no trainable weights, otherwise each
        variable's own flag decides); asking for both lists walks every layer twice.
        Sizes are each variable's dtype bits / 8, as ``summary_utils.weight_memory_size``.
        """
        weights = (
            (id(variable), variable_shape(variable), bool(variable.trainable), self.dtype_name(variable.dtype))
            for variable in model.weights
        )
        return self._totals(model, weights)

    def weight_totals_of(self, model: Any, weights: Iterable[WeightFacts]) -> KerasTotals:
        """``weight_totals`` from the weights the reader already read (the rows' ``WeightFacts``, each once
        by id), so explaining walks the weights once (issue 20): the rows hold every weight of ``model.weights``
        (a model's own ``add_weight`` ones in their own row, ``Reader.outside_graph_entries``)."""
        return self._totals(model, ((w.id, w.shape, w.created_trainable, w.dtype) for w in weights))

    def _totals(self, model: Any, weights: Iterable[tuple[int, Shape, bool, str]]) -> KerasTotals:
        """Each weight ``(id, shape, its own trainable flag, dtype name)`` once, on its side of the split."""
        seen: set[int] = set()
        counts = [0, 0]  # trainable, non-trainable
        bits = [0, 0]
        model_trainable = bool(model.trainable)
        for key, shape, trainable, dtype in weights:
            if key in seen:
                continue
            seen.add(key)
            size = shape_size(shape)
            side = 0 if model_trainable and trainable else 1
            counts[side] += size
            bits[side] += size * (dtype_bits(dtype) or 0)  # a string weight: no fixed size
        return KerasTotals(
            trainable=WeightTotal(counts[0], bits[0] / 8),
            non_trainable=WeightTotal(counts[1], bits[1] / 8),
            optimizer=self.optimizer_total(model),
        )

    def optimizer_total(self, model: Any) -> Optional[WeightTotal]:
        """The compiled optimizer's variables (slots, iterations, ...), or None before it is built.

        Keras 3.15.1's summary counts them only when ``model.compiled and
        model.optimizer and model.optimizer.built``; the count sums every
        variable, the size counts each variable once (``summary_utils.print_summary``).
        """
        optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None
        if optimizer is None or not getattr(optimizer, "built", False):
            return None
        variables = list(optimizer.variables)
        count = sum(shape_size(variable_shape(variable)) for variable in variables)
        unique = {id(variable): variable for variable in variables}.values()
        bits = sum(
            shape_size(variable_shape(variable)) * (dtype_bits(self.dtype_name(variable.dtype)) or 0)
            for variable in unique
        )
        return WeightTotal(count, bits / 8)
