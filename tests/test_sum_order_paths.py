"""The fast exact sums (ops/accumulate.py, ops/sum_orders.py) against the summation order of
../shared/spec/reductions.md §2 written out literally, one row addition at a time: same bits on many random
shapes, widths and zero-heavy inputs. The fast code leans on numpy's reduce adding a non-innermost axis row
by row; this model makes no such assumption, so a numpy change or a wrong shortcut shows up here (the
parity tests compare with real PyTorch on fewer shapes)."""

from __future__ import annotations

import numpy as np
import pytest

from gradsh.engine.ops import accumulate, sum_orders


def _sequential(rows: np.ndarray) -> np.ndarray:
    """+0, then each row added in order."""
    acc = np.zeros(rows.shape[1:], rows.dtype)
    for row in rows:
        acc = acc + row
    return acc


def _groups(rows: np.ndarray, k: int, s: int) -> np.ndarray:
    """The sequential sums of the first k groups of s rows, as k rows."""
    out = np.zeros((k, rows.shape[1]), rows.dtype)
    for i in range(k):
        out[i] = _sequential(rows[i * s:(i + 1) * s])
    return out


def _cascade(rows: np.ndarray) -> np.ndarray:
    n = rows.shape[0]
    s = 1 << max(4, (1 if n <= 2 else (n - 1).bit_length()) // 4)
    chunks = n // s
    c = _groups(rows, chunks, s)
    g1n = chunks // s
    g1 = _groups(c, g1n, s)
    g2n = g1n // s
    g2 = _groups(g1, g2n, s)
    a1, a2, a3 = _sequential(c[g1n * s:]), _sequential(g1[g2n * s:]), _sequential(g2)
    return ((_sequential(rows[chunks * s:]) + a1) + a2) + a3


def _rowsum(rows: np.ndarray) -> np.ndarray:
    n, width = rows.shape
    q = n // 4
    parts = _cascade(rows[: 4 * q].reshape(q, 4 * width)).reshape(4, width) if q else np.zeros((4, width), rows.dtype)
    p0 = parts[0]
    for i in range(4 * q, n):
        p0 = p0 + rows[i]
    return ((p0 + parts[1]) + parts[2]) + parts[3]


def _contiguous(x: np.ndarray, lanes: int) -> np.floating:
    nv = x.shape[0] // lanes
    lane_sums = _rowsum(x[: lanes * nv].reshape(nv, lanes)) if nv else None
    if lane_sums is None:
        return _rowsum(x.reshape(-1, 1))[0]
    r = x.dtype.type(0)
    for v in (*x[lanes * nv:], *lane_sums):
        r = r + v
    return r


def _sum_all(x: np.ndarray, lanes: int) -> np.floating:
    zero, n = x.dtype.type(0), x.shape[0]
    if n <= accumulate.GRAIN:
        return zero + _contiguous(x, lanes)
    k = min(accumulate.THREADS, -(-n // accumulate.GRAIN))
    chunk = -(-n // k)
    partials = np.zeros(accumulate.THREADS, x.dtype)
    for t in range(k):
        partials[t] = _contiguous(x[t * chunk:(t + 1) * chunk], lanes)
    return zero + _contiguous(partials, lanes)


def _column_sums(rows: np.ndarray) -> np.ndarray:
    """Spec §2.3 paths 2 and 4, one column group at a time, the leftover columns one by one."""
    lanes = 4 if rows.dtype == np.float64 else 8
    c = rows.shape[1]
    group = 4 * lanes if c >= lanes else 4
    out = [_cascade(rows[:, j:j + group]) for j in range(0, c - c % group, group)]
    out += [_rowsum(rows[:, j:j + 1]) for j in range(c - c % group, c)]
    return rows.dtype.type(0) + np.concatenate(out)


def _sample(rng: np.random.Generator, shape: tuple, dtype: type) -> np.ndarray:
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4)
    kind = rng.integers(0, 4)
    if kind == 1:
        x[rng.random(shape) < 0.6] = 0.0  # many zeros, of both signs
        x[rng.random(shape) < 0.3] *= -0.0
    elif kind == 2:
        x = -np.abs(x) * 0  # all -0.0: PyTorch's +0 start gives +0.0
    return x.astype(dtype)


_rng = np.random.default_rng(20261204)
_LENGTHS = sorted({*range(80), 127, 128, 129, 255, 256, 257, 640, 4095, 4096, 4097, 32768, 32769, 70001,
                   *(int(n) for n in _rng.integers(80, 40000, 60))})


@pytest.mark.parametrize("n", _LENGTHS)
def test_whole_sums_match_the_row_by_row_model(n: int) -> None:
    rng = np.random.default_rng(n)
    for _ in range(3):
        x32, x64 = _sample(rng, (n,), np.float32), _sample(rng, (n,), np.float64)
        assert accumulate.sum_all(x32).tobytes() == np.float32(_sum_all(x32, 8)).tobytes()
        assert sum_orders.sum_all(x64).tobytes() == np.float64(_sum_all(x64, 4)).tobytes()


def test_rowsum_and_cascade_match_the_model_on_random_blocks() -> None:
    rng = np.random.default_rng(5)
    for _ in range(400):
        width = int(rng.integers(1, 70))
        m = int(rng.integers(1, 1200 if width < 8 else 300))
        wide = _sample(rng, (m, width + int(rng.integers(0, 40))), np.float32)
        for rows in (np.ascontiguousarray(wide[:, :width]), wide[:, :width]):  # dense, and a column slice
            assert accumulate.rowsum(rows).tobytes() == _rowsum(rows).tobytes(), (m, width)
            if width > 1:
                assert accumulate.cascade(rows).tobytes() == _cascade(rows).tobytes(), (m, width)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leading_dim_sums_match_the_per_column_model(dtype: type) -> None:
    rng = np.random.default_rng(11)
    shapes = [(64, 256), (64, 10), (2, 3), (300, 33), (17, 1), (5000, 3), (4096, 40)]
    shapes += [(int(rng.integers(2, 700)), int(rng.integers(1, 90))) for _ in range(250)]
    for shape in shapes:
        x = _sample(rng, shape, dtype)
        mine = sum_orders.exact_sum_leading(x, (0,))
        ref = np.asarray([_sum_all(x[:, 0], 4 if dtype is np.float64 else 8)], dtype) if shape[1] == 1 \
            else _column_sums(x)
        assert mine is not None and mine.tobytes() == ref.tobytes(), shape


def test_rows_helper_adds_rows_in_order_for_every_width() -> None:
    # one column is the case where numpy's reduce would sum pairwise (the reduced axis innermost)
    rng = np.random.default_rng(3)
    for _ in range(300):
        m, width = int(rng.integers(1, 200)), int(rng.integers(1, 5))
        wide = _sample(rng, (m, width + 3), np.float32)
        for rows in (np.ascontiguousarray(wide[:, :width]), wide[:, :width]):
            got = accumulate._rows(rows)
            assert got is not None and (got + np.float32(0)).tobytes() == _sequential(rows).tobytes(), (m, width)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trailing_dim_sums_match_the_per_row_model(dtype: type) -> None:
    rng = np.random.default_rng(13)
    lanes = 4 if dtype is np.float64 else 8
    shapes = [(64, 1), (3, 7), (5, 8), (100, 50), (2, 4097)]
    shapes += [(int(rng.integers(1, 60)), int(rng.integers(1, 400))) for _ in range(150)]
    for shape in shapes:
        x = _sample(rng, shape, dtype)
        mine = sum_orders.exact_sum_trailing(x, (1,))
        ref = np.array([dtype(0) + _contiguous(row, lanes) for row in x], dtype)
        assert mine is not None and mine.tobytes() == ref.tobytes(), shape
