#!/usr/bin/env python3
"""Record PyTorch's names and signatures into gradsh/engine/recorded/ (run with torch==2.13.0 installed).

usage: python scripts/record_torch_api.py [--out DIR]

Writes two compact, sorted JSON files that gradsh reads lazily (gradsh/engine/torch_api.py):

- torch_names.json: `dir()` of torch, of torch.Tensor and of every submodule gradsh mirrors or will
  mirror (private names included), and the names of torch's importable submodules. gradsh uses them to
  tell a name PyTorch has but gradsh lacks ("gradsh does not implement torch.X") from a typo (Python's
  own error).
- torch_signatures.json: for every public callable of torch, torch.nn.functional, torch.linalg,
  torch.special, torch.fft and every Tensor method: the signature lines of its docstring, the Python
  signature where it is a Python function, and for native functions the texts of PyTorch's argument
  parser, obtained from calls that cannot match (40 `object()` arguments; no arguments).

The output is deterministic: the same torch gives byte-identical files.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "gradsh" / "engine" / "recorded"

# Submodules gradsh mirrors today (gradsh/torch/) plus those the breadth issues will mirror.
PLANNED = [
    "torch.linalg", "torch.special", "torch.fft", "torch.masked", "torch.signal.windows", "torch.func",
    "torch.autograd.graph", "torch.autograd.forward_ad", "torch.autograd.function", "torch.nn.utils",
    "torch.nn.utils.rnn", "torch.optim.lr_scheduler", "torch.utils", "torch.utils.data", "torch.testing",
    "torch.cuda", "torch.backends", "torch.distributions", "torch.nn.modules", "torch.nn.parameter",
]
SIGNATURE_MODULES = ["torch", "torch.nn.functional", "torch.linalg", "torch.special", "torch.fft", "torch.masked",
                     "torch.signal.windows"]
PROBE_ARGS = 40  # more positional arguments than any PyTorch signature takes: no overload can match

INVALID = re.compile(
    r"^(?P<name>\S+)\(\) received an invalid combination of arguments - got \(.*?\), but expected "
    r"(?:one of:\n(?P<many>(?: \* .*\n)+)|(?P<one>\(.*\))$)",
    re.DOTALL,
)
TAKES = re.compile(
    r"^(?P<name>\S+)\(\) takes (?:from (?P<lo>\d+) to (?P<hi>\d+)|(?P<n>\d+)) positional arguments? but \d+ were given$"
)
MISSING = re.compile(r"^(?P<name>\S+)\(\) missing \d+ required positional arguments?: (?P<names>.*)$")
WRONG_TYPE = re.compile(
    r"^(?P<name>\S+)\(\): argument '(?P<param>\w+)'(?: \(position (?P<pos>\d+)\))? must be (?P<type>.+), not object$"
)
NOARGS = re.compile(r"^(?P<name>\S+)\(\) takes no arguments \(\d+ given\)$")
DOC_SIGNATURE = re.compile(r"^(?:\.\. function:: |\.\. method:: )?(?P<sig>[A-Za-z_][\w.]*\(.*\)(?:\s*->\s*.*)?)$")


def facade_modules() -> list[str]:
    """The module tree of gradsh/torch/, named as PyTorch names it."""
    base = ROOT / "gradsh" / "torch"
    names = []
    for path in base.rglob("*.py"):
        parts = path.relative_to(base).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts):
            continue
        names.append(".".join(("torch",) + parts))
    return sorted(names)


def import_module(name: str) -> ModuleType | None:
    import importlib

    try:
        return importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - an optional dependency missing: record what imports
        print(f"skipping {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


def submodule_names(torch: ModuleType) -> list[str]:
    """Every torch submodule `import torch.x` can name: package files on disk and C modules torch registers."""
    root = Path(torch.__file__).parent
    names = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).with_suffix("").parts
        if rel[-1] == "__init__":
            rel = rel[:-1]
        # a module counts when every directory above it is a package
        if all((root.joinpath(*rel[:i]) / "__init__.py").exists() for i in range(1, len(rel))):
            names.add(".".join(("torch",) + rel))
    names.update(n for n in sys.modules if n.startswith("torch."))
    names.discard("torch")
    return sorted(n for n in names if "-" not in n and " " not in n)


def record_names(torch: ModuleType) -> dict[str, Any]:
    modules = {}
    for name in sorted(set(facade_modules()) | set(PLANNED) | {"torch"}):
        module = import_module(name)
        if module is not None:
            modules[name] = sorted(dir(module))
    return {
        "version": torch.__version__,
        "modules": modules,
        "tensor": sorted(dir(torch.Tensor)),
        "submodules": submodule_names(torch),
    }


def doc_signatures(obj: object) -> list[str]:
    """The signature lines of a docstring: its first line, and each `.. function::` overload."""
    doc = inspect.getdoc(obj) if not isinstance(obj, type) else None
    if not doc:
        return []
    lines = doc.splitlines()
    found = []
    for i, line in enumerate(lines):
        line = line.strip()
        if i > 0 and not line.startswith(".. function::") and not line.startswith(".. method::"):
            continue
        m = DOC_SIGNATURE.match(line)
        if m:
            found.append(re.sub(r"\s+", " ", m.group("sig")))
    return found


def doc_keywords(lines: list[str]) -> list[str]:
    """The parameter names of the documented signatures, in order, each once (types of keyword-only ones are probed)."""
    names: list[str] = []
    for line in lines:
        inner = line[line.index("(") + 1 :]
        for item in re.split(r",\s*", inner):
            name = re.match(r"\\?\**\s*(\w+)", item.strip())
            if name and name.group(1) not in names and not item.strip().startswith("*"):
                names.append(name.group(1))
    return names


def python_signature(obj: object) -> str | None:
    """`(input, inplace=False, *, out=None)`: names, defaults and markers, no annotations."""
    if inspect.isbuiltin(obj) or type(obj).__name__ in ("method_descriptor", "wrapper_descriptor"):
        return None
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    parts: list[str] = []
    star_done = False
    params = list(sig.parameters.values())
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.kind is p.VAR_POSITIONAL:
            star_done = True
        if p.default is not p.empty:
            text += "=" + repr(p.default)
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(params) or params[i + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    return "(" + ", ".join(parts) + ")"


def message(fn: Any, *args: object) -> str | None:
    try:
        fn(*args)
    except TypeError as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - a call that gets past the parser says nothing about it
        return None
    return None


def valid_value(torch: ModuleType, type_: str) -> object:
    """A value the parser accepts for a parameter of type `type_` (None: no such value known here)."""
    return {
        "Tensor": torch.zeros(2, 2), "int": 0, "float": 0.5, "bool": False, "Number": 1, "str": "sum",
        "tuple of ints": (0,), "torch.dtype": torch.float32, "torch.device": torch.device("cpu"),
        "torch.layout": torch.strided, "tuple of Tensors": (torch.zeros(2),),
    }.get(type_)


def probe_types(fn: Any, most: int, keywords: list[str]) -> list[list[str]]:
    """A one-overload parser never prints its signature: find each parameter's name and type instead.

    Position by position, every earlier argument valid and this one an `object()`, the parser names the
    parameter and the type it wanted ("argument 'weight' (position 2) must be Tensor, not object"); then
    the same for each documented keyword. The invalid argument stops every call before it runs.
    """
    import torch

    params: list[list[str]] = []
    prefix: list[object] = []
    for position in range(1, most + 1):
        m = WRONG_TYPE.match(message(fn, *prefix, object()) or "")
        value = valid_value(torch, m.group("type")) if m and m.group("pos") == str(position) else None
        if m is None or value is None:
            break
        params.append([m.group("param"), m.group("type")])
        prefix.append(value)
    known = {p[0] for p in params}
    for keyword in keywords:
        if keyword in known:
            continue
        try:
            fn(*prefix, **{keyword: object()})
        except TypeError as exc:
            m = WRONG_TYPE.match(str(exc))
            if m and m.group("pos") is None and m.group("param") == keyword:
                params.append(["*" + keyword, m.group("type")])
        except Exception:  # noqa: BLE001, S110 - got past the parser: says nothing about it
            pass
    return params


def parser_record(fn: Any, keywords: list[str]) -> dict[str, Any] | None:
    """What PyTorch's argument parser says about a native function, from calls that cannot match."""
    text = message(fn, *[object()] * PROBE_ARGS)
    if text is None:
        return None
    m = INVALID.match(text)
    if m:
        options = [line[3:] for line in m.group("many").splitlines()] if m.group("many") else [m.group("one")]
        return {"name": m.group("name"), "expected": options}
    m = TAKES.match(text)
    if m:
        lo, hi = (int(m.group("n")),) * 2 if m.group("n") else (int(m.group("lo")), int(m.group("hi")))
        record: dict[str, Any] = {"name": m.group("name"), "positional": [lo, hi]}
        if lo:  # no arguments cannot succeed: the parser names the required ones
            missing = MISSING.match(message(fn) or "")
            if missing:
                record["required"] = re.findall(r'"([^"]*)"', missing.group("names"))
        types = probe_types(fn, hi, keywords)
        if types:
            record["types"] = types
        return record
    m = NOARGS.match(text)
    if m:
        return {"name": m.group("name"), "noargs": True}
    if "Invoked with:" in text:  # a pybind11 binding, not PyTorch's parser; its text holds addresses
        return None
    return {"message": text}


def is_native(obj: object) -> bool:
    return inspect.isbuiltin(obj) or type(obj).__name__ == "method_descriptor"


def signature_entry(obj: object, probe: Any) -> dict[str, Any] | None:
    entry: dict[str, Any] = {}
    doc = doc_signatures(obj)
    if doc:
        entry["doc"] = doc
    py = python_signature(obj)
    if py is not None:
        entry["py"] = py
    if is_native(obj):
        parsed = parser_record(probe, doc_keywords(doc))
        if parsed is not None:
            entry["parser"] = parsed
    return entry or None


def on_fresh_tensor(torch: ModuleType, method: Any) -> Any:
    """Call a Tensor method as `x.name(...)` does (through the class), on a fresh tensor each time."""

    def probe(*args: object, **kwargs: object) -> object:
        return method(torch.zeros(2, 2), *args, **kwargs)  # in-place probes touch nothing shared

    return probe


def record_signatures(torch: ModuleType) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for modname in SIGNATURE_MODULES:
        module = import_module(modname)
        if module is None:
            continue
        for name in sorted(dir(module)):
            obj = getattr(module, name, None)
            if name.startswith("_") or isinstance(obj, (type, ModuleType)) or not callable(obj):
                continue
            entry = signature_entry(obj, obj)
            if entry:
                out[f"{modname}.{name}"] = entry
    for name in sorted(dir(torch.Tensor)):
        obj = inspect.getattr_static(torch.Tensor, name, None)
        if name.startswith("_") or isinstance(obj, (type, property)) or not callable(getattr(torch.Tensor, name)):
            continue
        method = getattr(torch.Tensor, name)
        entry = signature_entry(method, on_fresh_tensor(torch, method))
        if entry:
            out[f"torch.Tensor.{name}"] = entry
    return {"version": torch.__version__, "signatures": out}


def write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"{shown}: {path.stat().st_size:,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    import torch

    if not torch.__version__.startswith("2.13.0"):
        sys.exit(f"record from torch 2.13.0, not {torch.__version__}")
    torch.manual_seed(0)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "torch_names.json", record_names(torch))
    write(args.out / "torch_signatures.json", record_signatures(torch))


if __name__ == "__main__":
    main()
