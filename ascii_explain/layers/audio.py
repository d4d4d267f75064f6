"""STFTSpectrogram: the Fourier transform as a convolution with (trainable) kernels."""

from __future__ import annotations

from typing import Any, Mapping

import keras

from .formula import BuildShape, Formula, FormulaTerm
from .registry import register_formula


@register_formula(keras.layers.STFTSpectrogram)
def stft_spectrogram(config: Mapping[str, Any], input_shape: BuildShape) -> Formula:
    """STFTSpectrogram: ``real_kernel`` and/or ``imag_kernel``, each ``frame_length*1*(fft_length//2+1)``.

    Mirrors ``STFTSpectrogram.build``: mode "real" keeps only the real
    kernel, "imag" only the imaginary one, every other mode both.
    ``fft_length`` defaults to the next power of two >= ``frame_length``.
    """
    frame = int(config["frame_length"])
    fft = config.get("fft_length") or 1 << (frame - 1).bit_length()
    size = f"{frame}*({int(fft)}//2+1)"
    mode = config.get("mode", "log")
    terms = []
    if mode != "imag":
        terms.append(FormulaTerm("real_kernel", size))
    if mode != "real":
        terms.append(FormulaTerm("imag_kernel", size))
    return Formula(terms, f"2*{size}" if len(terms) == 2 else None)
