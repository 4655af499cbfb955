"""ATen's quick_select_template (SortingUtils.h), step for step: which of several equal values
kthvalue (and median along a dim) reports the index of.

Median-of-three pivot moved to the front, a Hoare partition, and the active range narrowed to the
side holding k; values and indices are swapped together. NaN counts as above every number.
"""

from __future__ import annotations

import math


def _gt_or_nan(x: float, y: float) -> bool:
    return (math.isnan(x) and not math.isnan(y)) or x > y


def quick_select_index(values: list, k: int) -> int:
    """The original position of the element quick_select leaves at place k."""
    arr = list(values)
    idx = list(range(len(arr)))
    gt = _gt_or_nan if arr and isinstance(arr[0], float) else (lambda x, y: x > y)

    def swap(a: int, b: int) -> None:
        arr[a], arr[b] = arr[b], arr[a]
        idx[a], idx[b] = idx[b], idx[a]

    lo, hi = 0, len(arr) - 1
    while True:
        if hi <= lo:
            return idx[k]
        if hi == lo + 1:
            if gt(arr[lo], arr[hi]):
                swap(lo, hi)
            return idx[k]
        mid = lo + (hi - lo) // 2
        swap(mid, lo + 1)
        if gt(arr[lo + 1], arr[hi]):
            swap(lo + 1, hi)
        if gt(arr[lo], arr[hi]):
            swap(lo, hi)
        if gt(arr[lo + 1], arr[lo]):
            swap(lo + 1, lo)
        i, j = lo + 1, hi
        pivot = arr[lo]
        while True:
            i += 1
            while gt(pivot, arr[i]):
                i += 1
            j -= 1
            while gt(arr[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
