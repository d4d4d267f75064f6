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
    # keras-rs: DCN's cross layer (x0 times a projection of x), DLRM's pairwise dots, top-k retrieval
    "FeatureCross": "x0*Wx",
    "DotInteraction": " (.) ",
    "BruteForceRetrieval": "top k",
    "HardNegativeMining": "top k",
}

GLYPHS: dict[str, str] = {**_KSA_GLYPHS, **_EXTRA_GLYPHS}

# A class not in the table (keras-hub's LlamaTransformerDecoder, a custom
# layer) is drawn by its family, read from the words of its class name, in
# this order (the first match wins: "...AttentionBlock" is attention).
_FAMILY_GLYPHS = (
    (("Attention",), "ATTN "),
    (("MoE", "Moe", "Expert", "Router"), "E|E|E"),
    (("Transformer", "Decoder", "Encoder", "Block"), "[T-B]"),
    (("Embedding",), "emb |"),
    (("Norm",), " μ|σ "),
    (("LSTM", "GRU", "RNN", "Recurrent", "Cell"), "RRRRR"),
    (("Conv",), " \\|/ "),
    (("Pool",), "Y max"),
    (("Dropout",), " | ||"),
    (("Dense", "Linear", "Projection", "MLP", "FeedForward", "Feedforward"), "XXXXX"),
    (("Backbone", "Model", "Functional", "Sequential"), "[MDL]"),
    (("Activation", "Gelu", "GELU", "Relu", "ReLU", "Softmax", "Swish", "Silu"), " f| "),
    (("Pad",), "\\|||/"),
    (("Reshape", "Flatten", "Permute"), "  |  "),
    (("Add", "Sum", "Merge", "Residual"), " (+) "),
)

# keras_sequential_ascii's "μ|σ" broke Windows consoles; this is the plain form.
_ASCII_REPLACEMENTS = {"μ": "m", "σ": "s", "λ": "L", "×": "x"}


def glyph_for(class_name: str, ascii_only: bool = False) -> str:
    """The glyph for a layer class, padded to GLYPH_WIDTH."""
    glyph = GLYPHS.get(class_name) or family_glyph(class_name)
    if ascii_only:
        glyph = to_ascii(glyph)
    return glyph.ljust(GLYPH_WIDTH)[:GLYPH_WIDTH]


def family_glyph(class_name: str) -> str:
    """The glyph of the first family whose word is in ``class_name``; ``?????`` when none is."""
    for words, glyph in _FAMILY_GLYPHS:
        if any(word in class_name for word in words):
            return glyph
    return UNKNOWN_GLYPH


def to_ascii(text: str) -> str:
    """Replace the few non-ASCII glyph characters; anything else left becomes '?'."""
    for char, replacement in _ASCII_REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text.encode("ascii", "replace").decode("ascii")
