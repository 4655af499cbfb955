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
import inspect
import re
import sysconfig
import types
from typing import Any, NamedTuple

from . import arg_errors, registry, torch_api
from .tensor import Tensor

# the messages CPython's argument binding raises, naming the function by its __qualname__
_BINDING_MESSAGE = re.compile(
    r"^(?P<name>[\w.<>]+)\(\) (missing \d+ required (positional|keyword-only) argument"
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
    caller = _last_user_entry(exc.__traceback__)
    if caller is None:
        return None
    try:
        fn, attr, args, kwargs, direct = _failed_call(caller.tb_frame, caller.tb_lasti)
    except _NotRecoverable:
        return None
    found = _registered(fn, attr)
    if found is None:
        return None
    qualname, python_names = found
    if match["name"] not in python_names:
        return None  # the TypeError came from another call than the user's
    message = _message(qualname, args, kwargs, direct)
    if message is None:
        message = _renamed(str(exc), match["name"], qualname)
    if message is None:
        return None
    return TypeError(message).with_traceback(exc.__traceback__)


def _last_user_entry(tb: types.TracebackType) -> types.TracebackType | None:
    """The traceback entry of the user's frame that made the failed call: the last one, if only
    gradsh's frames follow it (an in-place method's `apply_inplace` passing the arguments on)."""
    found = None
    while tb is not None:
        if not _library_frame(tb.tb_frame):
            found = tb
        elif not str(tb.tb_frame.f_globals.get("__name__", "")).startswith("gradsh."):
            found = None  # numpy or the standard library raised it, under gradsh: not a call of the user's
        tb = tb.tb_next
    return found


_LIBRARY_DIRS = tuple({sysconfig.get_path(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")})


def _library_frame(frame: types.FrameType) -> bool:
    """gradsh's own frames, and those of installed libraries: none of them is the user's call."""
    if str(frame.f_globals.get("__name__", "")).startswith("gradsh."):
        return True
    return frame.f_code.co_filename.startswith(_LIBRARY_DIRS)


# ----- which op was called ------------------------------------------------------------------------


def _registered(fn: Any, attr: str | None) -> tuple[str, set[str]] | None:
    """("torch.Tensor.abs_", {Python's names for it}) for a registered method bound to a tensor,
    ("torch.nn.functional.relu", ...) for a registered function; None for anything else. `attr` is the
    name the user called it by (PyTorch's errors name an alias by itself: `absolute()`)."""
    decls = registry.declarations()
    if isinstance(fn, types.MethodType) and isinstance(fn.__self__, Tensor):
        # Tensor's attributes, not tensor_names()'s: that builds each in-place method afresh
        installed = [n for n in registry.tensor_names() if vars(Tensor).get(n) is fn.__func__]
        for name in [attr] if attr in installed else installed:
            base = name[:-1] if name.endswith("_") and not name.startswith("__") else name
            for key in dict.fromkeys((name, base)):  # `zero_` is declared as itself, `add_` through `add`
                for decl in decls:
                    if key in decl.names and (decl.method or decl.forward) is not None:
                        return "torch.Tensor." + name, _python_names(fn.__func__, decl)
        return None
    for decl in decls:
        if decl.function is fn and decl.function is not None:
            name = attr if attr in decl.names else decl.name
            return f"{decl.namespace}.{name}", _python_names(fn, decl)
    return None


def _python_names(fn: Any, decl: registry.OpDecl) -> set[str]:
    """The names Python's message may give: the called function's, or its forward's when a wrapper
    (an in-place method) passed the arguments on."""
    return {getattr(f, "__qualname__", "") for f in (fn, decl.forward, decl.method, decl.function) if f is not None}


def _renamed(text: str, python_name: str, qualname: str) -> str | None:
    """Python's own text, naming the op as PyTorch does (torch.norm is a Python function there, and
    gradsh's is `_norm_function`): where PyTorch's op is a Python function too, the rest is the same."""
    short = qualname.rpartition(".")[2]
    if qualname.startswith("torch.Tensor."):
        short = "Tensor." + short  # a Python method: Python names it by its qualname
    if python_name == short or torch_api.parser_info(qualname) is not None:
        return None
    signatures = torch_api.signatures(qualname)
    if not signatures or any(p.kind in ("var_positional", "var_keyword") for p in signatures[0].params):
        return None  # a dispatcher taking anything: its error comes from a function named otherwise
    return short + text[len(python_name) :]


# ----- the message PyTorch's argument parser gives ------------------------------------------------


class _Param(NamedTuple):
    type: str
    name: str
    keyword_only: bool
    optional: bool


def _message(qualname: str, args: tuple, kwargs: dict[str, Any], direct: bool) -> str | None:
    """PyTorch's PythonArgParser on this call: a method taking no arguments has CPython's own words;
    with several overloads, the one that the argument count makes plausible (if only one) reports its
    own error, else "invalid combination". `direct`: a method called as `x.tanh(1)`, which CPython names
    by its C descriptor ("TensorBase.tanh"); a bound method taken first (`f = x.tanh`) is "Tensor.tanh"."""
    info = torch_api.parser_info(qualname)
    if info is None or info.name is None:
        return None  # a Python function in PyTorch too: Python's own text is PyTorch's
    name = info.name
    if info.noargs:
        method = name if direct else "Tensor." + name.rpartition(".")[2]
        if kwargs:
            return f"{method}() takes no keyword arguments"
        return f"{method}() takes no arguments ({len(args)} given)"
    if info.overloads:
        count = len(args) + len(kwargs)
        options = [
            [_Param(p.type, p.name, p.keyword_only, p.default is not None) for p in o.params] for o in info.overloads
        ]
        plausible = [o for o in options if sum(not p.optional for p in o) <= count <= len(o)]
        if len(plausible) == 1:
            message = _parse_error(name, plausible[0], args, kwargs)
            if message is not None:
                return message
        return arg_errors.invalid_combination(name, args, kwargs, info.overloads)
    if info.positional is None:
        return None
    params = [_Param(p.type, p.name, p.keyword_only, p.name not in info.required) for p in info.params]
    if params:
        return _parse_error(name, params, args, kwargs, info.positional)
    # no parameter list was recorded (torch.tensor): the required ones, enough to tell what is missing
    required = [_Param("", r, False, False) for r in info.required]
    return _parse_error(name, required, args, kwargs, info.positional, keywords_known=False)


def _parse_error(
    name: str,
    params: list[_Param],
    args: tuple,
    kwargs: dict[str, Any],
    positional: tuple[int, int] | None = None,
    keywords_known: bool = True,
) -> str | None:
    """The error FunctionSignature::parse raises, in its order: too many positional arguments, then
    each parameter in turn (a keyword-only one reached by position, missing, of a wrong type), then the
    first keyword that names no parameter or one given by position. None where it would accept the
    call (or where gradsh cannot tell a type PyTorch would refuse)."""
    # PyTorch's min_args counts required keyword-only parameters too ("takes from 2 to 1", nonzero_static)
    least, most = positional or (sum(not p.optional for p in params), sum(not p.keyword_only for p in params))
    nargs = len(args)
    too_many = arg_errors.too_many_positional(name, least, most, nargs)
    if nargs > most:
        return too_many
    position = 0
    for i, param in enumerate(params):
        by_keyword = position >= nargs
        if not by_keyword and param.keyword_only:
            return too_many
        value = kwargs.get(param.name, _NULL) if by_keyword else args[position]
        if value is _NULL:
            if param.optional:
                continue
            return arg_errors.missing_arguments(name, [p.name for p in params[i:] if not p.optional])
        if _refused(param.type, value) and not (value is None and param.optional):
            return arg_errors.wrong_type(name, param.name, None if by_keyword else position + 1, param.type, value)
        position += not by_keyword
    if not keywords_known:
        return None
    names = [p.name for p in params]
    for key in kwargs:
        if key not in names:
            return arg_errors.unexpected_keyword(name, key)
        if names.index(key) < nargs:
            return arg_errors.multiple_values(name, key)
    return None


def _refused(type_: str, value: Any) -> bool:
    """Whether PyTorch's parser surely refuses `value` for a parameter of `type_`; False when unsure."""
    if type_ == "Tensor":
        return isinstance(value, (str, list, tuple, dict)) or value is None
    if type_.startswith(("tuple of Tensors", "List[Tensor]")):
        return isinstance(value, Tensor)
    if type_ in ("int", "SymInt", "tuple of ints", "tuple of SymInts") and isinstance(value, Tensor):
        return value.is_floating_point() or value.is_complex() or value.numel() != 1  # not an index
    if type_ in _NOT_A_TENSOR and isinstance(value, Tensor):
        return value.numel() != 1  # a one-element tensor may pass as a number
    return False


_NOT_A_TENSOR = frozenset(("float", "double", "bool", "Number", "Scalar", "str", "torch.device", "torch.dtype"))


# ----- the call, read back from the caller's bytecode ---------------------------------------------


def _failed_call(frame: types.FrameType, lasti: int) -> tuple[Any, str | None, tuple, dict[str, Any], bool]:
    """The call instruction at `lasti` in `frame`: its callable, the name it was loaded by, its
    arguments, and whether it is a method loaded by LOAD_METHOD."""
    instructions = [i for i in dis.get_instructions(frame.f_code) if i.opname != "CACHE"]
    # a frame whose callee raised has its lasti past the CALL, in the CALL's inline cache
    at = max((n for n, i in enumerate(instructions) if i.offset <= lasti), default=None)
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
        if len(stack) == count + 2 and (stack[0][0] is _NULL or stack[0][0] is _METHOD):
            (fn, attr), values = stack[1], [v for v, _ in stack[2:]]
            split = len(values) - len(kwnames)
            direct = stack[0][0] is _METHOD and isinstance(fn, types.MethodType)
            return fn, attr, tuple(values[:split]), dict(zip(kwnames, values[split:], strict=True)), direct
        if len(stack) > count + 2:
            break
    raise _NotRecoverable


def _loaded(instructions: list[dis.Instruction], frame: types.FrameType) -> list[tuple[Any, str | None]]:
    """The values a run of load instructions leaves on the stack, each with the name it was loaded by;
    IndexError when it pops what it did not push, _NotRecoverable at any instruction that does more
    than load."""
    stack: list[tuple[Any, str | None]] = []
    for ins in instructions:
        op = ins.opname
        if op in _SKIPPED or op == "KW_NAMES":
            continue
        if op == "PUSH_NULL":
            stack.append((_NULL, None))
        elif op == "LOAD_CONST":
            stack.append((ins.argval, None))
        elif op in ("LOAD_NAME", "LOAD_FAST", "LOAD_DEREF", "LOAD_CLASSDEREF"):
            stack.append((_lookup(frame, ins.argval, local=True), ins.argval))
        elif op == "LOAD_GLOBAL":
            if ins.arg is not None and ins.arg & 1:
                stack.append((_NULL, None))
            stack.append((_lookup(frame, ins.argval, local=False), ins.argval))
        elif op in ("LOAD_ATTR", "LOAD_METHOD"):
            owner = stack.pop()[0]
            if not isinstance(owner, (types.ModuleType, type, Tensor)):
                raise _NotRecoverable  # a property of the user's own class could do anything
            if isinstance(owner, Tensor) and _computed(ins.argval):
                raise _NotRecoverable  # `x.T` would record a node in the graph again
            try:
                value = getattr(owner, ins.argval)
            except Exception as exc:  # the original call could not have been made either
                raise _NotRecoverable from exc
            if op == "LOAD_METHOD":
                stack.append((_METHOD, None))
            stack.append((value, ins.argval))
        elif op in ("BUILD_TUPLE", "BUILD_LIST"):
            n = ins.arg or 0
            if n > len(stack):
                raise IndexError
            items = [v for v, _ in stack[len(stack) - n :]]
            del stack[len(stack) - n :]
            stack.append((tuple(items) if op == "BUILD_TUPLE" else items, None))
        else:
            raise _NotRecoverable
    return stack


# the Tensor properties that only read what the tensor holds
_PLAIN_PROPERTIES = frozenset(("grad", "shape", "dtype", "device", "requires_grad", "is_leaf", "ndim", "grad_fn", "layout"))


def _computed(name: str) -> bool:
    """A Tensor property that computes (x.T, x.real): reading it again is not free of effects."""
    return isinstance(inspect.getattr_static(Tensor, name, None), property) and name not in _PLAIN_PROPERTIES


def _lookup(frame: types.FrameType, name: str, local: bool) -> Any:
    for scope in ((frame.f_locals,) if local else ()) + (frame.f_globals, builtins.__dict__):
        if name in scope:
            return scope[name]
    raise _NotRecoverable
