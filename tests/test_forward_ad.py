"""Forward-mode AD on gradsh against real PyTorch: dual tensors (torch.autograd.forward_ad) and jvp per op.

The dual-tensor snippets must print the same (tangents in reprs, errors). Every case of the op table
(op_cases.py) is pushed forward with random tangents through both torch.func.jvp and make_dual, in
float64, and its tangents must match PyTorch's.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from op_cases import CASES, Case
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

SNIPPETS = {
    "forward_ad_tutorial": """
fwAD = torch.autograd.forward_ad
torch.manual_seed(0)
primal = torch.randn(10, 10)
tangent = torch.randn(10, 10)
def fn(x, y):
    return x ** 2 + y ** 2
with fwAD.dual_level():
    dual_input = fwAD.make_dual(primal, tangent)
    assert fwAD.unpack_dual(dual_input).tangent is tangent
    dual_input_alt = fwAD.make_dual(primal, tangent.T)
    assert fwAD.unpack_dual(dual_input_alt).tangent is not tangent
    plain_tensor = torch.randn(10, 10)
    dual_output = fn(dual_input, plain_tensor)
    jvp = fwAD.unpack_dual(dual_output).tangent
print(fwAD.unpack_dual(dual_output).tangent)
print(jvp[0])
nn = torch.nn
model = nn.Linear(5, 5)
input = torch.randn(16, 5)
params = {name: p.detach() for name, p in model.named_parameters()}  # (gradsh's tangents carry no graph)
tangents = {name: torch.rand_like(p) for name, p in params.items()}
with fwAD.dual_level():
    for name, p in params.items():
        delattr(model, name)
        setattr(model, name, fwAD.make_dual(p, tangents[name]))
    out = model(input)
    jvp = fwAD.unpack_dual(out).tangent
print(jvp[:2])
functional_call = torch.func.functional_call
model = nn.Linear(5, 5)
dual_params = {}
with fwAD.dual_level():
    for name, p in params.items():
        dual_params[name] = fwAD.make_dual(p, tangents[name])
    out = functional_call(model, dual_params, input)
    jvp2 = fwAD.unpack_dual(out).tangent
print(torch.allclose(jvp, jvp2))
class Fn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, foo):
        result = torch.exp(foo)
        ctx.result = result
        return result
    @staticmethod
    def jvp(ctx, gI):
        gO = gI * ctx.result
        del ctx.result
        return gO
fn = Fn.apply
primal = torch.randn(10, 10, dtype=torch.double)
tangent = torch.randn(10, 10)
with fwAD.dual_level():
    dual_input = fwAD.make_dual(primal, tangent)
    dual_output = fn(dual_input)
    jvp = fwAD.unpack_dual(dual_output).tangent
print(jvp[0, :3])
primal.requires_grad_()
try: torch.autograd.gradcheck(Fn.apply, (primal,), check_forward_ad=True, check_backward_ad=False, check_undefined_grad=False, check_batched_grad=False)
except Exception as e: print(type(e).__name__, str(e)[:60])
""",
    "gradcheck_forward_ad": """
class Bad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_forward(x)
        return x.exp()
    @staticmethod
    def backward(ctx, g): return g
    @staticmethod
    def jvp(ctx, t):
        return t * 2
x = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
try: torch.autograd.gradcheck(Bad.apply, (x,), check_forward_ad=True, check_backward_ad=False, check_undefined_grad=False, check_batched_grad=False)
except Exception as e: print(type(e).__name__, e)
print(torch.autograd.gradcheck(lambda a: (a.sin() * a).sum(0), (torch.rand(2, 3, dtype=torch.float64, requires_grad=True),), check_forward_ad=True))
""",
    "functional_jacobian_forward_mode": """
from_ = torch.autograd.functional
x = torch.tensor([0.5, 1.0, 2.0])
f = lambda a: a.sin() * a
for kw in [dict(strategy="forward-mode"), dict(strategy="forward-mode", vectorize=True), dict(vectorize=True), dict(strategy="forward-mode", create_graph=True, vectorize=True)]:
    try: print(kw, from_.jacobian(f, x, **kw))
    except Exception as e: print(kw, type(e).__name__, e)
print(from_.jacobian(lambda a, b: (a * b, a + b), (x, x), strategy="forward-mode", vectorize=True))
print(from_.jacobian(lambda a, b: a * b, (x, x), strategy="forward-mode", vectorize=True))
print(from_.jacobian(lambda a: (a * 2, a.exp()), x, strategy="forward-mode", vectorize=True))
try: print(from_.hessian(lambda a: (a.sin()*a).sum(), x, outer_jacobian_strategy="forward-mode"))
except Exception as e: print(type(e).__name__, e)
""",
    "level_and_errors": """
fwAD = torch.autograd.forward_ad
for f in [lambda: fwAD.make_dual(torch.ones(2), torch.ones(2)), lambda: fwAD.unpack_dual(torch.ones(2))]:
    try: print(f())
    except Exception as e: print(type(e).__name__, e)
with fwAD.dual_level() as lvl:
    print(lvl)
    for f in [lambda: fwAD.make_dual(torch.ones(2), torch.ones(3)), lambda: fwAD.make_dual(torch.ones(2), torch.ones(2, dtype=torch.float64)), lambda: fwAD.make_dual(torch.ones(2, dtype=torch.int64), torch.ones(2)),
              lambda: fwAD.make_dual(torch.ones(2), torch.ones(2)).tolist(), lambda: torch.tensor([3.]) + fwAD.make_dual(torch.ones(1), torch.ones(1)) * 2,
              lambda: (fwAD.make_dual(torch.ones(2), torch.ones(2)) > 0), lambda: fwAD.make_dual(torch.ones(2), torch.ones(2)).detach(), lambda: fwAD.make_dual(torch.ones(2), torch.ones(2)).sum(),
              lambda: torch.nn.functional.relu(fwAD.make_dual(torch.tensor([-1., 2.]), torch.ones(2))), lambda: fwAD.unpack_dual(fwAD.make_dual(torch.ones(2), torch.ones(2)) * 3).tangent,
              lambda: fwAD.unpack_dual(fwAD.make_dual(torch.ones(2), torch.ones(2))).primal]:
        try: print(f())
        except Exception as e: print(type(e).__name__, e)
    try:
        with fwAD.dual_level(): pass
    except Exception as e: print(type(e).__name__, e)
""",
    "tangents_through_ops": """
fwAD = torch.autograd.forward_ad
x = torch.tensor([1., 2.])
with fwAD.dual_level():
    d = fwAD.make_dual(x, torch.tensor([1., 0.]))
    y = d.sin()
    print(y)
    print(fwAD.unpack_dual(y))
    z = torch.exp(y) * d + torch.matmul(d, d)
    print(z, fwAD.unpack_dual(z).tangent)
    w = torch.tensor([1., 2.], requires_grad=True)
    dw = fwAD.make_dual(w, torch.ones(2))
    print(dw)
    out = (dw * dw).sum()
    print(out)
    out.backward()
    print(w.grad)
    torch.manual_seed(0)
    lin = torch.nn.Linear(2, 3).requires_grad_(False)
    print(lin(d))
    print(fwAD.unpack_dual(d.softmax(0)).tangent, fwAD.unpack_dual(d.mean()).tangent)
    e = fwAD.make_dual(torch.zeros(2), torch.ones(2))
    e.add_(d)
    print(e)
    print(d[0], d.view(2, 1), d.unsqueeze(0).t())
print(y, fwAD.unpack_dual(y))
""",
    "tangent_with_graph": """
fwAD = torch.autograd.forward_ad
x = torch.tensor([0.5, 1.0, -2.0], requires_grad=True)
t = torch.tensor([1.0, 2.0, 0.5], requires_grad=True)
with fwAD.dual_level():
    d = fwAD.make_dual(x, t)
    y = (d.sin() * d).exp() + d * d
    jt = fwAD.unpack_dual(y).tangent
    print(jt.requires_grad, y.requires_grad)
    (jt.sum() + y.sum()).backward()
print(x.grad, t.grad)
u = torch.tensor([0.3, 0.7])
v = torch.tensor([1.0, -1.0], requires_grad=True)
with fwAD.dual_level():
    jt = fwAD.unpack_dual(fwAD.make_dual(u, v).tanh()).tangent
    print(jt.requires_grad, jt.grad_fn.name(), jt.grad_fn.next_functions[1])
    jt.pow(2).sum().backward()
print(v.grad)
with fwAD.dual_level():
    print(fwAD.unpack_dual(fwAD.make_dual(u, v.detach()).cos()).tangent.requires_grad)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_transcript_as_torch(name: str) -> None:
    source = SNIPPETS[name]
    expected = transcript(torch_real, source, with_warnings=False)
    assert "tensor(" in expected
    assert transcript(gtorch, source, with_warnings=False) == expected


def _tensors(value: Any) -> list:
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    return [t for t in items if t.is_floating_point()]


def _inputs(T: Any, c: Case) -> tuple[list, list]:
    rng = np.random.default_rng(7)
    primals = [T.tensor(a, dtype=T.float64) for a in c.arrays()]
    tangents = [T.tensor(rng.uniform(-1.0, 1.0, a.shape), dtype=T.float64) for a in c.arrays()]
    return primals, tangents


def _func_jvp(T: Any, c: Case) -> list:
    primals, tangents = _inputs(T, c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, pushed = T.func.jvp(lambda *xs: tuple(_tensors(c.fn(T, *xs))), tuple(primals), tuple(tangents))
    return [np.asarray(t.numpy(), dtype=np.float64) for t in pushed]


def _dual_jvp(T: Any, c: Case) -> list:
    primals, tangents = _inputs(T, c)
    fwAD = T.autograd.forward_ad
    with warnings.catch_warnings(), fwAD.dual_level():
        warnings.simplefilter("ignore")
        duals = [fwAD.make_dual(p, t) for p, t in zip(primals, tangents)]
        outs = _tensors(c.fn(T, *duals))
        found = [fwAD.unpack_dual(o).tangent for o in outs]
    return [None if t is None else np.asarray(t.numpy(), dtype=np.float64) for t in found]


def _reference(fn: Any, c: Case) -> list:
    try:
        return fn(torch_real, c)
    except (RuntimeError, NotImplementedError) as e:  # PyTorch has no forward derivative for this op
        pytest.skip(f"PyTorch: {str(e).splitlines()[0]}")


def _cases() -> list:
    return [pytest.param(c, id=c.name) for c in CASES]


@pytest.mark.parametrize("c", _cases())
def test_jvp_matches_torch(c: Case) -> None:
    expected = _reference(_func_jvp, c)
    got = _func_jvp(gtorch, c)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("c", _cases())
def test_dual_tensors_match_torch(c: Case) -> None:
    expected = _reference(_dual_jvp, c)
    got = _dual_jvp(gtorch, c)
    assert [g is None for g in got] == [e is None for e in expected]
    for g, e in zip(got, expected):
        if e is not None:
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-11)


def test_leaving_the_level_removes_the_wrappers() -> None:
    mul = gtorch.Tensor.__mul__
    with gtorch.autograd.forward_ad.dual_level():
        assert gtorch.Tensor.__mul__ is not mul
    assert gtorch.Tensor.__mul__ is mul


# op_db entries (float64) whose jvp gradsh gives as PyTorch does (tests/forward_ad_opdb.py; run it for the table)
OPDB_FORWARD_AD = [
    "abs", "acos", "add", "clamp_max", "clamp_min", "mul", "sub", "addmm", "addmm.decomposed", "dot", "bmm", "mv",
    "asin", "atan", "ceil", "chunk", "clone", "contiguous", "cos", "cosh", "cumsum", "div.no_rounding_mode",
    "div.trunc_rounding", "true_divide", "exp", "expand", "expand_as", "diagonal", "floor", "log1p", "log", "log10",
    "log2", "masked_select", "matmul", "max.reduction_with_dim", "max.reduction_no_dim", "min.reduction_with_dim",
    "min.reduction_no_dim", "max.binary", "maximum", "min.binary", "minimum", "softmax", "softmax.with_dtype",
    "nn.functional.cross_entropy", "nn.functional.binary_cross_entropy_with_logits", "nn.functional.relu",
    "nn.functional.leaky_relu", "nn.functional.linear", "nn.functional.elu", "nn.functional.silu",
    "nn.functional.logsigmoid", "to", "topk", "nn.functional.binary_cross_entropy", "nn.functional.hardtanh",
    "nn.functional.gelu", "nn.functional.relu6", "mm", "narrow", "neg", "outer", "permute", "pow", "round",
    "round.decimals_0", "round.decimals_3", "round.decimals_neg_3", "sin", "sinh", "sign", "split",
    "split.list_args", "__radd__", "__rmul__", "__rmatmul__", "__rpow__", "__rsub__", "rsub", "select", "tan",
    "tanh", "trunc", "expm1", "reciprocal", "rsqrt", "sqrt", "square", "reshape", "reshape_as", "view", "view_as",
    "flatten", "unflatten", "gather", "index_add", "__getitem__", "scatter", "double", "unbind", "movedim", "repeat",
    "squeeze", "squeeze.multiple", "unsqueeze", "zero_", "logsumexp", "transpose", "sigmoid", "erf",
    "nn.functional.smooth_l1_loss", "nn.functional.l1_loss", "log_softmax", "log_softmax.with_dtype", "norm",
    "norm.fro", "norm.inf", "t", "nn.functional.softplus", "nn.functional.mse_loss", "amax", "amin", "mean", "std",
    "std.unbiased", "var", "var.unbiased", "prod", "sum", "nn.functional.nll_loss", "nn.functional.huber_loss",
]


@pytest.fixture(scope="module")
def op_db_entries() -> dict:
    from torch.testing._internal.common_methods_invocations import op_db

    return {op.name + (f".{op.variant_test_name}" if op.variant_test_name else ""): op for op in op_db}


@pytest.mark.parametrize("name", OPDB_FORWARD_AD)
def test_op_db_jvp_matches_torch(name: str, op_db_entries: dict) -> None:
    from forward_ad_opdb import entry_results

    assert entry_results(op_db_entries[name], torch_real, gtorch) == "PASS"


def test_autograd_gradcheck_stays_the_function_after_every_facade_module_is_imported() -> None:
    from gradsh.transcript.backend import load

    load("gradsh.torch")  # what a session does: imports gradsh.torch.autograd.gradcheck among the rest
    assert callable(gtorch.autograd.gradcheck)


# ----- the graph of a tangent that requires grad (its primal on no graph): PyTorch's jvp formulas' nodes --------

TANGENT_OPS = {
    "sin": "torch.sin(a)", "cos": "torch.cos(a)", "tan": "torch.tan(a)", "exp": "torch.exp(a)", "log": "torch.log(a)",
    "sqrt": "torch.sqrt(a)", "rsqrt": "torch.rsqrt(a)", "tanh": "torch.tanh(a)", "tanh_method": "a.tanh()",
    "sigmoid": "torch.sigmoid(a)", "relu": "torch.relu(a)", "abs": "torch.abs(a)", "neg": "-a",
    "reciprocal": "torch.reciprocal(a)", "sinh": "torch.sinh(a)", "cosh": "torch.cosh(a)", "asin": "torch.asin(a)",
    "acos": "torch.acos(a)", "atan": "torch.atan(a)", "asinh": "torch.asinh(a)", "log1p": "torch.log1p(a)",
    "log2": "torch.log2(a)", "expm1": "torch.expm1(a)", "exp2": "torch.exp2(a)", "erf": "torch.erf(a)",
    "erfc": "torch.erfc(a)", "lgamma": "torch.lgamma(a)", "digamma": "torch.digamma(a)", "square": "torch.square(a)",
    "pow": "a.pow(2)", "pow_dunder": "a ** 3", "gelu": "F.gelu(a)", "gelu_tanh": "F.gelu(a, approximate='tanh')",
    "silu": "F.silu(a)", "elu": "F.elu(a)", "selu": "F.selu(a)", "celu": "F.celu(a, 0.5)",
    "leaky_relu": "F.leaky_relu(a, 0.2)", "softplus": "F.softplus(a)", "hardtanh": "F.hardtanh(a, -0.5, 0.5)",
    "relu6": "F.relu6(a)", "logsigmoid": "F.logsigmoid(a)", "hardsigmoid": "F.hardsigmoid(a)",
    "hardswish": "F.hardswish(a)", "mish": "F.mish(a)", "threshold": "F.threshold(a, 0.1, 0.0)",
    "hardshrink": "F.hardshrink(a, 0.35)", "softshrink": "F.softshrink(a, 0.35)", "sign": "torch.sign(a)",
    "trunc": "torch.trunc(a)", "floor": "torch.floor(a)", "clamp": "a.clamp(-0.5, 0.5)", "clamp_min": "a.clamp(min=0)",
    "sum": "a.sum()", "sum_dim": "a.sum(0)", "mean": "a.mean()", "mul_self": "a * a", "sin_then_tanh": "a.sin().tanh()",
    # PyTorch's formula differs in form from the backward's here (jvp_formulas.py, jvp_names.py rebuild it)
    "softmax": "a.softmax(0)", "log_softmax": "a.log_softmax(0)", "mul_const": "a * 3", "atanh": "torch.atanh(a)",
    "sinc": "torch.sinc(a)", "softsign": "F.softsign(a)", "tanhshrink": "F.tanhshrink(a)",
}
TANGENT_GRAPH_DIFFERS: dict[str, str] = {}  # (none left: a difference found goes here, as a strict xfail)


def _tangent_graph(T: Any, expr: str) -> tuple:
    fwAD = T.autograd.forward_ad
    u = T.tensor([0.3, 0.7, -0.4, 0.05], dtype=T.float64)
    v = T.tensor([1.0, -1.0, 0.5, 2.0], dtype=T.float64, requires_grad=True)
    f = eval(f"lambda a: {expr}", {"torch": T, "F": T.nn.functional})  # (late-bound: the level wraps the ops)
    with fwAD.dual_level():
        jt = fwAD.unpack_dual(f(fwAD.make_dual(u, v))).tangent

    def walk(fn: Any, d: int) -> str:
        if fn is None:
            return "None"
        if d == 0:
            return "..."
        nxt = [walk(g, d - 1) for g, _ in fn.next_functions]
        return fn.name() + (f"({','.join(nxt)})" if nxt else "")

    graph = walk(jt.grad_fn, 5)
    values = jt.detach().numpy().copy()
    if jt.requires_grad:
        try:
            jt.pow(2).sum().backward()
        except RuntimeError as e:  # hardsigmoid's: PyTorch has no derivative of its backward
            return graph, jt.requires_grad, values, str(e)
    return graph, jt.requires_grad, values, None if v.grad is None else v.grad.numpy().copy()


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=TANGENT_GRAPH_DIFFERS[n], strict=True))
                                  if n in TANGENT_GRAPH_DIFFERS else n for n in sorted(TANGENT_OPS)])
def test_tangent_graph_matches_torch(name: str) -> None:
    expected = _tangent_graph(torch_real, TANGENT_OPS[name])
    got = _tangent_graph(gtorch, TANGENT_OPS[name])
    np.testing.assert_allclose(got[2], expected[2], rtol=1e-9, atol=1e-12)
    assert got[1] == expected[1]
    if isinstance(expected[3], str):
        assert got[3] == expected[3]
    elif expected[3] is not None:
        np.testing.assert_allclose(got[3], expected[3], rtol=1e-9, atol=1e-12)
    assert got[0] == expected[0]
