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

    Exact for the header and the list of overloads. Two known limits: PyTorch lists keyword arguments
    in the order of a C++ unordered_map, which is reverse call order for up to two of them (reproduced)
    but not always beyond; and under an overload whose argument count fits the call PyTorch adds a
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
    # PyTorch iterates an unordered_map that it filled in call order: for up to two keys that is reversed
    return list(reversed(list(kwargs.items())))


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
