"""Opt-in numeric tolerance: text equal outside numbers, numbers equal within rtol/atol.

Numbers are matched pairwise, so `[0.]` never matches `[1.]` (|0 - 1| > atol + rtol * 1) and a
missing or extra number is a mismatch. Digits inside names (`MulBackward0`) are text, not numbers.
"""

from __future__ import annotations

import dataclasses
import math
import re

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])|(?<![\w.])[-+]?(?:nan|inf)\b")
_SPACE = re.compile(r"\s+")


@dataclasses.dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-4
    atol: float = 1e-6


def _split(text: str) -> tuple[list[str], list[float]]:
    pieces = _NUMBER.split(text)
    numbers = [float(n) for n in _NUMBER.findall(text)]
    # Tensor columns are padded to the widest number: spacing is not part of the comparison.
    return [_SPACE.sub(" ", p).strip() for p in pieces], numbers


def close(a: float, b: float, tol: Tolerance) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol.atol + tol.rtol * abs(b)


def matches(want: str, got: str, tol: Tolerance) -> bool:
    """True when `got` equals `want` up to spacing and numbers within the tolerance."""
    want_text, want_numbers = _split(want)
    got_text, got_numbers = _split(got)
    if want_text != got_text or len(want_numbers) != len(got_numbers) or not want_numbers:
        return False
    return all(close(g, w, tol) for w, g in zip(want_numbers, got_numbers, strict=True))
