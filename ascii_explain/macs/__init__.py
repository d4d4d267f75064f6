"""Mult-add (MAC) formulas. Importing this package registers every built-in one."""

from . import attention, conv, core, recurrent  # noqa: F401  (registration side effects)
from .registry import (
    MacsFunction,
    UnknownDimensionError,
    find_macs,
    register_macs,
    registered_macs_classes,
    unregister_macs,
)

__all__ = [
    "MacsFunction",
    "UnknownDimensionError",
    "find_macs",
    "register_macs",
    "registered_macs_classes",
    "unregister_macs",
]
