"""``layer_range=(first, last)``: which layers a summary shows, with keras.Model.summary's meaning.

Keras 3 (``keras/src/utils/summary_utils.py: get_layer_index_bound_by_layer_name``,
checked on 3.15.1) takes two strings, each an exact name or a regular expression
matched with ``re.match`` (anchored at the start of the name). The first shown
layer is the first that matches ``first``, the last shown is the last that
matches ``last``, both inclusive; if they come in the wrong order Keras swaps
them. We do the same, so a ``layer_range`` that works with Keras works here.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence


def resolve_layer_range(names: Sequence[str], layer_range: Optional[Sequence[str]]) -> tuple[int, int]:
    """``(start, stop)`` indexes into ``names`` (stop exclusive) selected by ``layer_range``."""
    if layer_range is None:
        return 0, len(names)
    if isinstance(layer_range, str) or len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of two layer names (or regular expressions), "
            f"the first and the last layer to show; got {layer_range!r}"
        )
    first, last = layer_range
    if not isinstance(first, str) or not isinstance(last, str):
        raise ValueError(f"layer_range must hold two strings (layer names or regular expressions); got {layer_range!r}")
    starts = [index for index, name in enumerate(names) if re.match(first, name)]
    ends = [index for index, name in enumerate(names) if re.match(last, name)]
    if not starts or not ends:
        missing = first if not starts else last
        raise ValueError(
            f"layer_range {tuple(layer_range)!r}: no layer name matches {missing!r}; "
            f"the layers are: {', '.join(names)}"
        )
    if min(starts) > max(ends):  # Keras accepts the two ends in either order
        return min(ends), max(starts) + 1
    return min(starts), max(ends) + 1
