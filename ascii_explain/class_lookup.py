"""Looking a layer class up in a registry keyed by classes: nearest class of the MRO first.

Shared by the formula, mult-add and output-shape registries. ``counterpart``
maps a class of the MRO to another class whose entry stands in for it when it
has none of its own; introspect supplies it for Keras 2 (``tf_keras``) classes,
which have Keras 3 classes of the same name. A user's registration for a
subclass still wins over the counterpart of its base.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar

T = TypeVar("T")

Counterpart = Callable[[type], Optional[type]]


def nearest(registry: Mapping[type, T], layer_class: type, counterpart: Optional[Counterpart] = None) -> Optional[T]:
    """The entry for the nearest class in ``layer_class``'s MRO (or its counterpart's MRO), or None."""
    for klass in layer_class.__mro__:
        entry = registry.get(klass)
        if entry is not None:
            return entry
        stand_in = counterpart(klass) if counterpart is not None else None
        if stand_in is not None and stand_in is not klass:
            entry = nearest(registry, stand_in)
            if entry is not None:
                return entry
    return None


def classes_named(module: Any, names: Iterable[str]) -> list[type]:
    """The classes ``module`` (e.g. ``keras.layers``) has under ``names``.

    Names missing from the installed Keras are skipped, so registration lists
    written for one Keras release still load on an older or newer one.
    """
    classes = []
    for name in names:
        candidate = getattr(module, name, None)
        if isinstance(candidate, type):
            classes.append(candidate)
    return classes
