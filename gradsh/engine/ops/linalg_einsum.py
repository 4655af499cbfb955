"""einsum: contractions as permute / sum / mul / bmm, the ops PyTorch's einsum records.

Forwards run numpy's LAPACK (scipy.linalg where numpy lacks a routine, imported inside the op); each output
carries PyTorch's node (LinalgDetBackward0, LinalgInvExBackward0, ...). Backward formulas are PyTorch's
(FunctionsManual.cpp) written with Tensor ops, so create_graph differentiates through them; triangular and
diagonal parts are taken with constant masks (a product, itself differentiable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import op
from ..tensor import Tensor
from .linalg import matmul


def _einsum_parse(equation: str, operands: list) -> tuple:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(terms) else
                           "einsum(): fewer operands were provided than specified in the equation")
    ell_dims = max((t.dim() - (len(term) - 3) for term, t in zip(terms, operands) if "..." in term), default=0)
    ell = [chr(0x100 + i) for i in range(ell_dims)]  # letters no equation uses, for the broadcast dims
    expanded = []
    for term, t in zip(terms, operands):
        if "..." in term:
            n = t.dim() - (len(term) - 3)
            term = term.replace("...", "".join(ell[ell_dims - n:]))
        if len(term) != t.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not match "
                               f"the number of dimensions ({t.dim()}) for operand {len(expanded)}"
                               + ("" if "..." in term else " and no ellipsis was given"))
        expanded.append(term)
    if arrow:
        out = rhs.replace("...", "".join(ell))
    else:
        counts: dict = {}
        for term in expanded:
            for c in term:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(ell) + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    return expanded, out


def _einsum_unique(t: Tensor, term: str) -> tuple:
    """Repeated letters in one operand: take their diagonal."""
    while len(set(term)) != len(term):
        c = next(c for c in term if term.count(c) > 1)
        i = term.index(c)
        j = term.index(c, i + 1)
        t = t.diagonal(0, i, j)
        term = term[:i] + term[i + 1:j] + term[j + 1:] + c
    return t, term


def _einsum_pair(a: Tensor, ta: str, b: Tensor, tb: str, keep: str) -> tuple:
    """a (letters ta) times b (letters tb), summing every letter not in `keep`."""
    summed_alone = False
    for t_name in ("a", "b"):
        t, term, other = (a, ta, tb) if t_name == "a" else (b, tb, ta)
        only = [i for i, c in enumerate(term) if c not in other and c not in keep]
        if only:
            summed_alone = True
            t = t.sum(tuple(only))
            term = "".join(c for i, c in enumerate(term) if i not in only)
        if t_name == "a":
            a, ta = t, term
        else:
            b, tb = t, term
    batch = [c for c in ta if c in tb and c in keep]
    contracted = [c for c in ta if c in tb and c not in keep]
    left = [c for c in ta if c not in tb]
    right = [c for c in tb if c not in ta]
    size = {c: s for term, t in ((ta, a), (tb, b)) for c, s in zip(term, t.shape) if s != 1}
    for term, t in ((ta, a), (tb, b)):
        for c, s in zip(term, t.shape):
            size.setdefault(c, s)
    if not contracted:
        order_a = batch + left
        pa = a.permute(tuple([ta.index(c) for c in order_a])) if list(ta) != order_a else a
        pb = b.permute(tuple([tb.index(c) for c in batch + right])) if list(tb) != batch + right else b
        pa = pa.reshape((*pa.shape, *([1] * len(right))))
        pb = pb.reshape((*pb.shape[:len(batch)], *([1] * len(left)), *pb.shape[len(batch):]))
        prod = pa * pb
        if summed_alone:  # ATen's sumproduct_pair then reshapes its product (a ViewBackward0 on top)
            prod = prod.view(tuple(prod.shape))
        return prod, "".join(batch + left + right)
    pa = a.permute(tuple([ta.index(c) for c in batch + left + contracted]))
    pb = b.permute(tuple([tb.index(c) for c in batch + contracted + right]))
    bshape_a = [a.shape[ta.index(c)] for c in batch]
    bshape_b = [b.shape[tb.index(c)] for c in batch]
    nl = int(np.prod([size[c] for c in left])) if left else 1
    nr = int(np.prod([size[c] for c in right])) if right else 1
    nc_a = int(np.prod([a.shape[ta.index(c)] for c in contracted]))
    nc_b = int(np.prod([b.shape[tb.index(c)] for c in contracted]))
    ma = pa.reshape((*bshape_a, nl, nc_a))
    mb = pb.reshape((*bshape_b, nc_b, nr))
    if nc_a != nc_b:  # a size-1 contracted dim on one side: sum the other side's
        if nc_a == 1:
            mb = mb.sum(-2, keepdim=True)
        else:
            ma = ma.sum(-1, keepdim=True)
    prod = matmul(ma, mb)
    batch_sizes = list(prod.shape[:len(batch)])
    return prod.view((*batch_sizes, *[size[c] for c in left], *[size[c] for c in right])), "".join(batch + left + right)


@op("einsum")
def einsum(equation: str, *operands: Any) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, out = _einsum_parse(equation, list(operands))
    pairs = [_einsum_unique(t, term) for t, term in zip(operands, terms)]
    t, term = pairs[0]
    for k, (u, uterm) in enumerate(pairs[1:], start=1):
        later = "".join(x for _, x in pairs[k + 1:])
        t, term = _einsum_pair(t, term, u, uterm, out + later)
    extra = [i for i, c in enumerate(term) if c not in out]
    if extra:
        t = t.sum(tuple(extra)) if len(pairs) > 1 else t.permute(
            *[term.index(c) for c in out] + extra).sum(tuple(range(len(out), len(term))))
        term = "".join(c for c in term if c in out) if len(pairs) > 1 else out
    elif len(pairs) == 1:  # one operand: ATen permutes it into the output's order, even an identity order
        return t.permute(tuple([term.index(c) for c in out]))
    if term != out:
        t = t.permute(tuple([term.index(c) for c in out]))
    return t
