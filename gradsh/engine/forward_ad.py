"""Forward-mode derivatives (Jacobian-vector products) from the reverse-mode graph.

A jvp is the derivative of a vjp with respect to its cotangent: with `g(u) = J^T u` recorded under
create_graph (u a dummy cotangent that requires grad), `J t = d<g(u), t>/du`. Every op with a
differentiable backward therefore has its forward derivative, computed by the same formulas PyTorch's
jvp rules use (t * cos(x) for sin, ...), so no second table of rules can drift from the first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import backward as backward_mod
from .func import _detach_tree, _differentiate_args, _level, _spec_text, _wrap_input, tree_flatten, tree_unflatten
from .tensor import Tensor


def _zero_cotangent(o: Tensor) -> Tensor:
    return o.new_zeros(o.shape).requires_grad_()


def _linear_maps(outputs: list, inputs: list) -> tuple[list, list]:
    """(dummy cotangents u, vjps g(u)) for outputs over inputs, recorded so that g can be differentiated by u."""
    us = [_zero_cotangent(o) for o in outputs]
    gs = backward_mod.grad(outputs, inputs, us, retain_graph=True, create_graph=True, allow_unused=True)
    return us, list(gs)


def _push(us: list, gs: list, tangents: list, outputs: list) -> list:
    """J t for each output: d<g(u), t>/du."""
    pairs = [(g, t) for g, t in zip(gs, tangents) if g is not None and g.requires_grad]
    if not pairs:
        return [o.new_zeros(o.shape) for o in outputs]
    result = backward_mod.grad([g for g, _ in pairs], us, [t for _, t in pairs], retain_graph=True,
                               create_graph=True, allow_unused=True)
    return [r if r is not None else o.new_zeros(o.shape) for r, o in zip(result, outputs)]


def jvp(func: Callable, primals: Any, tangents: Any, *, has_aux: bool = False) -> tuple:
    """torch.func.jvp: (func(*primals), J tangents)."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "  # noqa: TRY004 - PyTorch's exception type
                           "call f(*primals).")
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if not isinstance(tangents, tuple) or len(p_leaves) != len(t_leaves) or _spec_text(p_spec) != _spec_text(t_spec):
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
            f"{_spec_text(p_spec)} and tangents with structure {_spec_text(t_spec)}"
        )
    for p, t in zip(p_leaves, t_leaves):
        if not isinstance(t, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")  # noqa: TRY004 - PyTorch's exception type
        if isinstance(p, Tensor) and tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same shape. "
                               f"Got primal of shape {tuple(p.shape)} and tangent of shape {tuple(t.shape)}")
    with _level():
        outer = any(isinstance(x, Tensor) and x.requires_grad for x in p_leaves + t_leaves)
        wrapped = [_wrap_input(x) for x in p_leaves]
        output = func(*tree_unflatten(wrapped, p_spec))
        aux = None
        if has_aux:
            output, aux = output
        out_leaves, out_spec = tree_flatten(output)
        for o in out_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError("jvp(f, primals, tangents): Expected f(*primals) to return only tensors, got "  # noqa: TRY004 - PyTorch's exception type
                                   f"unsupported type {type(o)}")
        us, gs = _linear_maps(out_leaves, wrapped)
        pushed = _push(us, gs, t_leaves, out_leaves)
    result = (tree_unflatten(out_leaves, out_spec), tree_unflatten(pushed, out_spec))
    if has_aux:
        result = result + (aux,)
    return _detach_tree(result, outer)


def jacobian_forward(func: Callable, argnums: Any, has_aux: bool) -> Callable:
    """torch.func.jacfwd: one Jacobian-vector product per input element (columns of the Jacobian)."""
    from .ops.joining import stack  # cycle: ops import the engine core this module sits beside

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _level():
            new_args, wrapped, spec, outer = _differentiate_args(args, argnums)
            output = func(*new_args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(output, tuple) and len(output) == 2):
                    raise RuntimeError("jacfwd(f, ...)(*args): output of function f should be a tuple: (output, aux) "
                                       "if has_aux is True")
                output, aux = output
            out_leaves, out_spec = tree_flatten(output)
            us, gs = _linear_maps(out_leaves, wrapped)
            per_input = []
            for i, x in enumerate(wrapped):
                columns: list[list] = [[] for _ in out_leaves]
                for j in range(x.numel()):
                    tangents = [w.new_zeros(w.shape) for w in wrapped]
                    basis = x.new_zeros((x.numel(),))
                    basis._data[j] = 1
                    tangents[i] = basis.reshape(x.shape)
                    for k, col in enumerate(_push(us, gs, tangents, out_leaves)):
                        columns[k].append(col)
                jacs = []
                for o, cols in zip(out_leaves, columns):
                    shape = tuple(o.shape) + tuple(x.shape)
                    jacs.append(stack(cols, dim=-1).reshape(shape) if cols else o.new_zeros(shape))
                per_input.append(jacs)
            per_output = [tree_unflatten([per_input[i][k] for i in range(len(wrapped))], spec)
                          for k in range(len(out_leaves))]
            jac = tree_unflatten(per_output, out_spec)
        result = (jac, aux) if has_aux else jac
        return _detach_tree(result, outer)

    return wrapper
