"""What generating tokens costs: prefill, then one decode step per new token (issue 24, item 4).

Everything is derived from the model's costs in the sequence length T
(``build/sequence.py``): its mult-adds ``m(T) = c0 + c1*T + c2*T**2`` and its
key/value cache ``kv(T)`` per sample, both the collected expressions of the
layers' own functions.

- **Prefill** is the forward pass over the prompt: ``m(T0)`` per sample.
- **Decode step** feeding the token at position ``p`` (0-based; the cache
  holds ``p`` keys before it, ``K = p + 1`` after its own are appended) costs
  ``c0 + c1 + c2*K``: every per-token term (projections, feed-forward: the
  ``c1*T`` of the forward) once, each per-forward term (``c0``) once, and
  the attention's query-times-keys and weights-times-values products — the
  ``c2*T**2`` of the forward, ``T`` queries against ``T`` keys — for one
  query against ``K`` keys. A count with a term of higher degree is refused.
- **Bytes read per step**: every weight once (``param_bytes``: the roofline
  convention; an embedding lookup reads only its rows, so this is an upper
  bound by the table when the logits do not reuse it) plus the whole cache of
  ``K`` positions for the batch.
- **Arithmetic intensity**: mult-adds per byte read. A device with peak
  ``peak_flops`` FLOP/s (2 per MAC) and ``bandwidth`` bytes/s is
  bandwidth-bound below ``peak_flops / 2 / bandwidth`` MACs per byte; the
  roofline lower bound on a step's time is
  ``max(2*macs/peak_flops, bytes/bandwidth)``.

The new tokens are fed at positions ``T0 .. T0+N-1`` (the first of them is
the one prefill's last logits chose), so the cache ends with ``T0 + N``
positions. keras-hub's own ``generate`` preallocates the cache for the whole
length and attends over every slot, masked; this counts the keys a step
needs (what a kernel that skips empty slots costs), the same convention as
the forward pass (a causal mask saves nothing there: T x T is counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

from ..polynomial import Polynomial, evaluate_polynomial


@dataclass(frozen=True)
class DecodeStep:
    """One new token: fed at ``position``, attending over ``keys`` cached positions, for the whole batch."""

    position: int
    keys: int
    macs: int
    bytes_read: int
    # MACs per byte read
    intensity: float
    # the roofline lower bound in seconds, None without a device
    time_lower_bound: Optional[float] = None


@dataclass(frozen=True)
class Generation:
    """``e.generation(prompt=T0, new_tokens=N, batch=B)``: plain numbers and the arithmetic they come from.

    ``decode_macs_formula`` is one sample's decode step in ``K``, the keys it
    attends over (``"4608 + 64*K"``); ``prefill_macs_formula`` the forward
    pass in T. MACs and bytes are for the batch.
    """

    prompt: int
    new_tokens: int
    batch: int
    prefill_macs_formula: str
    prefill_macs: int
    decode_macs_formula: str
    steps: tuple[DecodeStep, ...]
    decode_macs: int
    weight_bytes: int
    kv_cache_bytes_formula: str
    kv_cache_bytes_final: int
    peak_flops: Optional[float] = None
    bandwidth: Optional[float] = None
    prefill_time_lower_bound: Optional[float] = None
    decode_time_lower_bound: Optional[float] = None

    @property
    def total_macs(self) -> int:
        """Prefill plus every decode step, for the batch."""
        return self.prefill_macs + self.decode_macs

    @property
    def machine_balance(self) -> Optional[float]:
        """MACs per byte at which the device turns from bandwidth- to compute-bound: peak_flops / 2 / bandwidth."""
        if self.peak_flops is None or self.bandwidth is None:
            return None
        return self.peak_flops / 2 / self.bandwidth

    @property
    def bandwidth_bound(self) -> Optional[bool]:
        """Every decode step's intensity is below the device's balance (None without a device)."""
        balance = self.machine_balance
        if balance is None:
            return None
        return all(step.intensity < balance for step in self.steps)

    def to_dict(self) -> dict:
        from ..views.generation_text import generation_to_dict

        return generation_to_dict(self)

    def render(self) -> str:
        from ..views.generation_text import generation_text

        return generation_text(self)

    def __str__(self) -> str:
        return self.render()


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _rate(name: str, value: object) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value == float("inf"):
        raise ValueError(f"{name} must be a positive number (per second), got {value!r}")
    return float(value)


def decode_step_polynomial(forward_macs: Polynomial) -> Polynomial:
    """One sample's decode step in K (the keys attended) from the forward pass's ``c0 + c1*T + c2*T**2``."""
    if forward_macs.degree > 2:
        raise ValueError(
            f"the mult-adds ({forward_macs.text()}) have a term of degree {forward_macs.degree} in T: "
            "not a transformer decoder's; generation() covers counts of degree 2 at most"
        )
    c0, c1, c2 = (forward_macs.coefficient(d) for d in (0, 1, 2))
    return Polynomial({0: c0 + c1, 1: c2})


def plan_generation(
    macs_in_length: str,
    kv_cache_in_length: str,
    weight_bytes: int,
    prompt: int,
    new_tokens: int,
    batch: int = 1,
    peak_flops: Optional[float] = None,
    bandwidth: Optional[float] = None,
) -> Generation:
    """The generation plan from one sample's forward MACs and cache bytes in T (``Explanation`` supplies them)."""
    prompt, new_tokens = _positive("prompt", prompt), _positive("new_tokens", new_tokens)
    batch = _positive("batch", batch)
    peak, band = _rate("peak_flops", peak_flops), _rate("bandwidth", bandwidth)
    forward = evaluate_polynomial(macs_in_length)
    kv = evaluate_polynomial(kv_cache_in_length)
    step = decode_step_polynomial(forward)
    steps = []
    for position in range(prompt, prompt + new_tokens):
        keys = position + 1
        macs = _whole(step.at(keys)) * batch
        read = weight_bytes + _ceil(kv.at(keys)) * batch
        steps.append(
            DecodeStep(
                position=position,
                keys=keys,
                macs=macs,
                bytes_read=read,
                intensity=macs / read,
                time_lower_bound=_roofline(macs, read, peak, band),
            )
        )
    prefill = _whole(forward.at(prompt)) * batch
    decode_time = None
    if peak is not None or band is not None:
        decode_time = sum(s.time_lower_bound or 0.0 for s in steps)
    return Generation(
        prompt=prompt,
        new_tokens=new_tokens,
        batch=batch,
        prefill_macs_formula=forward.text(),
        prefill_macs=prefill,
        decode_macs_formula=step.text().replace("T", "K"),
        steps=tuple(steps),
        decode_macs=sum(s.macs for s in steps),
        weight_bytes=weight_bytes,
        kv_cache_bytes_formula=kv.text().replace("T", "K"),
        kv_cache_bytes_final=_ceil(kv.at(prompt + new_tokens)) * batch,
        peak_flops=peak,
        bandwidth=band,
        # prefill reads every weight at least once too
        prefill_time_lower_bound=_roofline(prefill, weight_bytes, peak, band),
        decode_time_lower_bound=decode_time,
    )


def _roofline(macs: int, read: int, peak: Optional[float], band: Optional[float]) -> Optional[float]:
    """max(compute time, memory time) over what is known of the device; None when nothing is."""
    times = []
    if peak is not None:
        times.append(2 * macs / peak)
    if band is not None:
        times.append(read / band)
    return max(times) if times else None


def _whole(value: Fraction) -> int:
    if value.denominator != 1:
        raise AssertionError(f"a mult-add count that is not whole: {value}")  # our bug
    return int(value)


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)
