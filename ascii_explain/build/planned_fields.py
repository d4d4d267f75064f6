"""Dataclass fields a pending plan fills in when one of them is first read (issue 20: the plan only when asked).

``explain()`` makes the training plan (``build/lazy_training.py``) only when
someone asks for it: ``Explanation.training_memory``, ``training_macs`` and
each record's ``gradient_bytes``, ``optimizer_bytes``, ``activation_bytes``,
``backward_macs`` and ``backward_macs_formula`` are :class:`PlannedField`\\ s.
Reading one of them on an object that carries a pending plan (its
``__dict__[PENDING]``) makes the plan first, which sets them all, then
returns the value; anything reading fields the ordinary way
(``dataclasses.fields`` and ``getattr``: ``to_dict``, ``dataclasses.replace``,
``==``, ``repr``) sees the planned values, so no view has to know. Setting
one by hand makes the plan first too, so the plan does not overwrite it later.

A data descriptor as a dataclass field's default is what ``dataclasses``
documents for this ("descriptor-typed fields", Python 3.10+): ``__get__(None,
cls)`` gives the default, ``__init__`` assigns through ``__set__``. The value
lives in the instance's ``__dict__`` under the field's own name (a data
descriptor is found before the instance's dict, so that cannot shadow it).

This module imports nothing of the package: ``build/records.py`` uses it.
"""

from __future__ import annotations

from typing import Any, Protocol

# The instance attribute holding the pending plan (absent once made, or when made at once).
PENDING = "_pending_plan"


class Pending(Protocol):
    def settle(self, obj: Any) -> None:
        """Make the plan if not yet made, and give ``obj`` its planned values."""


class PlannedField:
    """A field whose value a pending plan sets when any planned field of the object is first read."""

    def __init__(self, default: Any = None) -> None:
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:  # the class's attribute: what dataclasses takes for the default
            return self.default
        values = obj.__dict__
        pending = values.get(PENDING)
        if pending is not None:
            pending.settle(obj)
            values.pop(PENDING, None)
        return values.get(self.name, self.default)

    def __set__(self, obj: Any, value: Any) -> None:
        values = obj.__dict__
        pending = values.get(PENDING)
        if pending is not None:  # set by hand before the plan was made: made first, so the value set stays
            pending.settle(obj)
            values.pop(PENDING, None)
        values[self.name] = value


def is_pending(obj: Any) -> bool:
    """Whether ``obj`` still waits for its plan (nothing has read a planned field of it yet)."""
    return PENDING in getattr(obj, "__dict__", {})


def pending_of(obj: Any) -> Any:
    """The pending plan ``obj`` carries, or None (made at once, or already made)."""
    return getattr(obj, "__dict__", {}).get(PENDING)
