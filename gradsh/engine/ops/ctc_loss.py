"""CTC loss as PyTorch's LossCTC.cpp computes it: aten::_ctc_loss, then ctc_loss's reductions.

_ctc_loss runs the alpha recursion (log space, the max subtracted before exponentiating, as the CPU
kernel does) for each sample over the target extended with blanks; its node (CtcLossBackward0) runs
the beta recursion and gives d nll / d log_probs = exp(lp) - exp(log(alpha beta) + nll - lp), scaled by
the incoming gradient, zero beyond a sample's input length and, under zero_infinity, for infinite
losses. The recursions run in the input's dtype, in the kernel's order of operations.
ctc_loss then composes PyTorch's where (zero_infinity), division by the target lengths and mean,
or sum, so the graph above CtcLossBackward0 holds PyTorch's nodes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import creation, libm_expf
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result
from .elementwise import where

_NEG_INF = -np.inf


def _exp(x: np.ndarray) -> np.ndarray:
    """std::exp in x's dtype: glibc's expf for float (not always the rounded double exp), exp for double."""
    return libm_expf.expf(x) if x.dtype == np.float32 else np.exp(x)


def _log(x: np.ndarray) -> np.ndarray:
    return np.log(x.astype(np.float64)).astype(x.dtype)


def _logsumexp(*terms: np.ndarray) -> np.ndarray:
    """log(exp(a - m) + exp(b - m) + ...) + m in the terms' dtype, m their maximum (0 when all are -inf)."""
    m = np.maximum.reduce(terms)
    m = np.where(m == _NEG_INF, m.dtype.type(0), m)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = _exp(terms[0] - m)
        for t in terms[1:]:
            total = total + _exp(t - m)
        return _log(total) + m


def _shifted(a: np.ndarray, k: int) -> np.ndarray:
    """a moved k places right (toward higher s), -inf filling the start."""
    out = np.full_like(a, _NEG_INF)
    out[k:] = a[: a.size - k]
    return out


def _extended(target: np.ndarray, blank: int) -> tuple[np.ndarray, np.ndarray]:
    """The target with blanks around every label, and where s-2 -> s skips a blank (different labels)."""
    ext = np.full(2 * target.size + 1, blank, dtype=np.int64)
    ext[1::2] = target
    skip = np.zeros(ext.size, dtype=bool)
    skip[3::2] = target[1:] != target[:-1]
    return ext, skip


def _alpha(lp: np.ndarray, ext: np.ndarray, skip: np.ndarray) -> np.ndarray:
    t_len, n = lp.shape[0], ext.size
    la = np.full((t_len, n), _NEG_INF, dtype=lp.dtype)
    la[0, 0] = lp[0, ext[0]]
    if n > 1:
        la[0, 1] = lp[0, ext[1]]
    for t in range(1, t_len):
        prev = la[t - 1]
        two = np.where(skip, _shifted(prev, 2), _NEG_INF)
        la[t] = _logsumexp(prev, _shifted(prev, 1), two) + lp[t, ext]
    return la


def _beta(lp: np.ndarray, ext: np.ndarray, skip: np.ndarray) -> np.ndarray:
    t_len, n = lp.shape[0], ext.size
    lb = np.full((t_len, n), _NEG_INF, dtype=lp.dtype)
    lb[t_len - 1, n - 1] = lp[t_len - 1, ext[n - 1]]
    if n > 1:
        lb[t_len - 1, n - 2] = lp[t_len - 1, ext[n - 2]]
    skip_back = np.zeros(n, dtype=bool)
    skip_back[: n - 2] = skip[2:]  # s -> s+2 allowed where s+2 may be reached from s
    for t in range(t_len - 2, -1, -1):
        nxt = lb[t + 1]
        one = np.full(n, _NEG_INF, dtype=lp.dtype)
        one[:-1] = nxt[1:]
        two = np.full(n, _NEG_INF, dtype=lp.dtype)
        two[:-2] = nxt[2:]
        lb[t] = _logsumexp(nxt, one, np.where(skip_back, two, _NEG_INF)) + lp[t, ext]
    return lb


def _targets_of(targets: np.ndarray, target_lengths: list[int]) -> list[np.ndarray]:
    if targets.ndim == 2:  # padded (N, S)
        return [targets[b, :length] for b, length in enumerate(target_lengths)]
    offsets = np.concatenate([[0], np.cumsum(target_lengths)])
    return [targets[offsets[b]:offsets[b + 1]] for b in range(len(target_lengths))]


class CtcLossBackward0(Node):
    __slots__ = ("blank", "input_lengths", "log_probs", "nll", "targets", "zero_infinity")

    def apply(self, grads: list) -> tuple:
        lp_all, g = self.log_probs, grads[0]._data.astype(self.log_probs.dtype)
        grad = np.zeros_like(lp_all)
        for b, (target, t_len) in enumerate(zip(self.targets, self.input_lengths)):
            nll = self.nll[b]
            if self.zero_infinity and nll == np.inf:
                continue
            lp = lp_all[:t_len, b]
            ext, skip = _extended(target, self.blank)
            lab = _alpha(lp, ext, skip) + _beta(lp, ext, skip)  # (T, 2L+1)
            lcab = np.full(lp.shape, _NEG_INF, dtype=lp.dtype)
            for pos in range(ext.size - 1, -1, -1):  # PyTorch adds each position's alpha * beta in turn, from
                c = ext[pos]  # the last (its beta loop runs s downwards)
                cur, new = lcab[:, c], lab[:, pos]
                lcab[:, c] = np.where(cur == _NEG_INF, new, _logsumexp(cur, new))
            with np.errstate(over="ignore", invalid="ignore"):
                grad[:t_len, b] = (_exp(lp) - _exp(lcab + nll - lp)) * g[b]
        out = Tensor._wrap(grad, grads[0].dtype)
        return (out,)


def _lengths(value: Any) -> list[int]:
    if isinstance(value, Tensor):
        return [int(v) for v in value._data.reshape(-1)]
    return [int(v) for v in value]


@op("_ctc_loss", method=False)
def _ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int = 0,
              zero_infinity: bool = False) -> tuple:
    input_lengths, target_lengths = _lengths(input_lengths), _lengths(target_lengths)
    lp_all = np.asarray(log_probs._data)  # the recursions run in the input's dtype, as the CPU kernel does
    t_max, n = lp_all.shape[:2]
    if len(input_lengths) != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(target_lengths) != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    for t_len in input_lengths:
        if t_len > t_max:
            raise RuntimeError(f"Expected input_lengths to have value at most {t_max}, but got value {t_len} "
                               f"(while checking arguments for ctc_loss_cpu)")
    per_sample = _targets_of(targets._data.astype(np.int64), target_lengths)
    nll = np.empty(n, dtype=lp_all.dtype)
    for b, (target, t_len) in enumerate(zip(per_sample, input_lengths)):
        ext, skip = _extended(target, blank)
        if t_len == 0:
            nll[b] = 0.0 if target.size == 0 else np.inf
            continue
        la = _alpha(lp_all[:t_len, b], ext, skip)
        ends = [la[t_len - 1, -1]] + ([la[t_len - 1, -2]] if ext.size > 1 else [])
        nll[b] = -_logsumexp(*[np.asarray(e) for e in ends])
    out = result(nll, log_probs.dtype)
    alpha_out = creation.empty(0, dtype=log_probs.dtype)
    if state.recording and log_probs._rg:
        node = CtcLossBackward0((edge(log_probs),))
        node.log_probs, node.targets, node.input_lengths = lp_all, per_sample, input_lengths
        node.nll, node.blank, node.zero_infinity = nll, blank, zero_infinity
        attach(out, node)
    return out, alpha_out


_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


@op("ctc_loss", method=False)
def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: int = 1, zero_infinity: bool = False) -> Tensor:
    batched = log_probs.dim() == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    res = _ctc_loss(lp, targets, input_lengths, target_lengths, blank, zero_infinity)[0]
    if zero_infinity:
        res = where(res == float("inf"), creation.zeros((), dtype=res.dtype), res)
    if reduction == 1:
        lengths = creation.tensor(_lengths(target_lengths), dtype=res.dtype).clamp_min(1)
        return (res / lengths).mean()
    if reduction == 2:
        return res.sum()
    return res if batched else res.squeeze(0)


@op("ctc_loss", method=False, namespace="torch.nn.functional")
def ctc_loss_functional(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
                        blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _REDUCTIONS[reduction],
                    zero_infinity)


__all__ = ["ctc_loss"]

ctc_loss_functional.__name__ = ctc_loss_functional.__qualname__ = "ctc_loss"  # PyTorch's name in reprs and errors
