"""The result model every renderer reads: files -> examples -> output, exception, warnings, grad report, verdict.

Plain data (dataclasses of str/int/bool/list), so results cross process boundaries (`-j N`,
the pytest plugin) by pickling and turn into JSON with `dataclasses.asdict`.
"""

from __future__ import annotations

import dataclasses

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
# An example after one that ended its file's process (a crash, a timeout, Ctrl-C): it never ran.
NOT_RUN = "not run"


@dataclasses.dataclass
class TensorLine:
    """One tensor the example created or changed, by the name that holds it."""

    name: str
    changes: list[str]  # any of: new, rebound, in-place, requires_grad, grad, hooks
    shape: list[int]
    dtype: str
    requires_grad: bool
    is_leaf: bool
    grad_fn: str | None  # e.g. "MulBackward0"
    grad: str | None  # a short value ("[2., 2.]") or its shape ("shape [3, 4]"); None when there is no .grad
    holder: str | None = None  # "list", "tuple" or "dict" for an element of one (renderers summarise long runs)
    inference: bool = False  # an inference tensor (made under inference_mode)
    hooks: int = 0  # hooks registered on it (register_hook, register_post_accumulate_grad_hook)
    tangent: str | None = None  # a dual tensor's forward-AD tangent while its level is open (as `grad`)


@dataclasses.dataclass
class GradMode:
    grad_enabled: bool
    inference_mode: bool


@dataclasses.dataclass
class GraphNode:
    label: str  # a backward node's name ("MulBackward0", "AccumulateGrad") or a tensor's name
    kind: str  # "tensor" (one of the example's), "function", "accumulate" or "leaf"
    holder: str | None = None  # a function node: the name of a tensor it made, where one holds it


@dataclasses.dataclass
class BackwardGraph:
    """The backward graph behind an example's tensors (captured only for the replay page)."""

    nodes: list[GraphNode] = dataclasses.field(default_factory=list)
    edges: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # the way gradients flow
    omitted: int = 0  # nodes left out past the drawing limit
    complete: bool = True  # False: the graph was too big even to count what was left out


@dataclasses.dataclass
class GradReport:
    tensors: list[TensorLine] = dataclasses.field(default_factory=list)
    mode_before: GradMode | None = None  # both set only when the example changed the grad mode
    mode_after: GradMode | None = None
    graph: BackwardGraph | None = None  # set when a page is being made and a tensor has a grad_fn

    def __bool__(self) -> bool:
        return bool(self.tensors) or self.mode_before is not None


@dataclasses.dataclass
class ExceptionInfo:
    type: str  # as the traceback names it: "RuntimeError", "torch.OutOfMemoryError"
    message: str


@dataclasses.dataclass
class ExampleResult:
    """One example: where it is, what it did, and the verdict against what the transcript says."""

    path: str
    line: int
    source: str
    want: str  # the expected output as written (indent removed)
    got: str  # what it printed and showed; an exception as doctest's short traceback
    verdict: str  # PASSED, FAILED, SKIPPED or NOT_RUN
    exception: ExceptionInfo | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    stderr: str = ""
    report: GradReport = dataclasses.field(default_factory=GradReport)
    diff: str = ""  # readable expected-vs-got difference, for failures
    reason: str = ""  # why it failed beyond the diff: "timed out after 2 s", ...
    duration: float = 0.0
    fixed: bool = False  # --fix rewrote its expected output to what it printed
    name: str = ""  # in a .py file, the docstring's owner as doctest names it: "pkg.mod.func"


@dataclasses.dataclass
class FileResult:
    path: str
    examples: list[ExampleResult] = dataclasses.field(default_factory=list)
    error: str | None = None  # unusable input ("file:line: message"); the file was not run
    fixed: int = 0  # expected outputs rewritten by --fix
    fix_notes: list[str] = dataclasses.field(default_factory=list)  # examples --fix could not rewrite
    write_error: str | None = None  # --fix had fixes but could not write them ("path: not written: why")
    duration: float = 0.0

    def count(self, verdict: str) -> int:
        return sum(e.verdict == verdict for e in self.examples)


@dataclasses.dataclass
class RunResult:
    """A whole `run`/`check`: every file, the backend, and the exit status the command ends with."""

    files: list[FileResult]
    backend: str
    command: str  # "run" or "check"
    exit_code: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)  # input/command errors not tied to one file
    duration: float = 0.0
    interrupted: bool = False  # Ctrl-C stopped the run: the results so far, exit status 130

    def count(self, verdict: str) -> int:
        return sum(f.count(verdict) for f in self.files)

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            PASSED: self.count(PASSED),
            FAILED: self.count(FAILED),
            SKIPPED: self.count(SKIPPED),
            "not_run": self.count(NOT_RUN),
            "fixed": sum(f.fixed for f in self.files),
            "errors": len(self.errors) + sum(f.error is not None for f in self.files),
        }
