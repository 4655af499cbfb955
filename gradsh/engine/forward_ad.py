"""Forward-mode derivatives (Jacobian-vector products) from the reverse-mode graph.

A jvp is the derivative of a vjp with respect to its cotangent: with `g(u) = J^T u` recorded under
create_graph (u a dummy cotangent that requires grad), `J t = d<g(u), t>/du`. Every op with a
differentiable backward therefore has its forward derivative, computed by the same formulas PyTorch's
jvp rules use (t * cos(x) for sin, ...), so no second table of rules can drift from the first.
"""

from __future__ import annotations

import contextlib
import functools
import weakref
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from . import backward as backward_mod
from . import graph, jvp_formulas, jvp_names, op_intercept, printing, vmap_batched
from .func import (
    _check_argnums,
    _detach_tree,
    _differentiate_args,
    _level,
    _needs_grad,
    _spec_text,
    _split_aux,
    _wrap_input,
    replace_at_argnums,
    tree_flatten,
    tree_unflatten,
)
from .grad_mode import enable_grad
from .tensor import Tensor


def _dummy_cotangent(o: Tensor) -> Tensor:
    # ones, not zeros: g(u) is linear in u, but a formula may pass through log|u| (logcumsumexp's), whose
    # derivative at 0 is not finite
    return vmap_batched.zeros_like(o).add(1).detach().requires_grad_()


def _grad(outputs: list, inputs: list, cotangents: list) -> list:
    if any(isinstance(t, vmap_batched.BatchedTensor) for t in (*outputs, *inputs, *cotangents)):
        return vmap_batched.autograd_grad(outputs, inputs, cotangents)  # inside vmap
    return list(backward_mod.grad(outputs, inputs, cotangents, retain_graph=True, create_graph=True,
                                  allow_unused=True))


def _linear_maps(outputs: list, inputs: list) -> tuple[list, list]:
    """(dummy cotangents u, vjps g(u)) for outputs over inputs, recorded so that g can be differentiated by u."""
    us = [_dummy_cotangent(o) for o in outputs]
    live = [(o, u) for o, u in zip(outputs, us) if vmap_batched.needs_grad(o)]  # the others have zero tangents
    if not live:
        return us, [None] * len(inputs)
    before = graph.recording_for_forward_ad[0]
    graph.recording_for_forward_ad[0] = True
    try:
        return us, _grad([o for o, _ in live], inputs, [u for _, u in live])
    finally:
        graph.recording_for_forward_ad[0] = before


def _push(us: list, gs: list, tangents: list, outputs: list) -> list:
    """J t for each output: d<g(u), t>/du."""
    pairs = [(g, t) for g, t in zip(gs, tangents) if g is not None and vmap_batched.needs_grad(g)]
    if not pairs:
        return [vmap_batched.zeros_like(o) for o in outputs]
    result = _grad([g for g, _ in pairs], us, [t for _, t in pairs])
    return [r if r is not None else vmap_batched.zeros_like(o) for r, o in zip(result, outputs)]


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
        bases = [_wrap_input(x) for x in p_leaves]
        wrapped = [b.clone() for b in bases]  # (the function may change its inputs in place)
        output = vmap_batched.entry_point(func)(*tree_unflatten(wrapped, p_spec))
        aux = None
        if has_aux:
            output, aux = output
        out_leaves, out_spec = tree_flatten(output)
        for o in out_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError("jvp(f, primals, tangents): Expected f(*primals) to return only tensors, got "  # noqa: TRY004 - PyTorch's exception type
                                   f"unsupported type {type(o)}")
        us, gs = _linear_maps(out_leaves, bases)
        pushed = _push(us, gs, t_leaves, out_leaves)
    result = (tree_unflatten(out_leaves, out_spec), tree_unflatten(pushed, out_spec))
    if has_aux:
        result = result + (aux,)
    return _detach_tree(result, outer)


def jacobian_forward(func: Callable, argnums: Any, has_aux: bool, randomness: str = "error") -> Callable:
    """torch.func.jacfwd as PyTorch builds it: one jvp vmapped over the standard basis of the inputs'
    tangents, its batch dim moved last, split per input and viewed to output.shape + input.shape; where
    the batched jvp cannot run, one jvp per input element (columns of the Jacobian)."""
    looped = _jacobian_forward_looped(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_argnums(argnums, len(args))
        chosen = tuple(args[a] for a in argnums) if isinstance(argnums, tuple) else args[argnums]
        if randomness == "error" and not any(_needs_grad(x) for x in tree_flatten(chosen)[0]):
            # no graph to shape and no random draws to share: the per-column products, whose matrix
            # products are PyTorch's bit for bit where gradsh's batched matmul rules are off by an ulp
            return looped(*args, **kwargs)
        try:
            return _jacobian_forward_batched(func, argnums, has_aux, randomness, args, kwargs)
        except (RuntimeError, NotImplementedError) as e:
            if "randomness error mode" in str(e):
                raise
            return looped(*args, **kwargs)

    return wrapper


def _standard_basis(primals: list, numels: list) -> list:
    """PyTorch's basis for jacfwd: for each primal, (N, *primal.shape) with N the inputs' total numel,
    the identity in the rows of that primal and zeros elsewhere."""
    total = sum(numels)
    out, start = [], 0
    for p, n in zip(primals, numels):
        chunk = vmap_batched.physical(p).new_zeros((total, n))
        chunk._data[range(start, start + n), range(n)] = 1
        out.append(chunk.view(total, *p.shape))
        start += n
    return out


def _jacobian_forward_batched(func: Callable, argnums: Any, has_aux: bool, randomness: str, args: tuple,
                              kwargs: dict) -> Any:
    from .func import vmap  # cycle: func imports this module lazily, and this one needs its vmap

    chosen = tuple(args[a] for a in argnums) if isinstance(argnums, tuple) else args[argnums]
    flat_primals, primals_spec = tree_flatten(chosen)
    for p in flat_primals:
        if not isinstance(p, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(p)}")  # noqa: TRY004 - PyTorch's exception type
    numels = [p.numel() for p in flat_primals]

    def with_primals(*leaves: Any) -> Any:
        new_args = replace_at_argnums(args, argnums, tree_unflatten(list(leaves), primals_spec))
        return vmap_batched.entry_point(func)(*new_args, **kwargs)

    def push_jvp(*flat_basis: Any) -> Any:
        result = jvp(with_primals, tuple(flat_primals), tuple(flat_basis), has_aux=has_aux)
        return (result[1], result[2]) if has_aux else result[1]

    results = vmap(push_jvp, randomness=randomness)(*_standard_basis(flat_primals, numels))
    aux = None
    if has_aux:
        results, aux = results
        aux_leaves, aux_spec = tree_flatten(aux)
        aux = tree_unflatten([a[0] if isinstance(a, Tensor) else a for a in aux_leaves], aux_spec)
    jac_outs, out_spec = tree_flatten(results)
    per_output = []
    for jac_out in jac_outs:
        parts = jac_out.movedim(0, -1).split(numels, dim=-1)
        per_input = [part.squeeze(-1) if p.dim() == 0 else part.unflatten(-1, tuple(p.shape))
                     for p, part in zip(flat_primals, parts)]
        per_output.append(tree_unflatten(per_input, primals_spec))
    jac = tree_unflatten(per_output, out_spec)
    return (jac, aux) if has_aux else jac


def _jacobian_forward_looped(func: Callable, argnums: Any, has_aux: bool) -> Callable:
    """One Jacobian-vector product per input element (columns of the Jacobian)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # (looked up at each call: under vmap the module attribute is the op's batched entry point)
        from .ops.joining import stack  # cycle: ops import the engine core this module sits beside

        with _level():
            new_args, wrapped, spec, outer = _differentiate_args(args, argnums)
            output = vmap_batched.entry_point(func)(*new_args, **kwargs)
            output, aux = _split_aux(output, has_aux, "jacfwd(f, ...)(*args)")
            out_leaves, out_spec = tree_flatten(output)
            us, gs = _linear_maps(out_leaves, wrapped)
            per_input = []
            for i, x in enumerate(wrapped):
                columns: list[list] = [[] for _ in out_leaves]
                for j in range(x.numel()):
                    tangents = [vmap_batched.zeros_like(w) for w in wrapped]
                    basis = vmap_batched.physical(x).new_zeros((x.numel(),))  # the same for every sample
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


# ----- dual tensors: torch.autograd.forward_ad ----------------------------------------------------------
#
# While a dual level is open, every declared op (Tensor methods, dunders, torch.* functions) is wrapped:
# when an argument carries a tangent, the op runs once more on stand-ins that require grad, and the
# output's tangent is that run's jvp (above). The wrappers are installed on entering the level and removed
# on leaving it, so the ordinary hot path never pays for forward mode.

_tangents: dict[int, tuple[Any, Tensor]] = {}
_level_open = [False]
_busy = [False]
_patched: list[tuple[Any, str, Any]] = []


class UnpackedDualTensor(NamedTuple):
    primal: Tensor
    tangent: Tensor | None


def _tangent_of(t: Any) -> Tensor | None:
    entry = _tangents.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    return entry[1]


def _set_tangent(t: Tensor, tangent: Tensor) -> None:
    key = id(t)

    def forget(ref: Any, key: int = key) -> None:
        entry = _tangents.get(key)
        if entry is not None and entry[0] is ref:
            del _tangents[key]

    _tangents[key] = (weakref.ref(t, forget), tangent)
    if not printing.tangent_of:
        printing.tangent_of.append(_tangent_of)


def enter_dual_level() -> int:
    if _level_open[0]:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _level_open[0] = True
    _install_wrappers()
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    if level is not None and level != 0 or not _level_open[0]:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _level_open[0] = False
    _remove_wrappers()
    _tangents.clear()
    printing.tangent_of.clear()


class dual_level:  # PyTorch's name
    """Context manager of a forward-AD level: tangents made inside it are dropped on leaving it."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *args: object) -> None:
        exit_dual_level()


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of `tensor` that carries `tangent` (its directional derivative) through the ops it meets."""
    if not _level_open[0]:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not (tangent.is_floating_point() or tangent.is_complex()):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the original Tensor, this is "
            f"not supported. Tensor is of size {list(tensor.shape)} while the given forward gradient is of size "
            f"{list(tangent.shape)}."
        )
    _busy[0] = True
    try:
        dual = tensor.view_as(tensor)
    finally:
        _busy[0] = False
    _set_tangent(dual, tangent)
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    tangent = _tangent_of(tensor)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    _busy[0] = True
    try:
        primal = tensor.view_as(tensor)
    finally:
        _busy[0] = False
    return UnpackedDualTensor(primal, tangent)


def _forward_wrapper(fn: Callable, name: str = "") -> Callable:
    def with_tangents(*args: Any, **kwargs: Any) -> Any:
        if _busy[0] or not _tangents:
            return fn(*args, **kwargs)
        leaves, spec = tree_flatten((args, kwargs))
        duals = {i: _tangent_of(x) for i, x in enumerate(leaves) if isinstance(x, Tensor)}
        duals = {i: t for i, t in duals.items() if t is not None}
        if not duals:
            return fn(*args, **kwargs)
        _busy[0] = True
        try:
            return _run_with_tangents(fn, leaves, spec, duals, name)
        finally:
            _busy[0] = False

    functools.update_wrapper(with_tangents, fn)
    return with_tangents


def _run_with_tangents(fn: Callable, leaves: list, spec: Any, duals: dict, name: str = "") -> Any:
    from .ops import random_ops  # cycle: ops import the engine core this module sits beside

    rng = random_ops.get_rng_state()
    with enable_grad():
        # stand-ins: fresh copies (an in-place op must not touch the caller's tensors twice), the duals' copies
        # made from leaves that require grad
        stand = [x.detach().clone() if isinstance(x, Tensor) else x for x in leaves]
        # a tangent or primal that requires grad gives a tangent with a graph (PyTorch records the jvp formula's
        # ops): the stand-in is then the primal itself, so J(x) t is differentiable in x as well as in t
        graph = any(leaves[i].requires_grad or t.requires_grad for i, t in duals.items())
        bases = {}
        for i in duals:
            # (a view per argument: the same tensor passed twice must give two inputs, as detached copies do)
            bases[i] = leaves[i].view_as(leaves[i]) if leaves[i].requires_grad else leaves[i].detach().requires_grad_()
            stand[i] = bases[i].clone()
        s_args, s_kwargs = tree_unflatten(stand, spec)
        shadow = fn(*s_args, **s_kwargs)
    random_ops.set_rng_state(rng)  # the real call draws the same numbers (a dropout mask, say)
    a, k = tree_unflatten(leaves, spec)
    result = fn(*a, **k)
    inputs = list(bases.values())
    tangents = [duals[i] for i in bases]
    arg_ids = {id(x) for x in leaves if isinstance(x, Tensor)}
    memory = {id(_storage_owner(x)) for x in leaves if isinstance(x, Tensor)}
    outputs = tree_flatten(result)[0]
    shadows = tree_flatten(shadow)[0]
    if result is None and isinstance(leaves[0], Tensor):  # __setitem__: what changed is the tensor written into
        outputs, shadows = [leaves[0]], [stand[0]]
    if any(isinstance(r, Tensor) and id(r) not in arg_ids and id(_storage_owner(r)) in memory for r in outputs):
        # a view op: linear, and its tangent is the same view of the input's tangent (PyTorch's rule), so an
        # in-place change through either one reaches the other
        t_args, t_kwargs = tree_unflatten([duals.get(i, x) for i, x in enumerate(leaves)], spec)
        for r, t in zip(outputs, tree_flatten(fn(*t_args, **t_kwargs))[0]):
            if isinstance(r, Tensor) and isinstance(t, Tensor):
                _set_tangent(r, t)
        return result
    formula = jvp_formulas.rule_for(name)
    if formula is not None:
        with enable_grad():
            tangent = formula(a, k, lambda x: _tangent_of(x) if isinstance(x, Tensor) else None, result)
        if tangent is jvp_formulas.NO_TANGENT:
            return result
        if tangent is not None:
            graph_tangent = any(leaves[i].requires_grad or t.requires_grad for i, t in duals.items())
            _set_tangent(result, tangent if graph_tangent else tangent.detach())
            return result
    # primals on no graph: their values enter the tangent's formula as constants, as in PyTorch's jvp formulas
    constants = not any(leaves[i].requires_grad for i in duals)
    if constants and _named_tangent(fn, name, leaves, spec, duals, stand, shadow, inputs, result):
        return result
    with enable_grad():
        for s, r in zip(shadows, outputs):
            if not (isinstance(r, Tensor) and isinstance(s, Tensor)) or not s.requires_grad:
                continue
            with _saved_as_constants(constants):
                us, gs = _linear_maps([s], inputs)
            if all(g is None or not g.requires_grad for g in gs):
                continue
            tangent = _push(us, gs, tangents, [s])[0]
            if not graph:
                tangent = tangent.detach()
            old = _tangent_of(r)
            if id(r) in arg_ids and old is not None:
                old.copy_(tangent)  # in place: a view's tangent writes through to its base's
            else:
                _set_tangent(r, tangent)
    return result


def _named_tangent(fn: Callable, name: str, leaves: list, spec: Any, duals: dict, stand: list, shadow: Any,
                   inputs: list, result: Any) -> bool:
    """The tangent of an elementwise op of one dual input by PyTorch's jvp formula (jvp_names.py): done or not."""
    if list(duals) != [0] or not isinstance(result, Tensor) or not isinstance(shadow, Tensor):
        return False
    t = duals[0]
    if name in jvp_names.LINEAR:
        t_args, t_kwargs = tree_unflatten([t, *leaves[1:]], spec)
        _set_tangent(result, fn(*t_args, **t_kwargs))
        return True
    rule = jvp_names.rule_for(name)
    if (rule is None or tuple(result.shape) != tuple(t.shape) or not shadow.requires_grad
            or any(isinstance(v, Tensor) for v in leaves[1:])):
        return False
    with enable_grad(), _saved_as_constants(True):
        us, gs = _linear_maps([shadow], inputs)
    with enable_grad():
        factor = _push(us, gs, [t.detach().new_ones(t.shape)], [shadow])[0].detach()
    x = leaves[0].detach()
    with enable_grad():
        tangent = rule(t, factor, x, result.detach())
    _set_tangent(result, tangent if t.requires_grad else tangent.detach())
    return True


@contextlib.contextmanager
def _saved_as_constants(on: bool) -> Iterator[None]:
    old = graph.saved_as_constants[0]
    graph.saved_as_constants[0] = on
    try:
        yield
    finally:
        graph.saved_as_constants[0] = old


def _storage_owner(t: Tensor) -> Tensor:
    return t._base if t._base is not None else t


def _function_tangents(cls: Any, ctx: Any, args: tuple, result: Any) -> None:
    """An autograd.Function applied to dual tensors: its jvp staticmethod gives the outputs' tangents."""
    from .autograd_function import Function  # cycle: autograd_function imports ops that import this package

    tangents = [_tangent_of(a) if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in tangents):
        return
    if cls.jvp is Function.jvp:
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")
    given = [t if t is not None or not isinstance(a, Tensor) else a.new_zeros(a.shape)
             for a, t in zip(args, tangents)]
    _busy[0] = True
    try:
        if getattr(ctx, "_saved_for_forward", None) is not None and not ctx._to_save:
            ctx._to_save = ctx._saved_for_forward  # saved_tensors reads what save_for_forward kept
        pushed = cls.jvp(ctx, *given)
    finally:
        _busy[0] = False
    outs = result if isinstance(result, tuple) else (result,)
    pushed = pushed if isinstance(pushed, tuple) else (pushed,)
    for o, t in zip(outs, pushed):
        if isinstance(o, Tensor) and isinstance(t, Tensor):
            _set_tangent(o, t)


def _install_wrappers() -> None:
    from . import autograd_function  # cycle: autograd_function imports ops that import this package

    autograd_function.tangent_rules.append(_function_tangents)
    _patched.extend(op_intercept.install(lambda name, fn: _forward_wrapper(fn, name)))


def _remove_wrappers() -> None:
    from . import autograd_function  # cycle: autograd_function imports ops that import this package

    autograd_function.tangent_rules.clear()
    op_intercept.remove(_patched)
