"""Element text for tensor printing: PyTorch's per-tensor formatter (spec printing.md §6).

Everything here is a pure function of the displayed elements and the print options, so
the layout code in printing.py can format once and reuse the padded texts.
"""

from __future__ import annotations

import math

import numpy as np

# Automatic scientific mode limits (strict comparisons, in double).
_SCI_RATIO = 1000.0
_SCI_MAX = 1.0e8
_SCI_MIN = 1.0e-4


def _int_mode_text(value: float) -> str:
    text = format(value, ".0f")
    # nan/inf have no point; every finite value gets one.
    return text + "." if math.isfinite(value) else text


def _choose_mode(finite_nonzero: np.ndarray, sci_mode: bool | None) -> str:
    """'int', 'fixed' or 'sci' for float values; the statistics are vectorised."""
    if finite_nonzero.size == 0:
        # Nothing to measure: PyTorch keeps integer mode and ignores a forced sci_mode.
        return "int"
    int_mode = bool(np.all(finite_nonzero == np.ceil(finite_nonzero)))
    if sci_mode is None:
        magnitudes = np.abs(finite_nonzero)
        largest = float(magnitudes.max())
        smallest = float(magnitudes.min())
        sci = largest / smallest > _SCI_RATIO or largest > _SCI_MAX or smallest < _SCI_MIN
    else:
        sci = bool(sci_mode)
    if sci:
        return "sci"
    return "int" if int_mode else "fixed"


def real_texts(values: np.ndarray, precision: int, sci_mode: bool | None) -> tuple[list[str], int]:
    """Padded texts of the flattened `values` (int, bool or float array) and their width.

    The width comes only from these values, which must be the displayed sample.
    """
    flat = np.asarray(values).reshape(-1)
    if flat.dtype.kind in "biu":
        texts = [str(v) for v in flat.tolist()]
        width = max(1, max(map(len, texts), default=1))
        return [t.rjust(width) for t in texts], width

    # Widening to double is exact for float16/float32 (and bfloat16 held in float32).
    doubles = flat.astype(np.float64)
    measured = np.isfinite(doubles) & (doubles != 0.0)
    mode = _choose_mode(doubles[measured], sci_mode)
    pylist = doubles.tolist()
    if mode == "sci":
        spec = f".{precision}e"
        texts = [format(v, spec) for v in pylist]
    elif mode == "int":
        texts = [_int_mode_text(v) for v in pylist]
    else:
        spec = f".{precision}f"
        texts = [format(v, spec) for v in pylist]
    # Zeros and non-finite values never widen the column.
    width = max(1, max((len(t) for t, m in zip(texts, measured.tolist()) if m), default=1))
    return [t.rjust(width) for t in texts], width


def complex_texts(values: np.ndarray, precision: int, sci_mode: bool | None) -> tuple[list[str], int, int]:
    """Texts of complex `values` (real and imaginary parts formatted independently),
    with the real and imaginary widths."""
    flat = np.asarray(values).reshape(-1)
    re_texts, re_width = real_texts(flat.real, precision, sci_mode)
    im_texts, im_width = real_texts(flat.imag, precision, sci_mode)
    return [join_complex(r, i) for r, i in zip(re_texts, im_texts)], re_width, im_width


def join_complex(re_text: str, im_text: str) -> str:
    """`1.0000` and ` -2.` make `1.0000-2.j`; a non-negative imaginary part gets a `+`."""
    im = (im_text + "j").lstrip()
    return re_text + im if im[0] in "+-" else re_text + "+" + im
