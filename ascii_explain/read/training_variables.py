"""The weights a training plan counts, from the facts the reader already read: no second walk of the model.

``training_variables(facts.weight_holders)`` lists every weight of the model
once as :class:`VariableFacts`, with the top-level layer that holds it and
whether it trains, from :class:`read.facts.WeightHolders` (the reader's own
:class:`read.facts.WeightFacts`, issue 20: "one walk of the weights"). It is
pure: the plan may be made long after ``explain()`` returned, when the model
has changed or is gone (``build/lazy_training.py``), and must be the plan of
the model as it was read.

It gives what walking the model gave (``read/training.py`` before issue 20,
checked against that walk in ``tests/test_lazy_training.py``):

* each weight once, under the first top-level layer holding it in
  ``model.layers`` order, and under the model's name for the weights no layer
  of that list holds (a subclassed model's ``add_weight``);
* ``trainable`` exactly as membership of ``model.trainable_weights``: in Keras
  3 (``Layer.trainable_weights``, 3.15.1) the model trains and the variable's
  own flag is set (``layer.trainable = False`` sets its variables' flags, so a
  frozen layer inside a trainable model, or a frozen nested model, has none);
  for tf_keras, whose list leaves out a frozen sublayer's weights whatever
  their flags, the ids the reader took from that list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import keras

from ..build.records import Shape
from .facts import WeightHolders


@dataclass(frozen=True)
class VariableFacts:
    """One weight of the model, once: who holds it, and what a gradient or a stand-in of it needs."""

    owner: str  # the top-level layer holding it (or the model's name for its own weights)
    path: str
    shape: Shape
    dtype: str
    trainable: bool  # in the model's trainable_variables: it gets a gradient and optimizer slots
    overwrite_with_gradient: bool = False

    @property
    def elements(self) -> int:
        elements = 1
        for dim in self.shape:
            elements *= int(dim or 0)
        return elements


def training_variables(weights: WeightHolders) -> tuple[VariableFacts, ...]:
    """Every weight once, under the first top-level layer holding it; the model's own weights under its name."""
    trainable_ids: Optional[frozenset[int]] = weights.trainable_ids
    seen: set[int] = set()
    dtypes: dict[str, str] = {}  # as the walk read them: Keras's standard name of each variable's dtype
    result: list[VariableFacts] = []
    for owner, held in weights.holders:
        for weight in held:
            if weight.id in seen:
                continue
            seen.add(weight.id)
            if trainable_ids is not None:
                trains = weight.id in trainable_ids
            else:
                trains = weights.model_trainable and weight.created_trainable
            dtype = dtypes.get(weight.dtype)
            if dtype is None:
                dtype = dtypes[weight.dtype] = str(keras.backend.standardize_dtype(weight.dtype))
            result.append(
                VariableFacts(
                    owner=owner,
                    path=weight.variable_path,
                    shape=weight.shape,
                    dtype=dtype,
                    trainable=trains,
                    overwrite_with_gradient=weight.overwrite_with_gradient,
                )
            )
    return tuple(result)
