"""Mult-adds counted from a layer's own computation: its ``call`` traced symbolically (issue 21, item 3).

A layer without a registered MACs function is run through
``keras.Operation.compute_output_spec`` (the backend's symbolic trace: a
scratch FuncGraph on TensorFlow, ``jax.eval_shape`` on JAX, meta tensors on
PyTorch) on ``keras.KerasTensor`` inputs at batch 1: nothing is allocated and
the model is not changed, so it works on value-less models too. While the
trace runs, the backend's contraction functions are intercepted and each call
adds its multiply-accumulates, as this project counts them (README,
"Mult-adds and memory"; one multiply summed into an output is 1 MAC):

* ``matmul``, ``dot``: output elements x the contracted size (0 for an outer
  product of two activations, a contracted size of 1; by a weight, a Dense on
  one feature, ``in*units`` as the registered Dense counts it);
* ``einsum`` of two or more operands: the product of every index's size
  (0 when no index is summed over: an outer product is element-wise work);
  ``tensordot``: output elements x the contracted axes' sizes;
* ``conv``: output elements x kernel volume x input channels per group;
  ``depthwise_conv``: output elements x kernel volume;
  ``separable_conv``: its depthwise part, then its pointwise ``1x1`` part;
  ``conv_transpose``: input elements x kernel volume x filters;
* ``dot_product_attention`` (the fused attention Keras's MultiHeadAttention
  uses where it can): the score matmul, query positions x heads x key
  positions x head size, plus the value matmul, the same with the value's size.

Everything else (element-wise work, reductions, softmax, normalisation) is 0
by the same convention. What is intercepted is the *backend's* function
(``keras.src.backend.numpy.matmul``, ``keras.src.backend.nn.conv``, ...),
which ``keras.ops``, ``KerasVariable.__matmul__`` and Keras's own layers all
reach at call time. A layer that calls TensorFlow directly (``tf.matmul``,
``x @ y`` on backend tensors) is seen in the trace's graph instead
(``graph_contractions.py``); on JAX and PyTorch such a call is not seen, so
its traced count misses that work. Nested contractions (a backend ``separable_conv`` built
from two convolutions) are counted once, at the outermost call.

The interception patches module attributes for the duration of the trace,
under a lock, and counts only in the thread that traces (thread-local
frames); another thread's calls pass straight through. The original
functions are restored whatever happens.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, Sequence, Union

import keras

from .contraction_counts import (
    COUNTERS,
    TWO_ACTIVATIONS,
    TWO_WEIGHTS,
    UNKNOWN_OPERANDS,
    WEIGHT_AND_ACTIVATION,
    UnknownTraceDimension,
    operand_kind,
)
from .graph_contractions import (
    GraphWindow,
    UnreadContraction,
    contractions_outside,
    current_graph,
    last_id,
    open_window,
)

__all__ = [
    "TWO_ACTIVATIONS",
    "TWO_WEIGHTS",
    "UNKNOWN_OPERANDS",
    "WEIGHT_AND_ACTIVATION",
    "Frame",
    "TracedMacs",
    "UnknownTraceDimension",
    "counting_contractions",
    "frame",
    "trace_first_call",
    "trace_macs",
]

NUMPY_CONTRACTIONS = ("matmul", "einsum", "dot", "tensordot")
NN_CONTRACTIONS = ("conv", "depthwise_conv", "separable_conv", "conv_transpose", "dot_product_attention")
# The same contractions one level up, as keras.ops runs them on KerasTensors (Keras's own symbolic execution,
# read/call_shapes.py): the operation classes' shape inference, by module and class.
SYMBOLIC_NUMPY_CONTRACTIONS = (("Matmul", "matmul"), ("Einsum", "einsum"), ("Dot", "dot"), ("Tensordot", "tensordot"))
SYMBOLIC_NN_CONTRACTIONS = (
    ("Conv", "conv"),
    ("DepthwiseConv", "depthwise_conv"),
    ("SeparableConv", "separable_conv"),
    ("ConvTranspose", "conv_transpose"),
    ("DotProductAttention", "dot_product_attention"),
)
# Keras functions that reach a contraction only to move data: ``ops.image.extract_patches`` gathers
# each window by a convolution with a one-hot kernel (keras.src.ops.image, 3.15.1). Their
# contractions are not counted: a copy multiplies nothing the model asked for.
DATA_MOVEMENT = ("_extract_patches_2d", "_extract_patches_3d")

_PATCH_LOCK = threading.RLock()
_STATE = threading.local()


@dataclass(eq=False)  # frames are told apart by identity: two may hold equal counts
class Frame:
    """The contractions seen while one call ran: their MACs, or why they are unknown."""

    parts: list[int] = field(default_factory=list)  # one count per contraction (0s left out)
    # ... and its operands, for the backward pass (layers/traced_backward.py): WEIGHT_AND_ACTIVATION,
    # TWO_ACTIVATIONS, TWO_WEIGHTS, or UNKNOWN_OPERANDS (a contraction read from TF's graph)
    kinds: list[str] = field(default_factory=list)
    unknown: str = ""
    window: Optional[GraphWindow] = None  # the TensorFlow graph the frame traced into (graph_contractions.py)

    @property
    def macs(self) -> int:
        return sum(self.parts)


@dataclass(frozen=True)
class TracedMacs:
    """A traced count: one number per contraction (``parts`` None when unknown, with ``note`` saying why)."""

    parts: Optional[tuple[int, ...]]
    note: str = ""
    kinds: tuple[str, ...] = ()  # each part's operands (Frame.kinds), () when not known

    @property
    def macs(self) -> Optional[int]:
        return None if self.parts is None else sum(self.parts)


def _frames() -> list[Frame]:
    frames = getattr(_STATE, "frames", None)
    if frames is None:
        frames = _STATE.frames = []
    return frames


def mark_open_frames_unknown(reason: str) -> None:
    """Every open frame's count becomes unknown (a call inside them could not run: its work is not counted)."""
    for open_frame in _frames():
        open_frame.unknown = open_frame.unknown or reason


@contextlib.contextmanager
def counting_contractions() -> Iterator[None]:
    """Intercept the backend's contraction functions while the block runs (re-entrant)."""
    from keras.src import backend
    from keras.src.ops import nn as symbolic_nn
    from keras.src.ops import numpy as symbolic_numpy

    with _PATCH_LOCK:
        depth = getattr(_STATE, "patch_depth", 0)
        _STATE.patch_depth = depth + 1
        saved: list[tuple[Any, str, Any]] = []
        try:
            if depth == 0:
                for module, names in ((backend.numpy, NUMPY_CONTRACTIONS), (backend.nn, NN_CONTRACTIONS)):
                    for name in names:
                        original = getattr(module, name, None)
                        if original is None:
                            continue
                        saved.append((module, name, original))
                        setattr(module, name, _counting(name, original))
                for module, classes in (
                    (symbolic_numpy, SYMBOLIC_NUMPY_CONTRACTIONS),
                    (symbolic_nn, SYMBOLIC_NN_CONTRACTIONS),
                ):
                    for class_name, name in classes:
                        kind = getattr(module, class_name, None)
                        if kind is None or "compute_output_spec" not in vars(kind):
                            continue
                        original = vars(kind)["compute_output_spec"]
                        saved.append((kind, "compute_output_spec", original))
                        kind.compute_output_spec = _counting_symbolic(name, original)
                from keras.src.ops import image

                for name in DATA_MOVEMENT:
                    original = getattr(image, name, None)
                    if original is not None:
                        saved.append((image, name, original))
                        setattr(image, name, _uncounted(original))
            yield
        finally:
            for module, name, original in saved:
                setattr(module, name, original)
            _STATE.patch_depth = depth


@contextlib.contextmanager
def frame() -> Iterator[Frame]:
    """A frame that every contraction run inside it adds to (frames nest: an outer one counts an inner one's too)."""
    current = Frame(window=open_window())
    frames = _frames()
    frames.append(current)
    try:
        yield current
    finally:
        del frames[next(index for index, open_frame in enumerate(frames) if open_frame is current)]
        if current.window is not None:
            _add_graph_contractions(current)


def _add_graph_contractions(current: Frame) -> None:
    """The TensorFlow contractions the frame's call made past Keras's functions (a Lambda's ``tf.matmul``).

    An enclosing frame on no graph, or another one (a block run in Keras's own symbolic execution whose
    sublayer the backend traced alone, read/call_shapes.py), cannot read them itself: they are its too.
    """
    assert current.window is not None
    blind = [f for f in _frames() if f.window is None or f.window.graph is not current.window.graph]
    try:
        found = contractions_outside(current.window)
        reason = ""
    except UnreadContraction as error:
        found, reason = [], str(error)
    except Exception as error:  # noqa: BLE001 - a graph we cannot read leaves the count unknown, never short
        found, reason = [], f"its TensorFlow graph could not be read ({type(error).__name__})"
    for counted in (current, *blind):
        counted.parts.extend(found)
        counted.kinds.extend(UNKNOWN_OPERANDS for _ in found)
        if reason:
            counted.unknown = counted.unknown or reason


def open_frame_counts() -> list[tuple[Frame, int, str]]:
    """What every open frame has counted so far (``restore_frame_counts`` takes later counts back)."""
    return [(open_frame, len(open_frame.parts), open_frame.unknown) for open_frame in _frames()]


def restore_frame_counts(counts: list[tuple[Frame, int, str]]) -> None:
    for open_frame, parts, unknown in counts:
        del open_frame.parts[parts:]
        del open_frame.kinds[parts:]
        open_frame.unknown = unknown


def _counting(name: str, original: Callable[..., Any], leading: int = 0) -> Callable[..., Any]:
    """``original`` counting its contraction into the open frames; the counter skips ``leading`` arguments."""
    count = COUNTERS[name]

    def counted(*args: Any, **kwargs: Any) -> Any:
        frames = _frames()
        if not frames or getattr(_STATE, "inside", False):
            return original(*args, **kwargs)
        _STATE.inside = True
        graph = current_graph()
        start = last_id(graph) if graph is not None else 0
        try:
            result = original(*args, **kwargs)
        finally:
            _STATE.inside = False
            if graph is not None:  # the ops this Keras function made are counted here, not read from the graph
                for open_frame in frames:
                    if open_frame.window is not None and open_frame.window.graph is graph:
                        open_frame.window.skipped.append((start, last_id(graph)))
        try:
            macs: Optional[int] = count(args[leading:], kwargs, result)
            reason = ""
        except UnknownTraceDimension as error:
            macs, reason = None, str(error)
        except Exception as error:  # noqa: BLE001 - a count we cannot make is unknown, never a crash
            macs, reason = None, f"{name} could not be counted ({type(error).__name__})"
        kind = operand_kind(name, args[leading:], kwargs)
        for open_frame in frames:
            if macs is None:
                open_frame.unknown = open_frame.unknown or reason
            elif macs:
                open_frame.parts.append(macs)
                open_frame.kinds.append(kind)
        return result

    counted.__wrapped__ = original  # type: ignore[attr-defined]
    return counted


def _counting_symbolic(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """``_counting`` for an operation class's ``compute_output_spec(self, *operands)``.

    The counters read the backend function's arguments: einsum's subscripts come first, tensordot's
    ``axes`` is a keyword; on the operation both live as attributes.
    """

    def run(operation: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "einsum":
            args = args[1:]  # the subscripts, put first for the counter
        kwargs.pop("axes", None)
        if name == "conv":
            return _grouped_conv_spec(original, operation, *args, **kwargs)
        return original(operation, *args, **kwargs)

    counting = _counting(name, run, leading=1)  # the operation itself comes first

    def counted(operation: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "einsum":
            return counting(operation, operation.subscripts, *args, **kwargs)
        if name == "tensordot":
            return counting(operation, *args, axes=operation.axes, **kwargs)
        return counting(operation, *args, **kwargs)

    counted.__wrapped__ = original  # type: ignore[attr-defined]
    return counted


def _grouped_conv_spec(original: Callable[..., Any], operation: Any, inputs: Any, kernel: Any, **kwargs: Any) -> Any:
    """``Conv.compute_output_spec``, for a grouped convolution too.

    Keras 3.15.1's symbolic check wants the input's channels equal to the
    kernel's, which a grouped convolution (``groups`` times the kernel's; the
    backend runs it) fails; the output's shape does not depend on the input's
    channels, so the spec is asked of an input with the kernel's.
    """
    try:
        return original(operation, inputs, kernel, **kwargs)
    except ValueError:
        from keras.src.backend import standardize_data_format  # keras.ops' own reading of None

        data_format = standardize_data_format(getattr(operation, "data_format", None))
        axis = 1 if data_format == "channels_first" else -1
        shape, per_group = list(inputs.shape), kernel.shape[-2]
        if not shape or shape[axis] is None or not per_group or shape[axis] % per_group:
            raise
        shape[axis] = per_group
        return original(operation, keras.KerasTensor(tuple(shape), dtype=inputs.dtype), kernel, **kwargs)


def _uncounted(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` run as if inside a counted call: the contractions it reaches add nothing."""

    def uncounted(*args: Any, **kwargs: Any) -> Any:
        inside = getattr(_STATE, "inside", False)
        _STATE.inside = True
        graph = current_graph()
        start = last_id(graph) if graph is not None else 0
        try:
            return original(*args, **kwargs)
        finally:
            _STATE.inside = inside
            if graph is not None:  # nor are the graph ops it made read as contractions (graph_contractions.py)
                for open_frame in _frames():
                    if open_frame.window is not None and open_frame.window.graph is graph:
                        open_frame.window.skipped.append((start, last_id(graph)))

    uncounted.__wrapped__ = original  # type: ignore[attr-defined]
    return uncounted


def trace_macs(operation: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> TracedMacs:
    """The MACs of one call of ``operation`` (a layer or a keras.ops operation) on these KerasTensors."""
    inner: list[Frame] = []  # the frame opened inside the backend's trace, where its graph is (TensorFlow)
    with counting_contractions(), frame() as outer, _framed_call(operation, inner):
        try:
            keras.Operation.compute_output_spec(operation, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - a call that cannot be traced leaves the count unknown
            return TracedMacs(None, f"its call could not be traced ({type(error).__name__})")
    counted = inner[-1] if inner else outer
    if counted.unknown:
        return TracedMacs(None, counted.unknown)
    return TracedMacs(tuple(counted.parts), kinds=tuple(counted.kinds))


@contextlib.contextmanager
def _framed_call(operation: Any, inner: list[Frame]) -> Iterator[None]:
    """Shadow ``operation.call`` so each call runs in a frame opened inside the trace (its graph then exists)."""
    if "call" in vars(operation):  # already shadowed (a traced forward) or user-patched: the outer frame counts
        yield
        return
    original = operation.call

    def call(*args: Any, **kwargs: Any) -> Any:
        with frame() as counted:
            inner.append(counted)
            return original(*args, **kwargs)

    object.__setattr__(operation, "call", call)
    try:
        yield
    finally:
        object.__delattr__(operation, "call")


def trace_first_call(operation: Any) -> TracedMacs:
    """Trace ``operation``'s first call in a symbolic graph at batch 1, from the arguments Keras recorded."""
    found = first_call_arguments(operation)
    if isinstance(found, TracedMacs):
        return found
    return trace_macs(operation, *found)


def first_call_arguments(operation: Any) -> Union[tuple[tuple, dict[str, Any]], TracedMacs]:
    """The arguments of ``operation``'s first call as Keras recorded them, at batch 1; why not, as a count."""
    nodes = getattr(operation, "_inbound_nodes", None) or []  # private, Keras 3.15.1: one Node per call
    if not nodes:
        return TracedMacs(None, "never called in a symbolic graph, and no input_shape to trace it at")
    arguments = getattr(nodes[0], "arguments", None)
    if arguments is None:
        return TracedMacs(None, "its call's arguments are not recorded")
    try:
        args = keras.tree.map_structure(_at_batch_one, arguments.args)
        kwargs = keras.tree.map_structure(_at_batch_one, arguments.kwargs)
    except UnknownTraceDimension as error:
        return TracedMacs(None, str(error))
    return tuple(args), dict(kwargs)


def _at_batch_one(value: Any) -> Any:
    if not isinstance(value, keras.KerasTensor):
        return value
    shape = tuple(value.shape)
    if any(dim is None for dim in shape[1:]):
        raise UnknownTraceDimension("a dimension of its input is unknown (None): explain(model, input_shape=...)")
    return keras.KerasTensor((1, *shape[1:]) if shape else (), dtype=value.dtype, sparse=value.sparse)
