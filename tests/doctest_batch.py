"""Run many transcripts under Python's own doctest with real torch, importing torch once.

usage: python tests/doctest_batch.py OUT.json FILE...

Each file runs in a child forked after `import torch`, so files share no state and the slow
import happens once. Writes {file: {line: passed}} (lines of examples doctest ran).
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: F401 - real PyTorch, imported once before forking

from gradsh.doctest_support import run_file


def in_child(path: str) -> dict[int, bool]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        outcomes = run_file(path)
        with os.fdopen(write_fd, "w") as pipe:
            json.dump({o.line: o.passed for o in outcomes}, pipe)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return {int(k): v for k, v in json.loads(data).items()}


if __name__ == "__main__":
    out, files = sys.argv[1], sys.argv[2:]
    Path(out).write_text(json.dumps({f: in_child(f) for f in files}), encoding="utf-8")
    sys.stdout.flush()
    os._exit(0)
