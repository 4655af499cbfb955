"""PyTorch's recorded names and signatures (gradsh/engine/torch_api.py) and its TypeError texts (arg_errors.py).

The texts pinned here were printed by real torch 2.13; the `parity` tests at the end check them, and the
recorded data, against the installed torch (skipped without it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gradsh import torch as gtorch
from gradsh.engine import arg_errors, torch_api
from gradsh.engine.torch_api import Param

ROOT = Path(__file__).resolve().parent.parent


# ----- recorded names ------------------------------------------------------------------------------


@pytest.mark.parametrize("module, name, has", [
    ("torch", "linalg", True),
    ("torch", "stft", True),
    ("torch", "_C", True),
    ("torch", "onse", False),
    ("torch.Tensor", "stft", True),
    ("torch.Tensor", "_version", True),
    ("torch.Tensor", "gard", False),
    ("torch.nn", "Conv2d", True),
    ("torch.nn.utils.rnn", "pack_padded_sequence", True),
    ("torch.nn", "Conv2D", False),
    ("torch.not_recorded", "anything", False),
])
def test_torch_has_answers_from_the_recorded_dir(module, name, has):
    assert torch_api.torch_has(module, name) is has


@pytest.mark.parametrize("name, exists", [
    ("torch.linalg", True), ("torch.nn.utils.rnn", True), ("torch._C._nn", True), ("torch.utils.data", True),
    ("torch.distributions.normal", True), ("torch.lnalg", False), ("torch", False), ("linalg", False),
])
def test_submodule_exists(name, exists):
    assert torch_api.submodule_exists(name) is exists


def test_every_mirrored_facade_module_was_recorded():
    facade = {"torch." + ".".join(p.relative_to(ROOT / "gradsh" / "torch").with_suffix("").parts).removesuffix(
        ".__init__").removesuffix("__init__") for p in (ROOT / "gradsh" / "torch").rglob("*.py")}
    facade = {n.rstrip(".") for n in facade if "._" not in n and not n.startswith("torch._")}
    assert facade <= set(torch_api.recorded_modules())


def test_nothing_is_read_at_import_and_data_is_read_once():
    code = (
        "import gradsh.torch, gradsh.engine.torch_api as a\n"
        "print(a._load.cache_info().currsize)\n"
        "a.torch_has('torch', 'add'); a.torch_has('torch', 'sub')\n"
        "print(a._load.cache_info().currsize, a._load.cache_info().misses)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "1", "1"]


# ----- recorded signatures ---------------------------------------------------------------------------


def test_documented_signature_has_names_defaults_and_keyword_only_marker():
    (sig,) = torch_api.signatures("torch.add")
    assert sig.text == "add(input, other, *, alpha=1, out=None) -> Tensor"
    assert sig.params == (
        Param("input", "positional_or_keyword"), Param("other", "positional_or_keyword"),
        Param("alpha", "keyword_only", "1"), Param("out", "keyword_only", "None"),
    )


def test_every_overload_of_max_is_recorded():
    texts = [s.text for s in torch_api.signatures("torch.max")]
    assert "max(input, dim, keepdim=False, *, out=None) -> (Tensor, LongTensor)" in texts
    dim_overload = next(s for s in torch_api.signatures("torch.max") if "dim" in [p.name for p in s.params])
    assert dim_overload.returns == "(Tensor, LongTensor)"
    assert [p.name for p in dim_overload.params] == ["input", "dim", "keepdim", "out"]
    assert len(texts) == 3


def test_tensor_methods_omit_self():
    (sig,) = torch_api.signatures("torch.Tensor.add")
    assert [(p.name, p.kind) for p in sig.params] == [("other", "positional_or_keyword"), ("alpha", "keyword_only")]


def test_python_function_without_doc_line_uses_its_own_signature():
    (sig,) = torch_api.signatures("torch.Tensor.backward")
    assert [p.name for p in sig.params][:3] == ["self", "gradient", "retain_graph"]
    assert sig.params[3] == Param("create_graph", "positional_or_keyword", "False")


def test_var_positional_makes_the_rest_keyword_only():
    (sig,) = torch_api.signatures("torch.randn")
    assert sig.params[0] == Param("size", "var_positional")
    assert {p.kind for p in sig.params[1:]} == {"keyword_only"}


def test_parse_signature_positional_only_and_annotations():
    sig = torch_api.parse_signature("f(a, b: int = 2, /, c=(1, 2), *, d: Optional[Tensor]) -> Tensor")
    assert sig.params == (
        Param("a", "positional_only"), Param("b", "positional_only", "2"),
        Param("c", "positional_or_keyword", "(1, 2)"), Param("d", "keyword_only"),
    )
    with pytest.raises(ValueError, match="not a signature line"):
        torch_api.parse_signature("Returns the sum")


def test_parser_texts_are_kept_exactly():
    info = torch_api.parser_info("torch.max")
    assert info.name == "max"
    assert [o.text for o in info.overloads] == [
        "(Tensor input, *, Tensor out = None)",
        "(Tensor input, Tensor other, *, Tensor out = None)",
        "(Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)",
    ]
    dim = info.overloads[2].params
    assert (dim[1].type, dim[1].name, dim[2].default, dim[3].keyword_only) == ("int", "dim", "False", True)


def test_parser_name_and_single_overload_facts():
    assert torch_api.parser_info("torch.linalg.norm").name == "linalg_norm"
    tanh = torch_api.parser_info("torch.tanh")
    assert (tanh.name, tanh.positional, tanh.required, tanh.overloads) == ("tanh", (1, 1), ("input",), ())
    linear = torch_api.parser_info("torch.nn.functional.linear")
    assert (linear.positional, linear.required) == ((2, 3), ("input", "weight"))
    assert [(p.name, p.type, p.keyword_only) for p in tanh.params] == [("input", "Tensor", False), ("out", "Tensor", True)]
    # the docstring says `cumsum(dim, dtype=None)`; the parser takes dtype by keyword only: both are kept
    (doc,) = torch_api.signatures("torch.Tensor.cumsum")
    assert doc.params[1] == Param("dtype", "positional_or_keyword", "None")
    cumsum = torch_api.parser_info("torch.Tensor.cumsum")
    assert [(p.name, p.type, p.keyword_only) for p in cumsum.params] == [("dim", "int", False), ("dtype", "torch.dtype", True)]
    method = torch_api.parser_info("torch.Tensor.tanh")
    assert method.noargs and method.name == "TensorBase.tanh"
    assert torch_api.parser_info("torch.nn.functional.relu") is None  # a Python function: Python's own errors
    assert torch_api.parser_info("torch.no_such_function") is None


# ----- PyTorch's TypeError texts (each printed by real torch 2.13) ---------------------------------------

t = gtorch.ones(1)
MAX = torch_api.parser_info("torch.max").overloads


@pytest.mark.parametrize("text, expected", [
    (arg_errors.unexpected_keyword("tanh", "foo"), "tanh() got an unexpected keyword argument 'foo'"),
    (arg_errors.missing_arguments("tanh", ["input"]), 'tanh() missing 1 required positional arguments: "input"'),
    (arg_errors.missing_arguments("linear", ["input", "weight"]),
     'linear() missing 2 required positional argument: "input", "weight"'),
    (arg_errors.too_many_positional("tanh", 1, 1, 3), "tanh() takes 1 positional argument but 3 were given"),
    (arg_errors.too_many_positional("add", 2, 2, 3), "add() takes 2 positional arguments but 3 were given"),
    (arg_errors.too_many_positional("linear", 2, 3, 5), "linear() takes from 2 to 3 positional arguments but 5 were given"),
    (arg_errors.multiple_values("tanh", "input"), "tanh() got multiple values for argument 'input'"),
    (arg_errors.wrong_type("add", "other", 2, "Tensor", "a"), "add(): argument 'other' (position 2) must be Tensor, not str"),
    (arg_errors.wrong_type("add", "alpha", None, "Number", None), "add(): argument 'alpha' must be Number, not NoneType"),
    (arg_errors.invalid_combination("max", [t, "a"], {}, MAX),
     ("max() received an invalid combination of arguments - got (Tensor, str), but expected one of:\n"
     " * (Tensor input, *, Tensor out = None)\n"
     " * (Tensor input, Tensor other, *, Tensor out = None)\n"
     " * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)\n")),
    (arg_errors.invalid_combination("max", [], {"dim": 1, "keepdim": 2}, MAX).splitlines()[0],
     "max() received an invalid combination of arguments - got (keepdim=int, dim=int, ), but expected one of:"),
    (arg_errors.invalid_combination("max", [t, (1, 2), [1.0], None, True, 1.5, gtorch.float32], {}, MAX).splitlines()[0],
     ("max() received an invalid combination of arguments - got (Tensor, tuple, list, NoneType, bool, float, "
     "torch.dtype), but expected one of:")),
    (arg_errors.invalid_combination("add", [1, 2, 3], {}, ["(Tensor other, *, Number alpha = 1)"]),
     ("add() received an invalid combination of arguments - got (!int!, !int!, !int!), "
     "but expected (Tensor other, *, Number alpha = 1)")),
    (arg_errors.invalid_combination("add", [t], {}, ["(Tensor input, Tensor other, *, Number alpha = 1, Tensor out = None)"]),
     ("add() received an invalid combination of arguments - got (Tensor), "
     "but expected (Tensor input, Tensor other, *, Number alpha = 1, Tensor out = None)")),
])
def test_type_error_texts(text, expected):
    assert text == expected


def test_overloads_whose_argument_count_fits_say_why_they_did_not_match():
    # both texts printed by torch 2.13 (`torch.max(x, 1, "a")`, `torch.max(x, 1, dim=2)`)
    assert arg_errors.invalid_combination("max", [t, 1, "a"], {}, MAX) == (
        "max() received an invalid combination of arguments - got (Tensor, int, str), but expected one of:\n"
        " * (Tensor input, *, Tensor out = None)\n"
        "      didn't match because some of the arguments have invalid types: (Tensor, !int!, !str!)\n"
        " * (Tensor input, Tensor other, *, Tensor out = None)\n"
        " * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)\n"
    )
    assert arg_errors.invalid_combination("max", [t, 1], {"dim": 2}, MAX).splitlines()[1:3] == [
        " * (Tensor input, *, Tensor out = None)",
        "      didn't match because some of the keywords were incorrect: dim",
    ]


def test_type_names_are_pytorchs_tp_names():
    import numpy as np

    node = (gtorch.ones(1, requires_grad=True) * 2).grad_fn
    values = [t, gtorch.nn.Parameter(t), gtorch.float32, gtorch.Size([1]), gtorch.device("cpu"), np.float32(1),
              np.zeros(1), node, None, 1, (1,), Ellipsis]
    assert [arg_errors.type_name(v) for v in values] == [
        "Tensor", "Parameter", "torch.dtype", "torch.Size", "torch.device", "numpy.float32", "numpy.ndarray",
        "MulBackward0", "NoneType", "int", "tuple", "ellipsis",
    ]


@pytest.mark.parametrize("keys, order", [
    # as torch 2.13 lists them (libstdc++'s unordered_map): not simply reversed from three keys on
    (["dim", "keepdim"], ["keepdim", "dim"]),
    (["dim", "keepdim", "input"], ["keepdim", "input", "dim"]),
    (["dim", "out", "input"], ["out", "input", "dim"]),
    (["dim", "other", "input"], ["other", "input", "dim"]),
])
def test_keyword_arguments_are_listed_in_pytorchs_order(keys, order):
    assert arg_errors.unordered_map_order(keys) == order
    text = arg_errors.invalid_combination("max", [], dict.fromkeys(keys, 1), MAX)
    assert text.startswith("max() received an invalid combination of arguments - got (" + ", ".join(f"{k}=int" for k in order))


# ----- against real PyTorch ---------------------------------------------------------------------------


def _real_torch():
    torch = pytest.importorskip("torch")
    if not hasattr(torch, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    return torch


def _message(fn, *args, **kwargs) -> str:
    with pytest.raises(TypeError) as err:
        fn(*args, **kwargs)
    return str(err.value)


@pytest.mark.parity
def test_texts_match_real_torch():
    torch = _real_torch()
    x = torch.ones(1)
    tanh = torch_api.parser_info("torch.tanh")
    linear = torch_api.parser_info("torch.nn.functional.linear")
    cases = [
        (_message(torch.tanh, x, foo=1), arg_errors.unexpected_keyword(tanh.name, "foo")),
        (_message(torch.tanh), arg_errors.missing_arguments(tanh.name, tanh.required)),
        (_message(torch.tanh, x, x, x), arg_errors.too_many_positional(tanh.name, *tanh.positional, 3)),
        (_message(torch.nn.functional.linear), arg_errors.missing_arguments(linear.name, linear.required)),
        (_message(torch.nn.functional.linear, x, x, x, x, x), arg_errors.too_many_positional("linear", 2, 3, 5)),
        (_message(torch.tanh, x, input=x), arg_errors.multiple_values("tanh", "input")),
        (_message(torch.add, x, "a"), arg_errors.wrong_type("add", "other", 2, "Tensor", "a")),
        (_message(torch.tanh, [1.0]), arg_errors.wrong_type("tanh", "input", 1, tanh.params[0].type, [1.0])),
        (_message(torch.tanh, x, out=2), arg_errors.wrong_type("tanh", "out", None, tanh.params[1].type, 2)),
        (_message(torch.nn.functional.linear, x, (1, 2)),
         arg_errors.wrong_type("linear", "weight", 2, linear.params[1].type, (1, 2))),
        (_message(torch.max, x, "a"), arg_errors.invalid_combination("max", [t, "a"], {}, MAX)),
        (_message(torch.max, x, (1, 2), [1.0], None, True, 1.5, torch.float32),
         arg_errors.invalid_combination("max", [t, (1, 2), [1.0], None, True, 1.5, gtorch.float32], {}, MAX)),
        (_message(torch.max, dim=1, keepdim=2), arg_errors.invalid_combination("max", [], {"dim": 1, "keepdim": 2}, MAX)),
        (_message(x.add, 1, 2, 3),
         arg_errors.invalid_combination("add", [1, 2, 3], {}, torch_api.parser_info("torch.Tensor.add").overloads)),
        (_message(torch.add, x), arg_errors.invalid_combination("add", [t], {}, torch_api.parser_info("torch.add").overloads)),
        (_message(torch.linalg.norm, x, None, None, "x", 5),
         arg_errors.invalid_combination("linalg_norm", [t, None, None, "x", 5], {},
                                        torch_api.parser_info("torch.linalg.norm").overloads)),
    ]
    for real, ours in cases:
        assert ours == real


@pytest.mark.parity
def test_invalid_combination_matches_real_torch_with_its_notes():
    torch = _real_torch()
    import numpy as np

    x = torch.ones(1)
    g = gtorch.ones(1)
    p, gp = torch.nn.Parameter(torch.ones(1)), gtorch.nn.Parameter(gtorch.ones(1))
    # (real callable, parser record, real arguments, the same arguments on gradsh)
    calls = [
        (torch.max, "torch.max", (x, 1, "a"), {}, (g, 1, "a"), {}),
        (torch.max, "torch.max", (x, (1, 2), "a"), {}, (g, (1, 2), "a"), {}),
        (torch.max, "torch.max", (x, (1,), [2, "b"]), {}, (g, (1,), [2, "b"]), {}),
        (torch.max, "torch.max", (x, 1.5, True), {}, (g, 1.5, True), {}),
        (torch.max, "torch.max", (x, 1, None), {}, (g, 1, None), {}),
        (torch.max, "torch.max", (x, 1), {"dim": 2}, (g, 1), {"dim": 2}),
        (torch.max, "torch.max", (x,), {"dim": (1, 2), "other": [x, x]}, (g,), {"dim": (1, 2), "other": [g, g]}),
        (torch.max, "torch.max", (p, torch.float32, np.float32(1)), {}, (gp, gtorch.float32, np.float32(1)), {}),
        (torch.max, "torch.max", (x, torch.Size([1]), torch.device("cpu")), {},
         (g, gtorch.Size([1]), gtorch.device("cpu")), {}),
        (torch.Tensor.view, "torch.Tensor.view", (x, object()), {}, (object(),), {}),
        (torch.Tensor.add, "torch.Tensor.add", (x, 1, 2, 3), {}, (1, 2, 3), {}),
        (torch.sum, "torch.sum", (x, "x", True, 4, 5, 6), {}, (g, "x", True, 4, 5, 6), {}),
        (torch.where, "torch.where", (x, 1), {}, (g, 1), {}),
    ]
    for fn, qualname, args, kwargs, gargs, gkwargs in calls:
        real = _message(fn, *args, **kwargs)
        info = torch_api.parser_info(qualname)
        ours = arg_errors.invalid_combination(info.name, gargs, gkwargs, info.overloads)
        assert ours == real, (qualname, args)


@pytest.mark.parity
def test_keyword_order_matches_real_torch_for_many_keywords():
    torch = _real_torch()
    x = torch.ones(1)
    names = ["dim", "keepdim", "out", "other", "input", "alpha", "dtype", "requires_grad", "device", "layout"]
    names += [f"kw{i}" for i in range(30)]
    for n in (2, 3, 5, 8, 13, 14, 20, 29, 30, 40):
        keys = names[:n][::-1] if n % 2 else names[:n]
        kwargs = dict.fromkeys(keys, 1)
        real = _message(torch.max, x, 1, 2, 3, **kwargs)
        assert arg_errors.invalid_combination("max", [t, 1, 2, 3], kwargs, MAX) == real, n


@pytest.mark.parity
def test_recorded_data_is_what_the_script_records_now(tmp_path):
    _real_torch()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "record_torch_api.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for name in ("torch_names.json", "torch_signatures.json"):
        assert (tmp_path / name).read_bytes() == (ROOT / "gradsh" / "engine" / "recorded" / name).read_bytes(), name
