"""``explain(model, input_shape=...)``: the concrete shape of every model input, checked against the model.

Shapes follow Keras's ``build()`` convention: the batch axis is included, so a
text model takes ``(1, 128)`` and an image model ``(1, 224, 224, 3)``. The
argument may be

- a dict by input name: ``{"token_ids": (1, 128), "padding_mask": (1, 128)}``;
- a list with one shape per input, in ``model.inputs`` order;
- one shape: the model's only input, or every input of that rank (a
  keras-hub text backbone's ``token_ids`` and ``padding_mask`` take one
  ``(1, 128)``).

Every shape must have the input's rank, positive integer sizes, and the
input's own size wherever the model fixes one. Anything else is one
``ValueError`` line saying what to pass.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..build.records import Shape

EXAMPLE = "e.g. input_shape=(1, 128) for token ids, batch axis included"


class InputShapeError(ValueError):
    """``input_shape`` does not fit the model's inputs."""


def model_inputs(model: Any) -> list[Any]:
    """The model's symbolic inputs, or an error saying ``input_shape`` needs them."""
    try:
        inputs = list(model.inputs or [])
    except (AttributeError, ValueError):
        inputs = []
    if not inputs:
        raise InputShapeError(
            f"input_shape needs a model with symbolic inputs (Functional or Sequential); {model.name!r} has none. "
            "Explain it without input_shape, or build a Functional model around it with keras.Input."
        )
    return inputs


def concrete_input_shapes(model: Any, input_shape: Any) -> dict[str, Shape]:
    """``{input name: concrete shape}`` for every input of ``model`` (see the module docstring)."""
    inputs = model_inputs(model)
    names = [str(tensor.name) for tensor in inputs]
    declared = {str(tensor.name): tuple(tensor.shape) for tensor in inputs}
    if isinstance(input_shape, Mapping):
        unknown = [key for key in input_shape if key not in declared]
        if unknown:
            raise InputShapeError(f"input_shape names {unknown}, which are not inputs of {model.name!r}: {names}")
        missing = [name for name in names if name not in input_shape]
        if missing:
            raise InputShapeError(f"input_shape has no shape for the input(s) {missing} of {model.name!r}")
        given = {name: _shape(input_shape[name], name) for name in names}
    elif _is_shape(input_shape):
        shape = _shape(input_shape, "input_shape")
        given = {name: shape for name in names if len(declared[name]) == len(shape)}
        left = [f"{name} {declared[name]}" for name in names if name not in given]
        if left:
            raise InputShapeError(
                f"input_shape {shape} (rank {len(shape)}) does not fit the input(s) {', '.join(left)} of "
                f"{model.name!r}: pass a dict by input name or a list with one shape per input"
            )
    elif isinstance(input_shape, Sequence) and not isinstance(input_shape, str):
        if len(input_shape) != len(names):
            raise InputShapeError(
                f"input_shape has {len(input_shape)} shapes for the {len(names)} inputs of {model.name!r} ({names})"
            )
        given = {name: _shape(shape, name) for name, shape in zip(names, input_shape, strict=True)}
    else:
        raise InputShapeError(f"input_shape must be a shape, a list of shapes or a dict of shapes ({EXAMPLE})")
    for name, shape in given.items():
        _check_fits(name, shape, declared[name])
    return given


def _is_shape(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and all(isinstance(dim, int) or dim is None for dim in value)


def _shape(value: Any, what: str) -> Shape:
    if not _is_shape(value) or not value:
        raise InputShapeError(f"input_shape for {what} must be a tuple of sizes ({EXAMPLE}), got {value!r}")
    if any(isinstance(dim, bool) or dim is None or dim < 1 for dim in value):
        raise InputShapeError(
            f"input_shape for {what} must have a positive size on every axis, batch included ({EXAMPLE}), got {value!r}"
        )
    return tuple(int(dim) for dim in value)


def _check_fits(name: str, shape: Shape, declared: tuple[Any, ...]) -> None:
    if len(shape) != len(declared):
        raise InputShapeError(
            f"input_shape {shape} for {name!r} has rank {len(shape)}, the input has shape {declared} "
            "(the batch axis is included)"
        )
    for axis, (size, fixed) in enumerate(zip(shape, declared, strict=True)):
        if fixed is not None and int(fixed) != size:
            raise InputShapeError(
                f"input_shape {shape} for {name!r} has {size} on axis {axis}, where the model fixes {fixed} "
                f"(input shape {declared})"
            )
