"""Shapes as the reader keeps them: tuples of ints and Nones, read from variables, tensors and build configs."""

from __future__ import annotations

from typing import Any, Optional

from ..build.records import OutputShape, Shape


def shape_size(shape: Shape) -> int:
    """Elements of a fully known shape (a weight's)."""
    size = 1
    for dim in shape:
        size *= int(dim)  # type: ignore[arg-type]
    return size



def variable_shape(variable: Any) -> Shape:
    """A variable's shape as a tuple of ints.

    ``KerasVariable._shape`` (private, checked on 3.15.1) is the standardized
    tuple that ``KerasVariable.shape`` returns; the TensorFlow backend's
    ``shape`` wraps it in a ``tf.TensorShape`` first, which costs more than
    the rest of reading a weight. Anything else (a tf_keras variable's
    ``_shape`` is a TensorShape) goes through ``.shape``.
    """
    shape = getattr(variable, "_shape", None)
    return as_shape(shape if type(shape) is tuple else variable.shape)


def as_shape(shape: Any) -> Shape:
    if type(shape) is tuple:  # KerasTensor.shape is already a tuple of ints and Nones: returned as is
        for dim in shape:
            if dim is not None and type(dim) is not int:
                break
        else:
            return shape
    return tuple(None if dim is None else int(dim) for dim in shape)


def flat_output_shapes(value: Any) -> Optional[OutputShape]:
    """A shape, or the shapes of several outputs in ``keras.tree.flatten`` order (a dict's keys sorted).

    None when ``value`` holds anything but shapes (tuples or lists of ints and Nones).
    """
    shapes: list[Shape] = []

    def collect(part: Any) -> bool:
        if isinstance(part, dict):
            return all(collect(part[key]) for key in sorted(part))
        if isinstance(part, (list, tuple)) and all(_is_dim(dim) for dim in part):
            shapes.append(as_shape(part))
            return True
        if isinstance(part, (list, tuple)):
            return all(collect(item) for item in part)
        return False

    if not collect(value) or not shapes:
        return None
    return shapes[0] if len(shapes) == 1 else tuple(shapes)


def _is_dim(dim: Any) -> bool:
    """None or a non-negative int (a custom compute_output_shape may return anything: Keras does not check)."""
    return dim is None or (isinstance(dim, int) and not isinstance(dim, bool) and dim >= 0)


def as_shape_tree(value: Any) -> Any:
    """Build configs hold shapes as tuples or lists, sometimes nested lists of shapes."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return tuple(as_shape_tree(part) for part in value)
    if isinstance(value, (list, tuple)):
        return as_shape(value)
    return value


def batch_none(tree: Any) -> Any:
    """A traced shape tree with the batch axis of 1 written None again, as Keras writes a build shape."""
    if isinstance(tree, dict):
        return {key: batch_none(value) for key, value in tree.items()}
    if isinstance(tree, tuple) and tree and all(dim is None or type(dim) is int for dim in tree):
        return (None, *tree[1:]) if tree[0] == 1 else tree
    if isinstance(tree, (tuple, list)):
        return type(tree)(batch_none(item) for item in tree)
    return tree


def is_shape(value: Any) -> bool:
    """One shape: a tuple of ints and Nones."""
    return isinstance(value, tuple) and all(dim is None or isinstance(dim, int) for dim in value)


def flat_shapes(tree: Any) -> bool:
    """One shape, or a flat tuple of shapes: what output sizes and the diagram read (no None part, no nesting)."""
    if isinstance(tree, tuple) and tree and all(isinstance(part, tuple) for part in tree):
        return all(is_shape(part) for part in tree)
    return is_shape(tree)


def graph_unknowns_kept(graph: Any, traced: Any) -> Any:
    """The traced output shape, an axis the graph leaves unknown past the batch unknown again where the trace
    has 1 there.

    Traced at batch 1 beside inputs of unknown length (read/partly_static.py), such a 1 is sized by a batch
    (CLIP's head, ``(None, None)``: images by texts), which the trace's 1 does not stand for; any other size
    there is what the trace found (a VAE built for any image size, called on a fixed latent). A rank the
    two differ in is the graph's: at batch 1 a squeeze with no axis (SAM3's box decoder) takes the batch
    axis too. Anything else they do not match in: the trace's.
    """
    if is_shape(graph) and is_shape(traced):
        if len(graph) != len(traced):
            return graph
        pairs = enumerate(zip(graph, traced, strict=True))
        return tuple(None if index and g is None and t == 1 else t for index, (g, t) in pairs)
    if isinstance(graph, tuple) and isinstance(traced, tuple) and len(graph) == len(traced):
        return tuple(graph_unknowns_kept(g, t) for g, t in zip(graph, traced, strict=True))
    return traced
