"""A float32 transposed 3-d convolution (forward, input and weight gradients) in PyTorch's order.

conv.py accumulates convolutions in float64 and rounds once, which is within assert_close of PyTorch
almost always; a transposed 3-d convolution's sums are long float32 sums in PyTorch, and their
rounding there can exceed the tolerance (module_db's ConvTranspose3d, op_db's conv_transpose3d).
PyTorch 2.13 on the CPU runs one of two kernels for it (ConvUtils' use_mkldnn, `torch_runs_slow_path`):

- `slow_conv_transpose3d` (one sample, groups 1, small input): per sample, forward: columns
  (C_out*k, D*H*W) = weight^T @ input by MKL's sgemm, added into the output kernel offset by kernel
  offset (col2vol), then the bias; input gradient: the output's gradient unfolded (vol2col) times the
  weight; weight gradient: the unfolded gradient times the input, added into the weight's gradient
  (sgemm, beta=1). `exact_gemm.sgemm` makes the same calls, so the bits are PyTorch's wherever the
  sequential MKL agrees with PyTorch's threaded one (`exact_gemm.same_as_threaded`: no vector-shaped
  product, sums of at most 512 terms); elsewhere conv.py's float64 sums stay. conv3d's input gradient
  on PyTorch's slow path (slow_conv3d: the same gemm + col2vol) comes out bit-exact through here too.
- oneDNN (v3.12; batches, strides, dilation, groups): its direct backward-weights kernels (jit:avx2 /
  jit:avx512_core on this machine's CPUs) sum each weight over the (sample, depth slice) pairs in
  order with fused multiply-adds, the pairs split in two halves (balance211) between PyTorch's 2
  OpenMP threads and the halves added. That model, measured against torch 2.13 on random shapes, gives
  PyTorch's bits on about 3 shapes in 4 within the range `_onednn_modelled` accepts (and fails
  assert_close no more often than the float64 sum there); outside it oneDNN picks other kernels
  (gemm:jit with padding, 1x1, blocked channels) and conv.py keeps its float64 sum. Its forward and
  input gradient (other oneDNN kernels) stay conv.py's too.
"""

from __future__ import annotations

import math
import os

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import exact_gemm

_F32 = np.dtype(np.float32)
_SLOW_PATH_INPUT_LIMIT = 20480  # use_mkldnn: "for some case, native is faster"
_ONEDNN_MAX_POSITIONS = 1024  # N*D*H*W: each thread's half is one sgemm sum of k <= 512 (a plain FMA chain)


def _threads() -> int:
    """PyTorch's default intra-op thread count (one per available core), which decides oneDNN's split."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def torch_runs_slow_path(x_shape: tuple, w_shape: tuple, stride: tuple, dilation: tuple, output_padding: tuple,
                         groups: int) -> bool:
    """Whether PyTorch picks slow_conv_transpose3d over oneDNN for this float32 transposed convolution."""
    if any(op >= s for op, s in zip(output_padding, stride)):  # is_output_padding_big: no oneDNN
        return True
    n = x_shape[0]
    strided_or_dilated = any(s != 1 for s in stride) or any(d != 1 for d in dilation)
    if not (strided_or_dilated or n >= 16 or w_shape[-1] != 1 or w_shape[-2] != 1 or _threads() > 1):
        return True
    worth_it = (groups > 1 or (w_shape[-1] > 3 and w_shape[-2] > 3) or n > 1
                or math.prod(x_shape[:4]) > _SLOW_PATH_INPUT_LIMIT)
    return not worth_it


def _columns(go: np.ndarray, x_shape: tuple, kernel: tuple, stride: tuple, padding: tuple,
             dilation: tuple) -> np.ndarray:
    """vol2col of each sample's output gradient: (N, C_out*k, D, H*W), zero where the window leaves it."""
    n, c = go.shape[:2]
    lin = x_shape[2:]
    gp = np.ascontiguousarray(np.pad(go, [(0, 0), (0, 0)] + [(p, p) for p in padding]))
    s = gp.strides
    view = as_strided(gp, shape=(n, c, *kernel, *lin),
                      strides=(s[0], s[1], *(s[2 + i] * dilation[i] for i in range(3)),
                               *(s[2 + i] * stride[i] for i in range(3))), writeable=False)
    return np.ascontiguousarray(view).reshape(n, c * math.prod(kernel), lin[0], lin[1] * lin[2])


def _slow_weight_grad(x: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """slow_conv_transpose3d_acc_grad_parameters: grad_weight += columns^T-product per sample (beta=1)."""
    n, cin = x.shape[:2]
    ck = cols.shape[1]
    k = math.prod(x.shape[2:])
    gw = np.zeros((cin, ck), _F32)
    for i in range(n):
        a = np.ascontiguousarray(cols[i]).reshape(-1)
        b = np.ascontiguousarray(x[i]).reshape(-1)
        exact_gemm.sgemm(True, False, ck, cin, k, 1.0, a, k, b, k, 1.0, gw, ck)
    return gw


def _onednn_direct(x: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """One chain of fused multiply-adds over each thread's (sample, depth) slices, the halves then added."""
    n, cin, d = x.shape[:3]
    ck, hw = cols.shape[1], cols.shape[3]
    slices = n * d
    a_all = np.ascontiguousarray(cols.transpose(1, 0, 2, 3)).reshape(ck, slices * hw)
    b_all = np.ascontiguousarray(x.reshape(n, cin, d * hw).transpose(1, 0, 2)).reshape(cin, slices * hw)
    team = min(2, slices)
    total = None
    for tid in range(team):  # balance211(slices, team, tid)
        big = -(-slices // team)
        t1 = slices - (big - 1) * team
        start = big * tid if tid < t1 else t1 * big + (tid - t1) * (big - 1)
        stop = start + (big if tid < t1 else big - 1)
        k = (stop - start) * hw
        a = np.ascontiguousarray(a_all[:, start * hw:stop * hw]).reshape(-1)
        b = np.ascontiguousarray(b_all[:, start * hw:stop * hw]).reshape(-1)
        part = np.zeros((cin, ck), _F32)
        exact_gemm.sgemm(True, False, ck, cin, k, 1.0, a, k, b, k, 0.0, part, ck)
        total = part if total is None else total + part
    return total


def _onednn_modelled(x_shape: tuple, w_shape: tuple, stride: tuple, padding: tuple, dilation: tuple,
                     output_padding: tuple, groups: int) -> bool:
    """The range where the oneDNN model above was measured against torch 2.13 (see the module's doc)."""
    n, cin = x_shape[:2]
    cout = w_shape[1]
    return (groups == 1 and _threads() == 2 and all(s == 1 for s in stride) and all(d == 1 for d in dilation)
            and not any(padding) and not any(output_padding) and 4 <= cin <= 8 and 3 <= cout <= 8
            and tuple(w_shape[2:]) != (1, 1, 1) and math.prod((n, *x_shape[2:])) <= _ONEDNN_MAX_POSITIONS)


def weight_grad(x: np.ndarray, go: np.ndarray, w_shape: tuple, stride: tuple, padding: tuple, dilation: tuple,
                output_padding: tuple, groups: int) -> np.ndarray | None:
    """PyTorch's float32 weight gradient (C_in, C_out, kd, kh, kw), or None where it is not reproduced."""
    if x.dtype != _F32 or go.dtype != _F32 or groups != 1 or x.ndim != 5 or not exact_gemm.available():
        return None
    kernel = tuple(w_shape[2:])
    ck, pos = w_shape[1] * math.prod(kernel), math.prod(x.shape[2:])
    if torch_runs_slow_path(x.shape, w_shape, stride, dilation, output_padding, groups):
        if not exact_gemm.same_as_threaded(ck, x.shape[1], pos):
            return None
        kernel_fn = _slow_weight_grad
    elif _onednn_modelled(x.shape, w_shape, stride, padding, dilation, output_padding, groups):
        kernel_fn = _onednn_direct
    else:
        return None
    cols = _columns(go, x.shape, kernel, stride, padding, dilation)
    return kernel_fn(np.ascontiguousarray(x), cols).reshape(w_shape)


def _exact_slow_path(x_shape: tuple, w: np.ndarray, stride: tuple, dilation: tuple, output_padding: tuple,
                     groups: int) -> bool:
    return (w.dtype == _F32 and groups == 1 and len(x_shape) == 5 and exact_gemm.available()
            and torch_runs_slow_path(x_shape, w.shape, stride, dilation, output_padding, groups))


def forward(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, stride: tuple, padding: tuple,
            output_padding: tuple, dilation: tuple, groups: int) -> np.ndarray | None:
    """slow_conv_transpose3d's float32 output, or None where PyTorch runs oneDNN (or without the extra)."""
    if x.dtype != _F32 or not _exact_slow_path(x.shape, w, stride, dilation, output_padding, groups):
        return None
    n, cin = x.shape[:2]
    lin = x.shape[2:]
    cout = w.shape[1]
    kernel = w.shape[2:]
    if not exact_gemm.same_as_threaded(math.prod(lin), cout * math.prod(kernel), cin):
        return None
    lout = tuple((lin[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + output_padding[i] + 1
                 for i in range(3))
    ck, pos = cout * math.prod(kernel), math.prod(lin)
    wf = np.ascontiguousarray(w).reshape(-1)
    xs = np.ascontiguousarray(x)
    # col2vol writes through a padded buffer: window positions outside the output are dropped there
    full = tuple(max(padding[i] + lout[i], (lin[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1)
                 + padding[i] for i in range(3))
    out = np.empty((n, cout, *lout), _F32)
    for i in range(n):
        cols = np.empty((ck, pos), _F32)
        exact_gemm.sgemm(False, True, pos, ck, cin, 1.0, xs[i].reshape(-1), pos, wf, ck, 0.0, cols, pos)
        cols = cols.reshape(cout, *kernel, *lin)
        acc = np.zeros((cout, *full), _F32)
        for kk in np.ndindex(*kernel):  # col2vol: offsets in order, one float32 add each
            dst = tuple(slice(kk[j] * dilation[j], kk[j] * dilation[j] + (lin[j] - 1) * stride[j] + 1, stride[j])
                        for j in range(3))
            acc[(slice(None), *dst)] += cols[(slice(None), *kk)]
        out[i] = acc[(slice(None), *(slice(padding[j], padding[j] + lout[j]) for j in range(3)))]
        if bias is not None:  # a k=1 gemm with beta=1: one rounded add
            out[i] += bias.astype(_F32).reshape(-1, 1, 1, 1)
    return out


def input_grad(go: np.ndarray, w: np.ndarray, x_shape: tuple, stride: tuple, padding: tuple,
               output_padding: tuple, dilation: tuple, groups: int) -> np.ndarray | None:
    """slow_conv_transpose3d's float32 input gradient, or None where PyTorch runs oneDNN."""
    if go.dtype != _F32 or not _exact_slow_path(x_shape, w, stride, dilation, output_padding, groups):
        return None
    n, cin = x_shape[:2]
    kernel = w.shape[2:]
    ck, pos = w.shape[1] * math.prod(kernel), math.prod(x_shape[2:])
    if not exact_gemm.same_as_threaded(pos, cin, ck):
        return None
    cols = _columns(go, x_shape, kernel, stride, padding, dilation)  # (N, C_out*k, D, H*W)
    wf = np.ascontiguousarray(w).reshape(-1)
    gx = np.empty((n, cin, pos), _F32)
    for i in range(n):
        exact_gemm.sgemm(False, False, pos, cin, ck, 1.0, np.ascontiguousarray(cols[i]).reshape(-1), pos, wf, ck,
                         0.0, gx[i], pos)
    return gx.reshape(x_shape)
