"""The glyph drawn for each layer kind.

keras_sequential_ascii's table is imported, not copied; we add the kinds it
lacks (Keras 3 names, merges, recurrent and attention layers). Its module has
invalid escape sequences (``" \\|/ "``) that warn when it is compiled, so the
import silences exactly that warning.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)  # Python < 3.12 says DeprecationWarning
    from keras_sequential_ascii.main import graphics as _KSA_GLYPHS

GLYPH_WIDTH = 5
UNKNOWN_GLYPH = "?????"

_EXTRA_GLYPHS = {
    "Conv1DTranspose": " /|\\ ",
    "Conv3DTranspose": " /|\\ ",
    "SeparableConv1D": " /|\\x",
    "DepthwiseConv1D": " \\|/d",
    "DepthwiseConv2D": " \\|/d",
    "Cropping3D": " ||| ",
    "GlobalMaxPooling3D": "Y^max",
    "GlobalAveragePooling3D": "Y^avg",
    "SpatialDropout1D": " | ||",
    "SpatialDropout2D": " | ||",
    "SpatialDropout3D": " | ||",
    "GaussianDropout": " | ||",
    "GaussianNoise": " | ||",
    "AlphaDropout": " | ||",
    "LayerNormalization": " μ|σ ",
    "GroupNormalization": " μ|σ ",
    "RMSNormalization": " μ|σ ",
    "UnitNormalization": " μ|σ ",
    "Normalization": " μ|σ ",
    "ReLU": " f| ",
    "LeakyReLU": " f| ",
    "ELU": " f| ",
    "PReLU": " f| ",
    "Softmax": " f| ",
    "Add": " (+) ",
    "Subtract": " (-) ",
    "Multiply": " (*) ",
    "Average": " (~) ",
    "Maximum": " (^) ",
    "Minimum": " (v) ",
    "Concatenate": " [|] ",
    "Dot": " (.) ",
    "SimpleRNN": "RRRRR",
    "Bidirectional": "<LLL>",
    "TimeDistributed": "T[ ]T",
    "MultiHeadAttention": "ATTN ",
    "GroupQueryAttention": "ATTN ",
    "Attention": "ATTN ",
    "AdditiveAttention": "ATTN ",
    "Rescaling": " *k+ ",
    "Resizing": "AAAAA",
    "Lambda": " λ() ",
    "Functional": "[MDL]",
    "Sequential": "[MDL]",
}

GLYPHS: dict[str, str] = {**_KSA_GLYPHS, **_EXTRA_GLYPHS}

# keras_sequential_ascii's "μ|σ" broke Windows consoles; this is the plain form.
_ASCII_REPLACEMENTS = {"μ": "m", "σ": "s", "λ": "L", "×": "x"}


def glyph_for(class_name: str, ascii_only: bool = False) -> str:
    """The glyph for a layer class, padded to GLYPH_WIDTH."""
    glyph = GLYPHS.get(class_name, UNKNOWN_GLYPH)
    if ascii_only:
        glyph = to_ascii(glyph)
    return glyph.ljust(GLYPH_WIDTH)[:GLYPH_WIDTH]


def to_ascii(text: str) -> str:
    """Replace the few non-ASCII glyph characters; anything else left becomes '?'."""
    for char, replacement in _ASCII_REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text.encode("ascii", "replace").decode("ascii")
