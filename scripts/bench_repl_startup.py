"""Time from starting `gradsh` on a terminal to its first prompt, and to the first answer (`1 + 1` -> 2).

Runs the installed `gradsh` in a pseudo-terminal (pexpect + pyte, from the test extra), answers
prompt_toolkit's cursor-position request, and reports medians over N runs:

    python scripts/bench_repl_startup.py [N]

The engine (numpy and gradsh.torch) imports in a background thread while the first prompt is drawn,
so "first answer" includes whatever of that import the prompt did not hide.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pexpect
import pyte


class _Screen(pyte.Screen):
    child = None

    def write_process_input(self, data: str) -> None:
        self.child.send(data)


def _wait(
    child: pexpect.spawn, stream: pyte.ByteStream, screen: _Screen, needle: str, start: float, exact: bool = False
) -> float:
    while True:
        try:
            stream.feed(child.read_nonblocking(65536, timeout=0.005))
        except pexpect.TIMEOUT:
            pass
        if any(line.rstrip() == needle if exact else needle in line for line in screen.display):
            return time.perf_counter() - start
        if time.perf_counter() - start > 30:
            raise RuntimeError(f"{needle!r} never appeared")


def once(command: str, state: str) -> tuple[float, float]:
    screen = _Screen(120, 30)
    stream = pyte.ByteStream(screen)
    env = {**os.environ, "TERM": "xterm", "XDG_STATE_HOME": state}
    start = time.perf_counter()
    child = pexpect.spawn(command, env=env, dimensions=(30, 120))
    screen.child = child
    prompt = _wait(child, stream, screen, ">>>", start)
    child.send("1 + 1\r")
    answer = _wait(child, stream, screen, "2", start, exact=True)  # a line that is just the answer
    child.send("\x04")
    child.expect(pexpect.EOF)
    child.close()
    return prompt, answer


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    script = Path(sysconfig.get_path("scripts")) / "gradsh"
    command = str(script) if script.exists() else shutil.which("gradsh")
    if command is None:
        sys.exit("no gradsh command: pip install -e '.[test]' first")
    prompts, answers = [], []
    with tempfile.TemporaryDirectory() as state:
        once(command, state)  # warm the file cache
        for _ in range(runs):
            prompt, answer = once(command, state)
            prompts.append(prompt)
            answers.append(answer)
    print(f"gradsh REPL startup over {runs} runs (target: first prompt under 0.5 s)")
    print(f"  first prompt: median {statistics.median(prompts):.3f} s (min {min(prompts):.3f}, max {max(prompts):.3f})")
    print(f"  first answer: median {statistics.median(answers):.3f} s (min {min(answers):.3f}, max {max(answers):.3f})")


if __name__ == "__main__":
    main()
