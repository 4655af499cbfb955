"""JSON renderer: one document for a whole `run`/`check` (`--format json`).

Schema "gradsh.results/1" (additions keep the version; a change of meaning bumps it):

    {
      "schema": "gradsh.results/1",
      "command": "check" | "run",
      "backend": "gradsh.torch" | "torch",
      "exit_code": 0 | 1 | 2 | 130,
      "duration": seconds,
      "interrupted": bool,                      # Ctrl-C stopped the run (exit 130): results so far
      "totals": {"files", "passed", "failed", "skipped", "not_run", "fixed", "errors": int},
      "errors": [message, ...],                 # command/input errors not tied to one file
      "files": [{
        "path": str, "error": str | null,       # error: unusable input ("path:line: message")
        "fixed": int, "fix_notes": [str], "duration": seconds,
        "write_error": str | null,              # --fix could not write this file (it counts as failed)
        "examples": [{
          "path": str, "line": int,             # 1-based line of the example's first source line
          "source": str, "want": str, "got": str,
          "verdict": "passed" | "failed" | "skipped" | "not run", "fixed": bool,
                                                # "not run": an earlier example ended the file's process
          "exception": {"type": str, "message": str} | null,
          "warnings": [str], "stderr": str,
          "report": {"tensors": [{"name", "changes": [str], "shape": [int], "dtype": str,
                                  "requires_grad": bool, "is_leaf": bool,
                                  "grad_fn": str | null, "grad": str | null,
                                  "holder": "list" | "tuple" | "dict" | null,  # an element of one
                                  "inference": bool,          # every tensor, also where text summarises
                                  "hooks": int, "tangent": str | null}],  # forward AD's tangent, as grad
                     "mode_before": {"grad_enabled": bool, "inference_mode": bool} | null,
                     "mode_after": same | null,
                     "graph": {"nodes": [{"label": str, "kind": "tensor" | "function" | "accumulate" | "leaf",
                                          "holder": str | null}],
                               "edges": [[int, int]], "omitted": int, "complete": bool} | null},
                                                # graph: the backward graph, captured only with --html
          "diff": str, "reason": str, "duration": seconds,
          "name": str                           # a .py docstring's owner as doctest names it ("pkg.mod.func"), else ""
        }]
      }]
    }
"""

from __future__ import annotations

import dataclasses
import json

from gradsh.report.model import RunResult

SCHEMA = "gradsh.results/1"


def document(result: RunResult) -> dict:
    return {
        "schema": SCHEMA,
        "command": result.command,
        "backend": result.backend,
        "exit_code": result.exit_code,
        "duration": result.duration,
        "interrupted": result.interrupted,
        "totals": result.totals(),
        "errors": list(result.errors),
        "files": [dataclasses.asdict(f) for f in result.files],
    }


def render(result: RunResult) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
