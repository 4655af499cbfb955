"""libstdc++'s std::sort (introsort), step for step, for the orders PyTorch's CPU kernels get from it.

PyTorch's non-stable sort and its mode sort (value, index) pairs with std::sort on the values only, so
which of several equal values lands where is whatever libstdc++'s introsort makes of them: median-of-
three pivot moved to the front, unguarded Hoare partition, heapsort below a depth limit, and a final
insertion sort over runs of 16. Reproduced here on a list of keys; it returns the permutation.
Pure Python: callers use it only where ties make the order matter, on slices of moderate length.
"""

from __future__ import annotations

from collections.abc import Callable

_THRESHOLD = 16


def std_sort_order(keys: list, less: Callable[[object, object], bool]) -> list[int]:
    """The positions of `keys` in the order libstdc++'s std::sort leaves them, comparing with `less`."""
    items = [(k, i) for i, k in enumerate(keys)]
    n = len(items)
    if n > 1:
        _introsort(items, 0, n, 2 * (n.bit_length() - 1), less)
        _final_insertion_sort(items, 0, n, less)
    return [i for _, i in items]


def _introsort(a: list, first: int, last: int, depth: int, less: Callable) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:
            _heap_sort(a, first, last, less)
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, less)
        _introsort(a, cut, last, depth, less)
        last = cut


def _partition_pivot(a: list, first: int, last: int, less: Callable) -> int:
    mid = first + (last - first) // 2
    _move_median_to_first(a, first, first + 1, mid, last - 1, less)
    return _unguarded_partition(a, first + 1, last, first, less)


def _move_median_to_first(a: list, result: int, x: int, y: int, z: int, less: Callable) -> None:
    kx, ky, kz = a[x][0], a[y][0], a[z][0]
    if less(kx, ky):
        pick = y if less(ky, kz) else (z if less(kx, kz) else x)
    elif less(kx, kz):
        pick = x
    elif less(ky, kz):
        pick = z
    else:
        pick = y
    a[result], a[pick] = a[pick], a[result]


def _unguarded_partition(a: list, first: int, last: int, pivot: int, less: Callable) -> int:
    p = a[pivot][0]
    while True:
        while less(a[first][0], p):
            first += 1
        last -= 1
        while less(p, a[last][0]):
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _final_insertion_sort(a: list, first: int, last: int, less: Callable) -> None:
    if last - first > _THRESHOLD:
        _insertion_sort(a, first, first + _THRESHOLD, less)
        for i in range(first + _THRESHOLD, last):
            _unguarded_linear_insert(a, i, less)
    else:
        _insertion_sort(a, first, last, less)


def _insertion_sort(a: list, first: int, last: int, less: Callable) -> None:
    for i in range(first + 1, last):
        if less(a[i][0], a[first][0]):
            value = a[i]
            a[first + 1 : i + 1] = a[first:i]
            a[first] = value
        else:
            _unguarded_linear_insert(a, i, less)


def _unguarded_linear_insert(a: list, last: int, less: Callable) -> None:
    value = a[last]
    k = value[0]
    nxt = last - 1
    while less(k, a[nxt][0]):
        a[last] = a[nxt]
        last = nxt
        nxt -= 1
    a[last] = value


# ----- heapsort (std::partial_sort over the whole range), for the depth limit --------------------

def _heap_sort(a: list, first: int, last: int, less: Callable) -> None:
    n = last - first
    if n >= 2:
        parent = (n - 2) // 2
        while True:
            _adjust_heap(a, first, parent, n, a[first + parent], less)
            if parent == 0:
                break
            parent -= 1
    while last - first > 1:
        last -= 1
        value = a[last]
        a[last] = a[first]
        _adjust_heap(a, first, 0, last - first, value, less)


def _adjust_heap(a: list, first: int, hole: int, n: int, value: tuple, less: Callable) -> None:
    top = hole
    child = hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if less(a[first + child][0], a[first + child - 1][0]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(a[first + parent][0], value[0]):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value
