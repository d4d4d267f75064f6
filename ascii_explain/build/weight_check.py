"""A formula's terms checked one by one against the layer's real weights (names and sizes).

A formula names its terms after Keras's weights ("kernel", "query/bias"); a
weight's ``path`` below its layer says where it sits ("query/bias",
"lstm_cell/kernel"). A term is paired with the first unpaired weight whose path
is the term's name, or ends with "/" + the name. Used when a formula disagrees
with Keras's count: an inherited formula (``failures.is_inherited``) then
follows the real weights, and the differences are listed on the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..arithmetic import evaluate, product
from ..layers import FormulaTerm
from ..read.facts import WeightFacts


@dataclass(frozen=True)
class WeightCheck:
    """The terms as the real weights have them, and what differed from the formula."""

    terms: tuple[FormulaTerm, ...]
    differences: tuple[str, ...]


def _pair(term: FormulaTerm, weights: Sequence[WeightFacts], used: set[int]) -> Optional[int]:
    for exact in (True, False):
        for index, weight in enumerate(weights):
            if index in used:
                continue
            path = weight.path or weight.name
            if path == term.name if exact else path.endswith("/" + term.name):
                return index
    return None


def check_terms(terms: Sequence[FormulaTerm], weights: Sequence[WeightFacts], formula_owner: str) -> WeightCheck:
    """Pair terms with weights; the result's terms follow the weights (the formula's arithmetic where it agrees).

    ``formula_owner`` names whose formula it is ("MultiHeadAttention"), for the differences' words.
    """
    used: set[int] = set()
    paired: dict[int, FormulaTerm] = {}
    differences = []
    for term in terms:
        index = _pair(term, weights, used)
        if index is None:
            differences.append(f"{term.name} {term.expression} in {formula_owner}'s formula: no such weight")
            continue
        used.add(index)
        size = product(weights[index].shape)
        if evaluate(term.expression) != evaluate(size):
            differences.append(
                f"{term.name}: {formula_owner}'s formula {term.expression}, the weight {size} "
                f"({'x'.join(str(dim) for dim in weights[index].shape) or 'scalar'})"
            )
            continue
        paired[index] = term
    followed = []
    for index, weight in enumerate(weights):
        if index in paired:
            followed.append(paired[index])
            continue
        path = weight.path or weight.name
        if index not in used:
            differences.append(f"{path} {product(weight.shape)}: a weight {formula_owner}'s formula does not have")
        followed.append(FormulaTerm(path, product(weight.shape), trainable=weight.created_trainable))
    return WeightCheck(tuple(followed), tuple(differences))
