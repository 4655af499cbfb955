"""torch.func on gradsh's reverse-mode engine: grad, vjp, jacrev/jacfwd/hessian, jvp, linearize, vmap, functional_call.

Each transform runs the function on fresh inputs that require grad and differentiates with
`autograd.grad(create_graph=True)`, so transforms nest (grad of grad, vmap of grad); at the outermost
level the results are detached, as PyTorch's functorch returns plain tensors. vmap is a loop over the
mapped dimension whose per-sample results are stacked: the same values as PyTorch's batching rules,
one call of the function per sample. jvp and jacfwd use forward-mode AD (forward_ad.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from . import backward as backward_mod
from . import vmap_batched
from .grad_mode import enable_grad
from .tensor import Tensor

_depth = [0]
_vmap_depth = [0]
_EXTENDING = "For more details, please see https://pytorch.org/docs/main/notes/extending.func.html"


def _check_function(cls: Any, args: tuple) -> None:
    """An autograd.Function applied inside a transform: PyTorch's conditions for that."""
    from .autograd_function import Function  # cycle: autograd_function imports ops that import this package

    if _depth[0] == 0 and _vmap_depth[0] == 0:
        return
    if cls.setup_context is Function.setup_context:
        raise RuntimeError(
            "In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, jacrev, ...), it must "
            f"override the setup_context staticmethod. {_EXTENDING}"
        )
    if _vmap_depth[0] and not cls.generate_vmap_rule and cls.vmap is Function.vmap:
        raise RuntimeError(
            f"You tried to vmap over {cls.__name__}, but it does not have vmap support. Please override and implement "
            f"the vmap staticmethod or set generate_vmap_rule=True. {_EXTENDING}"
        )


@contextlib.contextmanager
def _transform(counter: list) -> Iterator[None]:
    from . import autograd_function  # cycle: autograd_function imports ops that import this package

    counter[0] += 1
    if _check_function not in autograd_function.transform_hooks:
        autograd_function.transform_hooks.append(_check_function)
    try:
        yield
    finally:
        counter[0] -= 1
        if _depth[0] == 0 and _vmap_depth[0] == 0:
            autograd_function.transform_hooks.remove(_check_function)


@contextlib.contextmanager
def _level() -> Iterator[None]:
    with _transform(_depth), enable_grad():
        yield


# ----- a small pytree: tuples, lists and dicts of leaves ----------------------------------------------


def tree_flatten(tree: Any) -> tuple[list, Any]:
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            sub, spec = tree_flatten(item)
            leaves += sub
            specs.append(spec)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for key, item in tree.items():
            sub, spec = tree_flatten(item)
            leaves += sub
            specs.append((key, spec))
        return leaves, (dict, specs)
    return [tree], None


def tree_unflatten(leaves: list, spec: Any) -> Any:
    it = iter(leaves)

    def build(spec: Any) -> Any:
        if spec is None:
            return next(it)
        kind, specs = spec
        if kind is dict:
            return {key: build(s) for key, s in specs}
        items = [build(s) for s in specs]
        return kind(items) if kind is list else tuple(items)

    return build(spec)


def _spec_text(spec: Any) -> str:
    """PyTorch's TreeSpec repr, for the structure-mismatch errors."""
    if spec is None:
        return "*"
    kind, specs = spec
    if kind is dict:
        keys = [k for k, _ in specs]
        inner = [_spec_text(s) for _, s in specs]
        context = repr(keys)
    else:
        inner = [_spec_text(s) for s in specs]
        context = "None"
    body = ",\n  ".join(inner)
    return f"TreeSpec({kind.__name__}, {context}, [{body}])"


# ----- grad and vjp ------------------------------------------------------------------------------------


def _needs_grad(t: Any) -> bool:
    """Whether `t` is on an outer graph (a batched tensor's graph lives on its physical tensor)."""
    return isinstance(t, Tensor) and vmap_batched.physical(t).requires_grad


def _wrap_input(t: Any, seen: set | None = None) -> Tensor:
    if not isinstance(t, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")  # noqa: TRY004 - PyTorch's exception type
    lvl = vmap_batched.current_level()
    if lvl and vmap_batched.level_of(t) != lvl:
        # differentiated per sample: an input shared by the samples gets one copy per sample, so that each
        # sample's gradient is its own (PyTorch's grad level sits inside the vmap level)
        shared = t if _needs_grad(t) else t.detach()
        t = vmap_batched.wrap(shared.unsqueeze(0).expand(vmap_batched.batch_size(lvl), *t.shape), 0, lvl)
        if not _needs_grad(t):
            t = vmap_batched.wrap(t._phys.clone(), 0, lvl)
    base = vmap_batched.physical(t)
    lay = vmap_batched.layout(t)
    if base.requires_grad:
        # an outer transform differentiates through this one: stay on its graph (the same tensor passed
        # twice is differentiated twice, as two views)
        if seen is not None and id(base) not in seen:
            seen.add(id(base))
            return t
        return vmap_batched.rewrap(base.view_as(base), lay)
    return vmap_batched.rewrap(base.detach().requires_grad_(), lay)


def _detach_tree(tree: Any, keep: bool) -> Any:
    if keep:
        return tree
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([x.detach() if isinstance(x, Tensor) else x for x in leaves], spec)


def _check_argnums(argnums: Any, n: int) -> None:
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")  # noqa: TRY004 - PyTorch's exception type
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")


def _differentiate_args(args: tuple, argnums: Any) -> tuple[tuple, list, Any, bool]:
    """The args with those at argnums replaced by wrapped inputs; their leaves, structure, and whether outer graph."""
    _check_argnums(argnums, len(args))
    chosen = tuple(args[a] for a in argnums) if isinstance(argnums, tuple) else args[argnums]
    leaves, spec = tree_flatten(chosen)
    outer = any(_needs_grad(x) for x in leaves) or _depth[0] > 1
    seen: set = set()
    wrapped = [_wrap_input(x, seen) for x in leaves]
    return tuple(replace_at_argnums(args, argnums, tree_unflatten(wrapped, spec))), wrapped, spec, outer


def replace_at_argnums(args: tuple, argnums: int | tuple, chosen: Any) -> list:
    """`args` with the argument(s) at `argnums` replaced by `chosen` (one value, or a tuple for a tuple of argnums)."""
    new_args = list(args)
    if isinstance(argnums, tuple):
        for a, value in zip(argnums, chosen):
            new_args[a] = value
    else:
        new_args[argnums] = chosen
    return new_args


def _grads(outputs: list, inputs: list, cotangents: list | None) -> list:
    tensors = [*outputs, *inputs, *(cotangents or [])]
    if any(isinstance(t, vmap_batched.BatchedTensor) for t in tensors):
        return vmap_batched.grads(outputs, inputs, cotangents)
    result = backward_mod.grad(outputs, inputs, cotangents, retain_graph=True, create_graph=True, allow_unused=True)
    return [g if g is not None else x.new_zeros(x.shape) for g, x in zip(result, inputs)]


def grad_and_value(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _level():
            new_args, wrapped, spec, outer = _differentiate_args(args, argnums)
            # an argument on an outer graph that is not differentiated here keeps on that graph the results
            # that depend on it
            others = not outer and any(_needs_grad(a) for a in tree_flatten((args, kwargs))[0])
            output = vmap_batched.entry_point(func)(*new_args, **kwargs)
            output, aux = _split_aux(output, has_aux, "grad_and_value(f)(*args)")
            if not isinstance(output, Tensor):
                raise RuntimeError(  # noqa: TRY004 - PyTorch's exception type
                    f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(output)}"
                )
            if output.dim() != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                    f"{output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            grads = tree_unflatten(_grads([output], wrapped, None), spec)
        result = (grads, (output, aux)) if has_aux else (grads, output)
        if others:
            internal = {id(vmap_batched.physical(w)) for w in wrapped}
            leaves, result_spec = tree_flatten(result)
            return tree_unflatten([x if not isinstance(x, Tensor) or _reaches_outside(x, internal) else x.detach()
                                   for x in leaves], result_spec)
        return _detach_tree(result, outer)

    return wrapper


def _reaches_outside(t: Tensor, internal: set) -> bool:
    """Whether t's graph reaches a tensor other than this transform's own inputs (an outer graph)."""
    from .graph import AccumulateGrad  # cycle: graph is imported by the tensor module this one needs

    start = vmap_batched.physical(t).grad_fn
    seen: set = set()
    stack = [start] if start is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            if id(node.variable) not in internal:
                return True
            continue
        stack.extend(fn for fn, _ in node.next_functions if fn is not None)
    return False


def grad(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    inner = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        grads, value = inner(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def _split_aux(output: Any, has_aux: bool, call: str) -> tuple:
    """(output, aux) of a function the transforms call with has_aux, refused as PyTorch does when not a pair."""
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{call}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return output


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    with _level():
        leaves, spec = tree_flatten(primals)
        outer = any(_needs_grad(x) for x in leaves) or _depth[0] > 1
        seen: set = set()
        wrapped = [_wrap_input(x, seen) for x in leaves]
        output = vmap_batched.entry_point(func)(*tree_unflatten(wrapped, spec))
        output, aux = _split_aux(output, has_aux, "vjp(f, *primals)")
        out_leaves, out_spec = tree_flatten(output)
        for o in out_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"vjp(f, *primals): Expected f(*primals) to return only tensors, got unsupported "  # noqa: TRY004 - PyTorch's exception type
                                   f"type {type(o)}")

    def vjp_fn(*cotangents: Any) -> tuple:
        cot = cotangents[0] if len(cotangents) == 1 and out_spec is None else cotangents
        cot_leaves, cot_spec = tree_flatten(cot)
        if out_spec is not None and len(cot_leaves) != len(out_leaves):
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of outputs to the "
                f"function. cotangents: {_spec_text(cot_spec)}, primal output: {_spec_text(out_spec)}"
            )
        with _level():
            grads = _grads(out_leaves, wrapped, cot_leaves)
        keep = outer or any(_needs_grad(c) for c in cot_leaves)
        return _detach_tree(tree_unflatten(grads, spec), keep)

    result = (_detach_tree(output, outer), vjp_fn)
    if has_aux:
        return result + (_detach_tree(aux, outer),)
    return result


# ----- Jacobians ---------------------------------------------------------------------------------------


def _jacobian_rows(output: Tensor, inputs: list) -> list:
    """d output / d input for each input (shape output.shape + input.shape): PyTorch's jacrev, one vjp
    vmapped over the standard basis of the output, the rows split off and viewed; where the batched
    backward cannot run (a formula that reads its gradient's values), one vjp per output element."""
    n = output.numel()
    if n and not isinstance(output, vmap_batched.BatchedTensor):
        try:
            return _jacobian_rows_batched(output, inputs, n)
        except (RuntimeError, NotImplementedError):
            pass
    return _jacobian_rows_looped(output, inputs)


def _jacobian_rows_batched(output: Tensor, inputs: list, n: int) -> list:
    eye = output.new_zeros((n, n))
    eye._data[range(n), range(n)] = 1
    basis = eye.view(n, *output.shape)
    rows = vmap(lambda u: tuple(_grads([output], inputs, [u])))(basis)
    return [r.split([n], 0)[0].view(tuple(output.shape) + tuple(x.shape)) for r, x in zip(rows, inputs)]


def _jacobian_rows_looped(output: Tensor, inputs: list) -> list:
    from .ops.joining import stack  # cycle: ops import the engine core this module sits beside

    n = output.numel()
    rows: list[list] = [[] for _ in inputs]
    flat = output.reshape(-1)
    for k in range(n):
        basis = vmap_batched.physical(flat).new_zeros(tuple(flat.shape))  # the same for every sample
        basis._data[k] = 1
        grads = _grads([output], inputs, [basis.reshape(output.shape)])
        for i, g in enumerate(grads):
            rows[i].append(g)
    out = []
    for x, r in zip(inputs, rows):
        if r:
            jac = stack(r).reshape(tuple(output.shape) + tuple(x.shape))
        else:
            jac = x.new_zeros(tuple(output.shape) + tuple(x.shape))
        out.append(jac)
    return out


def jacrev(func: Callable, argnums: int | tuple = 0, *, has_aux: bool = False, chunk_size: int | None = None,
           _preallocate_and_copy: bool = False) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _level():
            new_args, wrapped, spec, outer = _differentiate_args(args, argnums)
            output = vmap_batched.entry_point(func)(*new_args, **kwargs)
            output, aux = _split_aux(output, has_aux, "jacrev(f, ...)(*args)")
            out_leaves, out_spec = tree_flatten(output)
            for o in out_leaves:
                if not isinstance(o, Tensor):
                    raise RuntimeError("jacrev(f, ...)(*args): Expected f(*args) to return only tensors, got "  # noqa: TRY004 - PyTorch's exception type
                                       f"unsupported type {type(o)}")
            per_output = [tree_unflatten(_jacobian_rows(o, wrapped), spec) for o in out_leaves]
            jac = tree_unflatten(per_output, out_spec)
        result = (jac, aux) if has_aux else jac
        return _detach_tree(result, outer)

    return wrapper


def jacfwd(func: Callable, argnums: int | tuple = 0, has_aux: bool = False, *, randomness: str = "error") -> Callable:
    from .forward_ad import jacobian_forward  # cycle: forward_ad uses this module's pytree helpers

    return jacobian_forward(func, argnums, has_aux, randomness)


def hessian(func: Callable, argnums: int | tuple = 0) -> Callable:
    return jacfwd(jacrev(func, argnums), argnums)


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False) -> tuple:
    from .forward_ad import jvp as forward_jvp  # cycle: forward_ad uses this module's pytree helpers

    return forward_jvp(func, primals, tangents, has_aux=has_aux)


def linearize(func: Callable, *primals: Any) -> tuple:
    output = func(*primals)

    def jvp_fn(*tangents: Any) -> Any:
        return jvp(func, primals, tangents)[1]

    return _detach_tree(output, False), jvp_fn


# ----- vmap --------------------------------------------------------------------------------------------


def _fn_name(func: Callable) -> str:
    return getattr(func, "__name__", repr(func))


def _broadcast_dims(in_dims: Any, args: tuple, name: str) -> list:
    """One in_dim per leaf of args."""
    leaves, spec = tree_flatten(args)
    if isinstance(in_dims, int):
        return [in_dims] * len(leaves)
    if not isinstance(in_dims, tuple):
        raise ValueError(  # noqa: TRY004 - PyTorch's exception type
            f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a (potentially nested) "
            f"tuple matching the structure of inputs, got: {type(in_dims)}."
        )
    if len(in_dims) != len(args):
        _, dims_spec = tree_flatten(in_dims)
        raise ValueError(
            f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the structure of "
            f"`inputs`. in_dims has structure {_spec_text(dims_spec)} but inputs has structure {_spec_text(spec)}."
        )
    out: list = []
    for d, a in zip(in_dims, args):
        n = len(tree_flatten(a)[0])
        if d is None or isinstance(d, int):
            out += [d] * n
        else:
            sub = tree_flatten(d)[0]
            if len(sub) != n:
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with "
                                 "the structure of `inputs`.")
            out += sub
    return out


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    name = _fn_name(func)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not args:
            raise ValueError(
                f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are trying to vmap "
                "over a function with no inputs. The latter is unsupported."
            )
        leaves, spec = tree_flatten(args)
        dims = _broadcast_dims(in_dims, args, name)
        sizes = []
        for x, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(x, Tensor):
                raise ValueError(  # noqa: TRY004 - PyTorch's exception type
                    f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but the input is of "
                    f"type {type(x)}. We cannot vmap over non-Tensor arguments, please use None as the respective "
                    "in_dim"
                )
            nd = x.dim()
            if not -nd <= d < nd:
                raise ValueError(
                    f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, but that input "
                    f"is a Tensor of dimensionality {nd} so expected in_dim to satisfy -{nd} <= in_dim < {nd}."
                )
            sizes.append(x.shape[d])
        if not sizes:
            raise ValueError(
                f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): at least one input must be a Tensor to vmap over, "
                "got no Tensor inputs."
            )
        if len(set(sizes)) != 1:
            raise ValueError(
                "vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                f"{sizes} for the mapped dimension"
            )
        if chunk_size is not None:
            return _chunked(func, leaves, spec, dims, sizes[0], chunk_size, kwargs, out_dims, randomness, name)
        return _batched_call(func, leaves, spec, dims, sizes[0], kwargs, out_dims, randomness, name)

    return wrapper


def _batched_call(func: Callable, leaves: list, spec: Any, dims: list, size: int, kwargs: dict, out_dims: Any,
                  randomness: str, name: str) -> Any:
    """One call of func on batched tensors; a function that draws random numbers runs once per sample instead."""
    rng = _rng_state()
    with _transform(_vmap_depth), vmap_batched.level(size) as lvl:
        batched = [x if d is None else vmap_batched.wrap(x, d % x.dim(), lvl) for x, d in zip(leaves, dims)]
        output = vmap_batched.entry_point(func)(*tree_unflatten(batched, spec), **kwargs)
        if rng.equal(_rng_state()):
            return _unbatch(output, out_dims, name, lvl, size)
    if randomness == "error":
        raise RuntimeError(
            "vmap: called random operation while in randomness error mode. Please either use the 'same' or "
            "'different' randomness flags on vmap or perform the randomness operation out of vmap"
        )
    # 'same' and 'different': the numbers each sample draws, as the per-sample calls draw them
    from .ops import random_ops  # cycle: ops import the engine core this module sits beside

    random_ops.set_rng_state(rng)
    return _loop_call(func, leaves, spec, dims, size, kwargs, out_dims, randomness, name)


def _chunked(func: Callable, leaves: list, spec: Any, dims: list, size: int, chunk_size: int, kwargs: dict,
             out_dims: Any, randomness: str, name: str) -> Any:
    """PyTorch's chunked vmap: the inputs split along their mapped dims, one vmap per chunk, outputs concatenated."""
    from .ops.joining import cat  # cycle: ops import the engine core this module sits beside

    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    bounds = list(range(chunk_size, size, chunk_size)) + [size]
    pieces = [x.tensor_split(bounds, dim=d) if d is not None else None for x, d in zip(leaves, dims)]
    results = []
    for k, stop in enumerate(bounds):
        start = bounds[k - 1] if k else 0
        if stop == start:
            continue
        chunk = [x if p is None else p[k] for x, p in zip(leaves, pieces)]
        results.append(_batched_call(func, chunk, spec, dims, stop - start, kwargs, out_dims, randomness, name))
    first, out_spec = tree_flatten(results[0])
    dims_out = _out_dims_per_leaf(out_dims, first, out_spec, name)
    columns = zip(*(tree_flatten(r)[0] for r in results))
    joined = [col[0] if d is None else cat(list(col), dim=d) for col, d in zip(columns, dims_out)]
    return tree_unflatten(joined, out_spec)


def _out_dims_per_leaf(out_dims: Any, leaves: list, out_spec: Any, name: str) -> list:
    if isinstance(out_dims, int) or out_dims is None:
        return [out_dims] * len(leaves)
    dims_leaves, dims_spec = tree_flatten(out_dims)
    if len(dims_leaves) != len(leaves):
        raise ValueError(
            f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the structure of "
            f"`outputs`. out_dims has structure {_spec_text(dims_spec)} but outputs has structure "
            f"{_spec_text(out_spec)}."
        )
    return dims_leaves


def _unbatch(output: Any, out_dims: Any, name: str, lvl: int, size: int) -> Any:
    """The function's outputs with this level's batch dim made real at out_dims (PyTorch's _remove_batch_dim)."""
    leaves, out_spec = tree_flatten(output)
    dims = _out_dims_per_leaf(out_dims, leaves, out_spec, name)
    result = []
    for v, d in zip(leaves, dims):
        batched = isinstance(v, vmap_batched.BatchedTensor) and v._lvl == lvl
        if d is None:
            if batched:
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
            result.append(v)
            continue
        if not isinstance(v, Tensor):
            raise ValueError(  # noqa: TRY004 - PyTorch's exception type
                f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(v)}. Did you mean to "
                "set out_dims= to None for output?"
            )
        if batched:
            phys = v._phys
            result.append(phys if v._bdim == d % phys.dim() else phys.movedim(v._bdim, d))
        else:  # the same for every sample: expanded (PyTorch expands without unsqueezing first)
            shape = list(v.shape)
            shape.insert(d % (len(shape) + 1), size)
            result.append(v.expand(shape))
    return tree_unflatten(result, out_spec)


def _loop_call(func: Callable, leaves: list, spec: Any, dims: list, size: int, kwargs: dict, out_dims: Any,
               randomness: str, name: str) -> Any:
    """The function once per sample, results stacked: vmap for functions that draw random numbers."""
    if size == 0:
        sample = [x if d is None else x.new_zeros(x.shape[:d % x.dim()] + x.shape[d % x.dim() + 1:])
                  for x, d in zip(leaves, dims)]
        with _transform(_vmap_depth):
            results = [func(*tree_unflatten(sample, spec), **kwargs)]
        return _stack_outputs(results, out_dims, name, empty=True)
    results = []
    rng = None if randomness == "different" else _rng_state()
    with _transform(_vmap_depth):
        for i in range(size):
            sample = [x if d is None else x.select(d, i) for x, d in zip(leaves, dims)]
            if randomness == "same":
                _draw_check(randomness, rng, first=i == 0)
            results.append(func(*tree_unflatten(sample, spec), **kwargs))
    return _stack_outputs(results, out_dims, name)


def _rng_state() -> Tensor:
    from .ops import random_ops  # cycle: ops import the engine core this module sits beside

    return random_ops.get_rng_state()


def _draw_check(mode: str, before: Tensor | None, first: bool) -> None:
    """vmap's randomness modes, for a loop of per-sample calls (called before and after each).

    "different": each call draws its own numbers (in the order PyTorch's batched draw gives them for the
    elementwise samplers); "same": every call starts from the generator state the first one had; "error":
    a call that drew anything fails, as a random operation does under PyTorch's vmap.
    """
    from .ops import random_ops  # cycle: ops import the engine core this module sits beside

    if before is None:
        return
    if mode == "same" and not first:
        random_ops.set_rng_state(before)
    elif mode == "error" and not before.equal(random_ops.get_rng_state()):
        raise RuntimeError(
            "vmap: called random operation while in randomness error mode. Please either use the 'same' or "
            "'different' randomness flags on vmap or perform the randomness operation out of vmap"
        )


def _stack_outputs(results: list, out_dims: Any, name: str, empty: bool = False) -> Any:
    from .ops.joining import stack  # cycle: ops import the engine core this module sits beside

    first_leaves, out_spec = tree_flatten(results[0])
    per_leaf = list(zip(*(tree_flatten(r)[0] for r in results)))
    dims = _out_dims_per_leaf(out_dims, first_leaves, out_spec, name)
    stacked = []
    for values, d in zip(per_leaf, dims):
        if d is None:
            # a result the function made from its mapped inputs is a new object each call (batched in PyTorch);
            # only something from outside, returned as it is, may go unstacked
            if any(v is not values[0] for v in values[1:]) and isinstance(values[0], Tensor):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
            stacked.append(values[0])
            continue
        if not isinstance(values[0], Tensor):
            raise ValueError(  # noqa: TRY004 - PyTorch's exception type
                f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(values[0])}. Did you mean to "
                "set out_dims= to None for output?"
            )
        out = stack(list(values), dim=d)
        stacked.append(out.narrow(d, 0, 0) if empty else out)  # empty: the one call's result stands for none
    return tree_unflatten(stacked, out_spec)


# ----- modules -----------------------------------------------------------------------------------------


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None, kwargs: dict | None = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """Call `module` with its parameters and buffers replaced, for this call only, by the given tensors."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        values = dict(dicts)
    else:
        values = {}
        for d in dicts:
            for key in d:
                if key in values:
                    raise ValueError(f"{key} appeared in multiple dictionaries; behavior of functional call is ambiguous")
            values.update(d)
    if strict:
        own = [n for n, _ in module.named_parameters()] + [n for n, _ in module.named_buffers()]
        unexpected = [k for k in values if k not in own]
        missing = [k for k in own if k not in values]
        if unexpected or missing:
            lines = []
            if unexpected:
                lines.append("Unexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
            if missing:
                lines.append("Missing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t" + "\n\t".join(lines))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    swapped = []
    try:
        for key, value in values.items():
            owner, _, leaf = key.rpartition(".")
            sub = module.get_submodule(owner) if owner else module
            table = sub._parameters if leaf in sub._parameters else sub._buffers if leaf in sub._buffers else None
            if table is None:
                raise AttributeError(f"'{type(sub).__name__}' object has no attribute '{leaf}'")
            swapped.append((table, leaf, table[leaf]))
            table[leaf] = value
        return module(*args, **(kwargs or {}))
    finally:
        for table, leaf, old in reversed(swapped):
            table[leaf] = old


def stack_module_state(models: Any) -> tuple[dict, dict]:
    """The parameters (and buffers) of same-shaped models stacked along a new first dimension, as leaves."""
    from .ops.joining import stack  # cycle: ops import the engine core this module sits beside

    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    first = type(models[0])
    if not all(type(m) is first for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(tensors: list) -> Tensor:
        result = stack(tensors)
        if all(t.requires_grad for t in tensors):
            result = result.detach().requires_grad_()
        return result

    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: stacked([p[k] for p in all_params]) for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: stacked([b[k] for b in all_buffers]) for k in all_buffers[0]}
    return params, buffers


__all__ = [
    "functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "linearize",
    "stack_module_state", "vjp", "vmap",
]
