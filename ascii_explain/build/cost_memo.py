"""Each layer's costs computed once per explanation, however many rows and sums ask for them.

A block's mult-adds are its parts' (``costs._composite_macs``), its backward terms
its parts' too (``costs._container_backward``), and each part's row asks again for
its own: a part at depth d is counted d+1 times, and each count walks its own
parts (HGNetV2: 1,307 counts for 467 layers). Facts are frozen, so one count per
(facts, evaluator) stands for them all while one explanation's records are built.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Callable, Iterator, Optional

_MEMO: contextvars.ContextVar[Optional[dict[tuple, Any]]] = contextvars.ContextVar("ascii_explain_costs", default=None)


@contextlib.contextmanager
def costs_remembered() -> Iterator[None]:
    """While the block runs, ``remembered`` keeps what it computes (nested: the outer memo goes on)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def remembered(key: tuple, facts: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per ``key`` while ``costs_remembered`` is open (else every time).

    ``key`` holds ``id(facts)``: ``facts`` is kept with the answer, so its id is not reused meanwhile.
    """
    memo = _MEMO.get()
    if memo is None:
        return compute()
    found = memo.get(key)
    if found is None:
        found = memo[key] = (facts, compute())
    return found[1]
