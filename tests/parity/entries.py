"""The list of entries that must pass (must_pass.txt), every entry of the three databases, and running one.

A line of the list is `KIND DTYPE NAME [eval]`. KIND and NAME, as the measuring tools print names:
  opinfo       an op_db entry, `name` or `name.variant` (ops.py)
  moduleinfo   a module_db entry, `nn.Linear` (modules.py)
  optiminfo    an optim_db entry's configurations, `SGD` (optimizers.py)
  optimerrors  an optim_db entry's error inputs, `SGD` (optimizer_errors.py)
  lrscheduler  a scheduler class of optim_db's scheduler_inputs, `StepLR` (schedulers.py)
DTYPE is one of DTYPES (`complex64` and `complex128` too: an op_db entry in a complex dtype runs on complex
samples, with complex grad_outputs for its gradients). `eval` (moduleinfo only, for entries whose train and eval
modes differ) runs the module in eval mode instead of training mode. `#` starts a comment. Reading the list needs no torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

MUST_PASS = Path(__file__).with_name("must_pass.txt")
# Each kind of line and the module of this package that runs it.
RUNNERS = {
    "opinfo": "ops",
    "moduleinfo": "modules",
    "optiminfo": "optimizers",
    "optimerrors": "optimizer_errors",
    "lrscheduler": "schedulers",
}
KINDS = tuple(RUNNERS)
# The dtypes a line may name: PyTorch's CPU dtypes that the databases list (complex ones included).
DTYPES = (
    "float16", "bfloat16", "float32", "float64", "complex32", "complex64", "complex128",
    "bool", "uint8", "int8", "int16", "int32", "int64",
)


class ListError(ValueError):
    """A line of the list that does not parse, named by file and line."""


@dataclass(frozen=True, order=True)
class Entry:
    kind: str
    dtype: str
    name: str
    mode: str = "train"

    def __str__(self) -> str:
        return f"{self.kind} {self.dtype} {self.name}" + (" eval" if self.mode == "eval" else "")

    @property
    def test_id(self) -> str:
        return str(self).replace(" ", "-")


def parse_line(text: str, where: str) -> Entry | None:
    """The entry a line names, None for a blank or comment line; ListError names `where` (file:line)."""
    fields = text.split("#", 1)[0].split()
    if not fields:
        return None
    if len(fields) not in (3, 4):
        raise ListError(f"{where}: expected `KIND DTYPE NAME [eval]`, got {text.strip()!r}")
    kind, dtype, name = fields[:3]
    if kind not in KINDS:
        raise ListError(f"{where}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    if dtype not in DTYPES:
        raise ListError(f"{where}: unknown dtype {dtype!r} (expected one of {', '.join(DTYPES)})")
    mode = "train"
    if len(fields) == 4:
        if kind != "moduleinfo" or fields[3] != "eval":
            raise ListError(f"{where}: only a moduleinfo line may end in `eval`, got {fields[3]!r}")
        mode = "eval"
    return Entry(kind, dtype, name, mode)


def read_list(path: Path = MUST_PASS) -> list[tuple[str, Entry]]:
    """[(file:line, entry)] in the list's order; a repeated entry is a ListError too."""
    seen: dict[Entry, str] = {}
    out = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{number}"
        entry = parse_line(text, where)
        if entry is None:
            continue
        if entry in seen:
            raise ListError(f"{where}: {entry} is listed already at {seen[entry]}")
        seen[entry] = where
        out.append((where, entry))
    return out


def add_to_list(path: Path, gained: list[Entry]) -> None:
    """Writes `gained` into the list: its leading comment block kept, then every entry line sorted.

    A listed line keeps its text (and comment); comment lines between entries are dropped.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    head = 0
    while head < len(lines) and (not lines[head].strip() or lines[head].lstrip().startswith("#")):
        head += 1
    listed = {}
    for number, text in enumerate(lines, 1):
        entry = parse_line(text, f"{path.name}:{number}")
        if entry is not None:
            listed[entry] = text
    listed.update({entry: str(entry) for entry in gained if entry not in listed})
    path.write_text("\n".join(lines[:head] + [listed[e] for e in sorted(listed)]) + "\n", encoding="utf-8")


# From here on, torch and expecttest are needed.


@cache
def database(kind: str) -> tuple[Any, dict[str, Any]]:
    """(the kind's runner module, {name: database entry}); each database is imported when first needed."""
    runner = importlib.import_module(f".{RUNNERS[kind]}", __package__)
    return runner, runner.entries()


def all_entries(dtypes: list[str]) -> list[Entry]:
    """Every entry of the three databases (five kinds) in the given dtypes (those it supports on the CPU) and modes."""
    from .modules import modes

    out = []
    for kind in KINDS:
        runner, found = database(kind)
        for name, info in found.items():
            supported = runner.dtypes(info)
            for dtype in (d for d in dtypes if d in supported):
                for mode in modes(info) if kind == "moduleinfo" else ["train"]:
                    out.append(Entry(kind, dtype, name, mode))
    return sorted(out)


def run_entry(entry: Entry, B: Any) -> Any:
    """The Verdict on one entry on backend B; a LookupError when no such entry, dtype or mode exists."""
    runner, found = database(entry.kind)
    info = found.get(entry.name)
    if info is None:
        raise LookupError(f"{entry.kind}: no entry named {entry.name!r}")
    if entry.dtype not in runner.dtypes(info):
        raise LookupError(f"{entry.kind} {entry.name}: no {entry.dtype} on the CPU")
    if entry.kind == "moduleinfo":
        if entry.mode not in runner.modes(info):
            raise LookupError(f"{entry}: train and eval do not differ for this entry; list it without `eval`")
        return runner.run(info, entry.dtype, entry.mode, B)
    return runner.run(info, entry.dtype, B)
