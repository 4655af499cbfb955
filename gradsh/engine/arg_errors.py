"""The texts of PyTorch 2.13's TypeErrors for a call its argument parser rejects, character for character.

Each function returns the message; the caller raises `TypeError(message)`. The texts, quirks included
("missing 1 required positional arguments", the plural reversed as in PyTorch's C++), were checked on
real torch 2.13 and are pinned in tests/test_torch_api.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .torch_api import ParserSignature


def unexpected_keyword(fname: str, keyword: str) -> str:
    """`tanh() got an unexpected keyword argument 'foo'`."""
    return f"{fname}() got an unexpected keyword argument '{keyword}'"


def missing_arguments(fname: str, names: Sequence[str]) -> str:
    """`linear() missing 2 required positional argument: "input", "weight"` (PyTorch's plural is reversed)."""
    n = len(names)
    quoted = ", ".join(f'"{name}"' for name in names)
    return f"{fname}() missing {n} required positional argument{'s' if n == 1 else ''}: {quoted}"


def too_many_positional(fname: str, least: int, most: int, given: int) -> str:
    """`tanh() takes 1 positional argument but 3 were given`; `linear() takes from 2 to 3 ...` for a range."""
    if least != most:
        return f"{fname}() takes from {least} to {most} positional arguments but {given} were given"
    verb = "was" if given == 1 else "were"
    return f"{fname}() takes {most} positional argument{'' if most == 1 else 's'} but {given} {verb} given"


def multiple_values(fname: str, name: str) -> str:
    """`tanh() got multiple values for argument 'input'`."""
    return f"{fname}() got multiple values for argument '{name}'"


def wrong_type(fname: str, param: str, position: int | None, expected: str, value: object) -> str:
    """`add(): argument 'other' (position 2) must be Tensor, not str`; keyword-only ones have no position."""
    where = f" (position {position})" if position is not None else ""
    return f"{fname}(): argument '{param}'{where} must be {expected}, not {type_name(value)}"


# names PyTorch's C types have (their tp_name), for gradsh's classes that stand in for them
_TORCH_TYPE_NAMES = {
    "dtype": "torch.dtype", "device": "torch.device", "Size": "torch.Size", "Generator": "torch._C.Generator",
    "layout": "torch.layout", "memory_format": "torch.memory_format", "finfo": "torch.finfo", "iinfo": "torch.iinfo",
}
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement, whose tp_name is its bare name


def type_name(value: object) -> str:
    """`Py_TYPE(value)->tp_name`, as PyTorch's messages name a value's type: `Tensor`, `Parameter`, `int`,
    `NoneType`, `torch.dtype`, `numpy.ndarray`, `MulBackward0`."""
    cls = type(value)
    if cls.__module__.startswith("gradsh."):
        return _TORCH_TYPE_NAMES.get(cls.__name__, cls.__name__)
    if cls.__flags__ & _HEAP_TYPE or cls.__module__ == "builtins":
        return cls.__name__
    return f"{cls.__module__}.{cls.__name__}"


def invalid_combination(
    fname: str, args: Sequence[object], kwargs: Mapping[str, object], overloads: Sequence[str | ParserSignature]
) -> str:
    """`max() received an invalid combination of arguments - got (Tensor, str), but expected one of: ...`.

    PyTorch's format_invalid_args, quirks included: it re-reads each overload's text by splitting at
    ", " and the last space (so `*` counts as an argument, `Tensor out = None` is named "None" and typed
    "Tensor out =", and matches nothing), lists keyword arguments in its unordered_map's order, and under
    an overload whose argument count fits adds why it did not match. Marks are `!` as without a terminal.
    """
    texts = [o.text if isinstance(o, ParserSignature) else o for o in overloads]
    keywords = _ordered_kwargs(kwargs)
    head = f"{fname}() received an invalid combination of arguments - got "
    if len(texts) == 1:
        option = _parse_option(texts[0])
        unmatched = _unmatched_keywords(option, keywords)
        if unmatched:
            return f"{fname}() received an invalid combination of arguments - got unrecognized keyword arguments: " + (
                ", ".join(unmatched)
            )
        counts_match = len(args) + len(keywords) == len(option)
        desc = _formatted_arg_desc(option, args, keywords) if counts_match else _arg_desc(args, keywords)
        return head + desc + f", but expected {texts[0]}"
    lines = [head + _arg_desc(args, keywords) + ", but expected one of:"]
    for text in texts:
        option = _parse_option(text)
        lines.append(f" * {text}")
        if len(args) + len(keywords) == len(option):
            unmatched = _unmatched_keywords(option, keywords)
            if unmatched:
                lines.append("      didn't match because some of the keywords were incorrect: " + ", ".join(unmatched))
            else:
                desc = _formatted_arg_desc(option, args, keywords)
                lines.append(f"      didn't match because some of the arguments have invalid types: {desc}")
    return "\n".join(lines) + "\n"


def _parse_option(text: str) -> list[tuple[str, str]]:
    """(name, type) per ", "-separated item, split at the last space as PyTorch's _parseOption does."""
    items = []
    for item in text[1:-1].split(", "):
        cut = item.rfind(" ")
        items.append((item, item) if cut < 0 else (item[cut + 1 :], item[:cut]))
    return items


def _matches(type_: str, value: object) -> bool:
    name = type_name(value)
    if type_ == "float":
        return name in ("float", "int", "long")
    if type_ == "int":
        return name in ("int", "long")
    return name == type_


def _ordered_kwargs(kwargs: Mapping[str, object]) -> list[tuple[str, object]]:
    """The keyword arguments in the order PyTorch lists them: that of the C++ unordered_map it fills."""
    return [(key, kwargs[key]) for key in unordered_map_order(list(kwargs))]


def _arg_desc(args: Sequence[object], keywords: list[tuple[str, object]]) -> str:
    parts = [type_name(a) + ", " for a in args] + [f"{k}={type_name(v)}, " for k, v in keywords]
    text = "".join(parts)
    if args:  # PyTorch trims the last ", " only when there are positional arguments
        text = text[:-2]
    return f"({text})"


def _unmatched_keywords(option: list[tuple[str, str]], keywords: list[tuple[str, object]]) -> list[str]:
    start = max(len(option) - len(keywords), 0)
    names = {name for name, _ in option[start:]}
    return [key for key, _ in keywords if key not in names]


def _described(value: object) -> str:
    if isinstance(value, tuple):
        inner = ", ".join(type_name(v) for v in value)
        return f"{type_name(value)} of ({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return f"{type_name(value)} of [{', '.join(type_name(v) for v in value)}]"
    return type_name(value)


def _formatted_arg_desc(option: list[tuple[str, str]], args: Sequence[object], keywords: list[tuple[str, object]]) -> str:
    """Each argument's type, between `!` marks where the overload's item at that place does not take it."""
    by_key = dict(keywords)
    parts = []
    for i in range(len(args) + len(keywords)):
        name = option[i][0] if i < len(option) else None
        if i < len(args):
            value, label = args[i], ""
        elif name in by_key:
            value, label = by_key[name], f"{name}="
        else:  # PyTorch's kwargs.at() would throw here: show the keyword in its own place instead
            key, value = keywords[i - len(args)]
            label = f"{key}="
        ok = i < len(option) and _matches(option[i][1], value)
        text = label + _described(value)
        parts.append(text if ok else f"!{text}!")
    text = "".join(part + ", " for part in parts)
    if args:
        text = text[:-2]
    return f"({text})"


# ----- libstdc++'s std::unordered_map<std::string, ...> iteration order ------------------------------
# PyTorch's format_invalid_args copies the keyword arguments into one, then iterates it. Reproduced from
# libstdc++'s documented algorithms (std::hash<std::string> is _Hash_bytes, a 64-bit MurmurHash2 with seed
# 0xc70f6907; _Prime_rehash_policy starts at 13 buckets; each key goes to the front of its bucket, or of
# the list when its bucket is empty); checked against torch 2.13 on random sets of 2 to 40 keywords.

_MASK = (1 << 64) - 1
_MUL = (0xC6A4A793 << 32) + 0x5BD1E995
_BUCKET_COUNTS = (13, 29, 59, 127, 257, 541, 1109)  # the primes _Prime_rehash_policy steps through from 13


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def std_string_hash(key: str) -> int:
    """`std::hash<std::string>` of libstdc++ on a 64-bit machine (the key as UTF-8)."""
    data = key.encode("utf-8")
    n = len(data)
    whole = n & ~7
    h = (0xC70F6907 ^ (n * _MUL)) & _MASK
    for i in range(0, whole, 8):
        h ^= (_shift_mix((int.from_bytes(data[i : i + 8], "little") * _MUL) & _MASK) * _MUL) & _MASK
        h = (h * _MUL) & _MASK
    if n & 7:
        h ^= int.from_bytes(data[whole:], "little")
        h = (h * _MUL) & _MASK
    return _shift_mix((_shift_mix(h) * _MUL) & _MASK)


def unordered_map_order(keys: Sequence[str]) -> list[str]:
    """The iteration order of an unordered_map<std::string, T> after inserting `keys` (distinct) in order."""
    buckets = _BUCKET_COUNTS[0]
    order: list[str] = []
    for key in keys:
        if len(order) + 1 > buckets:  # a rehash: the next prime at least twice the count
            buckets = next(b for b in _BUCKET_COUNTS if b >= max(len(order) + 2, 2 * buckets))
            order = _relaid(order, buckets)
        _insert(order, key, buckets)
    return order


def _insert(order: list[str], key: str, buckets: int) -> None:
    bucket = std_string_hash(key) % buckets
    same = [i for i, k in enumerate(order) if std_string_hash(k) % buckets == bucket]
    # into a non-empty bucket: right after the node before that bucket's first one; else at the front
    order.insert(same[0] if same else 0, key)


def _relaid(order: list[str], buckets: int) -> list[str]:
    """The list after libstdc++'s rehash, which walks the old order and moves each node as _insert does."""
    new: list[str] = []
    for key in order:
        _insert(new, key, buckets)
    return new
