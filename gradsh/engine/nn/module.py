"""nn.Module: parameters, buffers and submodules registered by attribute assignment, as in PyTorch.

The bookkeeping (the three ordered registries, __setattr__/__getattr__ rules, named_* traversals with
their prefixes and de-duplication, state_dict/load_state_dict and their messages, the repr with
`extra_repr` and two-space indentation) follows torch/nn/modules/module.py so that transcripts print
the same text.
"""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import Any

from .. import dtypes
from ..grad_mode import no_grad
from ..parameter import Parameter
from ..tensor import Tensor
from . import legacy_backward_hooks
from .backward_hook import BackwardHook

_hook_ids = itertools.count()


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"

    __str__ = __repr__


def _addindent(s: str, num_spaces: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(" " * num_spaces + line for line in lines)


def _legacy_type_name(t: Tensor) -> str:
    return t.dtype.legacy_type if isinstance(t, Tensor) else type(t).__name__


class _ModuleHookHandle:
    """What register_forward_hook returns: `.remove()` unregisters the hook."""

    def __init__(self, registry: dict, key: int) -> None:
        self._registry = registry
        self.id = key

    def remove(self) -> None:
        self._registry.pop(self.id, None)

    def __enter__(self) -> _ModuleHookHandle:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _HookedCall:
    """One hooked call's state: the arguments as pre-hooks left them, the result so far and which always_call
    forward hooks already ran (what the error path needs)."""

    __slots__ = ("always_called", "args", "kwargs", "result")

    def __init__(self, args: tuple, kwargs: dict) -> None:
        self.args, self.kwargs = args, kwargs
        self.result: Any = None
        self.always_called: set = set()


_MIXED_BACKWARD_HOOKS = ("Cannot use both regular backward hooks and full backward hooks on a single Module. "
                         "Please use only one of them.")


class Module:
    """Base class of all modules; subclasses define `forward` and assign Parameters/Modules as attributes."""

    training: bool
    _version: int = 1
    call_super_init: bool = False
    _is_full_backward_hook: bool | None = None  # None until a backward hook says which kind

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            names = ", ".join(list(map(repr, args)) + [f"{k}={v!r}" for k, v in kwargs.items()])
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected argument: {names}")
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", {})
        setattr_(self, "_forward_hooks", {})
        setattr_(self, "_forward_hooks_with_kwargs", {})
        setattr_(self, "_forward_hooks_always_called", {})
        setattr_(self, "_forward_pre_hooks", {})
        setattr_(self, "_forward_pre_hooks_with_kwargs", {})
        setattr_(self, "_backward_hooks", {})
        setattr_(self, "_backward_pre_hooks", {})
        setattr_(self, "_state_dict_hooks", {})
        setattr_(self, "_state_dict_pre_hooks", {})
        setattr_(self, "_load_state_dict_pre_hooks", {})
        setattr_(self, "_load_state_dict_post_hooks", {})

    forward: Callable[..., Any]

    def _missing_forward(self, *args: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ----- registration ------------------------------------------------------------------------
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_legacy_type_name(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        elif param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created explicitly. "
                f"To express '{name}' as a function of another Tensor, compute the value in the forward() method.")
        else:
            self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._remove_from(name, d, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_legacy_type_name(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._remove_from(name, d, self._parameters, self._buffers, self._non_persistent_buffers_set)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name: str, *dicts_or_sets: Any) -> None:
        for d in dicts_or_sets:
            if name in d:
                if isinstance(d, dict):
                    del d[name]
                else:
                    d.discard(name)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            reg = d.get(registry)
            if reg is not None and name in reg:
                return reg[name]
        if name == "forward":
            return self._missing_forward
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list:
        keys = list(object.__dir__(self)) + list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    # ----- calling --------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks):
            return self.forward(*args, **kwargs)
        call = _HookedCall(args, kwargs)
        try:
            return self._call_with_hooks(call)
        except Exception:
            self._run_always_called_hooks(call)
            raise

    def _call_with_hooks(self, call: _HookedCall) -> Any:
        """PyTorch's _call_impl: pre-hooks, full backward hook setup, forward, forward hooks, old-style hooks."""
        full = self._is_full_backward_hook is True
        old_style = list(self._backward_hooks.values()) if self._is_full_backward_hook is False else []
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                res = hook(self, call.args, call.kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {res}.")
                    call.args, call.kwargs = res
            else:
                res = hook(self, call.args)
                if res is not None:
                    call.args = res if isinstance(res, tuple) else (res,)
        bw_hook = None
        if (full and self._backward_hooks) or self._backward_pre_hooks:
            full_hooks = list(self._backward_hooks.values()) if full else []
            bw_hook = BackwardHook(self, full_hooks, list(self._backward_pre_hooks.values()))
            call.args = bw_hook.setup_input_hook(call.args)
        call.result = self.forward(*call.args, **call.kwargs)
        for key, hook in list(self._forward_hooks.items()):
            if key in self._forward_hooks_always_called:
                call.always_called.add(key)
            self._run_forward_hook(key, hook, call)
        if bw_hook is not None:
            if not isinstance(call.result, (Tensor, tuple)):
                warnings.warn("For backward hooks to be called, module output should be a Tensor or a tuple of "
                              f"Tensors but received {type(call.result)}", UserWarning, stacklevel=3)
            call.result = bw_hook.setup_output_hook(call.result)
        if old_style:
            legacy_backward_hooks.attach(self, old_style, call.args, call.result)
        return call.result

    def _run_forward_hook(self, key: int, hook: Callable, call: _HookedCall) -> None:
        """One forward hook, given the kwargs when it asked for them; a result it returns replaces forward's."""
        if key in self._forward_hooks_with_kwargs:
            res = hook(self, call.args, call.kwargs, call.result)
        else:
            res = hook(self, call.args, call.result)
        if res is not None:
            call.result = res

    def _run_always_called_hooks(self, call: _HookedCall) -> None:
        """forward raised: the always_call forward hooks not yet run get (args, result so far); their own
        errors become warnings so that forward's error is the one raised."""
        for key, hook in list(self._forward_hooks.items()):
            if key not in self._forward_hooks_always_called or key in call.always_called:
                continue
            try:
                self._run_forward_hook(key, hook, call)
            except Exception as e:  # noqa: BLE001 - PyTorch silences it into a warning
                warnings.warn("module forward hook with ``always_call=True`` raised an exception that was silenced "
                              f"as another error was raised in forward: {e}", UserWarning, stacklevel=3)

    def register_backward_hook(self, hook: Callable) -> _ModuleHookHandle:
        """The deprecated old-style hook: it sees the gradients of the output's grad_fn only."""
        if self._is_full_backward_hook is True:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        self._is_full_backward_hook = False
        key = next(_hook_ids)
        self._backward_hooks[key] = hook
        return _ModuleHookHandle(self._backward_hooks, key)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> _ModuleHookHandle:
        if self._is_full_backward_hook is False:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        self._is_full_backward_hook = True
        key = next(_hook_ids)
        self._backward_hooks[key] = hook
        if prepend:
            self._move_first(self._backward_hooks, key)
        return _ModuleHookHandle(self._backward_hooks, key)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False) -> _ModuleHookHandle:
        key = next(_hook_ids)
        self._backward_pre_hooks[key] = hook
        if prepend:
            self._move_first(self._backward_pre_hooks, key)
        return _ModuleHookHandle(self._backward_pre_hooks, key)

    def register_state_dict_pre_hook(self, hook: Callable) -> _ModuleHookHandle:
        key = next(_hook_ids)
        self._state_dict_pre_hooks[key] = hook
        return _ModuleHookHandle(self._state_dict_pre_hooks, key)

    def register_state_dict_post_hook(self, hook: Callable) -> _ModuleHookHandle:
        key = next(_hook_ids)
        self._state_dict_hooks[key] = (hook, True)  # public API: the hook must return None
        return _ModuleHookHandle(self._state_dict_hooks, key)

    def _register_state_dict_hook(self, hook: Callable) -> _ModuleHookHandle:
        key = next(_hook_ids)
        self._state_dict_hooks[key] = (hook, False)  # private API: a returned dict replaces the state dict
        return _ModuleHookHandle(self._state_dict_hooks, key)

    def register_load_state_dict_pre_hook(self, hook: Callable) -> _ModuleHookHandle:
        key = next(_hook_ids)
        self._load_state_dict_pre_hooks[key] = hook
        return _ModuleHookHandle(self._load_state_dict_pre_hooks, key)

    def register_load_state_dict_post_hook(self, hook: Callable) -> _ModuleHookHandle:
        key = next(_hook_ids)
        self._load_state_dict_post_hooks[key] = hook
        return _ModuleHookHandle(self._load_state_dict_post_hooks, key)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> _ModuleHookHandle:
        key = next(_hook_ids)
        self._forward_hooks[key] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[key] = True
        if always_call:
            self._forward_hooks_always_called[key] = True
        if prepend:
            self._move_first(self._forward_hooks, key)
        return _ModuleHookHandle(self._forward_hooks, key)

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> _ModuleHookHandle:
        key = next(_hook_ids)
        self._forward_pre_hooks[key] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[key] = True
        if prepend:
            self._move_first(self._forward_pre_hooks, key)
        return _ModuleHookHandle(self._forward_pre_hooks, key)

    @staticmethod
    def _move_first(d: dict, key: int) -> None:
        items = [(key, d.pop(key))] + list(d.items())
        d.clear()
        d.update(items)

    # ----- traversal ----------------------------------------------------------------------------
    def _named_members(self, get_members: Callable, prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        memo: set = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None or id(v) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                name = module_prefix + ("." if module_prefix else "") + k
                yield name, v

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        memo: set = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target: str) -> Module:
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")  # noqa: TRY004 - PyTorch's type
        return mod

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")  # noqa: TRY004 - PyTorch's type
        return param

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")  # noqa: TRY004 - PyTorch's type
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                g = p.grad
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()

    # ----- dtype conversion -----------------------------------------------------------------------
    def _apply(self, fn: Callable[[Tensor], Tensor]) -> Module:
        for module in self.children():
            module._apply(fn)
        with no_grad():
            for key, param in self._parameters.items():
                if param is None:
                    continue
                new = fn(param)
                if new is not param:
                    param.data = new
                if param.grad is not None:
                    g = fn(param.grad)
                    if g is not param.grad:
                        param.grad = g
            for key, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[key] = fn(buf)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, dtypes.dtype):
                dtype = a
        if dtype is None:
            return self
        if not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={dtype}")
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() or t.is_complex() else t)

    def float(self) -> Module:
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self) -> Module:
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self) -> Module:
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def cpu(self) -> Module:
        return self

    def type(self, dst_type: Any) -> Module:
        return self._apply(lambda t: t.type(dst_type))

    # ----- state dict -------------------------------------------------------------------------------
    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()

    def state_dict(self, *args: Any, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        if args:
            destination = args[0] if len(args) > 0 else destination
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in list(self._state_dict_pre_hooks.values()):
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook, public in list(self._state_dict_hooks.values()):
            hook_result = hook(self, destination, prefix, local_metadata)
            if hook_result is not None:
                if public:
                    raise RuntimeError("state_dict post-hook must return None")
                destination = hook_result
        return destination

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> _IncompatibleKeys:
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []

        metadata = getattr(state_dict, "_metadata", None)

        def load(module: Module, prefix: str) -> None:
            lazy_hook = getattr(type(module), "_lazy_load_hook", None)
            if lazy_hook is not None:  # lazy modules materialise to the shapes being loaded
                lazy_hook(module, state_dict, prefix)
            local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
            if assign:
                local_metadata["assign_to_params_buffers"] = assign
            for hook in list(module._load_state_dict_pre_hooks.values()):
                hook(module, state_dict, prefix, local_metadata, True, missing, unexpected, errors)
            local = {**{k: v for k, v in module._parameters.items() if v is not None},
                     **{k: v for k, v in module._buffers.items()
                        if v is not None and k not in module._non_persistent_buffers_set}}
            for name, param in local.items():
                key = prefix + name
                if key not in state_dict:
                    missing.append(key)
                    continue
                value = state_dict[key]
                if not isinstance(value, Tensor):
                    errors.append(f'While copying the parameter named "{key}", expected torch.Tensor or '
                                  f"Tensor-like object from checkpoint but received {type(value)}")
                    continue
                if value.shape != param.shape:
                    errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} from "
                                  f"checkpoint, the shape in current model is {param.shape}.")
                    continue
                with no_grad():
                    if assign:
                        setattr(module, name, value if not isinstance(param, Parameter)
                                else Parameter(value, requires_grad=param.requires_grad))
                    else:
                        param.copy_(value)
            for key in state_dict.keys():  # noqa: SIM118 - PyTorch's per-module rule, in the state dict's order
                if key.startswith(prefix):
                    parts = key[len(prefix):].split(".", 1)
                    if (parts[0] not in module._modules) if len(parts) > 1 else (parts[0] not in local):
                        unexpected.append(key)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, prefix + name + ".")
            incompatible = _IncompatibleKeys(missing, unexpected)
            for hook in list(module._load_state_dict_post_hooks.values()):
                if hook(module, incompatible) is not None:
                    raise AssertionError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not expected to return new "
                        "values, if incompatible_keys need to be modified, it should be done inplace.")

        load(self, "")
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                self._get_name(), "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # ----- printing -----------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        extra_lines: list[str] = []
        extra = self.extra_repr()
        if extra:
            extra_lines = extra.split("\n")
        child_lines = []
        for key, module in self._modules.items():
            mod_str = _addindent(repr(module), 2)
            child_lines.append("(" + key + "): " + mod_str)
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


__all__ = ["Module"]
