"""Random-number kernels, bit-exact with PyTorch 2.13's CPU generator (spec: shared/spec/rng.md).

No Tensor class here: kernels take a Generator (or None = `default_generator`), a shape tuple and a
`gradsh.engine.dtypes.dtype`, and return a C-contiguous numpy array of `dtype.np` (bfloat16 values live in
float32 arrays, rounded to bfloat16). Elements are produced in *memory order*; for a non-contiguous target
(e.g. `x.t().normal_()`), call with the shape of the storage order (axes sorted by decreasing stride, see
`memory_order_axes`) and `contiguous=False`, then permute the result back into the view.

Wiring for gradsh.torch (all `generator=` arguments: None -> default_generator, else that Generator; only its
engine and its normal cache are used/changed):

  Generator(seed=67280421310721)      torch.Generator(); .manual_seed(s) -> self, .seed() -> int,
                                      .initial_seed() -> int, .get_state() -> np.uint8[5056], .set_state(a)
  default_generator                   torch.default_generator; torch.manual_seed(s) = default_generator.manual_seed(s)
                                      (returns the generator), torch.seed(), torch.initial_seed()
  get_rng_state() / set_rng_state(a)  torch.get_rng_state() -> 1-D uint8 tensor of exactly 5056 bytes wrapping the
                                      array; set_rng_state(t) passes t's array (TypeError if not uint8)
  uniform(g, shape, dtype, low=0., high=1.)
        torch.rand(*size, dtype=None) (dtype None -> get_default_dtype()), rand_like(x) (x's shape and dtype unless
        dtype= given), Tensor.uniform_(a, b), nn.init.uniform_. Floating dtypes only.
  normal(g, shape, dtype, mean=0., std=1., contiguous=True)
        torch.randn (default dtype as rand), randn_like, Tensor.normal_(mean, std), nn.init.normal_,
        torch.normal(mean: float, std: float, size) (default dtype), nn.Embedding init.
  normal_tensor(g, mean, std, dtype)  torch.normal with a tensor mean and/or std (mean/std: float or np.ndarray;
                                      dtype = the tensor argument's dtype, promoted if both are tensors).
  randint(g, shape, dtype, low, high) torch.randint(low=0, high, size, dtype=int64), randint_like(x, low=0, high)
                                      (x's dtype), Tensor.random_(high) / random_(low, high).
  random_(g, shape, dtype)            Tensor.random_() without bounds.
  random_from(g, shape, dtype, low)   Tensor.random_(low, None): [low, max of dtype].
  randperm(g, n, dtype=int64)         torch.randperm(n, dtype=int64).
  bernoulli(g, shape, dtype, p)       p float: Tensor.bernoulli_(p), torch.bernoulli(x, p) (x's shape/dtype);
                                      p ndarray: torch.bernoulli(p) (p's shape and dtype), x.bernoulli_(p_tensor).
  dropout_noise(g, shape, dtype, p)   F.dropout / nn.Dropout in training mode: out = x * noise (float16/bfloat16:
                                      product in float, rounded once; see dropout()). Returns None when nothing is
                                      drawn (p == 0 or empty): then F.dropout returns x itself. p == 1 -> zeros.
  dropout(g, x, dtype, p, training)   convenience: (out, noise or None) following the rules above.
  exponential(g, shape, dtype, lambd=1.), cauchy(g, shape, dtype, median=0., sigma=1.),
  log_normal(g, shape, dtype, mean=1., std=2.), geometric(g, shape, dtype, p)
                                      the Tensor.<name>_ in-place samplers (log_normal_ defaults: mean=1, std=2).
  multinomial(g, probs, k, replacement=False)
                                      torch.multinomial / Tensor.multinomial; probs 1-D or 2-D array in its dtype
                                      (bfloat16 in float32 storage); returns int64 of shape (k,) or (rows, k).
  kaiming_uniform(g, shape, dtype, fan_in, a=sqrt(5)) / linear_bias_uniform(g, shape, dtype, fan_in)
                                      nn.Linear / nn.ConvNd reset_parameters: weight first, then bias.
  round_to_bfloat16(a)                float32 array -> float32 array rounded to bfloat16 (half-to-even).
  topk_indices(values, k)             indices of torch.topk(v, k) (largest, sorted) on the CPU including the order of
                                      ties (libstdc++ nth_element/sort/partial_sort), as multinomial needs; reusable
                                      by torch.topk.

Notes beyond rng.md (checked against PyTorch 2.13): torch.normal(mean: float, std_t) adds `mean` rounded to the
output dtype (PyTorch adds a 0-d tensor); uniform_ raises "from/to is out of bounds for <c type>" and
"uniform_ expects to-from <= std::numeric_limits<T>::max() ..." like PyTorch; error messages print doubles as %g.
Speed: double log/log1p/sin/cos/tan/exp go through numpy's ufuncs when a one-time probe shows they return the C
library's bits (see _LIBM), else through math per element; randperm's swap loop is vectorised (_fisher_yates).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from gradsh.engine import dtypes as dt

__all__ = [
    "Generator",
    "bernoulli",
    "cauchy",
    "default_generator",
    "dropout",
    "dropout_noise",
    "exponential",
    "geometric",
    "get_rng_state",
    "kaiming_uniform",
    "kaiming_uniform_bound",
    "linear_bias_uniform",
    "log_normal",
    "memory_order_axes",
    "multinomial",
    "normal",
    "normal_tensor",
    "randint",
    "random_",
    "random_from",
    "randperm",
    "round_to_bfloat16",
    "set_rng_state",
    "topk_indices",
    "uniform",
]

_N = 624
_STATE_BYTES = 5056
_U64 = (1 << 64) - 1
_F32, _F64 = np.float32, np.float64
_TWO_PI = 6.283185307179586


# ---------------------------------------------------------------------------------------------------------------
# Engine and generator


def _init_genrand(seed32: int) -> np.ndarray:
    w = [0] * _N
    w[0] = seed32
    for i in range(1, _N):
        prev = w[i - 1]
        w[i] = (1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF
    return np.array(w, dtype=np.uint32)


def _temper(y: np.ndarray) -> np.ndarray:
    y = y.astype(np.uint32)
    y ^= y >> np.uint32(11)
    y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    y ^= y >> np.uint32(18)
    return y


class Generator:
    """torch.Generator on the CPU: MT19937 engine, 64-bit initial seed and the double normal cache.

    numpy's MT19937 bit generator holds the engine (same 32-bit stream). PyTorch's (left, next) counters map to
    numpy's `pos` (pos = next, left = 625 - pos; pos = 624 when left == 1); `_hdr` keeps a header that is not
    of that form (freshly seeded, or set_state with odd counters) until the draws move past it.
    """

    def __init__(self, seed: int = 67280421310721, device: object = "cpu") -> None:
        self.device = device
        self._bg = np.random.MT19937(0)
        self._hdr: tuple[int, int] | None = None
        self._key: np.ndarray | None = None  # state words, only while _hdr is an odd (left, next) pair
        self._initial_seed = 0
        self._normal_cache: float | None = None
        self.manual_seed(seed)

    # -- seeding -----------------------------------------------------------------------------------------------
    def manual_seed(self, seed: object) -> Generator:
        s = int(seed)  # type: ignore[call-overload]
        if not -(1 << 63) <= s <= _U64:
            raise ValueError("Overflow when unpacking long long")
        s &= _U64
        self._initial_seed = s
        self._set_engine(_init_genrand(s & 0xFFFFFFFF), left=1, nxt=0)
        self._normal_cache = None
        return self

    def seed(self) -> int:
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._initial_seed

    # -- state -------------------------------------------------------------------------------------------------
    def _set_engine(self, key: np.ndarray, left: int, nxt: int) -> None:
        key = np.ascontiguousarray(key, dtype=np.uint32)
        if left == 1:  # the next draw twists, whatever `next` says
            pos, self._hdr, self._key = _N, ((1, nxt) if nxt != _N else None), None
        elif left + nxt == _N + 1:
            pos, self._hdr, self._key = nxt, None, None
        else:  # inconsistent counters: the next left-1 outputs come from w[next...] before a twist
            pos, self._hdr, self._key = _N, (left, nxt), key.copy()
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}

    def get_state(self) -> np.ndarray:
        st = self._bg.state["state"]
        if self._hdr is not None:
            left, nxt = self._hdr
            key = self._key if self._key is not None else st["key"]
        else:
            nxt = int(st["pos"])
            left = _N + 1 - nxt
            key = st["key"]
        out = np.zeros(_STATE_BYTES, dtype=np.uint8)
        out[0:8] = np.array([self._initial_seed], dtype="<u8").view(np.uint8)
        out[8:16] = np.array([left, 1], dtype="<i4").view(np.uint8)
        out[16:24] = np.array([nxt], dtype="<u8").view(np.uint8)
        out[24:5016] = np.asarray(key, dtype="<u8").view(np.uint8)
        if self._normal_cache is not None:
            out[5024:5032] = np.array([self._normal_cache], dtype="<f8").view(np.uint8)
            out[5040:5044] = np.array([1], dtype="<i4").view(np.uint8)
        return out

    def set_state(self, state: object) -> Generator:
        if not isinstance(state, np.ndarray) or state.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        b = np.ascontiguousarray(state).reshape(-1)
        if b.size != _STATE_BYTES:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input RNG state size to be "
                f"{b.size}")
        seed = int(b[0:8].view("<u8")[0])
        left, seeded = (int(v) for v in b[8:16].view("<i4"))
        nxt = int(b[16:24].view("<u8")[0])
        if seeded == 0 or not 1 <= left <= _N or nxt > _N:
            raise RuntimeError("Invalid mt19937 state")
        key = (b[24:5016].view("<u8") & 0xFFFFFFFF).astype(np.uint32)
        self._initial_seed = seed
        self._set_engine(key, left, nxt)
        has_normal = int(b[5040:5044].view("<i4")[0]) != 0
        self._normal_cache = float(b[5024:5032].view("<f8")[0]) if has_normal else None
        return self

    # -- raw draws ---------------------------------------------------------------------------------------------
    def _raw(self, n: int) -> np.ndarray:
        """n consecutive 32-bit outputs (as uint64)."""
        if n <= 0:
            return np.empty(0, dtype=np.uint64)
        head = None
        if self._hdr is not None and self._hdr[0] != 1:
            left, nxt = self._hdr
            k = min(n, left - 1)
            # PyTorch would read past the array for next + left > 625; wrap instead of undefined behaviour.
            head = _temper(self._key[(nxt + np.arange(k)) % _N]).astype(np.uint64)
            left, nxt = left - k, nxt + k
            self._hdr = (left, nxt)
            if left == 1:  # from here on it is the ordinary "twist next" state
                self._bg.state = {"bit_generator": "MT19937", "state": {"key": self._key, "pos": _N}}
                self._key = None
            n -= k
            if n == 0:
                return head
        self._hdr = None
        body = self._bg.random_raw(n)
        return body if head is None else np.concatenate([head, body])

    def _u32(self, n: int) -> np.ndarray:
        return self._raw(n)

    def _u64(self, n: int) -> np.ndarray:
        r = self._raw(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]  # first output is the high half

    def _u24(self, n: int) -> np.ndarray:
        return (self._raw(n) & np.uint64(0xFFFFFF)).astype(_F32) * _F32(2.0 ** -24)

    def _u53(self, n: int) -> np.ndarray:
        return (self._u64(n) & np.uint64((1 << 53) - 1)).astype(_F64) * (2.0 ** -53)

    def __repr__(self) -> str:
        return f"<gradsh Generator initial_seed={self._initial_seed}>"


default_generator = Generator(int.from_bytes(os.urandom(8), "little"))


def _gen(g: Generator | None) -> Generator:
    return default_generator if g is None else g


# gradsh.torch gives default_generator a subclass whose states are tensors: these two stay on numpy arrays
def get_rng_state() -> np.ndarray:
    return Generator.get_state(default_generator)


def set_rng_state(state: np.ndarray) -> None:
    Generator.set_state(default_generator, state)


# ---------------------------------------------------------------------------------------------------------------
# Exact float helpers


def round_to_bfloat16(a: np.ndarray) -> np.ndarray:
    """float32 values rounded to bfloat16 (round-half-to-even), kept in float32 storage."""
    a = np.asarray(a, dtype=_F32)
    bits = a.view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
    rounded = np.where(np.isnan(a), np.uint32(0x7FC00000), rounded).astype(np.uint32)
    return rounded.view(_F32)


def _to_dtype(v: np.ndarray, dtype: dt.dtype) -> np.ndarray:
    """Round float values to a floating dtype the way PyTorch does (16-bit types go through float)."""
    if dtype is dt.float64:
        return np.asarray(v, dtype=_F64)
    f = np.asarray(v, dtype=_F32)
    if dtype is dt.float16:
        return f.astype(np.float16)
    if dtype is dt.bfloat16:
        return round_to_bfloat16(f)
    return f


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Given s = fl(x) with error e = x - s, the double nearest x with round-to-odd."""
    bits = s.view(np.int64)
    fix = (e != 0) & ((bits & 1) == 0)
    if not fix.any():
        return s
    step = np.where(np.signbit(e) == np.signbit(s), 1, -1).astype(np.int64)
    return np.where(fix, bits + step, bits).view(_F64)


def _fma32(a: object, b: object, c: object, tiny: bool = False) -> np.ndarray:
    """Single-rounding float32 fma(a, b, c). The double product is exact; the double sum only double-rounds when
    it lands exactly on a float midpoint (or, with `tiny`, in the float subnormal range): those few elements are
    redone with round-to-odd."""
    s = np.multiply(a, b, dtype=_F64)
    s = np.add(s, c, out=s, dtype=_F64) if s.ndim else np.add(s, c, dtype=_F64)
    s = np.atleast_1d(s)
    suspect = np.bitwise_and(s.view(np.uint64), np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)
    if tiny:
        suspect |= np.abs(s) < 2.0 ** -125
    if suspect.any():
        idx = np.nonzero(suspect)
        a_b, b_b, c_b = (np.broadcast_to(np.asarray(v), s.shape) for v in (a, b, c))
        p = np.multiply(a_b[idx], b_b[idx], dtype=_F64)
        ss, e = _two_sum(p, c_b[idx].astype(_F64))
        s[idx] = _round_to_odd(ss, e)
    return s.astype(_F32)


def _fma64(a: object, b: object, c: object) -> np.ndarray:
    """Single-rounding float64 fma (Dekker product + Boldo-Melquiond round-to-odd sum)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, _F64), np.asarray(b, _F64), np.asarray(c, _F64))
    ph = a * b
    split = 134217729.0
    ta = split * a
    ah = ta - (ta - a)
    al = a - ah
    tb = split * b
    bh = tb - (tb - b)
    bl = b - bh
    pl = ((ah * bh - ph) + ah * bl + al * bh) + al * bl
    th, tl = _two_sum(c, ph)
    v, ve = _two_sum(tl, pl)
    out = th + _round_to_odd(v, ve)
    bad = ~np.isfinite(out) | ~np.isfinite(ph) | ~np.isfinite(pl)
    if bad.any():  # infinities / overflowing splits: the plain expression gives the IEEE special value
        out = np.where(bad, ph + c, out)
    return out


def _libm_loop(fn: Callable[[float], float], x: np.ndarray, on_error: Callable[[float], float]) -> np.ndarray:
    """Apply a C-library double function (Python's math) element by element."""
    flat = np.asarray(x, dtype=_F64).ravel().tolist()
    try:
        res = list(map(fn, flat))
    except (ValueError, OverflowError):
        res = []
        for v in flat:
            try:
                res.append(fn(v))
            except (ValueError, OverflowError):
                res.append(on_error(v))
    return np.array(res, dtype=_F64).reshape(np.shape(x))


def _nan(v: float) -> float:
    return math.nan


# math function -> (numpy ufunc, value for math's domain/range errors, probe inputs). Where numpy's float64 loops
# call the C library (x86-64 without AVX-512: checked bit for bit on 10^7 inputs of each domain), the ufunc is
# 10-15x faster than calling math per element. numpy's own SIMD versions (AVX-512 builds) differ by an ulp in
# ~0.35% (log) to ~7% (log1p) of inputs, which a probe of 4096 values detects; then math is used per element.
_LIBM: dict[Callable[[float], float], tuple[np.ufunc, Callable[[float], float], Callable[[np.ndarray], np.ndarray]]] = {
    math.log: (np.log, lambda v: -math.inf if v == 0 else math.nan, lambda u: np.concatenate([u, 1 - u])),
    math.log1p: (np.log1p, lambda v: -math.inf if v == -1 else math.nan, lambda u: -u),
    math.cos: (np.cos, _nan, lambda u: _TWO_PI * u),
    math.sin: (np.sin, _nan, lambda u: _TWO_PI * u),
    math.tan: (np.tan, _nan, lambda u: math.pi * (u - 0.5)),
    math.exp: (np.exp, lambda v: math.inf, lambda u: (u - 0.5) * 60.0),
}
_LIBM_SPECIALS = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 2.0 ** -53, 1 - 2.0 ** -53, 700.0, 710.0, -746.0,
                           math.inf, -math.inf, math.nan])
_numpy_is_libm: dict[Callable[[float], float], bool] = {}


def _probe_numpy(fn: Callable[[float], float]) -> bool:
    """Does numpy's ufunc give exactly the C library's results (compared on a fixed sample)?"""
    ufunc, on_error, domain = _LIBM[fn]
    u = (np.random.RandomState(20240531).randint(0, 1 << 53, 4096, dtype=np.int64).astype(_F64) * 2.0 ** -53)
    x = np.concatenate([domain(u), _LIBM_SPECIALS])
    with np.errstate(all="ignore"):
        got = ufunc(x)
    want = _libm_loop(fn, x, on_error)
    same = (got.view(np.int64) == want.view(np.int64)) | (np.isnan(got) & np.isnan(want))
    return bool(same.all())


def _libm(fn: Callable[[float], float], x: np.ndarray, on_error: Callable[[float], float]) -> np.ndarray:
    """A C-library double function element-wise, bit for bit as PyTorch calls it (see _LIBM)."""
    if fn in _LIBM:
        fast = _numpy_is_libm.get(fn)
        if fast is None:
            fast = _numpy_is_libm[fn] = _probe_numpy(fn)
        if fast:
            with np.errstate(all="ignore"):
                return _LIBM[fn][0](np.asarray(x, dtype=_F64))
    return _libm_loop(fn, x, on_error)


def _log(x: np.ndarray) -> np.ndarray:
    return _libm(math.log, x, _LIBM[math.log][1])


def _log1p(x: np.ndarray) -> np.ndarray:
    return _libm(math.log1p, x, _LIBM[math.log1p][1])


def _exp(x: np.ndarray) -> np.ndarray:
    return _libm(math.exp, x, _LIBM[math.exp][1])


def _numel(shape: Sequence[int]) -> int:
    return int(np.prod(shape, dtype=np.int64)) if len(shape) else 1


def _check_float(dtype: dt.dtype, name: str) -> None:
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for \'{dtype.scalar_name}\'')


def _as_complex(parts: np.ndarray, dtype: dt.dtype) -> np.ndarray:
    """Pairs (real, imaginary) along the last axis as complex values of `dtype`."""
    return np.ascontiguousarray(parts).view(dtype.np)[..., 0]


def memory_order_axes(strides: Sequence[int]) -> list[int]:
    """Axes sorted by decreasing stride (stable): the order in which samplers visit a non-contiguous tensor."""
    return sorted(range(len(strides)), key=lambda i: -strides[i])


# ---------------------------------------------------------------------------------------------------------------
# uniform


def uniform(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype, low: float = 0.0,
            high: float = 1.0) -> np.ndarray:
    """Tensor.uniform_(low, high) / torch.rand: one draw per element (float64: 64-bit draws)."""
    if dtype.is_complex:  # PyTorch draws into view_as_real: real and imaginary parts in turn
        return _as_complex(uniform(generator, (*shape, 2), dtype.to_real(), low, high), dtype)
    _check_float(dtype, "check_uniform_bounds")
    low, high = float(low), float(high)
    limit = _FMAX[dtype.name]
    for name, v in (("from", low), ("to", high)):
        if not -limit <= v <= limit:
            raise RuntimeError(f"{name} is out of bounds for {_dtype_desc(dtype)}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_fmt(low)} > "
                           f"to={_fmt(high)}")
    if high - low > limit:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{dtype.scalar_name}>::max(), but found "
                           f"to={_fmt(high)} and from={_fmt(low)} which result in to-from to exceed the limit")
    g = _gen(generator)
    shape = tuple(shape)
    n = _numel(shape)
    if dtype is dt.float64:
        x = g._u53(n)
        lo, hi = float(low), float(high)
        v = x if (lo == 0.0 and hi == 1.0) else _fma64(x, hi - lo, lo)
        lo_d, hi_d = np.float64(lo), np.float64(hi)
    else:
        x = g._u24(n)
        lo32, hi32 = _F32(low), _F32(high)
        span = _F32(hi32 - lo32)
        v = x if (lo32 == 0 and hi32 == 1) else _fma32(x, span, lo32, tiny=True)
        lo_d, hi_d = _to_dtype(np.array([lo32]), dtype)[0], _to_dtype(np.array([hi32]), dtype)[0]
    out = _to_dtype(v, dtype)
    out = np.where(out == hi_d, lo_d, out).astype(dtype.np)  # keep the interval half-open after rounding
    return out.reshape(shape)


def _fmt(v: float) -> str:
    """A double as C++ ostreams print it in PyTorch's messages (%g)."""
    return f"{float(v):g}"


def kaiming_uniform_bound(fan_in: int, a: float = math.sqrt(5)) -> float:
    gain = math.sqrt(2.0 / (1 + a ** 2))
    std = gain / math.sqrt(fan_in)
    return math.sqrt(3.0) * std


def kaiming_uniform(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype, fan_in: int,
                    a: float = math.sqrt(5)) -> np.ndarray:
    """nn.init.kaiming_uniform_(w, a=sqrt(5)) as nn.Linear/ConvNd use it: uniform_(-bound, bound)."""
    bound = kaiming_uniform_bound(fan_in, a)
    return uniform(generator, shape, dtype, -bound, bound)


def linear_bias_uniform(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype,
                        fan_in: int) -> np.ndarray:
    """nn.Linear/ConvNd bias: uniform_(-1/sqrt(fan_in), 1/sqrt(fan_in)) (bound 0 when fan_in == 0)."""
    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
    return uniform(generator, shape, dtype, -bound, bound)


# ---------------------------------------------------------------------------------------------------------------
# normal

def _f32c(bits: int) -> np.float32:
    return np.array([bits], dtype=np.uint32).view(_F32)[0]


_P = [_f32c(b) for b in (0x3D9021BB, 0xBDEBD1B8, 0x3DEF251A, 0xBDFE5D4F, 0x3E11E9BF, 0xBE2AAE50, 0x3E4CCEAC,
                         0xBE7FFFFC, 0x3EAAAAAA)]
_Q1, _Q2, _SQRTHF, _FOPI = (_f32c(b) for b in (0xB95E8083, 0x3F318000, 0x3F3504F3, 0x3FA2F983))
_NDP1, _NDP2, _NDP3 = (_f32c(b) for b in (0xBF490000, 0xB97DA000, 0xB3222169))
_C0, _C1, _C2 = (_f32c(b) for b in (0x37CCF5CE, 0xBAB6061A, 0x3D2AAAA5))
_S0, _S1, _S2 = (_f32c(b) for b in (0xB94CA1F9, 0x3C08839E, 0xBE2AAAA3))
_TWO_PI_F = _f32c(0x40C90FDB)


# The float32 kernel below is the recipe of rng.md §6.5 with each float fma done as f32(f64(a)*f64(b) + f64(c)):
# the product is exact in double and, for every one of the 2^24 possible inputs of the log (u1 = 1 - U24) and of
# the sincos (theta = f32(TWO_PI_F * U24)), the double sum never lands on a float midpoint, so there is no double
# rounding. (Checked exhaustively against the step-by-step recipe with fully checked fmas, _fma32; the test keeps
# that reference and compares on a sample.) Float -> double casts are the expensive part, hence the f64 scratch.


def _fma_into(out: np.ndarray, t: np.ndarray, a64: np.ndarray, b: object, c: object) -> np.ndarray:
    """out (float32) = fma(a, b, c) for the kernel's values; a64 is a in double, t a double scratch row."""
    np.multiply(a64, b, out=t)
    np.add(t, c, out=t)
    np.copyto(out, t, casting="same_kind")
    return out


def _avx2_log(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """PyTorch's AVX2 (Cephes) float log for u = 1 - U24 (1-D float32); w: (3, u.size) float64 scratch."""
    t, x64, y64 = w
    b = u.view(np.uint32)
    e = np.right_shift(b, np.uint32(23)).astype(_F32)
    e -= _F32(126)  # float(k) + 1 with k the unbiased exponent
    mb = b & np.uint32(0x807FFFFF)
    mb |= np.uint32(0x3F000000)
    m = mb.view(_F32)
    small = m < _SQRTHF
    e -= small
    x = m + _F32(-1)
    m *= small  # x = (m - 1) + (m if small else 0): multiplying by the mask avoids a slow np.where
    x += m
    z = x * x
    np.copyto(x64, x)
    y = np.empty_like(u)
    _fma_into(y, t, x64, float(_P[0]), float(_P[1]))
    for pk in _P[2:]:
        np.copyto(y64, y)
        _fma_into(y, t, y64, x64, float(pk))
    tq = e * _Q1
    y *= x
    np.copyto(y64, y)
    np.copyto(x64, z)
    _fma_into(y, t, y64, x64, tq)
    z *= _F32(0.5)
    y -= z
    x += y
    np.multiply(e, _Q2, out=y)  # e * Q2 is exact in float (<= 14 bits), so this fma is one float add
    y += x
    return y


def _avx2_sincos(theta: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's AVX2 (Cephes) float sincos for theta = f32(TWO_PI_F * U24) (1-D float32); w as for _avx2_log."""
    t, q64, c64 = w
    j = (theta * _FOPI).astype(np.int32)  # theta >= 0, so |theta| = theta; the cast truncates
    j += 1
    j &= -2
    np.copyto(q64, j)
    q = j.astype(_F32)
    x = q * _NDP1  # q * NDP1 and q * NDP2 are exact in float (<= 14 bits): those fmas are one float add each
    x += theta
    x += q * _NDP2
    _fma_into(x, t, q64, float(_NDP3), x)
    z = x * x
    z64 = q64
    np.copyto(z64, z)
    h = z * _F32(0.5)
    c = np.empty_like(theta)
    _fma_into(c, t, z64, float(_C0), float(_C1))
    np.copyto(c64, c)
    _fma_into(c, t, c64, z64, float(_C2))
    c *= z
    np.copyto(c64, c)
    np.negative(h, out=h)
    _fma_into(c, t, c64, z64, h)
    c += _F32(1)
    s = np.empty_like(theta)
    _fma_into(s, t, z64, float(_S0), float(_S1))
    np.copyto(c64, s)
    _fma_into(s, t, c64, z64, float(_S2))
    s *= z
    np.copyto(c64, s)
    np.copyto(z64, x)
    _fma_into(s, t, c64, z64, x)
    # swap where j & 2, negate sin where j & 4, cos where (j - 2) & 4 == 0 (i.e. (j + 2) & 4): done on the bit
    # patterns, because np.where and masked np.negative on random masks are 20-50x slower than bitwise ops
    sb, cb = s.view(np.uint32), c.view(np.uint32)
    mask = j & 2
    mask >>= 1
    np.negative(mask, out=mask)
    diff = sb ^ cb
    diff &= mask.view(np.uint32)
    sb ^= diff
    cb ^= diff
    sign = j & 4
    sign <<= 29
    sb ^= sign.view(np.uint32)
    j += 2
    j &= 4
    j <<= 29
    cb ^= j.view(np.uint32)
    return s, c


_CHUNK = 4096  # groups per numpy pass: keeps the kernel's temporaries in cache (2-3x faster than one big pass)


def _block_float(d: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Transform groups of 16 float uniforms (shape (g, 16)) with the AVX2 Box-Muller kernel; float32 result."""
    groups = d.shape[0]
    out = np.empty((groups, 16), dtype=_F32)
    w = np.empty((3, 8 * min(groups, _CHUNK)), dtype=_F64)
    mean32, std32 = _F32(mean), _F32(std)
    for i in range(0, groups, _CHUNK):
        dd = d[i:i + _CHUNK]
        m = dd.shape[0]
        wm = w[:, :8 * m]
        radius = _avx2_log((_F32(1) - dd[:, :8]).ravel(), wm)
        radius *= _F32(-2)
        np.sqrt(radius, out=radius)
        sin, cos = _avx2_sincos((_TWO_PI_F * dd[:, 8:]).ravel(), wm)
        radius = radius.reshape(m, 8)
        o = out[i:i + m]
        np.multiply(radius, cos.reshape(m, 8), out=o[:, :8])
        np.multiply(radius, sin.reshape(m, 8), out=o[:, 8:])
        if std32 == 1:
            o += mean32  # fma(n, 1, mean) is one rounding of n + mean (and turns -0 into +0 for mean 0)
        else:
            o[...] = _fma32(o, std32, mean32, tiny=True)
    return out


def _block_double(d: np.ndarray, mean: float, std: float) -> np.ndarray:
    u1 = 1.0 - d[:, :8]
    u2 = d[:, 8:]
    radius = np.sqrt(-2.0 * _log(u1))
    theta = _TWO_PI * u2
    n = np.concatenate([radius * _libm(math.cos, theta, _nan), radius * _libm(math.sin, theta, _nan)], axis=1)
    if std == 1.0:
        return n + mean  # fma(n, 1, mean) is a single rounding already (and turns -0 into +0)
    return _fma64(n, std, mean)


def _block_path(g: Generator, n: int, dtype: dt.dtype, mean: float, std: float) -> np.ndarray:
    full, rem = divmod(n, 16)
    wide = dtype is dt.float64
    if wide or dtype is dt.float32:
        d = g._u53(n + (16 if rem else 0)) if wide else g._u24(n + (16 if rem else 0))
        if rem:  # the tail group is redrawn (d[n:]) and overlaps the previous group's last outputs
            d = np.concatenate([d[:16 * full], d[n:]])
    else:  # float16 / bfloat16: 16 float draws per group, no wasted draws
        d = g._u24(16 * (full + (1 if rem else 0)))
    res = (_block_double if wide else _block_float)(d.reshape(-1, 16), mean, std).ravel()
    if rem:
        out = np.empty(n, dtype=res.dtype)
        out[:16 * full] = res[:16 * full]
        out[n - 16:] = res[16 * full:]
        res = out
    return res if wide or dtype is dt.float32 else _to_dtype(res, dtype)


def _standard_normals_scalar(g: Generator, m: int) -> np.ndarray:
    """m standard normals from the scalar (double Box-Muller) path, serving and refilling g's normal cache."""
    out = np.empty(m, dtype=_F64)
    start = 0
    if m and g._normal_cache is not None:
        out[0] = g._normal_cache
        g._normal_cache = None
        start = 1
    rest = m - start
    if rest:
        pairs = (rest + 1) // 2
        u = g._u53(2 * pairs)
        u1, u2 = u[0::2], u[1::2]
        r = np.sqrt(-2.0 * _log1p(-u2))
        theta = _TWO_PI * u1
        zc = r * _libm(math.cos, theta, _nan)
        zs = r * _libm(math.sin, theta, _nan)
        both = np.empty(2 * pairs, dtype=_F64)
        both[0::2], both[1::2] = zc, zs
        out[start:] = both[:rest]
        if rest % 2:
            g._normal_cache = float(zs[-1])
    return out


def normal(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype, mean: float = 0.0,
           std: float = 1.0, contiguous: bool = True) -> np.ndarray:
    """Tensor.normal_(mean, std) / torch.randn. Block path for contiguous targets of >= 16 elements."""
    if dtype.is_complex:  # PyTorch's normal_impl_: view_as_real, each part with half the variance
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
        parts = normal(generator, (*shape, 2), dtype.to_real(), mean, std / math.sqrt(2), contiguous)
        return _as_complex(parts, dtype)
    _check_float(dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    g = _gen(generator)
    shape = tuple(shape)
    n = _numel(shape)
    if n >= 16 and contiguous:
        return _block_path(g, n, dtype, float(mean), float(std)).reshape(shape)
    z = _standard_normals_scalar(g, n)
    v = z + float(mean) if float(std) == 1.0 else _fma64(z, float(std), float(mean))  # fma(z, 1, m) = z + m
    return _to_dtype(v, dtype).reshape(shape)


def _arith(dtype: dt.dtype, op: Callable[[np.ndarray, np.ndarray], np.ndarray], a: object, b: object) -> np.ndarray:
    """An elementwise op rounded once to dtype (16-bit types computed in float)."""
    if dtype.is_complex:
        return op(np.asarray(a, dtype.np), np.asarray(b, dtype.np))
    if dtype is dt.float64:
        return op(np.asarray(a, _F64), np.asarray(b, _F64))
    return _to_dtype(op(np.asarray(a, _F32), np.asarray(b, _F32)), dtype)


def normal_tensor(generator: Generator | None, mean: float | np.ndarray, std: float | np.ndarray,
                  dtype: dt.dtype) -> np.ndarray:
    """torch.normal(mean, std) where at least one of them is a tensor (given as its numpy array)."""
    mean_t, std_t = isinstance(mean, np.ndarray), isinstance(std, np.ndarray)
    if std_t and np.any(np.asarray(std, _F64) < 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    shape = np.broadcast_shapes(*[np.shape(v) for v in (mean, std) if isinstance(v, np.ndarray)])
    if mean_t and not std_t:
        out = normal(generator, shape, dtype, 0.0, float(std))
        return _arith(dtype, np.add, out, mean)
    out = normal(generator, shape, dtype, 0.0, 1.0)
    out = _arith(dtype, np.multiply, out, std)
    if not mean_t:  # PyTorch adds a 0-d tensor full({}, mean) of the output dtype: mean is rounded first
        mean = _to_dtype(np.array(float(mean)), dtype)
    return _arith(dtype, np.add, out, mean)


def log_normal(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype, mean: float = 1.0,
               std: float = 2.0) -> np.ndarray:
    """Tensor.log_normal_: exp of the scalar-path normal (shares the normal cache), whatever the size."""
    _check_float(dtype, "log_normal_cpu")
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    g = _gen(generator)
    z = _standard_normals_scalar(g, _numel(shape))
    return _to_dtype(_exp(_fma64(z, float(std), float(mean))), dtype).reshape(tuple(shape))


# ---------------------------------------------------------------------------------------------------------------
# integers

_INT_RANGE = {
    "int64": (-(1 << 63), (1 << 63) - 1), "int32": (-(1 << 31), (1 << 31) - 1), "int16": (-(1 << 15), (1 << 15) - 1),
    "int8": (-128, 127), "uint8": (0, 255), "bool": (0, 1),
}
_DIGITS = {"float32": 24, "float64": 53, "float16": 11, "bfloat16": 8}
_FMAX = {"float32": float(np.finfo(np.float32).max), "float64": float(np.finfo(np.float64).max),
         "float16": 65504.0, "bfloat16": 3.3895313892515355e38}


def _round_int(v: int, digits: int) -> int:
    """int(v rounded to a `digits`-bit significand), round-half-even, in exact integer arithmetic."""
    a = abs(v)
    extra = a.bit_length() - digits
    if extra <= 0:
        return v
    q, r = divmod(a, 1 << extra)
    half = 1 << (extra - 1)
    if r > half or (r == half and q & 1):
        q += 1
    return (q << extra) * (1 if v >= 0 else -1)


def _update_from(low: int, digits: int) -> int:
    c = _round_int(low + 1, digits)
    if c < low:
        n = abs(low + 1).bit_length() - 1
        low = c + (1 << (n - digits + 1))
    return low


def _update_to(high: int, digits: int) -> int:
    c = _round_int(high - 1, digits)
    if c >= high:
        n = abs(high - 1).bit_length() - 1
        high = c - (1 << (n - digits + 1))
    return high


def _dtype_desc(dtype: dt.dtype) -> str:
    return dtype.c_name


def _check_in_range(low: int, to_inc: int, dtype: dt.dtype) -> None:
    if dtype.is_floating_point:
        lo, hi = -_FMAX[dtype.name], _FMAX[dtype.name]
    else:
        lo, hi = _INT_RANGE[dtype.name]
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {_dtype_desc(dtype)}")
    if not lo <= to_inc <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {_dtype_desc(dtype)}")
    if dtype.is_floating_point:  # PyTorch still accepts bounds beyond the exact integers of the type, with a warning
        digits = _DIGITS[dtype.name]
        for name, v in (("from", low), ("to - 1", to_inc)):
            if not -(1 << digits) <= v <= (1 << digits):
                warnings.warn(f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                              f"{_dtype_desc(dtype)} can support discrete uniform distribution only within this range. "
                              "This warning will become an error in version 1.7 release, please fix the code in "
                              "advance (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                              "DistributionTemplates.h:111.)", UserWarning, stacklevel=2)


def _ints_to_dtype(v: np.ndarray, dtype: dt.dtype) -> np.ndarray:
    """int64 results converted as C++ static_cast does (floats round to nearest; 16-bit floats via float)."""
    if dtype is dt.bool_:
        return v != 0
    if dtype.is_floating_point:
        return _to_dtype(v.astype(_F64) if dtype is dt.float64 else v.astype(_F32), dtype)
    return v.astype(dtype.np)


def _from_range(g: Generator, n: int, range_: int, low: int) -> np.ndarray:
    """low + (draw mod range) in wrapping 64-bit arithmetic, as int64."""
    raw = g._u64(n) if range_ >= (1 << 28) else g._u32(n)
    v = raw % np.uint64(range_) if range_ < (1 << 64) else raw
    return (v + np.uint64(low & _U64)).view(np.int64)


def randint(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype, low: int,
            high: int) -> np.ndarray:
    """torch.randint / Tensor.random_(low, high): values in [low, high), plain modulo of one draw."""
    low, high = int(low), int(high)
    if not low < high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype.is_floating_point:
        digits = _DIGITS[dtype.name]
        low, high = _update_from(low, digits), _update_to(high, digits)
        if not low < high:
            raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but "
                               f"got from={low} >= to={high}")
    _check_in_range(low, high - 1, dtype)
    shape = tuple(shape)
    n = _numel(shape)
    if n == 0:
        return np.empty(shape, dtype=dtype.np)
    return _ints_to_dtype(_from_range(_gen(generator), n, high - low, low), dtype).reshape(shape)


def random_from(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype, low: int) -> np.ndarray:
    """Tensor.random_(low, None): [low, largest value of dtype] (for floats, 2^digits)."""
    low = int(low)
    shape = tuple(shape)
    n = _numel(shape)
    g = _gen(generator)
    if low == -(1 << 63):
        if dtype not in (dt.int64, dt.float64, dt.float32, dt.bfloat16):
            raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16")
        if n == 0:
            return np.empty(shape, dtype=dtype.np)
        return _ints_to_dtype(g._u64(n).view(np.int64), dtype).reshape(shape)
    if dtype.is_floating_point:
        digits = _DIGITS[dtype.name]
        to_inc = 1 << digits
        low = _update_from(low, digits)
        if not low < to_inc:
            raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted "
                               f"to dtype, but got from={low} > to_inc={to_inc}")
    else:
        to_inc = _INT_RANGE[dtype.name][1]
    _check_in_range(low, to_inc, dtype)
    if n == 0:
        return np.empty(shape, dtype=dtype.np)
    return _ints_to_dtype(_from_range(g, n, to_inc - low + 1, low), dtype).reshape(shape)


_RANDOM_MOD = {  # Tensor.random_() without bounds: (64-bit draw?, modulus)
    "int64": (True, 1 << 63), "float64": (True, (1 << 53) + 1), "int32": (False, 1 << 31),
    "int16": (False, 1 << 15), "int8": (False, 1 << 7), "uint8": (False, 1 << 8), "bool": (False, 2),
    "float32": (False, (1 << 24) + 1), "float16": (False, (1 << 11) + 1), "bfloat16": (False, (1 << 8) + 1),
}


def random_(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype) -> np.ndarray:
    """Tensor.random_() with no bounds (per-dtype modulus, see rng.md §7)."""
    if dtype.name not in _RANDOM_MOD:
        raise NotImplementedError(f'"random_kernel_cpu" not implemented for \'{dtype.scalar_name}\'')
    wide, mod = _RANDOM_MOD[dtype.name]
    g = _gen(generator)
    shape = tuple(shape)
    n = _numel(shape)
    raw = g._u64(n) if wide else g._u32(n)
    v = (raw % np.uint64(mod)).view(np.int64)  # bool: u32 AND 1 == u32 mod 2
    return _ints_to_dtype(v, dtype).reshape(shape)


def _fisher_yates(z: np.ndarray) -> np.ndarray:
    """The permutation left by `for i: swap(a[i], a[i + z[i]])` on a = arange(len(z) + 1), without a Python loop.

    Step i fixes a[i] for good, to the value at position j_i = i + z_i just before step i. That value was put there
    by the previous step k < i with the same target (which wrote h(k), the value at position k before step k), or
    is j_i if no earlier step targeted j_i; likewise h(t) = h(k) for the last step k < t that targeted t, else t.
    Grouping the steps by target (one sort) gives those predecessors; h follows by pointer jumping."""
    n = z.size + 1
    shift = max(n - 1, 1).bit_length()
    idx = np.arange(n, dtype=np.int64)
    j = idx.copy()
    j[:-1] += z.astype(np.int64)  # the last step is a no-op swap of a[n-1] with itself
    key = j << shift
    key |= idx
    key.sort()  # unique keys: grouped by target, in step order within a group
    ks = (key & ((1 << shift) - 1)).astype(np.int32)
    js = (key >> shift).astype(np.int32)
    del key
    same = js[1:] == js[:-1]
    pred = np.empty(n, dtype=np.int32)  # the previous step with the same target, -1 if none
    pred[ks[0]] = -1
    pred[ks[1:]] = np.where(same, ks[:-1], -1)
    ends = np.flatnonzero(~same)
    last = np.full(n, -1, dtype=np.int32)  # the last step targeting each position
    last[js[ends]] = ks[ends]
    last[js[-1]] = ks[-1]
    idx32 = idx.astype(np.int32)
    pt = np.where(last == idx32, pred, last)  # last step k < t that targeted t (k == t is step t itself)
    parent = np.where(pt >= 0, pt, idx32)
    active = np.flatnonzero(pt >= 0)
    while active.size:  # pointer jumping to the chain roots; chains are short (~log n), so few rounds
        p = parent[active]
        pp = parent[p]
        parent[active] = pp
        active = active[pp != p]
    return np.where(pred >= 0, parent[np.maximum(pred, 0)], j)


def randperm(generator: Generator | None, n: int, dtype: dt.dtype = dt.int64) -> np.ndarray:
    """torch.randperm(n): Fisher-Yates with 32-bit draws (inside-out shuffle with 64-bit draws for huge n)."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    g = _gen(generator)
    if n < 214748364:
        z = g._u32(max(n - 1, 0)) % np.arange(n, 1, -1, dtype=np.uint64)
        if n < 64:  # the plain loop is cheaper than ~30 numpy calls
            a = list(range(n))
            for i, k in enumerate(z.tolist()):
                j = i + k
                a[i], a[j] = a[j], a[i]
            res = np.array(a, dtype=np.int64)
        else:
            res = _fisher_yates(z)
    else:  # n >= 2^27.7: needs gigabytes anyway; kept as the plain loop of rng.md §8
        z = (g._u64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
        res_l = [0] * n
        for i, k in enumerate(z):
            res_l[i] = res_l[k]
            res_l[k] = i
        res = np.array(res_l, dtype=np.int64)
    return _ints_to_dtype(res, dtype)


# ---------------------------------------------------------------------------------------------------------------
# bernoulli, dropout and the other distributions


def bernoulli(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype,
              p: float | np.ndarray) -> np.ndarray:
    """1/0 in dtype. p a Python float: u = U53 < p. p an array (broadcast to shape): float64 p compares a U53
    draw in double, any other p a U24 draw in float."""
    g = _gen(generator)
    shape = tuple(shape)
    n = _numel(shape)
    if isinstance(p, np.ndarray):
        if np.any(~((p >= 0) & (p <= 1))):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement request to PyTorch.)")
        pb = np.broadcast_to(p, shape).ravel()
        keep = (g._u53(n) < pb.astype(_F64)) if p.dtype == np.float64 else (g._u24(n) < pb.astype(_F32))
    else:
        p = float(p)
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
        keep = g._u53(n) < p
    return _ints_to_dtype(keep.astype(np.int64), dtype).reshape(shape)


def dropout_noise(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype,
                  p: float) -> np.ndarray | None:
    """F.dropout's noise tensor (training mode): bernoulli_(1 - p) scaled by 1/(1-p); None when nothing is drawn
    (p == 0 or no elements), zeros (no draws) when p == 1."""
    p = float(p)
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    shape = tuple(shape)
    if p == 0 or _numel(shape) == 0:
        return None
    if p == 1:
        return np.zeros(shape, dtype=dtype.np)
    keep = bernoulli(generator, shape, dt.float64, 1 - p)
    if dtype is dt.float64:
        return keep * (1 / (1 - p))
    scale = _F32(1) / _F32(1 - p)
    return _to_dtype(keep.astype(_F32) * scale, dtype)


def dropout(generator: Generator | None, x: np.ndarray, dtype: dt.dtype, p: float,
            training: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """F.dropout on x's array: (out, noise). noise is None when x is returned unchanged (then out is x)."""
    if not training:
        return x, None
    noise = dropout_noise(generator, x.shape, dtype, p)
    if noise is None:
        return x, None
    return _arith(dtype, np.multiply, x, noise), noise


def _u53_draws(generator: Generator | None, shape: Sequence[int]) -> np.ndarray:
    return _gen(generator)._u53(_numel(shape))


def exponential(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype,
                lambd: float = 1.0) -> np.ndarray:
    """Tensor.exponential_(lambd): (-1/lambd) * log1p(-u) in double."""
    _check_float(dtype, "exponential_cpu")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    u = _u53_draws(generator, shape)
    return _to_dtype((-1.0 / float(lambd)) * _log1p(-u), dtype).reshape(tuple(shape))


def cauchy(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype, median: float = 0.0,
           sigma: float = 1.0) -> np.ndarray:
    """Tensor.cauchy_(median, sigma): fma(sigma, tan(pi * (u - 0.5)), median) in double."""
    _check_float(dtype, "cauchy_cpu")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    u = _u53_draws(generator, shape)
    t = _libm(math.tan, math.pi * (u - 0.5), _nan)
    return _to_dtype(_fma64(float(sigma), t, float(median)), dtype).reshape(tuple(shape))


def geometric(generator: Generator | None, shape: Sequence[int], dtype: dt.dtype, p: float) -> np.ndarray:
    """Tensor.geometric_(p): ceil(log(u) / log1p(-p)) in double."""
    p = float(p)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    u = _u53_draws(generator, shape)
    v = np.ceil(_log(u) / math.log1p(-p))
    if dtype.is_floating_point:
        return _to_dtype(v, dtype).reshape(tuple(shape))
    with np.errstate(invalid="ignore"):
        return v.astype(np.int64).astype(dtype.np).reshape(tuple(shape))


def multinomial(generator: Generator | None, probs: np.ndarray, k: int, replacement: bool = False,
                dtype: dt.dtype | None = None) -> np.ndarray:
    """torch.multinomial(probs, k, replacement) -> int64 indices, shape (k,) or (rows, k).

    dtype is probs' torch dtype (needed only to tell bfloat16 from float32 storage)."""
    probs = np.asarray(probs)
    if dtype is None:
        dtype = dt.from_numpy_dtype(probs.dtype)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input")
    k = int(k)
    if k <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    rows2 = probs.reshape(1, -1) if probs.ndim == 1 else probs
    n_cat = rows2.shape[1]
    if not replacement and k > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    p64 = rows2.astype(_F64)
    if np.any(~np.isfinite(p64)) or np.any(p64 < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(p64.sum(axis=1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    g = _gen(generator)
    if not replacement or k == 1:
        q = exponential(g, rows2.shape, dtype, 1.0)
        s = _arith(dtype, np.divide, rows2, q)
        if k == 1:
            res = np.argmax(s, axis=1).reshape(-1, 1)
        else:
            res = np.array([topk_indices(row, k) for row in s.astype(_F64).tolist()], dtype=np.int64)
    else:
        acc = _F64 if dtype is dt.float64 else _F32
        cum = np.cumsum(rows2.astype(acc), axis=1, dtype=acc)  # sequential accumulation, as the C++ loop
        total = cum[:, -1:].copy()
        cum = cum / total
        cum[:, -1] = 1
        u = g._u53(k * rows2.shape[0]).reshape(rows2.shape[0], k)
        res = np.stack([np.searchsorted(cum[r].astype(_F64), u[r], side="left") for r in range(rows2.shape[0])])
    res = res.astype(np.int64)
    return res.reshape(-1) if probs.ndim == 1 else res


# ---------------------------------------------------------------------------------------------------------------
# topk as PyTorch's CPU kernel does it (libstdc++ nth_element + sort, or partial_sort): the order of tied values
# (frequent with zero probabilities or 16-bit dtypes) is a property of those exact algorithms.


def _before(x: tuple[float, int], y: tuple[float, int]) -> bool:
    """PyTorch's largest-first comparator: NaN first, then greater values."""
    return (x[0] != x[0] and y[0] == y[0]) or x[0] > y[0]


def _adjust_heap(a: list, first: int, hole: int, length: int, value: tuple) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if _before(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if length & 1 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and _before(a[first + parent], value):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


def _heap_select(a: list, first: int, middle: int, last: int) -> None:
    length = middle - first
    if length >= 2:
        parent = (length - 2) // 2
        while True:
            _adjust_heap(a, first, parent, length, a[first + parent])
            if parent == 0:
                break
            parent -= 1
    for i in range(middle, last):
        if _before(a[i], a[first]):
            value = a[i]
            a[i] = a[first]
            _adjust_heap(a, first, 0, length, value)


def _sort_heap(a: list, first: int, last: int) -> None:
    while last - first > 1:
        last -= 1
        value = a[last]
        a[last] = a[first]
        _adjust_heap(a, first, 0, last - first, value)


def _partition_pivot(a: list, first: int, last: int) -> int:
    mid = first + (last - first) // 2
    x, y, z, r = first + 1, mid, last - 1, first
    if _before(a[x], a[y]):
        pick = y if _before(a[y], a[z]) else (z if _before(a[x], a[z]) else x)
    else:
        pick = x if _before(a[x], a[z]) else (z if _before(a[y], a[z]) else y)
    a[r], a[pick] = a[pick], a[r]
    pivot = a[first]
    lo, hi = first + 1, last
    while True:
        while _before(a[lo], pivot):
            lo += 1
        hi -= 1
        while _before(pivot, a[hi]):
            hi -= 1
        if not lo < hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _insertion_sort(a: list, first: int, last: int, guarded: bool = True) -> None:
    for i in range(first + 1 if guarded else first, last):
        val = a[i]
        if guarded and _before(val, a[first]):
            a[first + 1:i + 1] = a[first:i]
            a[first] = val
            continue
        j = i
        while _before(val, a[j - 1]):
            a[j] = a[j - 1]
            j -= 1
        a[j] = val


def _std_sort(a: list, first: int, last: int) -> None:
    def loop(first: int, last: int, depth: int) -> None:
        while last - first > 16:
            if depth == 0:
                _heap_select(a, first, last, last)
                _sort_heap(a, first, last)
                return
            depth -= 1
            cut = _partition_pivot(a, first, last)
            loop(cut, last, depth)
            last = cut

    if last - first <= 1:
        return
    loop(first, last, 2 * ((last - first).bit_length() - 1))
    if last - first > 16:
        _insertion_sort(a, first, first + 16)
        _insertion_sort(a, first + 16, last, guarded=False)
    else:
        _insertion_sort(a, first, last)


def _nth_element(a: list, first: int, nth: int, last: int) -> None:
    if first == last or nth == last:
        return
    depth = 2 * ((last - first).bit_length() - 1)
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last)


def topk_indices(values: list[float], k: int) -> list[int]:
    """Indices of torch.topk(values, k) (largest, sorted) on the CPU, ties included."""
    a = [(v, i) for i, v in enumerate(values)]
    n = len(a)
    if k * 64 <= n:
        _heap_select(a, 0, k, n)
        _sort_heap(a, 0, k)
    else:
        _nth_element(a, 0, k - 1, n)
        _std_sort(a, 0, k - 1)
    return [i for _, i in a[:k]]
