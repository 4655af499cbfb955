"""einsum as ATen records it (Linear.cpp: einsum, sumproduct_pair), op for op, so the graph behind the result is
PyTorch's: every operand is aligned (diagonal + movedim for repeated labels, unsqueeze for missing ones, then one
permute) to the layout "output labels, then contracted labels"; operands are contracted left to right, a label
held by one operand only summed first (keepdim), each pair through permute -> reshape -> bmm -> view -> permute
(or a plain mul when nothing is contracted); the contracted size-1 dims are finally dropped with a view (a lone
operand sums them instead). PyTorch only takes another contraction order from opt_einsum, which CI does not install.
"""

from __future__ import annotations

from typing import Any

from ..registry import op
from ..tensor import Tensor
from .linalg import bmm

_ELLIPSIS = "..."


def _subscript(n: Any) -> str:
    """One entry of the sublist format as torch.functional.einsum spells it."""
    if n is Ellipsis:
        return _ELLIPSIS
    if isinstance(n, int) and 0 <= n < 26:
        return chr(ord("A") + n)
    if isinstance(n, int) and 26 <= n < 52:
        return chr(ord("a") + n - 26)
    raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")


def _from_sublists(args: tuple) -> tuple:
    """einsum(op0, [0, 1], op1, [1, 2], [0, 2]) -> ("Ab,bc->Ac", (op0, op1))."""
    equation = ",".join("".join(_subscript(s) for s in sub) for sub in args[1::2])
    if len(args) % 2 == 1:
        return equation + "->" + "".join(_subscript(s) for s in args[-1]), args[:-1:2]
    return equation, args[::2]


def _parse_operand_labels(lhs: str, num_ops: int) -> list:
    """Each operand's labels, the ellipsis kept as one "..." entry (spaces ignored)."""
    labels: list = [[]]
    seen_ellipsis = False
    i = 0
    while i < len(lhs):
        c = lhs[i]
        if c == ".":
            if seen_ellipsis:
                raise RuntimeError(f"einsum(): found '.' for operand {len(labels) - 1} for which an ellipsis was "
                                   "already found")
            if lhs[i:i + 3] != _ELLIPSIS:
                raise RuntimeError(f"einsum(): found '.' for operand {len(labels) - 1} that is not part of any "
                                   "ellipsis")
            labels[-1].append(_ELLIPSIS)
            seen_ellipsis = True
            i += 2
        elif c == ",":
            if len(labels) >= num_ops:
                raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
            labels.append([])
            seen_ellipsis = False
        elif c != " ":
            if not c.isascii() or not c.isalpha():
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, "
                                   "subscripts must be in [a-zA-Z]")
            labels[-1].append(c)
        i += 1
    if len(labels) != num_ops:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    return labels


def _output_layout(equation: str, labels: list, operands: tuple) -> tuple:
    """The aligned layout: label -> index, where the ellipsis dims start, their count, and the output's rank."""
    count: dict = {}
    ell_num_dim = 0
    for k, (term, t) in enumerate(zip(labels, operands)):
        n = len([c for c in term if c != _ELLIPSIS])
        has_ellipsis = _ELLIPSIS in term
        for c in term:
            if c != _ELLIPSIS:
                count[c] = count.get(c, 0) + 1
        if has_ellipsis:
            ell_num_dim = max(ell_num_dim, t.dim() - n)
        if (n > t.dim()) if has_ellipsis else (n != t.dim()):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({n}) "
                + ("is more than the number of dimensions (" if has_ellipsis else
                   "does not match the number of dimensions (")
                + f"{t.dim()}) for operand {k}" + ("" if has_ellipsis else " and no ellipsis was given"))
    # ATen orders labels by subscript: 'A'..'Z' then 'a'..'z', which is ASCII order
    index: dict = {}
    ell_index = 0
    ell_in_output = False
    lhs, arrow, rhs = equation.partition("->")
    if not arrow:
        ell_in_output = True
        position = ell_num_dim
        for c in sorted(c for c, k in count.items() if k == 1):
            index[c] = position
            position += 1
    else:
        position = 0
        i = 0
        while i < len(rhs):
            c = rhs[i]
            if c == ".":
                if ell_in_output:
                    raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was already found")
                if rhs[i:i + 3] != _ELLIPSIS:
                    raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis (...)")
                ell_index, ell_in_output = position, True
                position += ell_num_dim
                i += 2
            elif c != " ":
                if not c.isascii() or not c.isalpha():
                    raise RuntimeError(f"einsum(): invalid subscript given at index {len(lhs) + 2 + i} in the "
                                       "equation string, subscripts must be in [a-zA-Z]")
                if c in index or c not in count:
                    raise RuntimeError(f"einsum(): output subscript {c} " + (
                        "appears more than once in the output" if c in index else
                        "does not appear in the equation for any input operand"))
                index[c] = position
                position += 1
            i += 1
    out_num_dim = position
    if not ell_in_output:
        ell_index = position
        position += ell_num_dim
    for c in sorted(count):
        if c not in index:
            index[c] = position
            position += 1
    return index, ell_index, ell_num_dim, out_num_dim, position


def _align(t: Tensor, term: list, k: int, layout: tuple, sizes: dict, dim_counts: list) -> Tensor:
    """Diagonals for repeated labels, size-1 dims for missing ones, then one permute into the aligned layout."""
    index, ell_index, ell_num_dim, _, width = layout
    permutation = [-1] * width
    dim = 0
    for c in term:
        if c == _ELLIPSIS:
            n = t.dim() - (len(term) - 1)
            for j in range(ell_num_dim - n, ell_num_dim):
                s = t.shape[dim]
                if s != 1:
                    seen = sizes.get(("...", j), 1)
                    if seen not in (1, s):
                        raise RuntimeError(f"einsum(): dimension {dim} covered by ellipsis in operand {k}has size "
                                           f"{s} which does not broadcast with previously seen ellipsis with size "
                                           f"{seen} for the respective dimension")
                    sizes[("...", j)] = s
                    dim_counts[ell_index + j] += 1
                permutation[ell_index + j] = dim
                dim += 1
        elif permutation[index[c]] == -1:
            s = t.shape[dim]
            if s != 1:
                seen = sizes.get(c, 1)
                if seen not in (1, s):
                    raise RuntimeError(f"einsum(): subscript {c} has size {s} for operand {k} which does not "
                                       f"broadcast with previously seen size {seen}")
                sizes[c] = s
                dim_counts[index[c]] += 1
            permutation[index[c]] = dim
            dim += 1
        else:
            prev = permutation[index[c]]
            if t.shape[dim] != t.shape[prev]:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't match, "
                                   f"{t.shape[dim]} != {t.shape[prev]}")
            t = t.diagonal(0, prev, dim).movedim(-1, prev)
    for p, val in enumerate(permutation):
        if val == -1:
            t = t.unsqueeze(dim)
            permutation[p] = dim
            dim += 1
    return t.permute(tuple(permutation))


def _sumproduct_pair(left: Tensor, right: Tensor, sum_dims: list) -> Tensor:
    """(left * right).sum(sum_dims, keepdim=True) through bmm, as ATen's sumproduct_pair (operands aligned)."""
    if not sum_dims:
        return left * right
    lro: list = []
    lo: list = []
    ro: list = []
    lro_size = lo_size = ro_size = sum_size = 1
    for i in range(left.dim()):
        sl, sr = left.shape[i] != 1, right.shape[i] != 1
        if i in sum_dims:
            if sl and sr:
                if left.shape[i] != right.shape[i]:
                    raise RuntimeError("non-broadcast dimensions must match")
                sum_size *= left.shape[i]
            elif sl:
                left = left.sum(i, True)
            elif sr:
                right = right.sum(i, True)
        elif sl and sr:
            if left.shape[i] != right.shape[i]:
                raise RuntimeError("non-broadcast dimensions must match")
            lro.append(i)
            lro_size *= left.shape[i]
        elif sl:
            lo.append(i)
            lo_size *= left.shape[i]
        else:
            ro.append(i)
            ro_size *= right.shape[i]
    out_size = ([left.shape[d] for d in lro] + [left.shape[d] for d in lo] + [1] * len(sum_dims)
                + [right.shape[d] for d in ro])
    order = lro + lo + sum_dims + ro
    opermutation = [0] * len(order)
    for position, d in enumerate(order):
        opermutation[d] = position
    left = left.permute(tuple(order)).reshape((lro_size, lo_size, sum_size))
    right = right.permute(tuple(lro + sum_dims + ro + lo)).reshape((lro_size, sum_size, ro_size))
    return bmm(left, right).view(tuple(out_size)).permute(tuple(opermutation))


def _contract(ops: list, out_num_dim: int, width: int, dim_counts: list) -> Tensor:
    """Left to right, each product put back in front (ATen's order when no path is given)."""
    while len(ops) > 1:
        a, b = ops.pop(0), ops.pop(0)
        sum_dims: list = []
        a_dims: list = []
        b_dims: list = []
        for dim in range(out_num_dim, width):
            if a.shape[dim] != 1 and b.shape[dim] != 1:
                dim_counts[dim] -= 1
                if dim_counts[dim] == 1:
                    sum_dims.append(dim)
                    dim_counts[dim] = 0
            elif dim_counts[dim] == 1:
                if a.shape[dim] != 1:
                    a_dims.append(dim)
                    dim_counts[dim] = 0
                elif b.shape[dim] != 1:
                    b_dims.append(dim)
                    dim_counts[dim] = 0
        if a_dims:
            a = a.sum(tuple(a_dims), True)
        if b_dims:
            b = b.sum(tuple(b_dims), True)
        ops.insert(0, _sumproduct_pair(a, b, sum_dims))
    return ops[0]


_NO_EQUATION = object()


@op("einsum")
def einsum(equation: Any = _NO_EQUATION, *operands: Any) -> Tensor:
    # PyTorch's documented signature; its Python function takes *args, so the sublist format's first
    # operand arrives as `equation` and a call with nothing at all gets PyTorch's ValueError
    args = (equation, *operands) if equation is not _NO_EQUATION else ()
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    equation, operands = _from_sublists(args) if isinstance(args[0], Tensor) else (args[0], args[1:])
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    lhs = equation.partition("->")[0]
    labels = _parse_operand_labels(lhs, len(operands))
    layout = _output_layout(equation, labels, operands)
    out_num_dim, width = layout[3], layout[4]
    sizes: dict = {}
    dim_counts = [0] * width
    ops = [_align(t, term, k, layout, sizes, dim_counts) for k, (t, term) in enumerate(zip(operands, labels))]
    result = _contract(ops, out_num_dim, width, dim_counts)
    if width == out_num_dim:
        return result
    if len(operands) > 1:  # every contracted dim now has size 1: a view drops them
        return result.view(tuple(result.shape[:out_num_dim]))
    return result.sum(tuple(range(out_num_dim, width)))
