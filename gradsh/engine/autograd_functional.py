"""torch.autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) and torch.autograd.gradcheck.

The functional API follows torch/autograd/functional.py: inputs are detached copies that require grad
(or views of them under create_graph), each Jacobian row is one `autograd.grad` call, unused inputs
give zeros, and results are detached unless create_graph. gradcheck compares that analytical Jacobian
with central differences taken by perturbing the inputs' values in place, as PyTorch's slow mode does,
and words its failure as PyTorch does.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .backward import grad as autograd_grad
from .grad_mode import enable_grad, set_grad_enabled, state
from .ops.joining import stack
from .printing import tensor_repr
from .tensor import Tensor

# ----- helpers (torch/autograd/functional.py) -----------------------------------------------------------

def _as_tuple(inp: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    is_tuple = True
    if not isinstance(inp, tuple):
        inp = (inp,)
        is_tuple = False
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                                f"but the value at index {i} has type {type(el)}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"the given {arg_name} has type {type(el)}.")
    return is_tuple, inp


def _tuple_postprocess(res: Any, to_unpack: Any) -> Any:
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs: Any, create_graph: bool) -> Any:
    if isinstance(inputs[0], Tensor):
        if not create_graph:
            return tuple(inp.detach() for inp in inputs)
        return inputs
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.size()} but got {el_v.size()}.")


def _check_requires_grad(inputs: tuple, input_type: str, strict: bool) -> None:
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode.")
        if not inp.requires_grad:
            raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                               "must be computed in a differentiable manner from the input when running in strict "
                               "mode.")


def _autograd_grad(outputs: tuple, inputs: tuple, grad_outputs: tuple | None = None, create_graph: bool = False,
                   retain_graph: bool | None = None) -> tuple:
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_outputs, new_grad_outputs = [], []
    for out, grad_out in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            new_outputs.append(out)
            new_grad_outputs.append(grad_out)
    if not new_outputs:
        return (None,) * len(inputs)
    gos = None if all(g is None for g in new_grad_outputs) else new_grad_outputs
    return autograd_grad(new_outputs, list(inputs), gos, allow_unused=True, create_graph=create_graph,
                         retain_graph=retain_graph)


def _zeros_like(t: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros(t._data.shape, dtype=t.dtype.np), t.dtype)


def _fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is "
                                   "not allowed in strict mode.")
            g = _zeros_like(ref)
        res.append(g)
    return tuple(res)


# ----- the functional API ----------------------------------------------------------------------------------

def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single Tensor "
                               "with a single element.")
        with set_grad_enabled(True if create_graph else state.grad_enabled):
            grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
            result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
        outputs = _grad_postprocess(outputs, create_graph)
        result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """J v by the double-backward trick (the VJP is linear in its vector, so differentiate it)."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        grad_outputs = tuple(_zeros_like(out).requires_grad_(True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
        outputs = _grad_postprocess(outputs, create_graph)
        result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_outputs_tuple)


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                'torch.autograd.functional.jacobian: `create_graph=True` and `strategy="forward-mode"` are not '
                'supported together (yet). Please either set `create_graph=False` or `strategy="reverse-mode"`.')
        return _forward_jacobian(func, inputs, vectorize)
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)
        jac: tuple = ()
        for out in outputs:
            jac_i: tuple = tuple([] for _ in inputs)
            flat = out.reshape(-1)
            for j in range(out.nelement()):
                vj = _autograd_grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
                for k, (jac_el, vj_el, inp) in enumerate(zip(jac_i, vj, inputs)):
                    if vj_el is not None:
                        jac_el.append(vj_el)
                    else:
                        if strict:
                            raise RuntimeError(f"Output {len(jac)} of the user-provided function is independent of "
                                               f"input {k}. This is not allowed in strict mode.")
                        jac_el.append(_zeros_like(inp))
            jac += (tuple(
                stack(jac_el, 0).view(tuple(out.size()) + tuple(inputs[k].size())) if jac_el
                else _zeros_like_shape(tuple(out.size()) + tuple(inputs[k].size()), inputs[k])
                for k, jac_el in enumerate(jac_i)),)
        jac = _grad_postprocess(jac, create_graph)
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


_FORWARD_NEEDS_VECTORIZE = ("Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly implemented "
                            "for `vectorize=True`.")


def _forward_jacobian(func: Callable, inputs: Any, vectorize: bool) -> Any:
    """strategy="forward-mode": one Jacobian-vector product per input element (forward_ad.py)."""
    from .forward_ad import jacobian_forward  # cycle: forward_ad imports the engine core this module sits beside

    if not vectorize:
        raise NotImplementedError(_FORWARD_NEEDS_VECTORIZE)
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    is_outputs_tuple = isinstance(func(*inputs), tuple)
    jac = jacobian_forward(lambda *xs: func(*xs), tuple(range(len(inputs))), False)(*inputs)
    if not is_inputs_tuple:  # one input: one Jacobian per output
        return tuple(j[0] for j in jac) if is_outputs_tuple else jac[0]
    # several inputs: PyTorch's forward-mode path gives lists here, not tuples
    if not is_outputs_tuple:
        return list(jac)
    return [list(j) for j in jac]


def _zeros_like_shape(shape: tuple, like: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros(shape, dtype=like.dtype.np), like.dtype)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    if outer_jacobian_strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(_FORWARD_NEEDS_VECTORIZE)
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def ensure_single_output_function(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def jac_func(*inp: Tensor) -> Any:
        return jacobian(ensure_single_output_function, inp, create_graph=True)

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    return _hessian_vector(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    # the Hessian of a twice-differentiable function is symmetric, so H v equals v^T H
    return _hessian_vector(func, inputs, v, create_graph, strict, "hvp")


def _hessian_vector(func: Callable, inputs: Any, v: Any, create_graph: bool, strict: bool, name: str) -> tuple:
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        if v is not None:
            _, v = _as_tuple(v, "v", name)
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", name)
        _check_requires_grad(outputs, "outputs", strict=strict)
        if is_outputs_tuple or not isinstance(outputs[0], Tensor):
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        if outputs[0].nelement() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        with set_grad_enabled(True if create_graph else state.grad_enabled):
            grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
            result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
        outputs = _grad_postprocess(outputs, create_graph)
        result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


# ----- gradcheck -------------------------------------------------------------------------------------------

class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


GradcheckError.__module__ = "torch.autograd.gradcheck"


def _differentiable_outputs(value: Any) -> list:
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    return [t for t in items if isinstance(t, Tensor) and (t.dtype.is_floating_point or t.dtype.is_complex)]


def _numerical_jacobian(func: Callable, inputs: tuple, x: Tensor, eps: float, n_out: list[int]) -> list[np.ndarray]:
    """Per output, an (input numel, output numel) matrix by central differences on x's values in place."""
    data = x._data
    cols: list[list[np.ndarray]] = [[] for _ in n_out]
    flat_index = list(np.ndindex(data.shape)) if data.ndim else [()]
    if True:  # not under no_grad: gradgradcheck's function calls autograd.grad itself
        for idx in flat_index:
            orig = data[idx].copy()
            data[idx] = orig - eps
            minus = [np.asarray(o._data, dtype=np.float64).ravel().copy()
                     for o in _differentiable_outputs(func(*inputs))]
            data[idx] = orig + eps
            plus = [np.asarray(o._data, dtype=np.float64).ravel().copy()
                    for o in _differentiable_outputs(func(*inputs))]
            data[idx] = orig
            for k, (p, m) in enumerate(zip(plus, minus)):
                cols[k].append((p - m) / (2 * eps))
    return [np.stack(c) if c else np.zeros((0, n)) for c, n in zip(cols, n_out)]


def _analytical_jacobian(outputs: list, diff_inputs: list) -> list[list[np.ndarray]]:
    """[output][input] -> (input numel, output numel), one autograd.grad call per output element."""
    res = [[np.zeros((x.numel(), o.numel())) for x in diff_inputs] for o in outputs]
    for oi, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        for j in range(out.numel()):
            onehot = np.zeros(out.numel(), dtype=out.dtype.np)
            onehot[j] = 1
            v = Tensor._wrap(onehot.reshape(out._data.shape), out.dtype)
            grads = autograd_grad([out], diff_inputs, [v], retain_graph=True, allow_unused=True)
            for ii, g in enumerate(grads):
                if g is not None:
                    if tuple(g._data.shape) != tuple(diff_inputs[ii]._data.shape):
                        raise GradcheckError("Gradient has incorrect size")
                    res[oi][ii][:, j] = np.asarray(g._data, dtype=np.float64).ravel()
    return res


def _as_matrix_tensor(a: np.ndarray, like: Tensor) -> Tensor:
    return Tensor._wrap(np.ascontiguousarray(a, dtype=like.dtype.np), like.dtype)


def gradcheck(func: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None) -> bool:
    tupled = inputs if isinstance(inputs, tuple) else (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff_inputs = [t for t in tupled if isinstance(t, Tensor) and t.requires_grad]
    if not diff_inputs:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them "
                         "have requires_grad=True.")
    for i, t in enumerate(tupled):
        if isinstance(t, Tensor) and t.requires_grad and t.dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating point "
                          "or complex. ", UserWarning, stacklevel=2)
    outputs = _differentiable_outputs(func(*tupled))
    n_out = [o.numel() for o in outputs]
    input_index = [i for i, t in enumerate(tupled) if isinstance(t, Tensor) and t.requires_grad]
    checks = []
    if check_backward_ad:
        checks.append(("Jacobian mismatch", _analytical_jacobian(outputs, diff_inputs)))
    if check_forward_ad:
        checks.append(("Jacobian computed with forward mode mismatch",
                       _forward_mode_jacobian(func, tupled, diff_inputs, n_out)))
    for ii, x in enumerate(diff_inputs):
        numerical = _numerical_jacobian(func, tupled, x, eps, n_out)
        for title, analytical in checks:
            for oi, out in enumerate(outputs):
                num, ana = numerical[oi], analytical[oi][ii]
                if not np.allclose(ana, num, rtol=rtol, atol=atol):
                    if not raise_exception:
                        return False
                    msg = (f"{title} for output {oi} with respect to input {input_index[ii]},\n"
                           f"numerical:{tensor_repr(_as_matrix_tensor(num, out))}\n"
                           f"analytical:{tensor_repr(_as_matrix_tensor(ana, out))}\n")
                    raise GradcheckError(msg)
    return True


def _forward_mode_jacobian(func: Callable, inputs: tuple, diff_inputs: list, n_out: list[int]) -> list:
    """[output][input] -> (input numel, output numel), one dual-tensor pass per input element (forward_ad.py)."""
    from . import forward_ad  # cycle: forward_ad imports the engine core this module sits beside

    res = [[np.zeros((x.numel(), n)) for x in diff_inputs] for n in n_out]
    for ii, x in enumerate(diff_inputs):
        for j in range(x.numel()):
            basis = np.zeros(x.numel(), dtype=x.dtype.np)
            basis[j] = 1
            with forward_ad.dual_level():
                dual = forward_ad.make_dual(x.detach(), Tensor._wrap(basis.reshape(x._data.shape), x.dtype))
                args = tuple(dual if a is x else a for a in inputs)
                outs = _differentiable_outputs(func(*args))
                for oi, o in enumerate(outs):
                    t = forward_ad.unpack_dual(o).tangent
                    if t is not None:
                        res[oi][ii][j, :] = np.asarray(t._data, dtype=np.float64).ravel()
    return res


def gradgradcheck(func: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    tupled = inputs if isinstance(inputs, tuple) else (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = _differentiable_outputs(func(*tupled))
        grad_outputs = tuple(
            Tensor._wrap(rng.uniform(-1, 1, o._data.shape).astype(o.dtype.np), o.dtype).requires_grad_(True)
            for o in outs)
    else:
        grad_outputs = grad_outputs if isinstance(grad_outputs, tuple) else (grad_outputs,)
    n = len(tupled)

    def new_func(*args: Any) -> tuple:
        ins, gos = args[:n], args[n:]
        outs = _differentiable_outputs(func(*ins))
        diff = [t for t in ins if isinstance(t, Tensor) and t.requires_grad]
        grads = autograd_grad(outs, diff, list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, tupled + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
