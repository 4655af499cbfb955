"""Sample results and the verdict on an entry: PASS, PARTIAL, FAIL, MISSING or NO-SAMPLES.

A sample (one op_db SampleInput, one module_db ModuleInput, one optim_db configuration) ends as
PASS, FAIL, MISSING (the backend says "gradsh does not implement") or SKIPPED (the harness cannot hand
it to the backend). Where PyTorch raises, the backend must raise the same exception type with the same
first line of message.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NOT_IMPLEMENTED = "gradsh does not implement"


class Skip(Exception):
    """A sample the harness cannot hand to the backend (a sparse tensor, a generator, ...)."""


@dataclass(frozen=True)
class Sample:
    status: str  # PASS, FAIL, MISSING or SKIPPED
    reason: str


@dataclass(frozen=True)
class Verdict:
    status: str  # PASS, PARTIAL, FAIL, MISSING or NO-SAMPLES
    matched: int
    ran: int
    skipped: int
    reason: str  # the first failure (or skip, for NO-SAMPLES)

    def __str__(self) -> str:
        return f"{self.status} {self.matched}/{self.ran}/{self.skipped} {self.reason}".rstrip()


def verdict(samples: list[Sample]) -> Verdict:
    """PASS when every sample that ran matched (and one ran), PARTIAL when some did."""
    matched = sum(s.status == "PASS" for s in samples)
    skipped = sum(s.status == "SKIPPED" for s in samples)
    ran = len(samples) - skipped
    if ran == 0:
        first_skip = next((f"#{i} {s.reason}" for i, s in enumerate(samples)), "no samples")
        return Verdict("NO-SAMPLES", 0, 0, skipped, first_skip)
    first = next((f"#{i} {s.reason}" for i, s in enumerate(samples) if s.status in ("FAIL", "MISSING")), "")
    if matched == ran:
        status = "PASS"
    elif matched:
        status = "PARTIAL"
    elif any(s.status == "MISSING" for s in samples):
        status = "MISSING"
    else:
        status = "FAIL"
    return Verdict(status, matched, ran, skipped, first)


def missing(why: str) -> Verdict:
    """The verdict on an entry whose callable or class the backend lacks."""
    return Verdict("MISSING", 0, 0, 0, why)


def first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [""])[0]


def describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {first_line(e)}"


def is_missing(e: BaseException) -> bool:
    return isinstance(e, AttributeError) and NOT_IMPLEMENTED in str(e)


def call(fn: Callable, *args: Any, **kwargs: Any) -> tuple[Any, Exception | None]:
    """(result, None) or (None, the exception); warnings silenced."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs), None
    except Exception as e:  # noqa: BLE001 - any exception is a result to compare
        return None, e


def raised(stage: str, ref_err: Exception | None, got_err: Exception | None) -> Sample | None:
    """The sample's end when either side raised at `stage`, else None (both returned)."""
    if got_err is not None and is_missing(got_err):
        return Sample("MISSING", f"{stage}{first_line(got_err)}")
    if ref_err is not None:
        if got_err is None:
            return Sample("FAIL", f"{stage}torch raised {describe(ref_err)}; backend returned")
        if type(ref_err).__name__ == type(got_err).__name__ and first_line(ref_err) == first_line(got_err):
            return Sample("PASS", f"{stage}same error")
        return Sample("FAIL", f"{stage}error differs: torch {describe(ref_err)} | backend {describe(got_err)}")
    if got_err is not None:
        return Sample("FAIL", f"{stage}raised {describe(got_err)}")
    return None
