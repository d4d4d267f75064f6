"""Plain facts read from a Keras model: what ``build/`` turns into records, with no Keras object inside.

A reader (``read/reader.py``) reads each layer once into a :class:`LayerFacts`
and the model into a :class:`ModelFacts`; from there on nothing holds a
layer. The one exception is ``LayerFacts.layer_class``: the class itself,
because the formula, mult-add and shape registries look classes up along
their MRO (a user's subclass of Dense finds Dense's formula).

Calls and shapes use ``build.records``' types (``Call``, ``Shape``,
``OutputShape``): the reader produces the same ``Call`` objects the records
carry, so nothing has to copy them. ``build/records.py`` imports nothing of
the package but ``build/planned_fields.py``, which imports nothing, so this
creates no cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..build.records import Call, OutputShape, Shape
from ..frozen_init import fast_frozen_init

KIND_FUNCTIONAL = "functional"
KIND_SEQUENTIAL = "sequential"
KIND_SUBCLASSED = "subclassed"
KIND_LAYER = "layer"

OUTSIDE_GRAPH = "outside_graph"
OWN_WEIGHTS = "own_weights"


@fast_frozen_init  # made for every weight read (frozen_init.py)
@dataclass(frozen=True)
class WeightFacts:
    """One weight (variable) of a layer, as Keras 3 names it (``"kernel"``, never ``"dense/kernel:0"``)."""

    name: str
    shape: Shape
    dtype: str
    # Keras's own flag: the variable trains AND its layer is not frozen.
    trainable: bool
    # id() of the variable: which layers share a weight (a layer used inside
    # and outside a nested model), and which weights a container creates itself.
    id: int
    # Where the weight sits below its layer ("query/kernel" in MultiHeadAttention,
    # "lstm_cell/kernel" in LSTM): what an inherited formula's terms are checked against.
    path: str = ""
    # The variable's own flag, whatever its layer's: False for a weight created
    # non-trainable (BatchNormalization's moving statistics, add_weight(trainable=False)).
    created_trainable: bool = True
    # Keras's whole path of the variable ("block/query/kernel"; tf_keras: its name without ":0"),
    # and its overwrite_with_gradient flag: what the training plan's optimizer stand-ins are made of.
    variable_path: str = ""
    overwrite_with_gradient: bool = False


@fast_frozen_init  # made for every layer read (frozen_init.py)
@dataclass(frozen=True)
class LayerFacts:
    """Everything one layer's row needs, read once.

    Formulas, mult-adds, shape arithmetic and bytes all need the config, the
    build shape and the first call's shapes; reading them once per layer keeps
    ``get_config()`` (the costliest read: it serializes every initializer and
    regularizer) and the graph-node lookups to one each.
    """

    name: str
    # The class itself, for the registries' MRO lookup; class_name for display.
    layer_class: type
    class_name: str
    # ``get_config()`` (a Keras 2 config already in Keras 3's form), or None when it failed; read in
    # ``read_model``, its initializers, regularizers and constraints are class names only (read/light_config.py).
    config: Optional[dict[str, Any]] = None
    # The shape(s) ``build`` received, as a formula expects them (a tuple, a
    # dict of shapes for several build arguments, or None).
    build_shape: Any = None
    # Shapes and dtypes of the layer's first call anywhere (None outside a symbolic graph).
    input_shape: Optional[OutputShape] = None
    output_shape: Optional[OutputShape] = None
    output_dtypes: Optional[tuple[str, ...]] = None
    weights: tuple[WeightFacts, ...] = ()
    keras_params: int = 0
    trainable: bool = True
    # False for a layer never built (a sublayer call() never used): no weights, 0 as Keras counts it.
    built: bool = True
    # The activation shown on the data row: "" for none or linear.
    activation: str = ""
    is_model: bool = False
    # A class Keras itself defines (its sublayers are internals, never rows).
    is_keras_builtin: bool = False
    # A keras.ops call in a Functional graph (``x + y`` on KerasTensors), not a layer.
    is_operation: bool = False
    # One Call per time the layer is called in the model being read, in
    # Keras's call order. Empty for a subclassed model's sublayers: Keras
    # records no graph for a model called on data, so what reads what is unknown.
    calls: tuple[Call, ...] = ()
    # Formula term names that this layer's Keras gives its weights under
    # another name ({} for Keras 3; tf_keras's DepthwiseConv2D says depthwise_kernel).
    term_renames: dict[str, str] = field(default_factory=dict)
    # ``{name: get_config()}`` of the direct sublayers (attention projections),
    # for formulas that declare a ``sublayers`` keyword.
    sublayer_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Full facts of the direct sublayers, for a layer that Keras does not
    # define (it may be a container: one row summing its sublayers' rows).
    # Keras's own layers' sublayers are internals and are not read.
    sublayers: tuple[LayerFacts, ...] = ()
    has_sublayers: bool = False
    # ids of the weights that direct sublayers hold: the rest the layer created itself.
    held_weight_ids: frozenset[int] = frozenset()
    # A model used as a layer: its own graph (InputLayer included) ...
    graph: Optional[GraphFacts] = None
    # ... and its layers in Keras's ``model.layers`` order (its mult-adds add up in this order).
    model_layers: tuple[LayerFacts, ...] = ()
    # Outside any symbolic graph (a subclassed model's layer, a lone layer):
    # the output shape ``compute_output_shape`` gives, where Keras knows it.
    computed_output_shape: Optional[OutputShape] = None
    # ``explain(model, input_shape=...)``: the shapes of the layer's first call
    # in the traced forward, by argument name (None when not traced or never called) ...
    call_arguments: Optional[dict[str, Any]] = None
    # ... and how many times a sublayer runs per call of its parent (a shared block: more than 1) ...
    repeats: int = 1
    # ... whose traced calls there do different work (SD3's DismantledBlock, pre- and post-attention):
    # ``traced_macs`` then sums those ``repeats`` calls' own contractions, and its mult-adds count
    # them all once, not ``repeats`` times the first (its sublayers' repeats are per those calls).
    calls_differ: bool = False
    # ... and its rows per sample of the model (read/call_shapes.py, ``CallShapes.samples``): more than 1
    # when windows or heads are folded into the batch axis before the layer; its mult-adds are per row.
    samples: int = 1
    output_samples: int = 1  # the same of its output (a window partition's Reshape: 1 row in, 4 out)
    # Called in the traced forward, but never inside its parent's calls (Gemma3n's embedding
    # processor holds the text model for its embeddings; the backbone calls the text model):
    # its work is not its parent's.
    outside_parent_calls: bool = False
    # Built, but neither it nor any of its sublayers ran in the traced forward (DepthAnything's first
    # fusion stage has no residual to add: its residual block is never called): it multiplies nothing there.
    not_called_in_trace: bool = False
    # A decoder's attention layer: it keeps the keys and values it has seen in
    # a cache when generating (its call and its parent block's take a cache).
    caches_keys_values: bool = False
    # Mult-adds counted from the layer's own call traced symbolically at batch 1 (read/traced_macs.py),
    # for a layer no MACs function covers: the count per contraction (their sum is the layer's), and
    # why the trace could not count, when it could not. () and "" when not traced.
    traced_macs: Optional[tuple[int, ...]] = None
    traced_macs_note: str = ""
    # ... and each traced contraction's operands, aligned with traced_macs (read/contraction_counts.py:
    # a weight by an activation, two activations, ...), for its backward pass; () when not known.
    traced_kinds: tuple[str, ...] = ()
    # Weights the model's graph does not reach (issue 21, item 5): "" for a layer of the graph;
    # OUTSIDE_GRAPH for a layer reachable through an attribute but never called by the model (an
    # unused encoder stem); OWN_WEIGHTS for the row of a model's own ``add_weight`` weights.
    placement: str = ""
    # A layer never built that already owns weights (created in ``__init__``: a rotary ``inv_freq``).
    unbuilt_with_weights: bool = False
    # id() of the layer read (0 for an operation): which row's facts belong to which of ``model.layers``.
    layer_id: int = 0

    @property
    def own_weights(self) -> list[WeightFacts]:
        """Weights that no direct sublayer holds (``add_weight`` on a container)."""
        return [weight for weight in self.weights if weight.id not in self.held_weight_ids]

    @property
    def weight_ids(self) -> set[int]:
        return {weight.id for weight in self.weights}


@dataclass(frozen=True)
class GraphFacts:
    """A model's layers in a readable topological order (each with its calls), and its ends."""

    kind: str
    entries: tuple[LayerFacts, ...]
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class WeightHolders:
    """Who holds each weight first, and which weights train: what the training plan needs of the weights.

    Read with the rest of the facts (``Reader.weight_holders``), so the plan,
    made later or never, needs no second walk of the model (issue 20).
    """

    # The top-level layers in ``model.layers`` order (InputLayer left out) with their weights, then the
    # model itself with every weight of the rows (its own add_weight ones are what is left for it).
    holders: tuple[tuple[str, tuple[WeightFacts, ...]], ...] = ()
    # ``model.trainable``: in Keras 3 a variable is in ``model.trainable_weights`` when the model
    # trains and the variable's own flag says so (``Layer.trainable_weights``, 3.15.1) ...
    model_trainable: bool = True
    # ... tf_keras leaves out the weights of any frozen layer on the way instead, whatever the
    # variable's flag: for a tf_keras model, the ids of ``model.trainable_weights`` (None for Keras 3).
    trainable_ids: Optional[frozenset[int]] = None


@dataclass(frozen=True)
class ModelFacts:
    """What ``explain`` reads about the object it was given: a model, or a single layer.

    For a single layer, ``graph`` has kind "layer" and one entry, the layer.
    """

    name: str
    class_name: str
    is_model: bool
    graph: GraphFacts
    # Shapes of the model's symbolic inputs, batch axis included ([] when unknown).
    input_shapes: tuple[Shape, ...]
    # Keras's own counts, each weight counted once.
    keras_total_params: int
    keras_trainable_params: int
    keras_non_trainable_params: int
    # Bytes of one sample of the model's symbolic inputs; None when unknown or for a layer.
    input_sample_bytes: Optional[int]
    # Layer names in the order ``keras.Model.summary`` lists them (layer_range counts in it).
    summary_order: tuple[str, ...]
    # The totals in Keras's words and sizes, optimizer variables included (None where not read).
    keras_totals: Optional[KerasTotals] = None
    # Who holds each weight, and which train, for the training plan (read/training_variables.py).
    weight_holders: WeightHolders = WeightHolders()


@dataclass(frozen=True)
class WeightTotal:
    """A number of parameters and their size as Keras's summary counts it (each variable's dtype; bits / 8)."""

    count: int
    bytes: float


@dataclass(frozen=True)
class KerasTotals:
    """The totals ``keras.Model.summary`` prints, read from the live model (Keras 3.15.1, ``summary_utils.py``).

    ``optimizer`` is None unless the model is compiled and its optimizer built
    (after ``fit`` or ``optimizer.build``): only then does Keras print
    "Optimizer params" and count them in "Total params".
    """

    trainable: WeightTotal
    non_trainable: WeightTotal
    optimizer: Optional[WeightTotal] = None

    @property
    def total(self) -> WeightTotal:
        parts = [self.trainable, self.non_trainable, *([self.optimizer] if self.optimizer else [])]
        return WeightTotal(sum(part.count for part in parts), sum(part.bytes for part in parts))
