"""The table of differentiable ops that test_gradcheck.py and test_parity_torch.py both run.

Each case's `fn(T, *inputs)` takes the torch namespace first (gradsh.torch or real PyTorch), so the
same computation runs on both engines; constant operands (indices, masks) are built from `T` inside
it. Inputs are drawn uniformly from [low, high] per input, away from kinks and ties, with a fixed seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[..., Any]
    shapes: tuple  # one per input: a shape, or (shape, low, high)
    low: float = -1.0
    high: float = 1.0
    eps: float = 1e-6
    atol: float = 1e-5
    gradgrad: bool = False  # also run gradgradcheck
    kink: bool = False  # keep values at least 0.1 away from zero (abs, relu, ...)
    xfail: str = ""  # a known engine bug outside the ops' formulas: the reason
    parity_xfail: str = ""  # the same, for a difference from PyTorch that gradcheck cannot see

    def arrays(self, seed: int = 0) -> list[np.ndarray]:
        rng = np.random.default_rng(seed + sum(map(ord, self.name)))
        out = []
        for spec in self.shapes:
            shape, low, high = (spec, self.low, self.high) if _is_shape(spec) else spec
            a = rng.uniform(low, high, shape)
            if self.kink:
                a = np.where(np.abs(a) < 0.1, np.copysign(0.1, a) + a, a)
            out.append(np.asarray(a, dtype=np.float64))
        return out


def _is_shape(spec: Any) -> bool:
    return isinstance(spec, tuple) and all(isinstance(s, int) for s in spec)


CASES: list[Case] = []


def case(name: str, fn: Callable[..., Any], *shapes: Any, **opts: Any) -> None:
    CASES.append(Case(name, fn, tuple(shapes), **opts))


POS = ((2, 3), 0.5, 2.0)  # a positive (2, 3) input
BROADCAST_PAIRS = [((2, 3), (2, 3)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 3)), ((2, 3), ()), ((), ())]


def _pair_id(a: tuple, b: tuple) -> str:
    return f"{'x'.join(map(str, a)) or 's'}_{'x'.join(map(str, b)) or 's'}"


# ----- binary arithmetic, with broadcasting ------------------------------------------------------
for _a, _b in BROADCAST_PAIRS:
    _id = _pair_id(_a, _b)
    case(f"add_{_id}", lambda T, x, y: x + y, _a, _b, gradgrad=_a == _b == (2, 3))
    case(f"sub_{_id}", lambda T, x, y: x - y, _a, _b)
    case(f"mul_{_id}", lambda T, x, y: x * y, _a, _b, gradgrad=True)
    case(f"div_{_id}", lambda T, x, y: x / y, _a, (_b, 0.5, 2.0), gradgrad=True)
    case(f"pow_{_id}", lambda T, x, y: x ** y, (_a, 0.5, 2.0), _b, gradgrad=True)
    case(f"maximum_{_id}", lambda T, x, y: T.maximum(x, y), _a, _b, gradgrad=True)
    case(f"minimum_{_id}", lambda T, x, y: T.minimum(x, y), _a, _b)
    case(f"where_{_id}", lambda T, x, y: T.where((x + y) > 0, x, y), _a, _b, gradgrad=True)
case("add_alpha", lambda T, x, y: T.add(x, y, alpha=2.5), (2, 3), (3,))
case("sub_alpha", lambda T, x, y: T.sub(x, y, alpha=-1.5), (3, 1), (1, 4))
case("rsub_tensors", lambda T, x, y: T.rsub(x, y), (2, 3), (3,))
case("rsub_alpha", lambda T, x, y: T.rsub(x, y, alpha=3), (2, 3), (2, 3))
case("mul_method", lambda T, x, y: x.mul(y), (2, 3), (3,))
case("div_method", lambda T, x, y: T.div(x, y), (2, 3), ((2, 3), 0.5, 2.0))
case("pow_function", lambda T, x, y: T.pow(x, y), POS, (3,))

# ----- with Python numbers, reflected too ---------------------------------------------------------
case("add_scalar", lambda T, x: x + 2.5, (2, 3))
case("add_int", lambda T, x: x + 2, (2, 3))
case("radd_scalar", lambda T, x: 2.5 + x, (2, 3))
case("sub_scalar", lambda T, x: x - 1.5, (2, 3))
case("rsub_scalar", lambda T, x: 1.5 - x, (2, 3))
case("rsub_function_scalar", lambda T, x: T.rsub(x, 2.0), (2, 3))
case("mul_scalar", lambda T, x: x * 3.0, (2, 3))
case("rmul_scalar", lambda T, x: 3 * x, (2, 3))
case("div_scalar", lambda T, x: x / 2.0, (2, 3))
case("rdiv_scalar", lambda T, x: 2.0 / x, POS, gradgrad=True)
case("pow_scalar2", lambda T, x: x ** 2, (2, 3), gradgrad=True)
case("pow_scalar3", lambda T, x: x ** 3, (2, 3))
case("pow_scalar_half", lambda T, x: x ** 0.5, POS, gradgrad=True)
case("pow_scalar_neg", lambda T, x: x ** -1.5, POS)
case("rpow_scalar", lambda T, x: 2.5 ** x, (2, 3), gradgrad=True)
case("rpow_int", lambda T, x: 2 ** x, (2, 3))
case("pow_function_scalar_base", lambda T, x: T.pow(3.0, x), (2, 3))
case("scalar_0d_ops", lambda T, x: (x * 2 - 1) / 3 + x ** 2, ())

# ----- unary math ------------------------------------------------------------------------------------
case("neg", lambda T, x: -x, (2, 3))
case("neg_method", lambda T, x: x.neg(), (2, 3))
case("exp", lambda T, x: x.exp(), (2, 3), gradgrad=True)
case("exp_function", lambda T, x: T.exp(x), (3,))
case("log", lambda T, x: x.log(), POS, gradgrad=True)
case("sin", lambda T, x: x.sin(), (2, 3), gradgrad=True)
case("cos", lambda T, x: T.cos(x), (2, 3), gradgrad=True)
case("tanh", lambda T, x: x.tanh(), (2, 3), gradgrad=True)
case("sigmoid", lambda T, x: T.sigmoid(x), (2, 3), gradgrad=True)
case("relu", lambda T, x: x.relu(), (2, 3), kink=True, gradgrad=True)
case("relu_function", lambda T, x: T.relu(x), (4,), kink=True)
case("abs", lambda T, x: x.abs(), (2, 3), kink=True, gradgrad=True)
case("abs_builtin", lambda T, x: abs(x), (2, 3), kink=True)
case("sqrt", lambda T, x: x.sqrt(), POS, gradgrad=True)
case("rsqrt", lambda T, x: x.rsqrt(), POS, gradgrad=True)
case("reciprocal", lambda T, x: x.reciprocal(), POS, gradgrad=True)
case("log1p", lambda T, x: x.log1p(), (2, 3), low=-0.5, gradgrad=True)
case("expm1", lambda T, x: x.expm1(), (2, 3), gradgrad=True)
case("sinh", lambda T, x: x.sinh(), (2, 3), gradgrad=True)
case("cosh", lambda T, x: x.cosh(), (2, 3), gradgrad=True)
case("atan", lambda T, x: x.atan(), (2, 3), gradgrad=True)
case("square", lambda T, x: x.square(), (2, 3))
# rows added to the unary table (ops/unary.py) after it was introduced
case("tan", lambda T, x: x.tan(), (2, 3), gradgrad=True)
case("asin", lambda T, x: T.asin(x), ((2, 3), -0.9, 0.9), gradgrad=True)
case("acos", lambda T, x: x.acos(), ((2, 3), -0.9, 0.9), gradgrad=True)
case("arcsin_alias", lambda T, x: T.arcsin(x), ((3,), -0.9, 0.9))
case("log2", lambda T, x: x.log2(), POS, gradgrad=True)
case("log10", lambda T, x: T.log10(x), POS, gradgrad=True)
case("composite", lambda T, x: (x.sin() * x.exp() + x.tanh()).sigmoid(), (2, 3), gradgrad=True)

# ----- clamp ------------------------------------------------------------------------------------------
case("clamp_both", lambda T, x: x.clamp(-0.5, 0.5), (3, 4), gradgrad=True)
case("clamp_min", lambda T, x: x.clamp(min=-0.3), (3, 4))
case("clamp_max", lambda T, x: T.clamp(x, max=0.3), (3, 4))
case("clip", lambda T, x: x.clip(-0.2, 0.6), (3, 4))
case("clamp_min_fn", lambda T, x: x.clamp_min(0.1), (3, 4))
case("clamp_max_fn", lambda T, x: x.clamp_max(-0.1), (3, 4))
case("clamp_tensor_bounds", lambda T, x, lo, hi: x.clamp(lo, hi), (3, 4), ((4,), -0.8, -0.2), ((3, 1), 0.2, 0.8),
     gradgrad=True)
case("clamp_tensor_min", lambda T, x, lo: T.clamp(x, min=lo), (3, 4), (3, 4))
case("clamp_tensor_max", lambda T, x, hi: x.clamp(max=hi), (3, 4), (4,))

# ----- reductions ---------------------------------------------------------------------------------------
case("sum", lambda T, x: x.sum(), (2, 3, 4), gradgrad=True)
case("sum_dim", lambda T, x: x.sum(1), (2, 3, 4))
case("sum_dim_neg_keepdim", lambda T, x: x.sum(-1, keepdim=True), (2, 3, 4))
case("sum_tuple", lambda T, x: x.sum((0, 2)), (2, 3, 4))
case("sum_tuple_keepdim", lambda T, x: T.sum(x, dim=(0, 1), keepdim=True), (2, 3, 4))
case("sum_0d", lambda T, x: x.sum(), ())
case("mean", lambda T, x: x.mean(), (2, 3, 4), gradgrad=True)
case("mean_dim", lambda T, x: x.mean(0), (2, 3, 4))
case("mean_keepdim", lambda T, x: T.mean(x, 2, keepdim=True), (2, 3, 4))
case("mean_tuple", lambda T, x: x.mean((1, 2)), (2, 3, 4))
case("max", lambda T, x: x.max(), (3, 4), gradgrad=True)
case("min", lambda T, x: T.min(x), (3, 4))
case("max_dim", lambda T, x: x.max(1).values, (3, 4), gradgrad=True)
case("max_dim_keepdim", lambda T, x: x.max(dim=0, keepdim=True)[0], (3, 4))
case("min_dim", lambda T, x: T.min(x, -1).values, (2, 3, 4))
case("min_dim_keepdim", lambda T, x: x.min(1, True)[0], (2, 3, 4))
case("softmax", lambda T, x: x.softmax(1), (3, 4), gradgrad=True)
case("softmax_dim0", lambda T, x: T.softmax(x, 0), (3, 4))
case("softmax_3d", lambda T, x: x.softmax(-1), (2, 2, 3))
case("log_softmax", lambda T, x: x.log_softmax(-1), (3, 4), gradgrad=True)
case("log_softmax_dim0", lambda T, x: T.log_softmax(x, dim=0), (3, 4))

# ----- linear algebra -----------------------------------------------------------------------------------
case("matmul_dot", lambda T, x, y: x @ y, (3,), (3,), gradgrad=True)
case("matmul_mv", lambda T, x, y: x @ y, (2, 3), (3,))
case("matmul_vm", lambda T, x, y: x @ y, (3,), (3, 4))
case("matmul_mm", lambda T, x, y: T.matmul(x, y), (2, 3), (3, 4), gradgrad=True)
case("matmul_batched_matrix", lambda T, x, y: x @ y, (2, 2, 3), (3, 4))
case("matmul_matrix_batched", lambda T, x, y: x.matmul(y), (2, 3), (2, 3, 4))
case("matmul_vector_batched", lambda T, x, y: x @ y, (3,), (2, 3, 4))
case("matmul_batched_vector", lambda T, x, y: x @ y, (2, 2, 3), (3,))
case("matmul_bmm_shapes", lambda T, x, y: x @ y, (2, 2, 3), (2, 3, 4))
case("matmul_broadcast_batch", lambda T, x, y: x @ y, (2, 1, 2, 3), (3, 3, 2))
case("mm", lambda T, x, y: x.mm(y), (2, 3), (3, 4))
case("mm_function", lambda T, x, y: T.mm(x, y), (3, 3), (3, 2))
case("mv", lambda T, x, y: x.mv(y), (2, 3), (3,))
case("dot", lambda T, x, y: T.dot(x, y), (4,), (4,))
case("bmm", lambda T, x, y: x.bmm(y), (2, 2, 3), (2, 3, 4), gradgrad=True)
case("addmm", lambda T, b, x, y: T.addmm(b, x, y), (2, 4), (2, 3), (3, 4))
case("addmm_broadcast_bias", lambda T, b, x, y: T.addmm(b, x, y), (4,), (2, 3), (3, 4))
case("addmm_beta_alpha", lambda T, b, x, y: T.addmm(b, x, y, beta=0.5, alpha=2.0), (1, 4), (2, 3), (3, 4))
case("outer", lambda T, x, y: T.outer(x, y), (3,), (4,))
case("matmul_self", lambda T, x: x @ x.t(), (2, 3))
# one operand constant: PyTorch folds (or not) by requires_grad and strides, and records other nodes
case("matmul_const_matrix_batched", lambda T, y: (T.ones(2, 3, dtype=y.dtype) * 0.5) @ y, (2, 3, 4))
case("matmul_batched_const_matrix", lambda T, x: x @ T.ones(3, 4, dtype=x.dtype), (2, 2, 3))
case("matmul_noncontig_batch_const", lambda T, x: x.transpose(0, 1) @ T.ones(3, 2, dtype=x.dtype), (2, 2, 3))
case("matmul_const_vector_batched", lambda T, y: T.ones(3, dtype=y.dtype) @ y, (2, 3, 4))
case("matmul_4d_vector", lambda T, x, y: x @ y, (2, 2, 2, 3), (3,))
case("matmul_vector_4d", lambda T, x, y: x @ y, (3,), (2, 1, 3, 2))


# ----- views and shapes --------------------------------------------------------------------------------
case("reshape", lambda T, x: x.reshape(6, 4), (2, 3, 4))
case("reshape_neg", lambda T, x: T.reshape(x, (-1, 2)), (2, 3, 4))
case("view", lambda T, x: x.view(4, 6), (2, 3, 4))
case("reshape_noncontig_copy", lambda T, x: x.t().reshape(-1), (3, 4))
case("reshape_noncontig_alias", lambda T, x: x[:, ::2].reshape(6), (3, 4))
case("reshape_expanded", lambda T, x: x.unsqueeze(0).expand(2, 3, 4).reshape(2, 12), (3, 4))
case("view_flat", lambda T, x: x.view(-1), (2, 3, 4))
case("view_as", lambda T, x, y: x.view_as(y) * y, (2, 3, 4), (4, 6))
case("reshape_as", lambda T, x: x.reshape_as(T.zeros(3, 8)), (2, 3, 4))
case("flatten", lambda T, x: x.flatten(), (2, 3, 4))
case("flatten_start", lambda T, x: T.flatten(x, 1), (2, 3, 4))
case("unflatten", lambda T, x: x.unflatten(2, (2, 2)), (2, 3, 4))
case("transpose", lambda T, x: x.transpose(0, 2), (2, 3, 4))
case("transpose_fn", lambda T, x: T.transpose(x, -1, 1), (2, 3, 4))
case("t", lambda T, x: x.t(), (2, 3))
case("t_1d", lambda T, x: x.t() * 2, (3,))
case("permute", lambda T, x: x.permute(2, 0, 1), (2, 3, 4))
case("permute_tuple", lambda T, x: T.permute(x, (1, 2, 0)), (2, 3, 4))
case("T", lambda T, x: x.T, (2, 3))
case("mT", lambda T, x: x.mT, (2, 3, 4))
case("movedim", lambda T, x: x.movedim(0, 2), (2, 3, 4))
case("movedim_tuple", lambda T, x: T.movedim(x, (0, 1), (2, 0)), (2, 3, 4))
case("unsqueeze", lambda T, x: x.unsqueeze(1), (2, 3))
case("unsqueeze_neg", lambda T, x: T.unsqueeze(x, -1), (2, 3))
case("squeeze", lambda T, x: x.squeeze(), (2, 1, 3, 1))
case("squeeze_dim", lambda T, x: x.squeeze(1), (2, 1, 3))
case("squeeze_dims", lambda T, x: x.squeeze((1, 3)), (2, 1, 3, 1))
case("expand", lambda T, x: x.expand(2, 3, 4), (3, 1), gradgrad=True)
case("expand_neg", lambda T, x: x.expand(-1, 4), (3, 1))
case("expand_as", lambda T, x: x.expand_as(T.zeros(2, 3)), (3,))
case("repeat", lambda T, x: x.repeat(2, 1, 3), (3, 2))
case("repeat_same", lambda T, x: x.repeat(2, 2), (2, 3))
case("select", lambda T, x: x.select(1, 2), (2, 3, 4))
case("select_neg", lambda T, x: T.select(x, 0, -1), (2, 3))
case("narrow", lambda T, x: x.narrow(1, 1, 2), (2, 3, 4))
case("narrow_fn", lambda T, x: T.narrow(x, 0, 0, 1), (2, 3))
case("split", lambda T, x: x.split(2, dim=2), (2, 3, 5))
case("split_sections", lambda T, x: T.split(x, [1, 3], 1), (2, 4))
case("split_partial_use", lambda T, x: x.split(2)[1] * 2, (5, 2))
case("chunk", lambda T, x: x.chunk(3, dim=1), (2, 6))
case("chunk_uneven", lambda T, x: T.chunk(x, 2), (5, 2))
case("unbind", lambda T, x: x.unbind(0), (3, 4))
case("unbind_dim", lambda T, x: T.unbind(x, 1)[2] * 3, (3, 4))
case("diagonal", lambda T, x: x.diagonal(), (3, 4))
case("diagonal_offset", lambda T, x: x.diagonal(1), (3, 4))
case("diagonal_neg_offset", lambda T, x: T.diagonal(x, -1), (3, 4))
case("diagonal_3d", lambda T, x: x.diagonal(0, 1, 2), (2, 3, 3))
case("clone", lambda T, x: x.clone(), (2, 3))
case("clone_fn", lambda T, x: T.clone(x) * 2, (2, 3))
case("contiguous_t", lambda T, x: x.t().contiguous(), (2, 3))
case("to_float32", lambda T, x: x.to(T.float32), (2, 3), eps=1e-3, atol=1e-3)
case("float", lambda T, x: x.float(), (2, 3), eps=1e-3, atol=1e-3)
case("to_float64_roundtrip", lambda T, x: x.to(T.float64) * 1, (2, 3))
case("double", lambda T, x: (x * 2).double(), (2, 3))
case("mixed_dtype_mul", lambda T, x, y: x * y.to(T.float32), (2, 3), (3,), eps=1e-3, atol=1e-3)
case("mixed_dtype_0d", lambda T, x, s: x.float() + s, (2, 3), (), eps=1e-3, atol=1e-3)

# ----- indexing ----------------------------------------------------------------------------------------
case("index_int", lambda T, x: x[1], (3, 4))
case("index_neg_int", lambda T, x: x[-1, 2], (3, 4))
case("index_slice", lambda T, x: x[1:3], (4, 3))
case("index_step", lambda T, x: x[::2, 1::2], (4, 5))
case("index_none", lambda T, x: x[None, :, None], (3, 4))
case("index_ellipsis", lambda T, x: x[..., 1], (2, 3, 4))
case("index_ellipsis_slice", lambda T, x: x[1:, ..., ::2], (3, 2, 4))
case("index_col", lambda T, x: x[:, 1], (3, 4))
case("index_list", lambda T, x: x[[0, 2, 0]], (3, 4), gradgrad=True)
case("index_list_2d", lambda T, x: x[[0, 1, 1], [2, 0, 2]], (3, 4))
case("index_bool_mask", lambda T, x: x[T.tensor([[True, False, True, False]] * 3)], (3, 4))
case("index_bool_rows", lambda T, x: x[T.tensor([True, False, True])], (3, 4))
case("index_tensor", lambda T, x: x[T.tensor([2, 0, 2])], (3, 4))
case("index_tensor_2d", lambda T, x: x[T.tensor([[0, 1], [1, 1]])], (3, 4))
case("index_mixed", lambda T, x: x[1:, [0, 2]], (3, 4), gradgrad=True)
case("index_mixed_int_list", lambda T, x: x[0, :, [1, 1, 3]], (2, 3, 4))
case("index_mixed_none_tensor", lambda T, x: x[None, T.tensor([1, 0]), 1:3], (3, 4))
case("index_separated_advanced", lambda T, x: x[[0, 1], :, [1, 2]], (2, 3, 4))
case("index_chain", lambda T, x: x[1][::2][0], (3, 4))
case("index_mask_then_slice", lambda T, x: x[T.tensor([[True, False, True], [False, True, True]]), 1:3], (2, 3, 4))
case("index_true", lambda T, x: x[True] * 2, (2, 3))
case("index_ellipsis_list", lambda T, x: x[..., [0, 1]], (2, 3, 4))
case("index_list_ellipsis_int", lambda T, x: x[[0, 1], ..., 0], (2, 3, 4))
case("index_int_none_slice_list", lambda T, x: x[1, None, ::2, [3, 0]], (2, 3, 4))
case("gather", lambda T, x: x.gather(1, T.tensor([[0, 2], [1, 1], [3, 0]])), (3, 4), gradgrad=True)
case("gather_dim0", lambda T, x: T.gather(x, 0, T.tensor([[2, 0, 1, 2]])), (3, 4))
case("index_select", lambda T, x: x.index_select(0, T.tensor([2, 0, 2])), (3, 4))
case("index_select_dim1", lambda T, x: T.index_select(x, 1, T.tensor([3, 1])), (3, 4))
case("masked_fill", lambda T, x: x.masked_fill(T.tensor([[True, False, False, True]] * 3), 0.5), (3, 4))
case("masked_fill_broadcast_mask", lambda T, x: T.masked_fill(x, T.tensor([False, True, True, False]), -1.0), (3, 4))

# ----- joining ----------------------------------------------------------------------------------------
case("cat", lambda T, x, y: T.cat([x, y]), (2, 3), (1, 3), gradgrad=True)
case("cat_dim1", lambda T, x, y: T.cat((x, y), dim=1), (2, 3), (2, 2))
case("cat_same_twice", lambda T, x: T.cat([x, x * 2, x], -1), (2, 3))
case("stack", lambda T, x, y: T.stack([x, y]), (2, 3), (2, 3))
case("stack_dim", lambda T, x, y: T.stack((x, y, x), dim=2), (2, 3), (2, 3))
case("where_scalar_other", lambda T, x: T.where(x > 0, x, 0.0), (3, 4), kink=True)
case("where_method", lambda T, x, y: x.where(T.tensor([True, False, True]), y), (2, 3), (3,))

# ----- in-place ops on non-leaves ----------------------------------------------------------------------


def _inplace(method: str, *args: Any, **kwargs: Any) -> Callable[..., Any]:
    def fn(T: Any, x: Any) -> Any:
        y = x * 1
        getattr(y, method)(*args, **kwargs)
        return y

    return fn


def _inplace2(method: str, **kwargs: Any) -> Callable[..., Any]:
    def fn(T: Any, x: Any, z: Any) -> Any:
        y = x * 1
        getattr(y, method)(z, **kwargs)
        return y

    return fn


case("inplace_add_scalar", _inplace("add_", 2.0), (2, 3))
case("inplace_add_tensor", _inplace2("add_"), (2, 3), (3,))
case("inplace_add_alpha", _inplace2("add_", alpha=2.0), (2, 3), (2, 3))
case("inplace_sub_tensor", _inplace2("sub_", alpha=0.5), (2, 3), (2, 1))
case("inplace_mul_tensor", _inplace2("mul_"), (2, 3), (3,), gradgrad=True)
case("inplace_mul_scalar", _inplace("mul_", 3.0), (2, 3))
case("inplace_div_tensor", _inplace2("div_"), (2, 3), ((2, 3), 0.5, 2.0))
case("inplace_div_scalar", _inplace("div_", 4.0), (2, 3))
case("inplace_pow", _inplace("pow_", 2), (2, 3))
case("inplace_clamp", _inplace("clamp_", -0.5, 0.5), (3, 4))
case("inplace_clamp_min", _inplace("clamp_min_", 0.0), (3, 4), kink=True)
case("inplace_exp", _inplace("exp_"), (2, 3))
case("inplace_sigmoid", _inplace("sigmoid_"), (2, 3), gradgrad=True)
case("inplace_tanh", _inplace("tanh_"), (2, 3))
case("inplace_relu", _inplace("relu_"), (2, 3), kink=True)
case("inplace_neg", _inplace("neg_"), (2, 3))
case("inplace_sqrt", _inplace("sqrt_"), POS)
case("inplace_log", _inplace("log_"), POS)
case("inplace_sin", _inplace("sin_"), (2, 3))
case("inplace_reciprocal", _inplace("reciprocal_"), POS)
case("inplace_abs", _inplace("abs_"), (2, 3), kink=True)


def _masked_fill_(T: Any, x: Any) -> Any:
    y = x * 1
    y.masked_fill_(T.tensor([[True, False, True], [False, False, True]]), 0.25)
    return y


def _iadd(T: Any, x: Any, z: Any) -> Any:
    y = x * 2
    y += z
    y *= z
    return y


def _chain(T: Any, x: Any, z: Any) -> Any:
    y = x.sin()
    y.mul_(z).add_(1.0)
    y.div_(z + 3)
    return y.sin()


def _zero(T: Any, x: Any) -> Any:
    y = x * 1
    y[0].zero_()
    return y * x


def _copy(T: Any, x: Any, z: Any) -> Any:
    y = x * 1
    y[1:].copy_(z)
    return y


def _fill(T: Any, x: Any) -> Any:
    y = x * 1
    y[:, 0].fill_(2.0)
    return y * x


def _setitem_row(T: Any, x: Any, z: Any) -> Any:
    y = x * 1
    y[0] = z
    return y


def _setitem_scalar(T: Any, x: Any) -> Any:
    y = x * 2
    y[:, 1] = 5.0
    return y


def _setitem_mask(T: Any, x: Any, z: Any) -> Any:
    y = x * 1
    y[T.tensor([[True, False, True, False]] * 3)] = z
    return y


def _setitem_index(T: Any, x: Any, z: Any) -> Any:
    y = x * 1
    y[[0, 2]] = z
    return y


def _setitem_broadcast(T: Any, x: Any, z: Any) -> Any:
    y = x * 1
    y[1:, 1:3] = z
    return y


def _view_inplace(T: Any, x: Any, z: Any) -> Any:
    y = x * 1
    v = y[1]
    v.mul_(z)
    return y


def _view_setitem(T: Any, x: Any, z: Any) -> Any:
    y = x * 1
    v = y.t()
    v[0] = z
    return y


def _view_of_view(T: Any, x: Any) -> Any:
    y = x * 1
    v = y[:, 1:]
    v[0].exp_()
    return y


def _view_returned(T: Any, x: Any, z: Any) -> Any:
    y = x * 1
    v = y[1]
    v.add_(z)
    return v


def _base_changed_view_read(T: Any, x: Any) -> Any:
    y = x * 1
    v = y[0]
    y.mul_(3.0)
    return v


case("inplace_masked_fill", _masked_fill_, (2, 3))
case("inplace_operators", _iadd, (2, 3), (3,))
case("inplace_chain", _chain, (2, 3), ((2, 3), 0.5, 2.0))
case("inplace_zero_view", _zero, (2, 3))
case("inplace_copy_view", _copy, (3, 4), (4,))
case("inplace_fill_view", _fill, (2, 3))
case("setitem_row", _setitem_row, (3, 4), (4,))
case("setitem_scalar", _setitem_scalar, (3, 4))
case("setitem_mask", _setitem_mask, (3, 4), (6,), gradgrad=True)
case("setitem_index_list", _setitem_index, (3, 4), (2, 4))
case("setitem_broadcast", _setitem_broadcast, (3, 4), (2,))
case("view_inplace_copyslices", _view_inplace, (3, 4), (4,))
case("view_setitem_copyslices", _view_setitem, (3, 4), (3,))
case("view_of_view_inplace", _view_of_view, (3, 4))
case("view_returned_after_inplace", _view_returned, (3, 4), (4,))
case("view_read_after_base_inplace", _base_changed_view_read, (3, 4))

# ----- statistics, sorting, shapes and scatter (issue 10, structural half) -------------------------------
case("aminmax_dim", lambda T, x: T.aminmax(x, dim=1), (3, 4))
case("aminmax_all", lambda T, x: T.aminmax(x), (3, 4))
case("median_all", lambda T, x: T.median(x), (3, 5))
case("median_dim", lambda T, x: T.median(x, 1).values, (3, 5))
case("nanmedian_dim", lambda T, x: T.nanmedian(x, 0, keepdim=True).values, (4, 3))
case("mode_dim", lambda T, x: T.mode(x, 1).values, (3, 4))
case("nansum_dim", lambda T, x: T.nansum(x, 1), (3, 4), gradgrad=True)
case("nanmean_all", lambda T, x: T.nanmean(x), (3, 4), gradgrad=True)
case("var_mean_dim", lambda T, x: T.var_mean(x, 1), (3, 4), gradgrad=True)
case("std_mean_all", lambda T, x: T.std_mean(x), (3, 4))
case("cov_rows", lambda T, x: T.cov(x), (3, 5), gradgrad=True)
case("corrcoef_rows", lambda T, x: T.corrcoef(x), (3, 5))
case("cumprod_dim", lambda T, x: T.cumprod(x, 1), (3, 4), gradgrad=True)
case("cumprod_zero", lambda T, x: T.cumprod(x * T.tensor([1.0, 0.0, 1.0], dtype=x.dtype), 0), (3,))
case("cummax_dim", lambda T, x: T.cummax(x, 1).values, (3, 4))
case("cummin_dim", lambda T, x: T.cummin(x, 0).values, (3, 4))
case("logcumsumexp_dim", lambda T, x: T.logcumsumexp(x, 1), (3, 4))
case("diff_prepend", lambda T, x, p: T.diff(x, n=2, dim=1, prepend=p), (3, 4), (3, 1), gradgrad=True)

case("sort_values", lambda T, x: T.sort(x, 1).values, (3, 4), gradgrad=True)
case("sort_descending_stable", lambda T, x: T.sort(x, dim=0, descending=True, stable=True)[0], (3, 4))
case("msort_values", lambda T, x: T.msort(x), (3, 4))
case("kthvalue_dim", lambda T, x: T.kthvalue(x, 2, 0, keepdim=True).values, (3, 4))

case("flip_dims", lambda T, x: T.flip(x, (0, -1)), (2, 3, 4), gradgrad=True)
case("fliplr_flipud", lambda T, x: T.fliplr(x) * T.flipud(x), (3, 3))
case("roll_dims", lambda T, x: T.roll(x, (1, -2), (0, 1)), (3, 4), gradgrad=True)
case("roll_flat", lambda T, x: T.roll(x, 5), (3, 4))
case("rot90_k", lambda T, x: T.rot90(x, 3, (1, 0)), (2, 3))
case("tile_dims", lambda T, x: T.tile(x, (2, 1, 2)), (2, 3))
case("tril_triu", lambda T, x: T.tril(x, -1) + T.triu(x, 1), (3, 4), gradgrad=True)
case("diag_embed_offset", lambda T, x: T.diag_embed(x, 1, 0, 2), (2, 3), gradgrad=True)
case("diag_vector_matrix", lambda T, x, m: T.diag(x, -1).sum() + T.diag(m, 1), (3,), (3, 4))
case("diagflat_matrix", lambda T, x: T.diagflat(x, 1), (2, 2))
case("copy_forms", lambda T, x: T.transpose_copy(x, 0, 1) + T.permute_copy(x, (1, 0)) + T.t_copy(x)
     + T.unsqueeze_copy(x, 0)[0] + T.expand_copy(x[:, :1], (3, 3)) + T.narrow_copy(T.alias_copy(x), 1, 1, 2).sum(),
     (3, 3), gradgrad=True)
case("split_copy_forms", lambda T, x: T.unbind_copy(x, 1)[0] * T.split_with_sizes_copy(x, [1, 2], 1)[1].sum(1),
     (2, 3))
case("as_strided_overlap", lambda T, x: T.as_strided(x, (3, 3), (1, 2), 1), (4, 3), gradgrad=True)
case("unfold_windows", lambda T, x: x.unfold(1, 3, 2), (2, 7), gradgrad=True)
case("stack_family", lambda T, a, b: T.hstack([a, b]).sum() + T.vstack([a, b]) + T.dstack([a, b]).sum()
     + T.column_stack([a, b]).sum(), (3,), (3,))
case("split_family", lambda T, x: T.tensor_split(x, 3, 1)[2] * T.hsplit(x, [1, 3])[1]
     + T.vsplit(x, 2)[1].sum(), (4, 5))
case("meshgrid_xy", lambda T, a, b: T.meshgrid(a, b, indexing="xy"), (3,), (2,))
case("broadcast_family", lambda T, a, b: T.broadcast_tensors(a, b)[0] * T.broadcast_to(b, (2, 3)), (2, 1), (3,))
case("atleast_ravel", lambda T, a: T.atleast_3d(a).ravel() * T.atleast_2d(a).ravel(), (4,))
case("block_diag_mixed", lambda T, a, b, c: T.block_diag(a, b, c), (2, 3), (2,), ())
case("cartesian_combinations", lambda T, a: T.cartesian_prod(a, a).sum(0) + T.combinations(a, 2).sum(0), (3,))
case("unsafe_split_chunk", lambda T, x: T.unsafe_split(x, 2)[1] * T.unsafe_chunk(x, 2)[0], (4, 3))
case("scatter_into_views", lambda T, x, r, d: T.select_scatter(x, r, 0, 1) * T.slice_scatter(x, x[:2], 0, 1)
     + T.diagonal_scatter(x, d, 1), (3, 3), (3,), (2,), gradgrad=True)
case("mH_and_H", lambda T, x: x.mH @ x.H.T, (2, 3))

case("scatter_reduce_sum_mean", lambda T, x, s: x.scatter_reduce(0, T.tensor([[0, 1, 0], [2, 0, 0]]), s, "sum")
     * x.scatter_reduce(0, T.tensor([[0, 1, 0], [2, 0, 0]]), s, "mean", include_self=False), (3, 3), (2, 3),
     gradgrad=True)
case("scatter_reduce_prod", lambda T, x, s: T.scatter_reduce(x, 1, T.tensor([[0, 0], [1, 1]]), s, "prod"),
     (2, 3), (2, 2), low=0.5, high=2.0, gradgrad=True)
case("scatter_reduce_amax", lambda T, x, s: T.scatter_reduce(x, 0, T.tensor([0, 0, 2]), s, "amax"), (3,), (3,))
case("scatter_reduce_amin_excl", lambda T, x, s: T.scatter_reduce(x, 0, T.tensor([1, 1, 2]), s, "amin",
                                                                  include_self=False), (4,), (3,))
case("index_reduce_mean", lambda T, x, s: T.index_reduce(x, 1, T.tensor([0, 2, 0]), s, "mean"), (2, 3), (2, 3),
     gradgrad=True)
case("index_reduce_prod_excl", lambda T, x, s: x.index_reduce(0, T.tensor([1, 1]), s, "prod", include_self=False),
     (3, 2), (2, 2), low=0.5, high=2.0)
case("index_copy_fill", lambda T, x, s, v: T.index_copy(x, 0, T.tensor([2, 0]), s).index_fill(1, T.tensor([1]), v[0]),
     (3, 2), (2, 2), (1,), gradgrad=True)
case("index_put_accumulate", lambda T, x, v: T.index_put(x, (T.tensor([0, 0, 2]), T.tensor([1, 1, 0])), v,
                                                         accumulate=True), (3, 2), (3,), gradgrad=True)
case("index_put_broadcast", lambda T, x, v: x.index_put((T.tensor([[0], [2]]),), v), (3, 2), (2,))
case("take_put", lambda T, x, s: T.take(x, T.tensor([[5, 0], [-1, 5]])) + T.put(x, T.tensor([1, 1, 4]), s,
                                                                                  accumulate=True)[0, :2],
     (2, 3), (3,), gradgrad=True)
case("take_along_dim_broadcast", lambda T, x: T.take_along_dim(x, T.tensor([[0], [2]]), 1) * T.take_along_dim(
    x, T.tensor([4, 0])), (2, 3), gradgrad=True)
case("masked_scatter_broadcast", lambda T, x, s: T.masked_scatter(x, T.tensor([[True, False], [False, True]]), s),
     (2,), (3, 2), gradgrad=True)
case("masked_select_scatter_add", lambda T, x, s: T.masked_select(x, x > 0).sum()
     + T.scatter_add(x, 0, T.tensor([[1, 0]]), s), (2, 2), (1, 2), gradgrad=True)

case("quantile_dim_q_tensor", lambda T, x: T.quantile(x, T.tensor([0.25, 0.6], dtype=x.dtype), dim=1,
                                                        keepdim=True), (3, 5),
     parity_xfail="one node; PyTorch composes sort, lerp and views beneath SqueezeBackward4 (next_functions)")
case("nanquantile_all", lambda T, x: T.nanquantile(x, 0.3, interpolation="midpoint"), (3, 4),
     parity_xfail="one node; PyTorch composes sort, lerp and views beneath SqueezeBackward4 (next_functions)")
case("trapezoid_x", lambda T, y, x: T.trapezoid(y, x) + T.trapz(y, dx=0.5), (3, 4), (3, 4), gradgrad=True)
case("cumulative_trapezoid_dx", lambda T, y: T.cumulative_trapezoid(y, dx=2.0, dim=0), (3, 4), gradgrad=True)
case("dist_broadcast", lambda T, a, b: T.dist(a, b, 3) + T.dist(a, b), (2, 3), (3,))
case("renorm_dim", lambda T, x: T.renorm(x, 2, 0, 0.7) + T.renorm(x, float("inf"), 1, 0.5), (3, 4))

case("repeat_interleave_forms", lambda T, x: T.repeat_interleave(x, 2, dim=1).sum(1)
     + T.repeat_interleave(x, T.tensor([1, 0, 2]), dim=0).sum(0).sum(), (3, 2), gradgrad=True)
case("sum_to_size_lead", lambda T, x: x.sum_to_size(3) * x.sum_to_size(1, 3), (2, 3))
case("constant_pad_crop", lambda T, x: T.constant_pad_nd(x, (1, -1, 2, 0), 0.5), (2, 3), gradgrad=True)
case("fill_value_tensor", lambda T, x, v: T.fill(x, v[0]) * x, (2, 2), (1,))
case("unsafe_masked_index", lambda T, x: T._unsafe_masked_index(
    x, T.tensor([[True], [False]]), [T.tensor([[1], [7]]), T.tensor([[0, 2]])], -1.0), (3, 3))

# ----- ops-math branch: elementwise math (ops/unary.py rows, ops/binary_math.py) and torch.special -------
UNIT = ((2, 3), 0.1, 0.9)  # inside (0, 1)
case("asinh", lambda T, x: x.asinh(), (2, 3), gradgrad=True)
case("acosh", lambda T, x: T.acosh(x), ((2, 3), 1.2, 3.0), gradgrad=True)
case("atanh", lambda T, x: x.arctanh(), ((2, 3), -0.8, 0.8), gradgrad=True)
case("exp2", lambda T, x: T.exp2(x), (2, 3), gradgrad=True)
case("erfc", lambda T, x: x.erfc(), (2, 3), gradgrad=True)
case("erfinv", lambda T, x: x.erfinv(), ((2, 3), -0.8, 0.8), gradgrad=True)
case("lgamma", lambda T, x: x.lgamma(), ((2, 3), 0.5, 3.0), gradgrad=True)
case("digamma", lambda T, x: T.digamma(x), ((2, 3), 0.5, 3.0), gradgrad=True)
case("polygamma_2", lambda T, x: T.polygamma(2, x), ((2, 3), 0.5, 3.0), gradgrad=True)
case("polygamma_method", lambda T, x: x.polygamma(1), ((2, 3), 0.5, 3.0))
case("mvlgamma", lambda T, x: T.mvlgamma(x, 3), ((2, 3), 1.5, 4.0), gradgrad=True)
case("i0", lambda T, x: x.i0(), (2, 3), gradgrad=True)
case("sinc", lambda T, x: x.sinc(), (2, 3), kink=True, gradgrad=True)
case("deg2rad_rad2deg", lambda T, x: x.deg2rad() + T.rad2deg(x), (2, 3))
case("frac", lambda T, x: x.frac(), ((2, 3), 0.1, 0.9))
case("logit", lambda T, x: x.logit(), UNIT, gradgrad=True)
case("logit_eps", lambda T, x: T.logit(x, eps=0.2), ((2, 3), 0.0, 1.0))
case("nan_to_num", lambda T, x: T.nan_to_num(x * 2, nan=1.0), (2, 3))
case("sgn_angle", lambda T, x: x.sgn() + x.angle(), (2, 3), kink=True)
case("frexp_mantissa", lambda T, x: T.frexp(x).mantissa * 2, (2, 3))
case("round_decimals", lambda T, x: x.round(decimals=2) + x, (2, 3))
case("div_floor_trunc", lambda T, x, y: x.div(y, rounding_mode="floor") + x.div(y, rounding_mode="trunc") + x,
     (2, 3), ((3,), 0.5, 2.0))
for _a, _b in BROADCAST_PAIRS[:3]:
    _id = _pair_id(_a, _b)
    case(f"atan2_{_id}", lambda T, x, y: T.atan2(x, y), _a, _b, gradgrad=True)
    case(f"hypot_{_id}", lambda T, x, y: x.hypot(y), _a, _b, gradgrad=True)
    case(f"xlogy_{_id}", lambda T, x, y: T.xlogy(x, y), _a, (_b, 0.5, 2.0), gradgrad=True)
    case(f"logaddexp_{_id}", lambda T, x, y: T.logaddexp(x, y) + T.logaddexp2(x, y), _a, _b, gradgrad=True)
    case(f"fmax_fmin_{_id}", lambda T, x, y: T.fmax(x, y) * 2 + T.fmin(x, y), _a, _b)
    case(f"fmod_{_id}", lambda T, x, y: T.fmod(x, y), _a, (_b, 0.3, 0.7))
    case(f"remainder_{_id}", lambda T, x, y: T.remainder(x, y), _a, (_b, 0.3, 0.7))
    case(f"lerp_tensor_{_id}", lambda T, x, y: T.lerp(x, y, y), _b, _b, gradgrad=True)
case("copysign", lambda T, x, y: x.copysign(y), (2, 3), (2, 3), kink=True)
case("copysign_number", lambda T, x: x.copysign(-1.0), (2, 3), kink=True)
case("xlogy_number_other", lambda T, x: x.xlogy(2.0), (2, 3))
case("xlogy_number_self", lambda T, y: T.xlogy(3.0, y), POS)
case("lerp_number", lambda T, x, y: x.lerp(y, 0.3), (2, 3), (3,), gradgrad=True)
case("float_power", lambda T, x, y: T.float_power(x, y), POS, (3,))
case("float_power_number", lambda T, x: x.float_power(2), (2, 3))
case("ldexp", lambda T, x, y: T.ldexp(x, y), (2, 3), (2, 3))
case("addcmul", lambda T, x, y, z: T.addcmul(x, y, z, value=0.5), (2, 3), (3,), (2, 1), gradgrad=True)
case("addcdiv", lambda T, x, y, z: x.addcdiv(y, z, value=-2), (2, 3), (3,), ((2, 1), 0.5, 2.0), gradgrad=True)
case("clamp_crossed_bounds", lambda T, x, lo, hi: x.clamp(lo, hi), (2, 3), (2, 3), (2, 3))
case("rdiv_dunder", lambda T, x: x.__rdiv__(3.0), POS)
case("special_erfcx_ndtri", lambda T, x: T.special.erfcx(x) + T.special.ndtri(x), UNIT, gradgrad=True)
case("special_log_ndtr", lambda T, x: T.special.log_ndtr(x), (2, 3), gradgrad=True)
case("special_i0e_i1_i1e", lambda T, x: T.special.i0e(x) + T.special.i1(x) + T.special.i1e(x), (2, 3), kink=True,
     gradgrad=True)
case("special_entr", lambda T, x: T.special.entr(x), POS, gradgrad=True)
case("special_xlog1py", lambda T, x, y: T.special.xlog1py(x, y), (2, 3), POS, gradgrad=True)
case("special_zeta_other", lambda T, q: T.special.zeta(T.tensor([2.5, 3.0, 4.0], dtype=q.dtype), q), POS)

# ----- ops-math branch: torch.linalg (ops/linalg_*.py) ------------------------------------------------------


def _well(T: Any, x: Any) -> Any:
    """A well-conditioned square matrix from a uniform draw."""
    return x + 3 * T.eye(x.shape[-1], dtype=x.dtype)


def _spd(T: Any, x: Any) -> Any:
    w = _well(T, x)
    return w @ w.transpose(-2, -1)


case("linalg_det", lambda T, x: T.linalg.det(_well(T, x)), (2, 3, 3), gradgrad=True)
case("linalg_slogdet", lambda T, x: T.linalg.slogdet(_well(T, x)).logabsdet, (3, 3), gradgrad=True)
case("linalg_inv", lambda T, x: T.linalg.inv(_well(T, x)), (3, 3), gradgrad=True)
case("linalg_solve", lambda T, x, b: T.linalg.solve(_well(T, x), b), (3, 3), (3, 2), gradgrad=True)
case("linalg_cholesky", lambda T, x: T.linalg.cholesky(_spd(T, x)), (3, 3), gradgrad=True)
case("linalg_solve_triangular", lambda T, x, b: T.linalg.solve_triangular(_well(T, x), b, upper=False),
     (3, 3), (3, 2), gradgrad=True)
case("linalg_matrix_exp", lambda T, x: T.linalg.matrix_exp(x), (3, 3), gradgrad=True)
case("linalg_pinv", lambda T, x: T.linalg.pinv(x), (4, 2))
case("linalg_eigvalsh", lambda T, x: T.linalg.eigvalsh(_spd(T, x)), (3, 3), gradgrad=True)
case("linalg_svdvals", lambda T, x: T.linalg.svdvals(x), (4, 3))
case("linalg_qr_r", lambda T, x: T.linalg.qr(x).R.abs(), (4, 3))
case("linalg_lu_factor", lambda T, x: T.linalg.lu_factor(_well(T, x)).LU, (3, 3))
case("linalg_matrix_norm_nuc", lambda T, x: T.linalg.matrix_norm(x, "nuc"), (4, 3))
case("linalg_addmv_addr", lambda T, m, v: T.addmv(v, m, v, beta=0.5) + T.addr(m, v, v).sum(0), (3, 3), (3,),
     gradgrad=True)
case("linalg_baddbmm", lambda T, a, b: T.baddbmm(b, a, b, alpha=2), (2, 3, 3), (2, 3, 3), gradgrad=True)
case("linalg_cross", lambda T, a, b: T.linalg.cross(a, b), (2, 3), (2, 3), gradgrad=True)
case("linalg_kron_tensordot", lambda T, a, b: T.kron(a, b).sum() + T.tensordot(a, b.T, 1).sum(), (2, 3), (2, 3))

# ----- nn: convolution, padding, pooling (issue 11) -------------------------------------------------------
def _F(T: Any) -> Any:
    return T.nn.functional


case("conv1d_stride_pad", lambda T, x, w, b: _F(T).conv1d(x, w, b, stride=2, padding=1), (2, 3, 7), (4, 3, 3), (4,),
     gradgrad=True)
case("conv1d_same_even_kernel", lambda T, x, w: _F(T).conv1d(x, w, padding="same"), (3, 6), (2, 3, 4))
case("conv2d_groups_dilation", lambda T, x, w, b: _F(T).conv2d(x, w, b, padding=(1, 2), dilation=2, groups=2),
     (2, 4, 6, 5), (6, 2, 2, 3), (6,), gradgrad=True)
case("conv2d_unbatched_strided", lambda T, x, w: _F(T).conv2d(x, w, stride=(2, 1)), (2, 5, 5), (3, 2, 3, 3))
case("conv3d_strided", lambda T, x, w: _F(T).conv3d(x, w, stride=2, padding=1), (1, 2, 4, 3, 4), (2, 2, 2, 2, 2))
case("conv_transpose1d_output_padding",
     lambda T, x, w, b: _F(T).conv_transpose1d(x, w, b, stride=3, padding=1, output_padding=2, dilation=2),
     (2, 2, 4), (2, 3, 3), (3,), gradgrad=True)
case("conv_transpose2d_groups", lambda T, x, w: _F(T).conv_transpose2d(x, w, stride=2, groups=2), (1, 4, 3, 3),
     (4, 1, 2, 3))
case("conv_transpose3d", lambda T, x, w: _F(T).conv_transpose3d(x, w, stride=(1, 2, 1)), (1, 2, 2, 3, 2),
     (2, 2, 2, 1, 2))
for _mode in ("constant", "reflect", "replicate"):
    case(f"pad_{_mode}", lambda T, x, m=_mode: _F(T).pad(x, (1, 2, 2, 0), mode=m), (2, 3, 4, 3), gradgrad=True)
case("pad_circular", lambda T, x: _F(T).pad(x, (1, 2, 2, 0), mode="circular"), (2, 3, 4, 3), gradgrad=True,
     parity_xfail="PyTorch builds circular padding from slice copies (CopySlices over CopySlices and "
     "SliceBackward0); gradsh records one gather node under the top node's name")
case("pad_negative_crop", lambda T, x: _F(T).pad(x, (-1, 2, 0, -1), value=0.5), (2, 4, 5))
case("max_pool2d_pad_dilation_ceil", lambda T, x: _F(T).max_pool2d(x, 3, 2, 1, 2, ceil_mode=True), (2, 2, 7, 6),
     gradgrad=True)
case("max_pool1d", lambda T, x: _F(T).max_pool1d(x, 2, 1), (2, 3, 6))
case("max_pool3d", lambda T, x: _F(T).max_pool3d(x, (2, 1, 2)), (1, 2, 4, 3, 4))
case("avg_pool2d_ceil_exclude_pad",
     lambda T, x: _F(T).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 2, 6, 7), gradgrad=True)
case("avg_pool2d_divisor_override", lambda T, x: _F(T).avg_pool2d(x, 2, divisor_override=3), (2, 4, 5))
case("avg_pool1d_pad", lambda T, x: _F(T).avg_pool1d(x, 3, 2, 1), (2, 3, 7))
case("avg_pool3d", lambda T, x: _F(T).avg_pool3d(x, 2, 1), (1, 2, 3, 4, 3))
case("adaptive_avg_pool2d", lambda T, x: _F(T).adaptive_avg_pool2d(x, (3, None)), (2, 2, 7, 5), gradgrad=True)
case("adaptive_avg_pool1d", lambda T, x: _F(T).adaptive_avg_pool1d(x, 4), (2, 3, 7))
case("adaptive_max_pool2d", lambda T, x: _F(T).adaptive_max_pool2d(x, (2, 3)), (2, 2, 5, 7))
case("adaptive_max_pool3d", lambda T, x: _F(T).adaptive_max_pool3d(x, 2), (1, 2, 3, 5, 4))
case("lp_pool2d", lambda T, x: _F(T).lp_pool2d(x, 2.0, 2), (2, 2, 4, 4), low=0.5, high=2.0)

# ----- nn: normalization, embedding (issue 11) -------------------------------------------------------------
def _bn_train(T: Any, x: Any, w: Any, b: Any) -> Any:
    return _F(T).batch_norm(x, T.zeros(3, dtype=x.dtype), T.ones(3, dtype=x.dtype), w, b, training=True)


def _bn_eval(T: Any, x: Any, w: Any) -> Any:
    rm, rv = T.tensor([0.1, -0.2, 0.3], dtype=x.dtype), T.tensor([1.5, 0.5, 2.0], dtype=x.dtype)
    return _F(T).batch_norm(x, rm, rv, w, None, training=False)


case("batch_norm_train", _bn_train, (4, 3, 2), (3,), (3,), gradgrad=True)
case("batch_norm_eval", _bn_eval, (4, 3, 2), (3,), gradgrad=True)
case("layer_norm_affine", lambda T, x, w, b: _F(T).layer_norm(x, (2, 3), w, b), (4, 2, 3), (2, 3), (2, 3),
     gradgrad=True)
case("group_norm_affine", lambda T, x, w, b: _F(T).group_norm(x, 2, w, b), (3, 4, 3), (4,), (4,), gradgrad=True)
case("instance_norm", lambda T, x: _F(T).instance_norm(x), (2, 3, 5))
case("rms_norm", lambda T, x, w: _F(T).rms_norm(x, (4,), w), (3, 4), (4,))
case("local_response_norm", lambda T, x: _F(T).local_response_norm(x, 3), (2, 4, 3, 2))
case("embedding_repeated_rows", lambda T, w: _F(T).embedding(T.tensor([[0, 2, 2], [1, 3, 0]]), w), (4, 3),
     gradgrad=True)

# ----- nn: losses over spatial inputs (issue 11) ----------------------------------------------------------------
case("nll_loss_2d", lambda T, x: _F(T).nll_loss(x.log_softmax(1), T.tensor([[[0, 2], [1, 1]], [[2, 0], [0, 1]]])),
     (2, 3, 2, 2))
case("nll_loss_3d_none",
     lambda T, x: _F(T).nll_loss(x, T.tensor([[0, 2, 1], [1, 1, 0]]), reduction="none"), (2, 3, 3))
case("cross_entropy_prob_targets_3d", lambda T, x, t: _F(T).cross_entropy(x, t.softmax(1)), (2, 3, 4), (2, 3, 4))

# ----- nn: more activations (issue 11) ------------------------------------------------------------------------
for _name, _call in [
    ("celu", lambda T, x: _F(T).celu(x, 1.5)), ("selu", lambda T, x: _F(T).selu(x)),
    ("hardshrink", lambda T, x: _F(T).hardshrink(x, 0.3)), ("softshrink", lambda T, x: _F(T).softshrink(x, 0.3)),
    ("hardswish", lambda T, x: _F(T).hardswish(x * 4)), ("hardsigmoid", lambda T, x: _F(T).hardsigmoid(x * 4)),
    ("mish", lambda T, x: _F(T).mish(x)), ("threshold", lambda T, x: _F(T).threshold(x, 0.2, -3.0)),
    ("glu", lambda T, x: _F(T).glu(x, 0)), ("softsign", lambda T, x: _F(T).softsign(x)),
    ("tanhshrink", lambda T, x: _F(T).tanhshrink(x)), ("softmin", lambda T, x: _F(T).softmin(x, 1)),
]:
    case(f"F_{_name}", _call, (4, 3), kink=True, gradgrad=True)
case("prelu_channels", lambda T, x, w: _F(T).prelu(x, w), (2, 3, 2), (3,), kink=True, gradgrad=True)

# ----- nn: more losses, bilinear (issue 11) ---------------------------------------------------------------------
def _signs(T: Any) -> Any:
    return T.tensor([1.0, -1.0, 1.0])


case("kl_div_batchmean", lambda T, x, t: _F(T).kl_div(x, t, reduction="batchmean"), (3, 4), ((3, 4), 0.1, 1.0),
     gradgrad=True)
case("kl_div_log_target", lambda T, x, t: _F(T).kl_div(x, t, reduction="sum", log_target=True), (3, 4), (3, 4))
case("margin_ranking_loss", lambda T, a, b: _F(T).margin_ranking_loss(a, b, _signs(T).to(a.dtype), 0.1), (3,), (3,),
     kink=True)
case("hinge_embedding_loss", lambda T, x: _F(T).hinge_embedding_loss(x, T.tensor([[1.0, -1.0], [-1.0, 1.0]]).to(
     x.dtype), reduction="none"), (2, 2), kink=True)
case("cosine_embedding_loss", lambda T, a, b: _F(T).cosine_embedding_loss(a, b, _signs(T).to(a.dtype), -0.9),
     (3, 4), (3, 4), gradgrad=True)
case("soft_margin_loss", lambda T, x: _F(T).soft_margin_loss(x, T.tensor([[1.0, -1.0], [-1.0, 1.0]]).to(x.dtype)),
     (2, 2), gradgrad=True)
case("multi_margin_loss_p2", lambda T, x: _F(T).multi_margin_loss(x, T.tensor([0, 2, 3]), p=2, margin=0.7),
     (3, 4), gradgrad=True)
case("multilabel_margin_loss", lambda T, x: _F(T).multilabel_margin_loss(
     x, T.tensor([[0, 2, -1, 1], [3, -1, 0, 0]]), reduction="none"), (2, 4), kink=True)
case("multilabel_soft_margin_loss", lambda T, x: _F(T).multilabel_soft_margin_loss(
     x, T.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]).to(x.dtype)), (2, 3))
case("poisson_nll_loss_full", lambda T, x, t: _F(T).poisson_nll_loss(x, t * 3, full=True), (2, 3), ((2, 3), 0, 1))
case("gaussian_nll_loss", lambda T, x, t, v: _F(T).gaussian_nll_loss(x, t, v, full=True), (3, 2), (3, 2),
     ((3, 2), 0.5, 1.5))
case("bilinear", lambda T, a, b, w, bias: _F(T).bilinear(a, b, w, bias), (2, 3), (2, 4), (5, 3, 4), (5,),
     gradgrad=True)

# ----- nn: distances and rearrangements (issue 11) -------------------------------------------------------------
case("normalize_p3", lambda T, x: _F(T).normalize(x, 3.0, 0), (3, 4), gradgrad=True)
case("cosine_similarity_broadcast", lambda T, a, b: _F(T).cosine_similarity(a, b, dim=-1), (3, 4), (1, 4),
     gradgrad=True)
case("pairwise_distance_p1", lambda T, a, b: _F(T).pairwise_distance(a, b, p=1.5, keepdim=True), (3, 4), (3, 4))
case("triplet_margin_loss_swap", lambda T, a, p, n: _F(T).triplet_margin_loss(a, p, n, margin=2.0, swap=True),
     (3, 4), (3, 4), (3, 4))
case("pixel_shuffle", lambda T, x: _F(T).pixel_shuffle(x, 2), (1, 8, 2, 3), gradgrad=True)
case("pixel_unshuffle", lambda T, x: _F(T).pixel_unshuffle(x, 2), (2, 4, 2), gradgrad=True)
case("channel_shuffle", lambda T, x: _F(T).channel_shuffle(x, 3), (2, 6, 2), gradgrad=True)


def _unpool(T: Any, x: Any) -> Any:
    out, idx = _F(T).max_pool2d(x, 2, return_indices=True)
    return _F(T).max_unpool2d(out * 2, idx, 2, output_size=(5, 5))


case("max_unpool2d", _unpool, (1, 2, 5, 5), gradgrad=True)

# ----- nn: interpolate (issue 11) --------------------------------------------------------------------------------
case("interpolate_nearest_scale", lambda T, x: _F(T).interpolate(x, scale_factor=1.7), (1, 2, 3, 4))
case("interpolate_nearest_exact", lambda T, x: _F(T).interpolate(x, size=5, mode="nearest-exact"), (2, 2, 3))
case("interpolate_bilinear_align", lambda T, x: _F(T).interpolate(x, size=(5, 3), mode="bilinear",
     align_corners=True), (1, 2, 3, 4), gradgrad=True)
case("interpolate_bicubic", lambda T, x: _F(T).interpolate(x, scale_factor=(1.5, 2.5), mode="bicubic"),
     (1, 1, 4, 3))
case("interpolate_trilinear", lambda T, x: _F(T).interpolate(x, size=(3, 4, 2), mode="trilinear"), (1, 1, 2, 3, 3))
case("interpolate_area", lambda T, x: _F(T).interpolate(x, size=(2, 3), mode="area"), (1, 2, 5, 7))

# ----- nn: unfold / fold (issue 11) ------------------------------------------------------------------------------
case("unfold", lambda T, x: _F(T).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), (2, 2, 4, 5),
     gradgrad=True)
case("fold", lambda T, x: _F(T).fold(x, (4, 5), 2, padding=1, stride=2), (2, 8, 9), gradgrad=True)

# ----- nn: attention (issue 11) ----------------------------------------------------------------------------------
case("sdpa_math_causal", lambda T, q, k, v: _F(T).scaled_dot_product_attention(q, k, v, is_causal=True),
     (2, 3, 4), (2, 3, 4), (2, 3, 5), gradgrad=True)
case("sdpa_math_bool_mask", lambda T, q, k, v: _F(T).scaled_dot_product_attention(
     q, k, v, attn_mask=T.tensor([[True, False, True], [True, True, False]]), scale=0.3), (2, 2, 4), (2, 3, 4),
     (2, 3, 2))
case("sdpa_fused_cpu", lambda T, q, k, v: _F(T).scaled_dot_product_attention(q, k, v, is_causal=True),
     (1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4), gradgrad=True)

case("pdist_p2", lambda T, x: _F(T).pdist(x), (4, 3), gradgrad=True)
case("pdist_p3", lambda T, x: _F(T).pdist(x, 3.0), (3, 5))

case("embedding_bag_sum_weights", lambda T, w, psw: _F(T).embedding_bag(
     T.tensor([1, 2, 4, 5, 4, 3]), w, T.tensor([0, 2, 2]), mode="sum", per_sample_weights=psw), (6, 3), (6,),
     gradgrad=True)
case("embedding_bag_mean_padding", lambda T, w: _F(T).embedding_bag(
     T.tensor([[1, 0, 4], [0, 0, 3]]), w, padding_idx=0), (6, 3))
case("embedding_bag_max_last_offset", lambda T, w: _F(T).embedding_bag(
     T.tensor([1, 2, 4, 5, 3]), w, T.tensor([0, 2, 5]), mode="max", include_last_offset=True), (6, 3))

# ----- ops-misc: torch.masked, cdist, gradient, segment_reduce, aten-only softmax ops, masked_fill ---------

def _mask(T: Any, shape: tuple, empty_row: bool = True) -> Any:
    """A fixed boolean mask, with a fully masked-out first row unless `empty_row` is False."""
    m = (T.arange(int(np.prod(shape))).reshape(shape) % 3) != 0
    if empty_row:
        m[0] = False
    return m


case("masked_sum_dim", lambda T, x: T.masked.sum(x, 1, mask=_mask(T, (3, 4))), (3, 4), gradgrad=True)
case("masked_softmax", lambda T, x: T.masked.softmax(x, 1, mask=_mask(T, (3, 4)))[1:], (3, 4), gradgrad=True)
# (a fully masked row gives PyTorch's masked std a nan gradient through its 0/0 mean: not here)
case("masked_std", lambda T, x: T.masked.std(x, 1, mask=_mask(T, (3, 5), empty_row=False)), (3, 5), gradgrad=True)
case("masked_normalize", lambda T, x: T.masked.normalize(x, 2.0, 1, mask=_mask(T, (3, 4))), (3, 4), gradgrad=True)
case("masked_logsumexp", lambda T, x: T.masked.logsumexp(x, 1, mask=_mask(T, (3, 4)))[1:], (3, 4), gradgrad=True)
case("cdist_p1_5", lambda T, a, b: T.cdist(a, b, 1.5), (2, 3, 4), (2, 5, 4), gradgrad=True)
case("cdist_p2_broadcast", lambda T, a, b: T.cdist(a, b), (2, 1, 3, 2), (1, 4, 2), gradgrad=True)
case("cdist_inf", lambda T, a, b: T.cdist(a, b, float("inf")), (3, 4), (5, 4))
case("gradient_edge2", lambda T, x: T.gradient(x, spacing=2.0, edge_order=2)[1], (4, 5), gradgrad=True)
case("gradient_coordinates", lambda T, x: T.gradient(x, spacing=(T.tensor([0.0, 1.0, 3.0, 3.5]),), dim=0)[0],
     (4, 3), gradgrad=True)
case("segment_reduce_mean", lambda T, x: T.segment_reduce(x, "mean", lengths=T.tensor([2, 0, 3]), initial=1.0),
     (5, 2))
case("segment_reduce_prod", lambda T, x: T.segment_reduce(x, "prod", offsets=T.tensor([0, 3, 5])), (5,))
case("safe_softmax", lambda T, x: T.ops.aten._safe_softmax.default(x, 1), (3, 4), gradgrad=True)
case("softmax_backward_data", lambda T, g, y: T.ops.aten._softmax_backward_data(g, y.softmax(1), 1, y.dtype),
     (3, 4), (3, 4), gradgrad=True)
case("masked_fill_tensor_value_broadcast",
     lambda T, x, v: x.masked_fill(T.tensor([[True, False, True], [False, False, True]]), v), (3,), (), gradgrad=True)

assert len({c.name for c in CASES}) == len(CASES), "case names must be unique"


def params(cases: list[Case]) -> list[Any]:
    """pytest parameters for the cases, with the known failures marked xfail."""
    import pytest

    return [pytest.param(c, id=c.name, marks=[pytest.mark.xfail(reason=c.xfail)] if c.xfail else []) for c in cases]


def parity_params(cases: list[Case]) -> list[Any]:
    import pytest

    return [pytest.param(c, id=c.name, marks=[pytest.mark.xfail(reason=r)] if (r := c.xfail or c.parity_xfail) else [])
            for c in cases]
