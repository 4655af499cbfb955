"""Every registered op's Python signature against PyTorch 2.13's, as scripts/record_torch_api.py recorded them.

An op's Python signature merges PyTorch's overloads: each parameter name of every overload must be accepted,
in a kind (positional or keyword-only) one of the overloads gives it, and gradsh may add no name PyTorch
lacks. An int list (`size`, `dims`) may also be taken as separate arguments, as PyTorch's parser does (`more`).
The deviations gradsh keeps are listed below with the reason; a test fails when one stops deviating, so the
list only shrinks.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from gradsh.engine import registry, torch_api

LIST_TYPES = ("tuple of ints", "SymInt[]", "int[]")
KINDS = {
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "pos", inspect.Parameter.POSITIONAL_ONLY: "pos",
    inspect.Parameter.KEYWORD_ONLY: "kw", inspect.Parameter.VAR_POSITIONAL: "var",
    inspect.Parameter.VAR_KEYWORD: "varkw",
}
_RECORDED_WITHOUT_PIN_MEMORY = "PyTorch takes pin_memory here (checked on 2.13); its recorded signature omits it"
_OUT_ON_METHOD = "the forward's own out= shows through on the method (PyTorch's methods take none)"
_CUDA_ONLY = "the out_dtype overload (CUDA only) shows through on the method"
KNOWN: dict[str, str] = {
    "torch.Tensor.to": "to() dispatches its overloads (dtype, device, tensor) itself through *args/**kwargs",
    "torch.Tensor.type": "type() takes dtype or a type name through **kwargs",
    "torch.Tensor.random_": "`from` and `to` are Python keywords: taken through *args/**kwargs",
    "torch.Tensor.uniform_": "`from` and `to` are Python keywords: taken as a, b",
    "torch.randint": "randint's three overloads (high, size) / (low, high, size) go through *args",
    "torch.masked.var": "the docstring line recorded omits `correction`, which the Python signature has",
    "torch.masked.std": "the docstring line recorded omits `correction`, which the Python signature has",
    "torch.Tensor.view": "view(dtype) is taken positionally only (size may be separate ints)",
    "torch.Tensor.gather": "PyTorch takes sparse_grad here (checked on 2.13); its recorded signature omits it",
    "torch.Tensor.bernoulli": _OUT_ON_METHOD,
    "torch.Tensor.multinomial": _OUT_ON_METHOD,
    "torch.Tensor.topk": _OUT_ON_METHOD,
    "torch.Tensor.mm": _CUDA_ONLY,
    "torch.Tensor.bmm": _CUDA_ONLY,
    "torch.Tensor.addmm": _CUDA_ONLY,
    "torch.Tensor.frexp": "the recorded signature is a docstring's frexp(input); the method takes no argument (2.13)",
    "torch.baddbmm": "the out_dtype overload is CUDA only (PyTorch's CPU raises NotImplementedError for it)",
    "torch.linalg.lstsq": "PyTorch takes out= here (checked on 2.13); its recorded signature omits it",
    "torch.linalg.lu_factor": "PyTorch takes pivot= here (checked on 2.13); its recorded signature omits it",
    "torch.linalg.solve_triangular": "PyTorch takes left=, unitriangular= and out= here (checked on 2.13); its "
                                     "recorded signature omits them",
    "torch.rrelu": "PyTorch takes generator here (checked on 2.13); its recorded signature omits it",
    "torch.rrelu_": "PyTorch takes generator here (checked on 2.13); its recorded signature omits it",
    "torch.nn.functional.scaled_dot_product_attention": "PyTorch takes scale and enable_gqa keyword-only here "
    "(checked on 2.13); its recorded signature omits them",
    **{f"torch.{name}": _RECORDED_WITHOUT_PIN_MEMORY
       for name in ("zeros", "ones", "full", "zeros_like", "ones_like", "empty_like", "full_like")},
}



def pytorch_overloads(qualname: str) -> list[list[tuple[str, str, str]]] | None:
    """Each overload as [(name, kind, type)], kind "pos", "kw" or "var"; None when nothing was recorded."""
    info = torch_api.parser_info(qualname)
    if info is not None and info.overloads:
        # the scalar-first overloads name their tensor `self`: PyTorch's internals, not keyword arguments
        return [[(p.name, "kw" if p.keyword_only else "pos", p.type) for p in o.params]
                for o in info.overloads if all(p.name != "self" for p in o.params)]
    if info is not None and info.params:
        return [[(p.name, "kw" if p.keyword_only else "pos", p.type) for p in info.params]]
    sigs = torch_api.signatures(qualname)
    if not sigs:
        return None
    kinds = {"positional_or_keyword": "pos", "positional_only": "pos", "keyword_only": "kw",
             "var_positional": "var", "var_keyword": "varkw"}
    method = qualname.startswith("torch.Tensor.")
    return [[(p.name, kinds[p.kind], "") for p in s.params if not (method and p.name == "self")] for s in sigs]


def differences(qualname: str, fn: Any, method: bool) -> list[str] | None:
    overloads = pytorch_overloads(qualname)
    if overloads is None:
        return None
    params = [(p.name, KINDS[p.kind]) for p in inspect.signature(fn).parameters.values()]
    mine = dict(params[1:] if method else params)
    allowed: dict[str, set[str]] = {}
    for overload in overloads:
        for name, kind, type_ in overload:
            if kind == "var" or (kind == "pos" and type_.startswith(LIST_TYPES)):
                allowed.setdefault(name, set()).update(("pos", "var"))
            elif kind != "varkw":
                allowed.setdefault(name, set()).add(kind)
    problems = [f"{name}: PyTorch {'/'.join(sorted(kinds))}, gradsh {mine.get(name, 'absent')}"
                for name, kinds in allowed.items() if mine.get(name) not in kinds]
    problems += [f"{name}: gradsh only" for name, kind in mine.items()
                 if kind != "varkw" and name not in allowed and not (kind == "var" and name == "more")]
    return sorted(problems)


def registered() -> list[tuple[str, Any, bool]]:
    """(PyTorch qualname, gradsh callable, is a method) for every name the registry gives."""
    import gradsh.engine.methods  # noqa: F401 - runs every declaration

    found = []
    for decl in registry.declarations():
        for name in decl.names:
            if decl.function is not None:
                found.append((f"{decl.namespace}.{name}", decl.function, False))
            if decl.method is not None:
                found.append((f"torch.Tensor.{name}", decl.method, True))
    return found


REGISTERED = registered()


@pytest.mark.parametrize(("qualname", "fn", "method"), REGISTERED, ids=[q for q, _, _ in REGISTERED])
def test_signature_as_pytorchs(qualname: str, fn: Any, method: bool) -> None:
    found = differences(qualname, fn, method)
    if found is None:
        pytest.skip("PyTorch has no recorded signature for it (a C function without a documented one)")
    if qualname in KNOWN:
        assert found, f"{qualname} now matches PyTorch: take it off KNOWN"
    else:
        assert found == [], found


def test_most_names_have_a_recorded_signature() -> None:
    recorded = sum(pytorch_overloads(q) is not None for q, _, _ in REGISTERED)
    assert recorded >= 0.95 * len(REGISTERED)


def test_known_deviations_are_registered_names() -> None:
    assert set(KNOWN) <= {q for q, _, _ in REGISTERED}
