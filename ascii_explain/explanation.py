"""The Explanation: a model's layer records and totals, displayable in several ways."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .build.planned_fields import PlannedField, pending_of
from .build.records import STATE_UNBUILT, LayerRecord, Shape, called_rows, calls_counted
from .build.sequence import SequenceCosts
from .read.facts import KerasTotals

if TYPE_CHECKING:  # the views never import this module, so naming their types here makes no cycle
    from .build.generation import Generation
    from .build.sequence import CostsAtLength
    from .build.training_macs import TrainingMacs
    from .build.training_memory import TrainingMemory
    from .views.model import ViewModel
    from .views.styled import StyledText


# What render(detail=...) draws: the diagram with its arithmetic, or one line per layer.
DETAILS = ("full", "compact")


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
    # The batch the activation memory is counted for: explain(model, batch_size=32).
    batch_size: int = 1
    # Bytes of ONE sample of the model's inputs (None when a dimension is unknown).
    input_sample_bytes: Optional[int] = None
    # Layer names in keras.Model.summary's order, which layer_range counts in.
    summary_order: list[str] = field(default_factory=list)
    # What training takes at batch_size (explain(model, batch_size=, optimizer=, dtype_policy=)).
    # Both plans are made when first read, unless explain() was asked for them (build/lazy_training.py).
    training_memory: Optional[TrainingMemory] = PlannedField(None)  # type: ignore[assignment]
    # What a training step multiplies (forward + backward, build/training_macs.py), and whether the
    # views show it (explain(model, training=True), or an optimizer given).
    training_macs: Optional[TrainingMacs] = PlannedField(None)  # type: ignore[assignment]
    show_training: bool = False
    # keras.Model.summary's totals (weights by trainability, the built optimizer's variables), read from the model.
    keras_totals: Optional[KerasTotals] = None
    # explain(model, input_shape=...) was given: the shapes, MACs and caches are at that shape.
    input_shape_given: bool = False
    # str() draws identical consecutive blocks one by one (explain(model, expand_repeats=True)).
    expand_repeats: bool = False
    # No input_shape and an unknown sequence axis: every row's costs as polynomials in T (build/sequence.py).
    sequence: Optional[SequenceCosts] = None

    @property
    def total_params(self) -> int:
        """What our rows add up to: the top-level records, each weight once (by identity, as Keras counts).

        The headline total the views print is Keras's (``keras_total_params``);
        when this differs, the totals say by how much.
        """
        return sum(record.unique_params for record in self.top_level)

    @property
    def trainable_params(self) -> int:
        return sum(record.trainable_params - record.duplicate_trainable_params for record in self.top_level)

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def top_level(self) -> list[LayerRecord]:
        """The rows the totals add up: depth 0, each weight once (see ``LayerRecord.counted_in``)."""
        return [record for record in self.layers if record.depth == 0 and not record.counted_in]

    @property
    def called_rows(self) -> list[LayerRecord]:
        """The rows the mult-adds add up: depth 0, each call once.

        Unlike ``top_level``, a row whose weights another row already counts
        (``counted_in``: SAM3's box head, called by its DETR decoder and again
        by the backbone) stays: its weights are held once, but every call computes.
        """
        return called_rows(self.layers)

    @property
    def mismatches(self) -> list[LayerRecord]:
        """Records whose formula disagrees with ``layer.count_params()``."""
        return [record for record in self.layers if not record.matches]

    @property
    def fallbacks(self) -> list[LayerRecord]:
        """Records counted from weight shapes because no formula is registered (wholly, or in named parts)."""
        return [record for record in self.layers if record.is_fallback or record.fallback_parts]

    @property
    def inferred(self) -> list[LayerRecord]:
        """Records without a formula whose weights' dimensions were named from config and shapes (state "inferred")."""
        return [record for record in self.layers if record.is_inferred]

    @property
    def internal_errors(self) -> list[LayerRecord]:
        """Records on which a function of ascii_explain raised (state "internal_error"): our bug.

        Each record's ``internal_errors`` says which function (``function``),
        computing what (``role``: "formula" or "macs"), raised which exception
        class (``error``). The command line exits 3 when this is not empty.
        """
        return [record for record in self.layers if record.internal_errors]

    @property
    def unbuilt(self) -> list[LayerRecord]:
        """Records of layers never built (state "unbuilt"): 0 parameters, as Keras counts them."""
        return [record for record in self.layers if record.state == STATE_UNBUILT]

    @property
    def totals_match(self) -> bool:
        """Our totals equal Keras's own, split by trainable and non-trainable."""
        return (
            self.total_params == self.keras_total_params
            and self.trainable_params == self.keras_trainable_params
            and self.non_trainable_params == self.keras_non_trainable_params
        )

    @property
    def training_memory_shown(self) -> bool:
        """The views show the training memory plan: it has an optimizer or a what-if dtype policy.

        Known without making a plan not made yet (``build/lazy_training.py``),
        so drawing the diagram does not make it.
        """
        waiting = pending_of(self)
        if waiting is not None:
            return bool(waiting.plan.memory_shown)
        plan = self.training_memory
        return plan is not None and (plan.has_optimizer or plan.what_if)

    # ------------------------------------------------ mult-adds and memory

    @property
    def total_macs(self) -> int:
        """Mult-adds for one sample: the sum of the known ``record.macs`` (each layer times its calls).

        A layer whose MACs are unknown adds nothing; ``macs_unknown`` lists
        them, so with any there this is a lower bound.
        """
        return sum(record.macs * calls_counted(record) for record in self.called_rows if record.macs is not None)

    @property
    def macs_unknown(self) -> list[LayerRecord]:
        """Top-level records without a mult-add count (no MACs function, or an unknown dimension)."""
        return [record for record in self.called_rows if record.macs is None]

    @property
    def param_bytes(self) -> Optional[int]:
        """Bytes of the weights by each weight's dtype, as Keras's summary counts them (float32 = 4).

        Each weight once; None when a weight's dtype has no fixed size (strings).
        """
        sizes = [record.param_bytes for record in self.top_level]
        if any(size is None for size in sizes):
            return None
        return sum(size for size in sizes if size is not None) - sum(r.duplicate_param_bytes for r in self.top_level)

    @property
    def activation_bytes_by_layer(self) -> dict[str, Optional[int]]:
        """Bytes of each layer's output for ``batch_size`` samples (None when a dimension is unknown)."""
        return {
            record.name: None if record.output_bytes is None else record.output_bytes * self.batch_size
            for record in self.top_level
            if record.class_name != "InputLayer"
        }

    @property
    def activation_bytes(self) -> Optional[int]:
        """Total bytes of every layer's output for ``batch_size`` samples; None if any is unknown.

        Each layer's output counted once, nothing fused or freed: what a plain
        forward pass produces (and training keeps for the backward pass), not
        a measured peak. The model's inputs are not included (``input_bytes``).
        """
        sizes = list(self.activation_bytes_by_layer.values())
        if any(size is None for size in sizes):
            return None
        return sum(size for size in sizes if size is not None)

    @property
    def activation_unknown(self) -> list[LayerRecord]:
        """Top-level rows whose output size is unknown (a ``None`` dimension): left out of the known sum."""
        return [
            record
            for record in self.top_level
            if record.class_name != "InputLayer" and record.output_bytes is None
        ]

    @property
    def known_activation_bytes(self) -> int:
        """The activation bytes of the rows whose output size is known (all of them when nothing is unknown).

        ``activation_bytes`` is None as soon as one row is unknown; this is the
        part that is known, which the totals print with the unknown rows named.
        """
        return sum(size for size in self.activation_bytes_by_layer.values() if size is not None)

    @property
    def kv_cache_layers(self) -> list[LayerRecord]:
        """Top-level rows that keep keys and values when decoding (a decoder block, or its attention layer)."""
        return [record for record in self.top_level if record.kv_cache_formula or record.kv_cache_note]

    @property
    def kv_cache_bytes(self) -> Optional[int]:
        """Bytes of the keys and values every decoder attention layer keeps, for ``batch_size`` samples.

        At the sequence length of ``input_shape``: for a decoder LLM,
        ``2 x layers x sequence x kv-heads x head-dim x dtype bytes`` per
        sample. None for a model without decoder attention, or when the
        sequence length is unknown (no ``input_shape``).
        """
        layers = self.kv_cache_layers
        if not layers or any(record.kv_cache_bytes is None for record in layers):
            return None
        return sum((record.kv_cache_bytes or 0) * max(record.calls, 1) for record in layers) * self.batch_size

    # ------------------------------------------------ at an unknown sequence length (T)

    def _in_length(self, field: str, records: list[LayerRecord], per_call: bool = True) -> Optional[str]:
        from .build.sequence import total_in_length

        if self.sequence is None or self.sequence.note or not records:
            return None
        value, unknown = total_in_length(records, self.sequence, field, per_call)
        return None if unknown else value.text()

    @property
    def macs_in_length(self) -> Optional[str]:
        """Mult-adds for one sample as a polynomial in the sequence length T (``"128*T**2 + 81920*T"``).

        None when the length is known (``input_shape`` given, or no unknown
        axis) or a row's count is not a polynomial in T. ``self.at(T=n)`` gives
        the numbers explaining at ``input_shape=(1, n)`` gives.
        """
        return self._in_length("macs", self.called_rows)

    @property
    def macs_in_length_grouped(self) -> Optional[str]:
        """``macs_in_length`` with runs of identical rows as one product: ``2*(32*T**2 + 2304*T)``."""
        from .build.sequence import grouped_in_length

        if self.macs_in_length is None or self.sequence is None:
            return None
        # The rows macs_in_length sums (a row whose weights another holds still computes): the same total.
        return grouped_in_length(self.called_rows, self.sequence) or None

    @property
    def activation_bytes_in_length(self) -> Optional[str]:
        """Every layer's output, one sample, in bytes, as a polynomial in T (times ``batch_size`` for the batch)."""
        return self._in_length("output_bytes", [r for r in self.top_level if r.class_name != "InputLayer"], False)

    @property
    def kv_cache_bytes_in_length(self) -> Optional[str]:
        """The key/value cache of one sample in bytes, as a polynomial in T (None without decoder attention)."""
        return self._in_length("kv_cache_bytes", self.kv_cache_layers)

    def at(self, T: int) -> CostsAtLength:  # noqa: N803 - the symbol's own name, as printed
        """The costs at sequence length ``T``, from the polynomials: ``explain(model, input_shape=(1, T))``'s."""
        from .build.sequence import costs_at

        if self.sequence is None:
            raise ValueError(
                "this explanation has no unknown sequence length (input_shape was given, or every axis is known)"
            )
        return costs_at(self.called_rows, self.top_level, self.kv_cache_layers, self.sequence, self.batch_size, T)

    def generation(
        self,
        prompt: int,
        new_tokens: int,
        batch: Optional[int] = None,
        *,
        peak_flops: Optional[float] = None,
        bandwidth: Optional[float] = None,
    ) -> Generation:
        """What generating ``new_tokens`` after a ``prompt``-token prompt costs (``build/generation.py``).

        Prefill mult-adds (the forward pass at the prompt's length), each
        decode step's (attention over the cached keys), the bytes each step
        reads (weights + key/value cache) and their ratio, the arithmetic
        intensity; with a device's ``peak_flops`` (FLOP/s) and ``bandwidth``
        (bytes/s), the roofline lower bound on each step's time. ``batch``
        defaults to the explanation's ``batch_size``. Needs the costs in T:
        ``explain(model)`` without ``input_shape``, on a decoder.
        """
        from .build.generation import plan_generation

        if self.sequence is None or self.sequence.note:
            why = self.sequence.note if self.sequence is not None else (
                "input_shape was given" if self.input_shape_given else "no sequence axis is unknown"
            )
            raise ValueError(
                f"generation() needs the costs at an unknown sequence length ({why}): "
                "explain(model) without input_shape, on a model whose token axis is None"
            )
        macs = self.macs_in_length
        if macs is None:
            unknown = [r.name for r in self.called_rows if r.macs is None and not r.macs_in_length]
            raise ValueError(f"generation() needs every row's mult-adds in T; unknown for: {', '.join(unknown)}")
        kv = self.kv_cache_bytes_in_length
        if kv is None:
            raise ValueError(
                "generation() needs a decoder: no top-level layer keeps a key/value cache "
                "(explain the backbone itself, not a model holding it)"
            )
        weights = self.param_bytes
        if weights is None:
            raise ValueError("generation() needs the weights' bytes; a weight here has no fixed-size dtype")
        return plan_generation(
            macs, kv, weights, prompt, new_tokens, self.batch_size if batch is None else batch,
            peak_flops=peak_flops, bandwidth=bandwidth,
        )

    @property
    def input_bytes(self) -> Optional[int]:
        """Bytes of the model's inputs for ``batch_size`` samples."""
        return None if self.input_sample_bytes is None else self.input_sample_bytes * self.batch_size

    def layer(self, name: str) -> LayerRecord:
        """The record of the layer called ``name``."""
        for record in self.layers:
            if record.name == name:
                return record
        raise KeyError(f"no layer named {name!r}; layers: {', '.join(r.name for r in self.layers)}")

    def view_model(self) -> ViewModel:
        """What the views share (marks, percentages, arithmetic pieces, totals lines), computed now."""
        from .views.model import build_view_model

        return build_view_model(self)

    def render_styled(
        self,
        width: Optional[int] = None,
        ascii_only: Optional[bool] = None,
        *,
        show_trainable: bool = False,
        layer_range: Optional[Sequence[str]] = None,
        shape_style: str = "dims",
        expand_repeats: Optional[bool] = None,
        interface: str = "python",
        detail: str = "full",
    ) -> StyledText:
        """The diagram with the roles of its parts, for colour (``render`` is its plain text)."""
        from .views.text import render_diagram

        if detail not in DETAILS:
            raise ValueError(f"detail must be {' or '.join(map(repr, DETAILS))}; got {detail!r}")
        if detail == "compact":
            from .views.compact import render_compact

            return render_compact(
                self,
                self.view_model(),
                width=width if width is not None else (self.width or 100),
                ascii_only=self.ascii_only if ascii_only is None else ascii_only,
                layer_range=layer_range,
                shape_style="keras",  # Keras's columns, in Keras's notation
                expand_repeats=self.expand_repeats if expand_repeats is None else expand_repeats,
                interface=interface,
            )
        return render_diagram(
            self,
            self.view_model(),
            width=width if width is not None else (self.width or 100),
            ascii_only=self.ascii_only if ascii_only is None else ascii_only,
            show_trainable=show_trainable,
            layer_range=layer_range,
            shape_style=shape_style,
            expand_repeats=self.expand_repeats if expand_repeats is None else expand_repeats,
            interface=interface,
        )

    def render(
        self,
        width: Optional[int] = None,
        ascii_only: Optional[bool] = None,
        *,
        show_trainable: bool = False,
        layer_range: Optional[Sequence[str]] = None,
        shape_style: str = "dims",
        expand_repeats: Optional[bool] = None,
        interface: str = "python",
        detail: str = "full",
    ) -> str:
        """The diagram as text, ``width`` columns wide (default 100).

        ``show_trainable`` adds a TRAINABLE column; ``layer_range=(first, last)``
        draws only those layers (names or regular expressions, both inclusive,
        as in ``keras.Model.summary``). ``shape_style="keras"`` writes shapes in
        keras.Model.summary's notation (``(None, 26, 26, 32)``, ``()`` a scalar)
        instead of the DATA DIMENSIONS (``"dims"``, no batch axis).
 Identical consecutive blocks (same
        class, config apart from the name, shapes) are drawn once with their
        count, ``32 × 202,383,360``; ``expand_repeats=True`` draws each.
        ``interface="cli"`` words the hints as the command line's flags
        (``--expand-nested``) instead of Python arguments. ``detail="compact"``:
        one line per layer, keras.Model.summary's columns (shapes in its
        notation) plus the formula and mult-adds; the default ``"full"`` is
        the diagram with every layer's arithmetic.
        """
        return self.render_styled(
            width,
            ascii_only,
            show_trainable=show_trainable,
            layer_range=layer_range,
            shape_style=shape_style,
            expand_repeats=expand_repeats,
            interface=interface,
            detail=detail,
        ).plain

    # Views over the same records, in ascii_explain/views/ (each imported when first used).

    def to_dict(self) -> dict[str, Any]:
        """Every record field and the totals as plain JSON types (lists, not tuples)."""
        from .views.json import to_dict

        return to_dict(self)

    def to_json(self, **kwargs: Any) -> str:
        """``to_dict()`` as JSON: sorted keys, indent 2; ``kwargs`` go to ``json.dumps``."""
        from .views.json import to_json

        return to_json(self, **kwargs)

    def to_markdown(self, *, expand_repeats: Optional[bool] = None) -> str:
        """A GitHub-flavoured Markdown table with the totals under it; identical blocks one row, as in the text."""
        from .views.markdown import to_markdown

        return to_markdown(self, expand_repeats=expand_repeats)

    def table(self, fmt: str = "github") -> str:
        """The layers as a table in any ``tabulate`` format ("github", "grid", "latex", "html", ...)."""
        from .views.tables import to_table

        return to_table(self, fmt)

    def to_html(self, *, expand_nested: Optional[bool] = None, expand_repeats: Optional[bool] = None) -> str:
        """The notebook view: a header (totals, verdict, costs, marked rows), then a tree you fold and open.

        ``expand_nested`` / ``expand_repeats`` say whether nested models and
        composite layers, and runs of identical blocks, start open (defaults:
        what ``explain()`` was given).
        """
        from .views.html import to_html

        return to_html(self, expand_nested=expand_nested, expand_repeats=expand_repeats)

    def save_html(
        self, path: Any, *, expand_nested: Optional[bool] = None, expand_repeats: Optional[bool] = None
    ) -> None:
        """Write the notebook view as a complete HTML document (charset, title, the same styles) to ``path``."""
        from pathlib import Path

        from .views.html import to_html_document

        document = to_html_document(self, expand_nested=expand_nested, expand_repeats=expand_repeats)
        Path(path).write_text(document, encoding="utf-8")

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows the HTML table, a console the diagram; no IPython import needed."""
        return {"text/plain": str(self), "text/html": self.to_html()}

    def __rich__(self) -> Any:
        """``rich.print(e)`` prints the diagram with colour (rich imported only here)."""
        from .views.colour import to_rich

        return to_rich(self.render_styled())

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return (
            f"<Explanation of {self.model_class} {self.model_name!r}: {len(self.layers)} layers, "
            f"{self.total_params:,} params, {len(self.mismatches)} mismatches, {len(self.fallbacks)} fallbacks>"
        )
