"""The replay page's parts without a browser: graph capture, layout, grad-mode contexts, prose, escaping, size."""

from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gradsh.torch as gt
from gradsh.commands import Request, execute
from gradsh.page import contexts, html, layout, prose
from gradsh.report.graph_capture import capture
from gradsh.report.model import ExampleResult
from gradsh.transcript.runner import Options

ROOT = Path(__file__).resolve().parent.parent
SEED = [str(ROOT / "scripts" / f"seed_article_{i}.txt") for i in (1, 2, 3)]
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _labels(graph) -> list[str]:
    return [n.label for n in graph.nodes]


def _edges(graph) -> set[tuple[str, str]]:
    return {(graph.nodes[a].label, graph.nodes[b].label) for a, b in graph.edges}


# --- capture -------------------------------------------------------------------------------------


def _diamond(torch):
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    d = c + c.exp()
    return a, c, d


@pytest.mark.parametrize("backend", ["gradsh", pytest.param("torch", marks=pytest.mark.parity)])
def test_capture_names_nodes_and_leaves_as_pytorch_does(backend: str) -> None:
    if backend == "torch":
        torch = pytest.importorskip("torch")
    else:
        torch = gt
    a, c, d = _diamond(torch)
    graph = capture([("c", c), ("d", d)], {id(a): "a"})
    assert _labels(graph) == ["c", "MulBackward0", "d", "AddBackward0", "AccumulateGrad", "a", "ExpBackward0"]
    assert _edges(graph) == {
        ("c", "MulBackward0"),
        ("d", "AddBackward0"),
        ("MulBackward0", "AccumulateGrad"),
        ("AccumulateGrad", "a"),
        ("AddBackward0", "MulBackward0"),
        ("AddBackward0", "ExpBackward0"),
        ("ExpBackward0", "MulBackward0"),
    }
    # the shared MulBackward0 is one node, however many paths reach it
    assert _labels(graph).count("MulBackward0") == 1


def test_capture_of_tensors_without_grad_fn_is_none() -> None:
    a = gt.ones(2, requires_grad=True)
    assert capture([("a", a), ("b", gt.ones(2))], {id(a): "a"}) is None


def test_a_big_graph_is_cut_at_the_limit_and_says_how_much_is_left_out() -> None:
    a = gt.ones(1, requires_grad=True)
    x = a
    for _ in range(300):
        x = x * 1.0
    graph = capture([("x", x)], {id(a): "a"}, limit=50)
    assert len(graph.nodes) == 50
    assert graph.omitted == 1 + 300 + 1 + 1 - 50  # x, 300 MulBackward0, AccumulateGrad, a
    assert graph.complete
    assert all(a < 50 and b < 50 for a, b in graph.edges)


def test_an_unnamed_leaf_is_labelled_so() -> None:
    a = gt.ones(1, requires_grad=True)
    graph = capture([("y", a * 2)], {})
    assert "(unnamed leaf)" in _labels(graph)


# --- layout --------------------------------------------------------------------------------------


def test_layout_puts_every_edge_downwards_and_no_boxes_overlap() -> None:
    edges = [(0, 1), (1, 2), (0, 3), (3, 2), (2, 4), (1, 4)]
    shape = layout.layout([40, 60, 50, 30, 80], edges)
    for a, b in edges:
        assert shape.boxes[a].y < shape.boxes[b].y
    for row in shape.layers:
        boxes = sorted((shape.boxes[n] for n in row), key=lambda box: box.x)
        for left, right in itertools.pairwise(boxes):
            assert left.x + left.width <= right.x
    assert all(0 <= box.x and box.x + box.width <= shape.width for box in shape.boxes)


def test_layout_orders_a_layer_so_that_edges_do_not_cross() -> None:
    # two chains listed crosswise: 0 -> 3 and 1 -> 2; index order alone would cross them
    edges = [(0, 3), (1, 2), (3, 4), (2, 5)]
    shape = layout.layout([40] * 6, edges)
    assert layout.crossings(shape, edges) == 0


# --- grad-mode contexts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "paths"),
    [
        ("y = x * 2", []),
        ("with torch.no_grad():\n    y = x * 2", [("no_grad",)]),
        (
            "with torch.no_grad():\n    with torch.enable_grad():\n        y = x * 2",
            [("no_grad",), ("no_grad", "enable_grad")],
        ),
        ("with torch.set_grad_enabled(is_train):\n    y = x", [("set_grad_enabled(is_train)",)]),
        ("with torch.inference_mode(False):\n    y = x", [("inference_mode(False)",)]),
        ("@torch.no_grad()\ndef f(x):\n    return x * 2", [("no_grad (decorator)",)]),
        ("with open('f') as f:\n    pass", []),
    ],
)
def test_context_paths(source: str, paths: list[tuple[str, ...]]) -> None:
    assert contexts.context_paths(source) == paths


def test_which_contexts_turn_recording_off() -> None:
    assert contexts.disables_grad(("no_grad",))
    assert not contexts.disables_grad(("no_grad", "enable_grad"))
    assert contexts.disables_grad(("set_grad_enabled(False)",))
    assert contexts.disables_grad(("inference_mode",))
    assert not contexts.disables_grad(("inference_mode(False)",))
    assert contexts.disables_grad(("no_grad (decorator)",))


# --- prose ---------------------------------------------------------------------------------------


def test_prose_is_the_text_between_examples_without_code_fences() -> None:
    text = "Intro line.\n\n```python\n>>> x = 1\n>>> x\n1\n```\n\nBetween.\n\n>>> y = 2\n\nThe end.\n"
    examples = [
        ExampleResult("f.md", 4, "x = 1\n", "", "", "passed"),
        ExampleResult("f.md", 5, "x\n", "1\n", "1\n", "passed"),
        ExampleResult("f.md", 11, "y = 2\n", "", "", "passed"),
    ]
    chunks = prose.interleave(text, examples)
    assert [c[0] for c in chunks] == [["Intro line."], [], ["Between."], ["The end."]]
    assert [c[1] for c in chunks] == [*examples, None]


# --- the page ------------------------------------------------------------------------------------


def _page(tmp_path: Path, text: str, command: str = "run", name: str = "t.md") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result, _ = execute(Request(command, [str(path)], Options(graphs=True)))
    return html.render(result, {str(path): text})


HOSTILE = """Prose with <script>window.pwned = 1</script> and <img src=x onerror="window.pwned=2"> and </svg>.

>>> import torch
>>> d = {"<script>x</script>": torch.ones(2, requires_grad=True) * 2}
>>> print("</svg><script>window.pwned = 3</script><b onload=alert(1)>")
</svg><script>window.pwned = 3</script><b onload=alert(1)>
>>> s = "<svg onload=alert(1)>"  # </pre><script>window.pwned = 4</script>
"""


def test_everything_from_the_transcript_is_escaped(tmp_path: Path) -> None:
    page = _page(tmp_path, HOSTILE, name="t.txt")
    assert "<script" not in page.lower()
    assert "<img" not in page.lower() and "<b " not in page
    assert not re.search(r"<[^>]*\sonload=", page) and not re.search(r"<[^>]*\sonerror=", page)
    assert page.count("</svg>") == page.count("<svg")  # only the graphs' own
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page
    assert "d[&#x27;&lt;script&gt;x&lt;/script&gt;&#x27;]" in page  # the tensor's name, in table and graph


def test_the_page_forbids_scripts_and_requests(tmp_path: Path) -> None:
    page = _page(tmp_path, ">>> 1 + 1\n2\n")
    assert "default-src 'none'" in page and "script-src" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_check_page_lists_failures_first_with_links_and_diffs(tmp_path: Path) -> None:
    page = _page(tmp_path, ">>> 1 + 1\n3\n>>> 2 + 2\n4\n", command="check", name="t.txt")
    summary = page.index('class="failures"')
    assert summary < page.index('class="file"')
    assert 'href="#f1-e1"' in page[summary:]
    assert 'id="f1-e1"' in page and 'class="diff"' in page


@pytest.mark.slow
def test_page_sizes(tmp_path: Path) -> None:
    result, _ = execute(Request("run", SEED, Options(graphs=True)))
    seed = html.render(result, {p: Path(p).read_text() for p in SEED})
    assert len(seed.encode()) < 300_000
    lines = [">>> import torch", ">>> a = torch.randn(4, 4, requires_grad=True)"]
    for i in range(498):
        lines.append(f">>> t{i} = (a * {i} + a.exp()).sum()")
    big = _page(tmp_path, "\n".join(lines) + "\n", name="big.txt")
    assert big.count('<article class="example') == 500
    assert len(big.encode()) < 5_000_000


def test_an_edge_that_skips_layers_bends_around_the_boxes_between() -> None:
    # 0 -> 1 -> 2 -> 3 and 0 -> 3 directly: the long edge passes layers 1 and 2 beside their boxes
    edges = [(0, 1), (1, 2), (2, 3), (0, 3)]
    shape = layout.layout([60, 60, 60, 60], edges)
    bends = shape.routes[(0, 3)]
    assert len(bends) == 2 and shape.routes[(0, 1)] == []
    for (x, _), node in zip(bends, (1, 2)):
        box = shape.boxes[node]
        assert not box.x <= x <= box.x + box.width


def test_function_nodes_name_the_tensor_they_made_once() -> None:
    a = gt.ones(2, requires_grad=True)
    c = a * 2
    d = c + c.exp()
    makers = {id(c.grad_fn): "c", id(d.grad_fn): "d"}
    graph = capture([("d", d)], {id(a): "a"}, makers=makers)
    holders = {n.label: n.holder for n in graph.nodes if n.kind == "function"}
    assert holders == {"AddBackward0": None, "MulBackward0": "c", "ExpBackward0": None}


# --- the commands ----------------------------------------------------------------------------------


def _gradsh(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gradsh", *argv], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_run_and_check_write_the_page_beside_their_usual_output(tmp_path: Path) -> None:
    source = tmp_path / "t.txt"
    source.write_text(">>> import torch\n>>> a = torch.ones(2, requires_grad=True)\n>>> b = a * 2\n>>> 1 + 1\n3\n")
    done = _gradsh("run", "t.txt", "--html", "run.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "MulBackward0" in done.stdout  # the usual replay is still printed
    page = (tmp_path / "run.html").read_text()
    assert 'data-label="MulBackward0"' in page and 'class="failures"' not in page
    done = _gradsh("check", "t.txt", "--html", "check.html", "--junit-xml", "r.xml", cwd=tmp_path)
    assert done.returncode == 1
    page = (tmp_path / "check.html").read_text()
    assert 'class="failures"' in page and 'href="#f1-e4"' in page
    assert (tmp_path / "r.xml").exists()


def test_an_output_that_cannot_be_written_is_refused_before_anything_runs(tmp_path: Path) -> None:
    source = tmp_path / "t.txt"
    source.write_text(">>> 1 + 1\n3\n")
    done = _gradsh("check", "t.txt", "--fix", "--html", "no/such/folder/p.html", cwd=tmp_path)
    assert done.returncode == 2
    assert "--html no/such/folder/p.html: no folder 'no/such/folder' to write it in" in done.stderr
    assert source.read_text() == ">>> 1 + 1\n3\n"  # on 2 nothing is written: not even the --fix
    done = _gradsh("run", "t.txt", "--html", ".", cwd=tmp_path)
    assert done.returncode == 2 and "--html .: is a folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.txt"]

