"""The training plan of an explanation, made the first time someone asks for it, from what was read then.

Issue 20 ("speed", item 1): the training memory plan
(``build/training_memory.py``) and the training step's mult-adds
(``build/training_macs.py``) took a tenth of ``str(explain(m))`` on
ResNet50V2, DenseNet121 and EfficientNetB0, and no view shows them unless an
optimizer, a dtype policy, ``training=True`` or ``recompute`` is given (or the
model is compiled). :class:`TrainingPlan` holds what the plan is made of and
makes it once, on the first read of ``Explanation.training_memory``,
``Explanation.training_macs`` or any record's planned field
(``gradient_bytes``, ``optimizer_bytes``, ``activation_bytes``,
``backward_macs``, ``backward_macs_formula``: ``build/planned_fields.py``),
which every view reading them (JSON, HTML, text) does through the ordinary
attribute. ``explain`` makes it at once when one of those options is given.

It must not read the model again: an explanation is a snapshot of the model
as ``explain()`` read it, and the user may freeze a layer, change the model or
delete it before the plan is first read. So everything the plan needs from
Keras is read by ``explain`` itself, cheaply: the weights come from the
reader's one walk (``ModelFacts.weight_holders``, turned into the plan's
variables by the pure ``read/training_variables.py``), the policy and the
optimizer from ``read/training.py: read_training_options``; the rest is the
explanation's own records. Made later or at once, the plan is the same numbers
(``tests/test_lazy_training.py``).

While the plan waits, the explanation and its records hold it and it holds
them (a record read on its own, the explanation gone, still needs the other
rows), so an explanation dropped unplanned is freed by Python's cycle
collector rather than at once; once made, nothing holds the plan.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from ..read.facts import WeightHolders
from ..read.training import TrainingFacts, TrainingOptions, training_facts
from ..read.training_variables import training_variables
from .planned_fields import PENDING
from .records import LayerRecord, called_rows, calls_counted
from .training_macs import plan_training_macs
from .training_memory import plan_training_memory

# The fields the plan sets: on each record, and on the explanation.
RECORD_FIELDS = ("gradient_bytes", "optimizer_bytes", "activation_bytes", "backward_macs", "backward_macs_formula")
EXPLANATION_FIELDS = ("training_memory", "training_macs")


class TrainingPlan:
    """What an explanation's training plan is made of, and the plan made once (``make``).

    ``records`` are the explanation's rows; ``weights`` and ``options`` what
    ``explain`` read for it, or ``training`` the facts already put together
    (with an optimizer: its variables are built at once, while the model is
    there to keep unallocated). No Keras object is held.
    """

    def __init__(
        self,
        records: Sequence[LayerRecord],
        weights: WeightHolders,
        options: TrainingOptions,
        output_dtypes: dict[str, Optional[tuple[str, ...]]],
        batch_size: int,
        recompute: Optional[str],
        training: Optional[TrainingFacts] = None,
    ) -> None:
        self.records = list(records)
        # The rows the plan adds up, chosen as explain() built them.
        self.top_level = [record for record in self.records if record.depth == 0 and not record.counted_in]
        self.called = called_rows(self.records)  # the mult-adds add up every call, a row counted_in another too
        self.weights: Optional[WeightHolders] = weights
        self.options = options
        self.output_dtypes = output_dtypes
        self.batch_size = batch_size
        self.recompute = recompute
        self.training = training
        self.explanation: Any = None
        self.made = False

    @property
    def memory_shown(self) -> bool:
        """Whether the views show the memory plan (an optimizer, or a what-if policy), known before it is made."""
        return bool(self.options.optimizer_label) or self.options.what_if_variable_dtype is not None

    def attach(self, explanation: Any) -> None:
        """Mark the explanation and its records: the first read of a planned field makes the plan."""
        self.explanation = explanation
        for obj in (explanation, *self.records):
            obj.__dict__[PENDING] = _Waiting(self, obj)

    def make(self) -> None:
        """Make the plan (once): set every record's planned fields and the explanation's two plans."""
        if self.made:
            return
        marked = [obj for obj in (self.explanation, *self.records) if obj is not None]
        waiting = {id(obj): obj.__dict__.pop(PENDING, None) for obj in marked}  # reads below see the fields
        try:
            training = self.training
            if training is None:
                assert self.weights is not None
                training = training_facts(training_variables(self.weights), self.options)
            memory = plan_training_memory(
                self.top_level, training, self.output_dtypes, self.batch_size, self.recompute
            )
            macs = plan_training_macs(self.called, forward_macs(self.called), self.batch_size)
        except BaseException:
            for obj in marked:  # not made: the next read tries again (and raises again), never a silent None
                if waiting[id(obj)] is not None:
                    obj.__dict__[PENDING] = waiting[id(obj)]
            raise
        if self.explanation is not None:
            self.explanation.training_memory = memory
            self.explanation.training_macs = macs
        self.made = True
        self.weights = self.training = None  # made: what it was made of is no longer needed


class _Waiting:
    """The mark a pending object carries: its plan, and the object it was put on.

    A shallow copy of a record (``copy.copy``) carries the same mark; it is
    given the planned values of the record it was copied from.
    """

    def __init__(self, plan: TrainingPlan, original: Any) -> None:
        self.plan = plan
        self.original = original

    def settle(self, obj: Any) -> None:
        self.plan.make()
        if obj is not self.original:
            names = EXPLANATION_FIELDS if self.original is self.plan.explanation else RECORD_FIELDS
            for name in names:
                obj.__dict__[name] = self.original.__dict__.get(name)


def forward_macs(records: Sequence[LayerRecord]) -> int:
    """The forward total as ``Explanation.total_macs`` counts it: each known row times its calls."""
    return sum(record.macs * calls_counted(record) for record in records if record.macs is not None)
