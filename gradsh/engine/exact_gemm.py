"""PyTorch's float32 matrix product, MKL's `sgemm`, when the optional `gradsh[exact]` extra is installed.

PyTorch's CPU kernels that multiply float32 matrices through `at::native::cpublas::gemm` (the slow
convolutions' per-sample products among them) call the `sgemm` of the MKL inside the torch 2.13 wheel.
Its sums run in an order of its own, so numpy's OpenBLAS (or a float64 product rounded once) differs
from it in the last bits; the `exact` extra ships the same MKL release (exact_math.py loads it with the
sequential threading layer), and calling its `cblas_sgemm` with PyTorch's arguments gives PyTorch's bits.

`sgemm` takes BLAS's column-major arguments, as ATen passes them; `available()` says whether it can run
(without the extra, or with GRADSH_EXACT=0, callers keep their numpy kernels).
"""

from __future__ import annotations

import ctypes

import numpy as np

from . import exact_math
from .ops.bmm_small import small_bmm

_COL_MAJOR, _NO_TRANS, _TRANS = 102, 111, 112  # CBLAS_ORDER / CBLAS_TRANSPOSE values
_INT_MAX = 2**31 - 1  # MKL_INT is 32-bit in mkl_rt's default (LP64) interface
_F32 = np.dtype(np.float32)
_THREAD_SAFE_K = 512
# measured against torch 2.13 on 2 threads: with a transposed right operand (nn.Linear's weight.t()), fewer than
# 16 result rows and m*n*k from about 2e5 up, the threaded MKL disagrees with the sequential call on some shapes
# (41 of 300 random ones; neither the 'T' nor a copied 'N' call matches them all); below, none of 1,400 did
_FEW_ROWS = 16
_TRANSPOSED_THREADED_WORK = 100_000
_state: dict[str, object] = {}


def _function() -> ctypes._CFuncPtr | None:
    if "f" not in _state:
        lib = exact_math.library()
        f = None
        if lib is not None:
            f = lib.cblas_sgemm
            f.restype = None
            f.argtypes = ([ctypes.c_int] * 6 + [ctypes.c_float, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                                 ctypes.c_int, ctypes.c_float, ctypes.c_void_p, ctypes.c_int])
        _state["f"] = f
    return _state["f"]  # type: ignore[return-value]


def available() -> bool:
    """Whether MKL's sgemm is loaded (the `exact` extra is installed and not disabled)."""
    return _function() is not None


def same_as_threaded(m: int, n: int, k: int) -> bool:
    """Whether this (sequential) sgemm gives the bits PyTorch's MKL gives on its OpenMP threads.

    MKL splits a product among threads by blocks of C unless the sums are long (k > 512) or one side is a
    vector, where it splits the sums themselves; measured against torch 2.13 on 2 threads, the bits agree
    whenever m, n >= 2 and k <= 512 (and always with torch.set_num_threads(1)) for an untransposed A; with
    transa ('T') and n < 16 they differ on some shapes from m*n*k of about 2e5 (see addmm's extra check).
    """
    return m >= 2 and n >= 2 and k <= _THREAD_SAFE_K


def _check(name: str, a: np.ndarray, need: int) -> None:
    if a.dtype != _F32 or not a.flags.c_contiguous:
        raise ValueError(f"{name} must be a C-contiguous float32 array")
    if a.size < need:
        raise ValueError(f"{name} holds {a.size} elements, the call reads {need}")


def sgemm(transa: bool, transb: bool, m: int, n: int, k: int, alpha: float, a: np.ndarray, lda: int,
          b: np.ndarray, ldb: int, beta: float, c: np.ndarray, ldc: int) -> None:
    """C = alpha * op(A) @ op(B) + beta * C in column-major storage, C updated in place (BLAS's sgemm).

    a, b and c are contiguous float32 buffers read as column-major matrices with the leading dimensions
    given; the caller passes the arguments ATen passes to cpublas::gemm. Requires `available()`.
    """
    f = _function()
    if f is None:
        raise RuntimeError(f"MKL's sgemm is not available: {exact_math.why_not()}")
    if max(m, n, k, lda, ldb, ldc) > _INT_MAX:
        raise ValueError("sgemm dimensions beyond 32-bit MKL_INT")
    _check("a", a, (lda * (m if transa else k) if m and k else 0))
    _check("b", b, (ldb * (k if transb else n) if n and k else 0))
    _check("c", c, ldc * n if m and n else 0)
    if not c.flags.writeable:
        raise ValueError("c must be writeable")
    f(_COL_MAJOR, _TRANS if transa else _NO_TRANS, _TRANS if transb else _NO_TRANS, m, n, k, alpha,
      a.ctypes.data, max(lda, 1), b.ctypes.data, max(ldb, 1), beta, c.ctypes.data, max(ldc, 1))


def mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The float32 product of row-major a (m, k) and b (k, n) as torch.mm computes it on the CPU.

    ATen sees row-major C = A B as column-major C^T = B^T A^T: sgemm('N', 'N', n, m, k, B, n, A, k, C, n).
    """
    a, b = np.ascontiguousarray(a, _F32), np.ascontiguousarray(b, _F32)
    m, k = a.shape
    n = b.shape[1]
    c = np.zeros((m, n), _F32)
    if m and n:
        sgemm(False, False, n, m, k, 1.0, b, n, a, k, 0.0, c, n)
    return c


_char = ctypes.c_char.from_buffer
_address = ctypes.addressof


def _pointer(a: np.ndarray) -> int:
    """The data address of a contiguous array: from_buffer + addressof costs a tenth of .ctypes.data (a few us
    per product, which is most of a small product's time); read-only arrays refuse from_buffer."""
    return _address(_char(a)) if a.flags.writeable else a.ctypes.data


def _blas_operand(x: np.ndarray) -> tuple[bool, np.ndarray, int]:
    """How ATen's addmm_impl_cpu_ hands a row-major operand x (r, s) to column-major sgemm: (trans, buffer, ld).

    Rows of unit stride are read in place ('N', x seen as the column-major s x r matrix), columns of unit stride
    in place transposed ('T': a transposed view such as nn.Linear's weight.t() is not copied), anything else
    as a contiguous copy ('N'); the same checks in the same order, so MKL gets the same arguments.
    """
    r, s = x.shape
    st0, st1 = x.strides
    size = x.itemsize
    flags = x.flags
    if st1 == size and st0 >= max(1, s) * size and flags.c_contiguous:
        return False, x, max(1, s)
    if st0 == size and st1 >= max(1, r) * size and flags.f_contiguous:
        return True, x.T, max(1, r)
    return False, np.ascontiguousarray(x), max(1, s)


def addmm(bias: np.ndarray | None, m1: np.ndarray, m2: np.ndarray, alpha: float = 1.0,
          beta: float = 1.0) -> np.ndarray | None:
    """torch.addmm(bias, m1, m2)'s float32 bits (bias None: torch.mm's), or None where they are not known.

    ATen copies the bias (broadcast) into the result and calls sgemm with beta, so MKL's sums start from it;
    the row-major (m, n) result is the column-major C^T = m2^T m1^T. None without the extra, for other dtypes,
    for an empty sum (the caller's own code handles it) and where `same_as_threaded` says no.
    """
    f = _state["f"] if "f" in _state else _function()
    if f is None or m1.dtype != _F32 or m2.dtype != _F32 or (bias is not None and bias.dtype != _F32):
        return None
    m, k = m1.shape
    n = m2.shape[1]
    # same_as_threaded(n, m, k), inlined: this runs for every float32 product (nn.Linear's hot path)
    if k == 0 or k > _THREAD_SAFE_K or m < 2 or n < 2 or max(m, n) > _INT_MAX:
        return None
    ta, a, lda = _blas_operand(m2)
    if ta and m < _FEW_ROWS and m * n * k >= _TRANSPOSED_THREADED_WORK:
        return None
    tb, b, ldb = _blas_operand(m1)
    if bias is None or beta == 0:
        c, beta = np.empty((m, n), _F32), 0.0  # BLAS: with beta = 0, C is written, never read
    else:
        c = np.empty((m, n), _F32)
        c[...] = bias
    # the buffers are built above as sgemm() would check them: MKL directly (the checks cost ~3 us)
    f(_COL_MAJOR, _TRANS if ta else _NO_TRANS, _TRANS if tb else _NO_TRANS, n, m, k, float(alpha),
      _pointer(a), lda, _pointer(b), ldb, float(beta), _address(_char(c)), n)
    return c


def aten_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """torch.matmul's float32 bits for two matrices (mm: MKL) or two equal batches of them (bmm), or None.

    None where the result is not known to be PyTorch's (see `same_as_threaded`, or without the extra);
    the caller then keeps its own product.
    """
    if a.dtype != _F32 or b.dtype != _F32 or a.ndim != b.ndim or a.ndim not in (2, 3) or not available():
        return None
    if a.ndim == 2:
        return addmm(None, a, b)
    bs, m, k = a.shape
    n = b.shape[2]
    if b.shape[0] != bs:
        return None
    small = small_bmm(a, b)  # ATen's own loop below 400 multiply-adds, not BLAS
    if small is not None:
        return small
    if not same_as_threaded(n, m, k):
        return None
    out = np.empty((bs, m, n), _F32)
    for i in range(bs):
        out[i] = addmm(None, a[i], b[i])
    return out
