"""PyTorch's matrix exponential, step by step in the input's own precision (aten's mexp).

Bader, Blanes and Casas' optimized Taylor polynomials of degree 1, 2, 4, 8, 12 and 18, chosen per matrix by
its 1-norm against thresholds for float or double, the degree-18 one with scaling and squaring (always, for
a batch of more than one matrix). float32
matrices are computed in float32 as PyTorch does (not in double and rounded): the truncation error then
is PyTorch's own, which shows in the gradient (itself a matrix_exp of a doubled matrix).
"""

from __future__ import annotations

import numpy as np

_THETAS = {
    4: (1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02, 5.800524627688768e-01,
        1.461661507209034e+00, 3.010066362817634e+00),
    8: (2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04, 4.991228871115323e-02,
        2.996158913811580e-01, 1.090863719290036e+00),
}

_B12 = ((9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740),
        (5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031, 0.01108844528519167989),
        (0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968, 0.00610700528898058230),
        (-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079, -0.00675951846863086359))

_B18 = ((0., -1.00365581030144618291e-01, -8.02924648241156932449e-03, -8.92138498045729985177e-04, 0.),
        (0., 3.97849749499645077844e-01, 1.36783778460411720168e+00, 4.98289622525382669416e-01,
         -6.37898194594723280150e-04),
        (-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02,
         -6.98210122488052056106e-03, 3.34975017086070470649e-05),
        (-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
         2.95552570429315521194e-02, -1.39180257516060693404e-05),
        (0., 0., -9.23364619367118555360e-02, -1.69364939002081722752e-02, -1.40086798182036094347e-05))


def _real(a: np.ndarray) -> type:
    return np.float32 if a.dtype in (np.float32, np.complex64) else np.float64


def _combine(powers: list, coeffs: tuple) -> np.ndarray:
    """sum_j coeffs[j] * powers[j], accumulated in order in the matrices' precision."""
    real = _real(powers[0])
    acc = powers[0] * real(coeffs[0])
    for p, c in zip(powers[1:], coeffs[1:]):
        acc = acc + p * real(c)
    return acc


def _powers(a: np.ndarray, count: int) -> list:
    """[I, A, A^2, A^3, A^6][:count], as aten's _fill_matrix_powers."""
    eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy()
    out = [eye, a]
    if count > 2:
        out.append(a @ a)
    if count > 3:
        out.append(a @ out[2])
    if count > 4:
        out.append(out[3] @ out[3])
    return out


def _t1(a: np.ndarray) -> np.ndarray:
    eye, a1 = _powers(a, 2)
    return eye + a1


def _t2(a: np.ndarray) -> np.ndarray:
    eye, a1, a2 = _powers(a, 3)
    return eye + a1 + a2 / _real(a)(2.0)


def _t4(a: np.ndarray) -> np.ndarray:
    p = _powers(a, 3)
    a4 = p[2] @ _combine(p, (1 / 2.0, 1 / 6.0, 1 / 24.0))
    return _combine(p + [a4], (1.0, 1.0, 0.0, 1.0))


def _t8_coefficients(real: type) -> tuple:
    f = real
    s = float(f(0.1330413469565007072504e+2))
    x3 = float(f(2.0 / 3.0))
    return (f(x3 * ((1.0 + s) / 88.0)), f(x3 * ((1.0 + s) / 352.0)), f(x3),
            f((-271.0 + 29.0 * s) / (315.0 * x3)), f((-11.0 + 11.0 * s) / (1260.0 * x3)),
            f((-99.0 + 11.0 * s) / (5040.0 * x3)), f((89.0 - s) / (5040.0 * x3)), f((857.0 - 58.0 * s) / 630.0))


def _t8(a: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, x6, x7, y2 = _t8_coefficients(_real(a))
    p = _powers(a, 3)
    a4 = p[2] @ _combine(p[1:3], (x1, x2))
    a8 = _combine([p[2], a4], (x3, 1.0)) @ _combine(p + [a4], (x4, x5, x6, x7))
    return _combine(p + [a4, a8], (1.0, 1.0, y2, 0.0, 1.0))


def _t12(a: np.ndarray) -> np.ndarray:
    p = _powers(a, 4)
    b = [_combine(p, row) for row in _B12]
    b[2] = b[2] + b[3] @ b[3]
    b[1] = b[1] + b[2]
    return b[0] + b[1] @ b[2]


def _t18(a: np.ndarray) -> np.ndarray:
    p = _powers(a, 5)
    b = [_combine(p, row) for row in _B18]
    b[3] = b[3] + b[0] @ b[4]
    b[2] = b[2] + b[3]
    return b[1] + b[2] @ b[3]


def _t18_scale_square(a: np.ndarray, norm: np.ndarray, theta: float) -> np.ndarray:
    real = _real(a)
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(norm / real(theta)))).astype(np.int64)
    scaled = a / np.power(2.0, s).astype(real)[:, None, None]
    out = _t18(scaled)
    for i in range(out.shape[0]):
        m = out[i]
        for _ in range(int(s[i])):
            m = m @ m
        out[i] = m
    return out


def matrix_exp(a: np.ndarray) -> np.ndarray:
    """exp of each square matrix in `a` (a batch of any shape), as PyTorch computes it."""
    n = a.shape[-1]
    if n == 1:
        return np.exp(a)
    flat = a.reshape(-1, n, n)
    real = _real(flat)
    thetas = _THETAS[np.dtype(real).itemsize]
    norm = np.abs(flat).sum(-2).max(-1).astype(real) if flat.shape[0] else np.zeros(0, real)
    if flat.shape[0] > 1:  # aten: a batch of several matrices always takes the degree-18 approximation
        return _t18_scale_square(flat, norm, thetas[5]).reshape(a.shape)
    res = np.full_like(flat, np.nan)  # a NaN norm falls in no interval: NaN out, as aten's
    for i, compute in enumerate((_t1, _t2, _t4, _t8, _t12)):
        lower = real(-1) if i == 0 else real(thetas[i - 1])
        pick = np.nonzero((lower < norm) & (norm <= real(thetas[i])))[0]
        if pick.size:
            res[pick] = compute(flat[pick])
    pick = np.nonzero(norm >= real(thetas[4]))[0]
    if pick.size:
        res[pick] = _t18_scale_square(flat[pick], norm[pick], thetas[5])
    return res.reshape(a.shape)
