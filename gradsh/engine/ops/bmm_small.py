"""torch.bmm's values for small products: ATen runs its own loop there, not BLAS.

ATen's bmm (LinearAlgebra.cpp, bmm_out_or_baddbmm_) sends products with k*m*n below 400 to
baddbmm_cpu_kernel: every entry summed over k in order, a multiply then an add in the operand's own
precision (float32 stays float32). numpy's matmul (OpenBLAS) sums those in another order, so it differs
in the last bit; this loop gives PyTorch's bits for float32 and float64 (pinned in tests/test_einsum_parity.py).
"""

from __future__ import annotations

import numpy as np

NAIVE_LIMIT = 400  # ATen: contraction_size * res_rows * res_cols < 400
_ORDERED = (np.dtype(np.float32), np.dtype(np.float64))


def small_bmm(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """a (bs, m, k) @ b (bs, k, n) summed over k in order as ATen's small-product loop, or None if ATen uses BLAS."""
    bs, m, k = a.shape
    n = b.shape[2]
    if k * m * n >= NAIVE_LIMIT or a.dtype != b.dtype or a.dtype not in _ORDERED:
        return None
    out = np.zeros((bs, m, n), a.dtype)
    for i in range(k):
        out += a[:, :, i:i + 1] * b[:, i:i + 1, :]
    return out
