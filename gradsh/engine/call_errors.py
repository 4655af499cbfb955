"""PyTorch's text for a call to a registered op that Python rejected while binding its arguments.

The registry installs each forward as the function or method itself, with no wrapper, so a call with a
missing, unexpected or surplus argument fails in Python's binding step, before the forward runs, and
with Python's wording ("add() missing 1 required positional argument: 'other'"). PyTorch words these
cases otherwise ('matmul() missing 1 required positional arguments: "other"', an "invalid combination
of arguments" for an op with several overloads, "Tensor.tanh() takes no arguments (1 given)").

To keep the success path free, the translation happens where the exception is shown (the transcript
session, hence the REPL): `pytorch_call_error(exc)` reads the failed call back from the bytecode of
the frame that made it (the callable and its arguments, when each is a name, a constant, an attribute
of a module or tensor, or a tuple/list of those: re-reading them has no side effect) and formats
PyTorch's message from its recorded parser (torch_api.parser_info). Any other call keeps Python's text.
"""

from __future__ import annotations

import builtins
import dis
import re
import types
from typing import Any

from . import arg_errors, registry, torch_api
from .tensor import Tensor

# the messages CPython's argument binding raises, naming the function by its __qualname__
_BINDING_MESSAGE = re.compile(
    r"^(?P<name>[\w.]+)\(\) (missing \d+ required (positional|keyword-only) argument"
    r"|got an unexpected keyword argument '|takes (from )?\d+ (to \d+ )?positional argument"
    r"|got multiple values for argument '|got some positional-only arguments passed as keyword)"
)

_NULL = object()  # the stack slot CPython pushes below a callable that is not a bound method
_METHOD = object()  # LOAD_METHOD's slot: a method called straight off its tensor, `x.tanh(1)`
_CALLS = frozenset(("CALL", "CALL_FUNCTION", "CALL_FUNCTION_KW"))
_SKIPPED = frozenset(("PRECALL", "NOP", "CACHE", "EXTENDED_ARG"))


class _NotRecoverable(Exception):
    """The call's operands are not plain loads: re-reading them could run the user's code."""


def pytorch_call_error(exc: BaseException) -> TypeError | None:
    """PyTorch's TypeError for `exc`, raised by Python binding a call to a registered op; None otherwise."""
    if type(exc) is not TypeError or exc.__traceback__ is None:
        return None
    match = _BINDING_MESSAGE.match(str(exc))
    if match is None:
        return None
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    if str(frame.f_globals.get("__name__", "")).startswith("gradsh."):
        return None  # gradsh calling itself wrongly is gradsh's bug: keep Python's words
    try:
        fn, args, kwargs, direct = _failed_call(frame, tb.tb_lasti)
    except _NotRecoverable:
        return None
    qualname = _pytorch_name(fn)
    if qualname is None or _python_name(fn) != match["name"]:
        return None
    message = _message(qualname, args, kwargs, direct)
    if message is None:
        return None
    return TypeError(message).with_traceback(exc.__traceback__)


def _python_name(fn: Any) -> str:
    return getattr(getattr(fn, "__func__", fn), "__qualname__", "")


# ----- which op was called ------------------------------------------------------------------------


def _pytorch_name(fn: Any) -> str | None:
    """"torch.Tensor.add" for a registered method bound to a tensor, "torch.nn.functional.relu" for a
    registered function; None for anything the registry did not install."""
    if isinstance(fn, types.MethodType) and isinstance(fn.__self__, Tensor):
        for name, installed in registry.tensor_names().items():
            if installed is fn.__func__ and getattr(Tensor, name, None) is installed:
                return "torch.Tensor." + _canonical(fn.__func__, name)
        return None
    for decl in registry.declarations():
        if decl.function is fn:
            return f"{decl.namespace}.{decl.name}"
    return None


def _canonical(func: Any, name: str) -> str:
    """The declared name of a method reached by an alias (PyTorch's parser names the op itself)."""
    for decl in registry.declarations():
        if name in decl.names and (decl.method is func or decl.forward is func):
            return decl.name
    return name


# ----- the message PyTorch's argument parser gives ------------------------------------------------


def _message(qualname: str, args: tuple, kwargs: dict[str, Any], direct: bool) -> str | None:
    """`direct`: a method called as `x.tanh(1)`, which CPython reports by its C descriptor's name
    ("TensorBase.tanh"); a bound method taken first (`f = x.tanh; f(1)`) is named "Tensor.tanh"."""
    info = torch_api.parser_info(qualname)
    if info is None or info.name is None:
        return None  # a Python function in PyTorch too: Python's own text is PyTorch's
    if info.noargs:
        method = info.name if direct else "Tensor." + info.name.rpartition(".")[2]
        if kwargs:
            return f"{method}() takes no keyword arguments"
        return f"{method}() takes no arguments ({len(args)} given)"
    if info.overloads:
        return arg_errors.invalid_combination(info.name, args, kwargs, info.overloads)
    if info.positional is None:
        return None
    return _single_overload(info, args, kwargs)


def _single_overload(info: torch_api.ParserInfo, args: tuple, kwargs: dict[str, Any]) -> str | None:
    """PyTorch's FunctionSignature::parse order: too many positional, then each parameter in turn
    (given twice, missing), then the first keyword no parameter takes."""
    least, most = info.positional
    name = info.name
    if len(args) > most:
        return arg_errors.too_many_positional(name, least, most, len(args))
    positional = [p.name for p in info.params if not p.keyword_only]
    for i, param in enumerate(positional):
        if i < len(args) and param in kwargs:
            return arg_errors.multiple_values(name, param)
    missing = [r for r in info.required if r not in kwargs and (r not in positional or positional.index(r) >= len(args))]
    if missing:
        return arg_errors.missing_arguments(name, missing)
    known = {p.name for p in info.params}
    for key in kwargs:
        if key not in known:
            return arg_errors.unexpected_keyword(name, key)
    return None


# ----- the call, read back from the caller's bytecode ---------------------------------------------


def _failed_call(frame: types.FrameType, lasti: int) -> tuple[Any, tuple, dict[str, Any], bool]:
    """The callable, arguments, and whether it was a method loaded by LOAD_METHOD, of the call
    instruction at `lasti` in `frame`."""
    instructions = [i for i in dis.get_instructions(frame.f_code) if i.opname != "CACHE"]
    at = next((n for n, i in enumerate(instructions) if i.offset == lasti), None)
    if at is None or instructions[at].opname not in _CALLS:
        raise _NotRecoverable
    count = instructions[at].arg or 0
    kwnames: tuple[str, ...] = ()
    for start in range(at - 1, -1, -1):
        if instructions[start].opname == "KW_NAMES":
            kwnames = tuple(frame.f_code.co_consts[instructions[start].arg or 0])  # dis cannot show it in 3.11
        try:
            stack = _loaded(instructions[start:at], frame)
        except IndexError:  # starts inside the call's operands: look further back
            continue
        if len(stack) == count + 2 and (stack[0] is _NULL or stack[0] is _METHOD):
            fn, values = stack[1], stack[2:]
            split = len(values) - len(kwnames)
            direct = stack[0] is _METHOD and isinstance(fn, types.MethodType)
            return fn, tuple(values[:split]), dict(zip(kwnames, values[split:], strict=True)), direct
        if len(stack) > count + 2:
            break
    raise _NotRecoverable


def _loaded(instructions: list[dis.Instruction], frame: types.FrameType) -> list[Any]:
    """The values a run of load instructions leaves on the stack; IndexError when it pops what it did
    not push, _NotRecoverable at any instruction that does more than load."""
    stack: list[Any] = []
    for ins in instructions:
        op = ins.opname
        if op in _SKIPPED or op == "KW_NAMES":
            continue
        if op == "PUSH_NULL":
            stack.append(_NULL)
        elif op == "LOAD_CONST":
            stack.append(ins.argval)
        elif op in ("LOAD_NAME", "LOAD_FAST", "LOAD_DEREF", "LOAD_CLASSDEREF"):
            stack.append(_lookup(frame, ins.argval, local=True))
        elif op == "LOAD_GLOBAL":
            if ins.arg is not None and ins.arg & 1:
                stack.append(_NULL)
            stack.append(_lookup(frame, ins.argval, local=False))
        elif op in ("LOAD_ATTR", "LOAD_METHOD"):
            owner = stack.pop()
            if not isinstance(owner, (types.ModuleType, type, Tensor)):
                raise _NotRecoverable  # a property of the user's own class could do anything
            try:
                value = getattr(owner, ins.argval)
            except Exception as exc:  # the original call could not have been made either
                raise _NotRecoverable from exc
            if op == "LOAD_METHOD":
                stack.append(_METHOD)
            stack.append(value)
        elif op in ("BUILD_TUPLE", "BUILD_LIST"):
            n = ins.arg or 0
            if n > len(stack):
                raise IndexError
            items = stack[len(stack) - n :]
            del stack[len(stack) - n :]
            stack.append(tuple(items) if op == "BUILD_TUPLE" else list(items))
        else:
            raise _NotRecoverable
    return stack


def _lookup(frame: types.FrameType, name: str, local: bool) -> Any:
    for scope in ((frame.f_locals,) if local else ()) + (frame.f_globals, builtins.__dict__):
        if name in scope:
            return scope[name]
    raise _NotRecoverable
