"""How the grad report's cost grows with the number of names: time per example and tensors read, by kind.

Each workload is a transcript of N names run in one Session (no child process, no checking), with the
grad report on and, for comparison, off. Kinds: `bind` (each example binds a new tensor), `backward`
(each name is made, backpropagated through, its grad zeroed in place and the tensor changed in place),
`user` (each name is bound, then a function of the user's is called). A cost linear in the names keeps
the report's time per example flat as N grows.

    python scripts/bench_gradreport.py [--sizes 1000,2000,4000] [--kinds bind,backward,user]
"""

from __future__ import annotations

import argparse
import time

from gradsh.transcript import gradreport
from gradsh.transcript.session import Session


def _sources(kind: str, n: int) -> list[str]:
    head = ["import torch\n"]
    if kind == "bind":
        return head + [f"t{i} = torch.ones(1)\n" for i in range(n)]
    if kind == "backward":
        out = list(head)
        for i in range(n):
            out += [
                f"t{i} = torch.ones(1, requires_grad=True)\n",
                f"(t{i} * 2).sum().backward()\n",
                f"_ = t{i}.grad.zero_()\n",
                f"t{i}.requires_grad_(False).add_(1)\n",
            ]
        return out
    if kind == "user":
        out = [*head, "def nothing():\n    pass\n"]
        for i in range(n):
            out += [f"t{i} = torch.ones(1)\n", "nothing()\n"]
        return out
    raise SystemExit(f"unknown kind {kind!r}")


def _run(sources: list[str], report: bool) -> tuple[float, int]:
    reads = [0]
    state = gradreport._state

    def counted(t: object) -> tuple:
        reads[0] += 1
        return state(t)

    gradreport._state = counted
    try:
        with Session(grad_report=report) as session:
            start = time.process_time()
            for source in sources:
                session.run(source)
            return time.process_time() - start, reads[0]
    finally:
        gradreport._state = state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,2000,4000")
    parser.add_argument("--kinds", default="bind,backward,user")
    args = parser.parse_args()
    print(f"{'kind':<9} {'names':>6} {'examples':>8} {'with report':>12} {'without':>9} {'report/example':>15} {'reads':>7}")
    for kind in args.kinds.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            sources = _sources(kind, n)
            with_report, reads = _run(sources, True)
            without, _ = _run(sources, False)
            per = (with_report - without) / len(sources) * 1e6
            print(
                f"{kind:<9} {n:>6} {len(sources):>8} {with_report:>11.2f}s {without:>8.2f}s {per:>12.1f} µs {reads:>7}"
            )


if __name__ == "__main__":
    main()
