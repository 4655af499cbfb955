"""`--shard K/N`: the files of shard K of N, for spreading one doc suite over the jobs of a CI matrix.

The split depends only on the files' paths (relative to where the command runs, with `/`) and their
numbers of examples, never on the order the paths were given or on the machine: files are taken
from the most examples to the fewest (ties by path) and each goes to the shard with the fewest examples
so far (ties: the lowest K). So the N shards together hold every file exactly once, balanced by examples.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path


class ShardError(ValueError):
    """Not a shard: `--shard` takes K/N with 1 <= K <= N."""


def parse(text: str) -> tuple[int, int]:
    """(K, N) from "K/N"; ShardError names what is wrong."""
    k, slash, n = text.partition("/")
    try:
        shard, total = int(k), int(n)
    except ValueError:
        raise ShardError(f"{text!r} is not a shard: write K/N, e.g. 2/4 for the second of four") from None
    if not slash or total < 1 or not 1 <= shard <= total:
        raise ShardError(f"{text!r} is not a shard: K/N needs 1 <= K <= N, e.g. 2/4")
    return shard, total


def stable_key(path: str | Path, root: str | Path | None = None) -> str:
    """The path as every machine spells it: relative to `root` (default: the current folder), with `/`."""
    absolute = os.path.abspath(path)
    return Path(os.path.relpath(absolute, os.path.abspath(root or os.curdir))).as_posix()


def assign(keys: Sequence[str], examples: Callable[[str], int], shards: int) -> list[list[str]]:
    """Each key (a file's stable_key) in one of `shards` lists, balanced by `examples(key)`."""
    loads = [0] * shards
    chosen: list[list[str]] = [[] for _ in range(shards)]
    counted = {key: examples(key) for key in dict.fromkeys(keys)}
    for key in sorted(counted, key=lambda k: (-counted[k], k)):
        target = min(range(shards), key=lambda i: (loads[i], i))
        chosen[target].append(key)
        loads[target] += counted[key]
    return chosen


def example_count(path: str) -> int:
    """How many examples a file holds, by parsing it (an unusable file counts as one: its error)."""
    from gradsh.transcript.parse import parse_file
    from gradsh.transcript.source import InputError

    try:
        return len(parse_file(path).examples)
    except InputError:
        return 1


def select(files: Sequence[str], shard: tuple[int, int]) -> list[str]:
    """The files of shard K/N, in the order given."""
    k, n = shard
    by_key = {stable_key(f): f for f in files}
    mine = set(assign(list(by_key), lambda key: example_count(by_key[key]), n)[k - 1])
    return [f for f in files if stable_key(f) in mine]
