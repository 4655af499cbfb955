"""A corpus of transcripts for scripts/bench_check.py (g): many small files, as a project's docs would hold.

Each file has 10 examples in the style of the seed articles: `import torch` first, a seeded tensor
that requires grad, ops, backward and `.grad`, no_grad / enable_grad / set_grad_enabled /
inference_mode blocks, a printed tensor or two, and now and then an expected error. The sources come
from a fixed seed (the same files on every run); the expected outputs are recorded by running each
file's examples with real PyTorch, the way doctest would show them, so the files pass
`python -m doctest` by construction; bench_check.py verifies that both doctest and `gradsh check` pass.
"""

from __future__ import annotations

import contextlib
import io
import random
import traceback
from pathlib import Path

EXAMPLES_PER_FILE = 10

# Steps after the preamble; each is one or more examples. `{k}`, `{b}`: small constants; `{op}`: a unary op.
_STEPS: tuple[tuple[str, ...], ...] = (
    ("y = (x * {k} + {b}).{op}()", "y.requires_grad", "type(y.grad_fn).__name__"),
    ("loss = (x * {k}).{op}().sum()", "loss.backward()", "x.grad"),
    ("x.grad = None", "print(x.grad)"),
    ("with torch.no_grad():\n    z = x * {k}", "z.requires_grad", "print(z.grad_fn)"),
    ("with torch.no_grad():\n    z = x.sum()", "z.backward()"),  # expected RuntimeError
    ("with torch.enable_grad():\n    e = x.{op}()", "e.requires_grad"),
    ("with torch.set_grad_enabled(False):\n    s = x * {k}", "s.requires_grad", "torch.is_grad_enabled()"),
    ("with torch.inference_mode():\n    w = x + {b}", "w.is_inference()", "w.requires_grad"),
    ("with torch.inference_mode():\n    w = x * {k}", "w.requires_grad_()"),  # expected RuntimeError
    ("x.add_({b})",),  # expected RuntimeError: a leaf that requires grad, in place
    ("x.detach() * {k}",),
    ("(x.{op}() * {k}).mean()",),
    ("x.view(5, 7)",),  # expected RuntimeError: a shape that does not fit
    ("v = x.{op}().sum()", "g, = torch.autograd.grad(v, x)", "g.shape"),
    ("u = x.clone()", "u.is_leaf", "u.grad_fn is not None"),
    ("p = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)", "(p ** 2).sum().backward()", "p.grad"),
    ("x.sum()",),
)
_OPS = ("tanh", "sigmoid", "exp", "relu", "sin", "abs")
_SHAPES = ("3", "2, 3", "4", "2, 2")


def sources(index: int) -> list[str]:
    """The example sources of file `index` (the same on every call)."""
    rng = random.Random(index)
    chosen = [
        "import torch",
        f"_ = torch.manual_seed({1000 + index})",
        f"x = torch.randn({rng.choice(_SHAPES)}, requires_grad=True)",
    ]
    while len(chosen) < EXAMPLES_PER_FILE:
        step = rng.choice(_STEPS)
        values = {"k": rng.randint(2, 5), "b": rng.randint(1, 3), "op": rng.choice(_OPS)}
        chosen += [source.format(**values) for source in step]
    return chosen[:EXAMPLES_PER_FILE]


def _record(source_lines: list[str]) -> list[str]:
    """Each example's output as doctest shows it, from running them in order with real PyTorch."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    outputs = []
    for source in source_lines:
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(source + "\n", "<example>", "single"), namespace)  # noqa: S102 - recording examples
            outputs.append(out.getvalue())
        except Exception as exc:  # noqa: BLE001 - an expected error is recorded as doctest shows it
            last = traceback.format_exception_only(type(exc), exc)[-1]
            outputs.append(out.getvalue() + "Traceback (most recent call last):\n    ...\n" + last)
    return outputs


def _example(source: str, output: str) -> str:
    lines = source.split("\n")
    text = ">>> " + lines[0] + "\n" + "".join(f"... {line}\n" for line in lines[1:])
    return text + output


def write(folder: Path, files: int) -> list[str]:
    """Write `files` transcripts into `folder` (recorded with real PyTorch: the caller imports it); their paths."""
    paths = []
    for index in range(files):
        examples = sources(index)
        outputs = _record(examples)
        body = "".join(_example(s, o) for s, o in zip(examples, outputs, strict=True))
        path = folder / f"grad_modes_{index:03d}.txt"
        path.write_text(f"Grad modes, example file {index}.\n\n{body}")
        paths.append(str(path))
    return paths
