"""The per-layer record: numbers, shapes and plain strings, never formatted text.

Renderers (text, HTML, JSON, ...) are views over these records; nothing here
knows how it will be displayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple, Union

from ..frozen_init import fast_frozen_init
from .planned_fields import PlannedField

Dim = Optional[int]
Shape = Tuple[Dim, ...]
# A layer with several outputs (an RNN returning states, a model with two
# heads) has a tuple of shapes.
OutputShape = Union[Shape, Tuple[Shape, ...]]

SOURCE_FORMULA = "formula"
SOURCE_WEIGHTS = "weights"

# A record's state: how its count was found, each with its own mark and words in the views
# (README, "States and marks"). ``source`` above says only where the number came from.
STATE_FORMULA = "formula"  # a registered formula explains it
STATE_WEIGHTS = "weights"  # weights, but no formula: counted from the weight shapes, nothing named them
# No formula, but each weight's dimensions matched to the config and the shapes (build/inferred.py)
STATE_INFERRED = "inferred"
STATE_NO_WEIGHTS = "no_weights"  # no formula and no weights: nothing to count (StochasticDepth, Sampling)
STATE_UNBUILT = "unbuilt"  # never built (call() never used it): no weights yet, 0 as Keras counts it
STATE_INTERNAL_ERROR = "internal_error"  # a function of ours raised on this layer: our bug
STATES = (STATE_FORMULA, STATE_INFERRED, STATE_WEIGHTS, STATE_NO_WEIGHTS, STATE_UNBUILT, STATE_INTERNAL_ERROR)


@dataclass(frozen=True)
class InternalError:
    """A function of ascii_explain that raised on a layer: our bug, never the user's.

    ``function`` is its name (``"lstm"``, ``"rnn_macs"``), ``role`` what it was
    computing (``"formula"``, ``"macs"``), ``error`` the exception's class name.
    ``detail`` is ``str(exception)`` for a bug report; no view draws it (it may
    hold anything, including text from the model).
    """

    function: str
    role: str
    error: str
    detail: str = ""


@fast_frozen_init  # made for every row (frozen_init.py)
@dataclass(frozen=True)
class Term:
    """One named part of a layer's parameters, after Keras's weight name.

    ``expression`` is plain integer arithmetic (``"3*3*3*2"``) and ``count`` is
    its value; ``trainable`` says whether Keras trains this weight.
    """

    name: str
    expression: str
    count: int
    trainable: bool = True
    # Why a non-trainable term is not trained, in words ("" for trainable terms).
    reason: str = ""
    # A composite layer's part: what the part's count is made of, in words and
    # numbers ("query 1024 + key 512 + value 512 + attention_output 1024"),
    # "" for a plain term.
    detail: str = ""


@fast_frozen_init  # made for every row (frozen_init.py)
@dataclass(frozen=True)
class Call:
    """One call of a layer in the model's graph: the layers it read and the shapes.

    ``inbound`` names the layer that produced each input tensor, in the order
    the call received them (a layer called on the same tensor twice is named twice).
    """

    inbound: Tuple[str, ...]
    input_shape: Optional[OutputShape] = None
    output_shape: Optional[OutputShape] = None
    # For each name in ``inbound``: which call of that layer produced the
    # input (1, 2, ...) when that layer is called more than once, else 0.
    inbound_calls: Tuple[int, ...] = ()


@dataclass
class LayerRecord:
    """What ascii_explain knows about one layer of a model."""

    name: str
    class_name: str
    params: int
    keras_params: int
    formula: str
    term_list: Tuple[Term, ...]
    source: str
    output_shape: Optional[OutputShape]
    input_shape: Optional[OutputShape] = None
    activation: str = ""
    depth: int = 0
    inbound: Tuple[str, ...] = ()
    calls: int = 1
    notes: Tuple[str, ...] = field(default_factory=tuple)
    # Graph-shaped models (issue 4). ``inbound`` above lists the layers this
    # layer reads from, over all its calls, each name once; ``call_list`` has
    # one entry per call in this model (a shared layer has several, and
    # ``calls == len(call_list)`` when the graph is known). ``parent`` is the
    # path of the nested model a record sits in ("" at the top level,
    # "outer/inner" two levels down); ``depth`` counts those levels.
    call_list: Tuple[Call, ...] = field(default_factory=tuple)
    parent: str = ""
    # A top-level layer whose weights an earlier top-level row already holds
    # (a layer used both inside a nested model and outside it): the name of
    # that row. Such a record is left out of the totals, as Keras counts
    # each weight once.
    counted_in: str = ""
    # Called in the traced forward, never inside its parent's calls: not part of the parent's mult-adds.
    outside_parent_calls: bool = False
    # The layer's own ``trainable`` flag, as keras.Model.summary(show_trainable=True)
    # shows it; a term's ``trainable`` says which weights train.
    trainable: bool = True
    # Multiply-accumulates for one sample (one call), and the plain integer
    # arithmetic that evaluates to it ("26*26*3*3*1*32"); None and "" when no
    # MACs function covers the layer, with the reason in macs_note.
    macs: Optional[int] = None
    macs_formula: str = ""
    macs_note: str = ""
    # ``macs`` sums all ``calls`` of the row (they do different work: SD3's DismantledBlock, pre- and
    # post-attention, read/call_units.py), so totals add it once; else it is one call's (``calls_counted``).
    macs_over_calls: bool = False
    # The backward pass (issue 24): its terms for one sample as the layer family gives them,
    # (input_grad, weight_grad, internal), plain expressions, ()
    # when unknown (backward_note says why); then backward_macs and its arithmetic, the terms the
    # model needs (build/training_macs.py: none into inputs that need no gradient, none for frozen
    # weights), set on the top-level rows.
    backward_terms: Tuple[str, ...] = ()
    backward_note: str = ""
    # (Planned fields: set when the training plan is made, on first read; build/planned_fields.py.)
    backward_macs: Optional[int] = PlannedField(None)  # type: ignore[assignment]
    backward_macs_formula: str = PlannedField("")  # type: ignore[assignment]
    # Where ``macs`` came from: "formula" (a registered MACs function, or a block's parts summed),
    # "traced" (the layer's own call traced symbolically, its contractions counted: macs_formula is
    # their sum), "" when unknown.
    macs_source: str = ""
    # A registered count's cross-check: the layer's call traced at the same shapes, its contractions
    # counted (issue 21). None when no traced forward ran (explain(model, input_shape=...) runs one)
    # or the layer is exempt by design (recurrent loops, mixtures of experts).
    traced_macs: Optional[int] = None
    # What the layer keeps for its backward pass, for ONE sample (issue 24, build/saved_activations.py):
    # elements in ``saved_dtype`` and one-byte mask elements, with the family's arithmetic;
    # saved_elements None when no family function covers the layer (the plan then counts its
    # output once, and saved_note says so).
    saved_elements: Optional[int] = None
    saved_mask_elements: int = 0
    # (elements, mask elements) of the above that selective recomputation recomputes (attention's scores)
    saved_selective: Tuple[int, int] = (0, 0)
    saved_formula: str = ""
    saved_dtype: str = "float32"
    saved_note: str = ""
    # Output-shape arithmetic for convolution, pooling, padding, cropping,
    # upsampling and transposed convolution rows, "" for other layers:
    # shape_formula is the line a person reads ("valid: floor((16-3)/1)+1 = 14"),
    # shape_axes one expression per spatial axis, in the notation
    # ascii_explain.shapes.evaluate_shape reads (floor, ceil, max, %).
    shape_formula: str = ""
    shape_axes: Tuple[str, ...] = ()
    # Bytes of the layer's weights by each weight's dtype, as Keras's summary
    # counts them (float32 4 bytes, int8 1 byte, ...).
    param_bytes: Optional[int] = 0  # None when a weight's dtype has no fixed size (strings)
    # Bytes of the layer's output for ONE sample (elements times the output
    # dtype's size); None when a dimension is unknown.
    output_bytes: Optional[int] = None
    # The row's share of the training memory plan (``Explanation.training_memory``),
    # in bytes: gradients of its trainable weights, the optimizer variables that
    # mirror them, and its output for the batch. None on rows the plan has no
    # row for (nested rows, a row whose weights another row holds), and
    # activation_bytes None when a dimension is unknown.
    # Planned fields: set when the plan is made, on first read (build/planned_fields.py).
    gradient_bytes: Optional[int] = PlannedField(None)  # type: ignore[assignment]
    optimizer_bytes: Optional[int] = PlannedField(None)  # type: ignore[assignment]
    activation_bytes: Optional[int] = PlannedField(None)  # type: ignore[assignment]
    # One of STATES; internal_error when ``internal_errors`` is not empty.
    state: str = STATE_FORMULA
    internal_errors: Tuple[InternalError, ...] = ()
    # Parameters of this row whose weights an earlier row of the same level
    # already holds (a layer shared by two nested models): counted there, so
    # the totals leave them out. The row itself still shows them.
    duplicate_params: int = 0
    duplicate_trainable_params: int = 0
    duplicate_param_bytes: int = 0
    # A formula inherited from a base class (a keras-hub subclass of
    # MultiHeadAttention) that disagrees with the layer's real weights: the
    # terms follow the weights, and each difference is listed here, e.g.
    # "key/bias 2*16 in MultiHeadAttention's formula: no such weight".
    weight_differences: Tuple[str, ...] = ()
    # A composite layer (one tracking sublayers, no formula of its own): the
    # parts counted from weight shapes because they have no formula (a
    # sublayer's name, "inner/deeper" below it, or a weight the layer created
    # itself); the rest of the row is formula-backed. () for every other row.
    fallback_parts: Tuple[str, ...] = ()
    # Elements of keys and values ONE sample keeps in a decoder attention
    # layer's cache at the traced sequence length (a composite row: the sum of
    # its parts'), and their bytes in the weights' dtype. None when the layer
    # keeps no cache, or the length is unknown (kv_cache_note says which).
    kv_cache_elements: Optional[int] = None
    kv_cache_formula: str = ""
    kv_cache_bytes: Optional[int] = None
    kv_cache_note: str = ""
    # The layer's configuration apart from its name (and its sublayers' names),
    # as a stable string: identical consecutive blocks share it (the diagram
    # shows them once with a count). "" when the config is unknown, for a layer without sublayers,
    # and below the top level (only top-level blocks are collapsed).
    config_key: str = ""
    # A composite layer (a block: sublayers, no formula of its own): how many
    # direct sublayers it has; 0 for every other row.
    sublayer_count: int = 0
    # A composite row's mult-adds by part: (part name, its expression), in the order of
    # ``macs_formula``'s terms, so a view can label each (``macs_formula`` is their sum).
    macs_parts: Tuple[Tuple[str, str], ...] = ()
    # At an unknown sequence length (no input_shape): the mult-adds of one call
    # and the key/value cache bytes of one sample as polynomials in T
    # (``"32*T**2 + 2304*T"``, build/sequence.py), where ``macs`` and
    # ``kv_cache_bytes`` are None only because the length is unknown; "" otherwise.
    macs_in_length: str = ""
    kv_cache_bytes_in_length: str = ""
    # Where the row's weights sit when the model's graph does not reach them (issue 21, item 5):
    # "outside_graph" (a layer reachable through an attribute, never called), "own_weights" (the
    # model's own add_weight weights), "" for every row of the graph.
    placement: str = ""

    @property
    def terms(self) -> dict[str, str]:
        """Named parts after Keras's weight names, e.g. {"kernel": "3*3*3*2", "bias": "2"}."""
        return {term.name: term.expression for term in self.term_list}

    @property
    def trainable_params(self) -> int:
        return sum(term.count for term in self.term_list if term.trainable)

    @property
    def non_trainable_params(self) -> int:
        return sum(term.count for term in self.term_list if not term.trainable)

    @property
    def matches(self) -> bool:
        return self.params == self.keras_params

    @property
    def is_fallback(self) -> bool:
        """Weights counted from their shapes because no formula covers the layer (not a weightless one)."""
        return self.state == STATE_WEIGHTS

    @property
    def macs_disagree(self) -> bool:
        """The registered MACs function and the traced call count differently: a MACs formula to fix."""
        return self.traced_macs is not None and self.macs is not None and self.traced_macs != self.macs

    @property
    def is_inferred(self) -> bool:
        """No formula, but every weight's dimensions named from the config and shapes: a fact, not a problem."""
        return self.state == STATE_INFERRED

    @property
    def unique_params(self) -> int:
        """The parameters this row adds to the totals: its own, less those an earlier row holds."""
        return self.params - self.duplicate_params

    @property
    def neurons(self) -> Optional[int]:
        """Units in the output: the product of the output shape without the batch axis.

        A layer with several outputs counts them all; an unknown dimension
        (``None`` beyond the batch axis) makes the count unknown (``None``).
        """
        return neurons_of(self.output_shape)


def calls_counted(record: LayerRecord) -> int:
    """How many times the row's ``macs`` (and backward mult-adds) add to a total: its calls, or once when
    ``macs`` already sums them."""
    return 1 if record.macs_over_calls else max(record.calls, 1)


def neurons_of(shape: Optional[OutputShape]) -> Optional[int]:
    if shape is None:
        return None
    if shape and all(isinstance(part, tuple) for part in shape):
        counts = [neurons_of(part) for part in shape]  # type: ignore[arg-type]
        if any(count is None for count in counts):
            return None
        return sum(count for count in counts if count is not None)
    units = 1
    for dim in shape[1:]:
        if dim is None:
            return None
        units *= int(dim)  # type: ignore[arg-type]
    return units


def called_rows(records: Sequence[LayerRecord]) -> list[LayerRecord]:
    """Depth-0 rows, each call once: what mult-adds add up (``counted_in`` rows too: their weights are
    counted elsewhere, but they compute)."""
    return [record for record in records if record.depth == 0]
