"""Shortening a name or a class label at a word boundary, never mid-word.

``conv2_block1_0_bn`` in 11 columns is ``conv2…_0_bn``, not ``conv2…k1_0_bn``'s
``k1``; ``LlamaTransformerDecoder`` in 18 is ``LlamaTransformer~``, not
``LlamaTransformerDe~``. A boundary is a separator (``_ . - /`` or a space), a
change from lower to upper case, or one between letters and digits. A text
with no boundary that fits, or with characters wider than one column, is cut
by columns as before (``safe_text.cut_middle``, ``cut``): the line never
grows past its room.
"""

from __future__ import annotations

from ..safe_text import columns, cut, cut_middle

ELLIPSIS = "…"
ASCII_ELLIPSIS = "~"
_SEPARATORS = "_.-/ "


def boundaries(text: str) -> list[int]:
    """Indices where a word starts or ends: around separators, at case and letter/digit changes."""
    found = []
    for index in range(1, len(text)):
        before, after = text[index - 1], text[index]
        if (
            before in _SEPARATORS
            or after in _SEPARATORS
            or (before.islower() and after.isupper())
            or (before.isalpha() != after.isalpha() and (before.isalnum() and after.isalnum()))
        ):
            found.append(index)
    return found


def cut_name_middle(text: str, room: int, marker: str = ELLIPSIS) -> str:
    """``text`` in ``room`` columns, its middle replaced by ``marker``; both ends end at a boundary.

    Generated names share their start and differ at the end
    (``conv2_block1_1_bn``, ``conv2_block2_1_bn``), so the end is chosen
    first: the longest one that leaves room for the first word, then the
    longest start that fits beside it (``conv2…_1_1_bn``).
    """
    if columns(text) <= room:
        return text
    keep = room - columns(marker)
    cuts = boundaries(text) if text.isascii() else []
    heads = [index for index in cuts if text[index - 1] not in _SEPARATORS]  # a start ends on a word
    tails = [index for index in cuts if heads and len(text) - index <= keep - heads[0]]
    if tails:
        tail = min(tails)
        head = max(index for index in heads if index <= tail and index + len(text) - tail <= keep)
        if 3 * (head + len(text) - tail) >= 2 * keep:  # most of the room used: else the end keeps more
            return text[:head] + marker + text[tail:]
    # A long first word: the end still starts at a boundary, the start takes what room is left.
    tails = [index for index in cuts if len(text) - index <= keep - 3]
    if tails:
        tail = min(tails)
        return text[: keep - (len(text) - tail)] + marker + text[tail:]
    return cut_middle(text, room, marker)


def cut_label_end(text: str, room: int, marker: str = ASCII_ELLIPSIS) -> str:
    """``text`` in ``room`` columns, its end replaced by ``marker`` after the last whole word that fits."""
    if columns(text) <= room:
        return text
    keep = room - columns(marker)
    if text.isascii() and keep >= 2:
        fitting = [index for index in boundaries(text) if index <= keep and text[index - 1] not in _SEPARATORS]
        if fitting:
            return text[: fitting[-1]] + marker
    return cut(text, room, marker)
