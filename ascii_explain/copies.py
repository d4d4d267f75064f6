"""``dataclasses.replace`` without running ``__init__`` again, for the plain dataclasses facts and records are.

``dataclasses.replace`` reads every field and calls the generated
``__init__`` with all of them: for a ``LayerFacts`` or ``LayerRecord`` of
thirty-odd fields, made again for every row of a model (``build/sequence.py``
puts T into every shape), that was a tenth of explaining a Llama backbone. A
plain dataclass -- no ``__post_init__``, every field an ``__init__`` argument,
no ``__slots__``, no descriptor field (``build/planned_fields.py``) -- holds
exactly its fields in its ``__dict__``, so a copy of that dict with the changes
is the same object ``replace`` would make. Anything else goes to ``replace``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Optional, TypeVar

T = TypeVar("T")


def replaced(obj: T, **changes: Any) -> T:
    """``dataclasses.replace(obj, **changes)``, by copying the instance's dict where that is the same."""
    klass: Any = type(obj)
    names = _plain_field_names(klass)
    if names is None or not names.issuperset(changes) or len(vars(obj)) != len(names):
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    copy = object.__new__(klass)
    values = copy.__dict__
    values.update(obj.__dict__)
    values.update(changes)
    return copy


@functools.cache  # per class: its fields never change
def _plain_field_names(klass: Any) -> Optional[frozenset[str]]:
    """The field names of a dataclass whose instances are their ``__dict__``, or None (use ``replace``)."""
    if not dataclasses.is_dataclass(klass) or hasattr(klass, "__post_init__") or hasattr(klass, "__slots__"):
        return None
    fields = dataclasses.fields(klass)
    if any(not f.init or hasattr(type(vars(klass).get(f.name)), "__set__") for f in fields):
        return None
    # InitVar and ClassVar pseudo-fields are left out of fields(): a class with one may take more in __init__.
    if len(getattr(klass, "__dataclass_fields__", {})) != len(fields):
        return None
    return frozenset(f.name for f in fields)
