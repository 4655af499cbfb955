"""The texts of PyTorch 2.13's TypeErrors for a call its argument parser rejects, character for character.

Each function returns the message; the caller raises `TypeError(message)`. The texts, quirks included
("missing 1 required positional arguments", the plural reversed as in PyTorch's C++), were checked on
real torch 2.13 and are pinned in tests/test_torch_api.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .torch_api import ParserSignature, _parse_parser_text


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
    return f"{fname}() takes {most} positional argument{'' if most == 1 else 's'} but {given} were given"


def multiple_values(fname: str, name: str) -> str:
    """`tanh() got multiple values for argument 'input'`."""
    return f"{fname}() got multiple values for argument '{name}'"


def wrong_type(fname: str, param: str, position: int | None, expected: str, value: object) -> str:
    """`add(): argument 'other' (position 2) must be Tensor, not str`; keyword-only ones have no position."""
    where = f" (position {position})" if position is not None else ""
    return f"{fname}(): argument '{param}'{where} must be {expected}, not {type_name(value)}"


def type_name(value: object) -> str:
    """The name PyTorch's messages give a value's type: `Tensor`, `int`, `NoneType`, `torch.dtype`."""
    cls = type(value)
    if any(c.__name__ == "Tensor" for c in cls.__mro__):
        return "Tensor"
    module = cls.__module__
    if module.startswith("gradsh.engine") or module == "torch":  # gradsh's dtype, device, Size, Generator
        return f"torch.{cls.__name__}"
    if module in ("builtins", "__main__") or "." not in module and not module.startswith("numpy"):
        return cls.__name__
    return f"{module.split('.')[0]}.{cls.__name__}"


def invalid_combination(
    fname: str, args: Sequence[object], kwargs: Mapping[str, object], overloads: Sequence[str | ParserSignature]
) -> str:
    """`max() received an invalid combination of arguments - got (Tensor, str), but expected one of: ...`.

    Exact for the header (keyword arguments in the order of PyTorch's C++ unordered_map) and the list of
    overloads. One known limit: under an overload whose argument count fits the call PyTorch adds a
    "didn't match because ..." line, which is not reproduced.
    """
    options = [o if isinstance(o, ParserSignature) else _parse_parser_text(o) for o in overloads]
    head = f"{fname}() received an invalid combination of arguments - got "
    if len(options) == 1:
        return head + _marked_arg_desc(options[0], args, kwargs) + f", but expected {options[0].text}"
    lines = [head + _arg_desc(args, kwargs) + ", but expected one of:"]
    lines += [f" * {option.text}" for option in options]
    return "\n".join(lines) + "\n"


def _ordered_kwargs(kwargs: Mapping[str, object]) -> list[tuple[str, object]]:
    """The keyword arguments in the order PyTorch lists them: that of the C++ unordered_map it fills."""
    return [(key, kwargs[key]) for key in unordered_map_order(list(kwargs))]


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


def _arg_desc(args: Sequence[object], kwargs: Mapping[str, object]) -> str:
    parts = [type_name(a) + ", " for a in args] + [f"{k}={type_name(v)}, " for k, v in _ordered_kwargs(kwargs)]
    text = "".join(parts)
    if args:  # PyTorch trims the last ", " only when there are positional arguments
        text = text[:-2]
    return f"({text})"


def _matches(type_: str, default: str | None, value: object) -> bool:
    name = type_name(value)
    if value is None:
        return default == "None"
    if type_ == "Number":
        return name in ("int", "float", "complex", "bool")
    if type_.startswith("tuple of "):
        item = {"tuple of ints": "int", "tuple of floats": "float", "tuple of Tensors": "Tensor"}.get(type_)
        return isinstance(value, (tuple, list)) and all(type_name(v) == item for v in value)
    return name == type_


def _described(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of ({', '.join(type_name(v) for v in value)})"
    return type_name(value)


def _marked_arg_desc(option: ParserSignature, args: Sequence[object], kwargs: Mapping[str, object]) -> str:
    """The call's argument types, each one the overload cannot take between `!` marks (PyTorch without colour)."""
    positional = [p for p in option.params if not p.keyword_only]
    by_name = {p.name: p for p in option.params}
    parts = []
    for i, value in enumerate(args):
        ok = i < len(positional) and _matches(positional[i].type, positional[i].default, value)
        parts.append(_described(value) if ok else f"!{_described(value)}!")
    for key, value in _ordered_kwargs(kwargs):
        param = by_name.get(key)
        ok = param is not None and _matches(param.type, param.default, value)
        parts.append(f"{key}={_described(value)}" if ok else f"!{key}={_described(value)}!")
    return "(" + ", ".join(parts) + ")"
