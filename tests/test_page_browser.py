"""The replay page in a real headless Chromium (Debian's, driven by Playwright): content, graphs, band, safety.

Skipped where Chromium or Playwright is missing (`.ci/run` installs both). Each test leaves a
screenshot in tests/screenshots/ (not tracked) and checks that it is not blank.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gradsh.commands import Request, execute
from gradsh.page import html
from gradsh.transcript.runner import Options

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian package chromium)"),
    pytest.mark.slow,
]

ROOT = Path(__file__).resolve().parent.parent
SEED = [str(ROOT / "scripts" / f"seed_article_{i}.txt") for i in (1, 2, 3)]
SHOTS = ROOT / "tests" / "screenshots"
# As the machine notes say: without the background-networking flags Chromium tries to reach Google at start.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

HOSTILE = """A transcript that tries to run code: <script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2">

>>> import torch
>>> d = {"<script>window.pwned = 5</script>": torch.ones(2, requires_grad=True) * 2}
>>> print("</svg></pre><script>window.pwned = 3</script><svg onload='window.pwned = 4'>")
</svg></pre><script>window.pwned = 3</script><svg onload='window.pwned = 4'>
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def _write(tmp: Path, paths: list[str], command: str = "run") -> tuple[Path, object]:
    result, _ = execute(Request(command, paths, Options(graphs=True)))
    out = tmp / "page.html"
    out.write_text(html.render(result, {p: Path(p).read_text(encoding="utf-8") for p in paths}), encoding="utf-8")
    return out, result


def _open(browser: object, page_file: Path, **context: object) -> tuple[object, list[str]]:
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, **context)
    page = ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())
    return page, requests


def _shoot(browser: object, page: object, name: str) -> None:
    """A screenshot into tests/screenshots/, and a check that it is not blank: an empty page of the same
    size compresses to a small fraction of a page with text and graphs on it."""
    SHOTS.mkdir(exist_ok=True)
    shot = page.screenshot(path=str(SHOTS / f"{name}.png"))
    blank_page = browser.new_page(viewport={"width": 1100, "height": 900})
    blank_page.set_content("<html><body></body></html>")
    blank = blank_page.screenshot()
    blank_page.close()
    assert len(shot) > 4 * len(blank), f"{name}.png looks blank"


def test_every_example_and_output_is_in_the_dom_in_order(browser: object, tmp_path: Path) -> None:
    page_file, result = _write(tmp_path, SEED)
    page, _ = _open(browser, page_file)
    examples = page.locator("article.example")
    expected = [e for f in result.files for e in f.examples]
    assert examples.count() == len(expected) == 73
    codes = examples.locator("pre.code").all_inner_texts()
    assert [c.split("\n")[0] for c in codes] == [">>> " + e.source.split("\n")[0] for e in expected]
    outputs = [e.got.rstrip("\n") for e in expected if e.got]
    shown = page.locator("article.example pre.output, article.example pre.error").all_inner_texts()
    assert [s.rstrip("\n") for s in shown] == outputs
    _shoot(browser, page, "seed-light")


def test_the_seed_graph_of_b_is_mul_then_accumulate_into_a(browser: object, tmp_path: Path) -> None:
    page_file, _ = _write(tmp_path, [SEED[1]])
    page, _ = _open(browser, page_file)
    example = page.locator("article.example", has=page.locator("pre.code", has_text="b = a * 2")).first
    svg = example.locator("svg.graph")
    labels = svg.locator("g.node").evaluate_all("nodes => nodes.map(n => n.dataset.label)")
    assert labels == ["b", "MulBackward0", "AccumulateGrad", "a"]
    edges = svg.locator("path.edge").evaluate_all("es => es.map(e => [+e.dataset.from, +e.dataset.to])")
    assert [[labels[a], labels[b]] for a, b in edges] == [["b", "MulBackward0"], ["MulBackward0", "AccumulateGrad"],
                                                          ["AccumulateGrad", "a"]]
    # edges point down, the way gradients flow
    tops = svg.locator("g.node rect").evaluate_all("rs => rs.map(r => +r.getAttribute('y'))")
    assert tops == sorted(tops)
    example.scroll_into_view_if_needed()
    _shoot(browser, page, "seed-graph")


def test_the_band_marks_the_no_grad_examples(browser: object, tmp_path: Path) -> None:
    page_file, _ = _write(tmp_path, [SEED[0]])
    page, _ = _open(browser, page_file)
    marked = page.locator('article.example[data-records="off"] pre.code').all_inner_texts()
    assert any("with torch.no_grad():" in code and "enable_grad" not in code for code in marked)
    assert not any(code.startswith(">>> x = torch.tensor") for code in marked)
    # the band's colour differs where recording is off
    on = page.locator('article.example[data-records="on"]').first.evaluate("e => getComputedStyle(e).borderLeftColor")
    off = page.locator('article.example[data-mode="grad disabled"]').first
    assert off.evaluate("e => getComputedStyle(e).borderLeftColor") != on
    badge = page.locator("article.example", has=page.locator("pre.code", has_text="with torch.enable_grad()")).first
    assert "no_grad › enable_grad" in badge.locator(".band").inner_text()
    _shoot(browser, page, "seed-band")


def test_no_request_leaves_the_page(browser: object, tmp_path: Path) -> None:
    page_file, _ = _write(tmp_path, SEED)
    page, requests = _open(browser, page_file)
    page.wait_for_load_state("networkidle")
    assert requests == [page_file.as_uri()]
    _shoot(browser, page, "requests")


def test_without_javascript_all_content_is_there(browser: object, tmp_path: Path) -> None:
    page_file, result = _write(tmp_path, SEED)
    page, _ = _open(browser, page_file, java_script_enabled=False)
    text = page.locator("body").inner_text()
    for f in result.files:
        for example in f.examples:
            assert example.source.split("\n")[0] in text
    _shoot(browser, page, "no-javascript")


def test_a_script_in_the_transcript_does_not_run(browser: object, tmp_path: Path) -> None:
    source = tmp_path / "hostile.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    page_file, _ = _write(tmp_path, [str(source)])
    page, _ = _open(browser, page_file)
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.pwned === undefined")
    assert page.locator("script").count() == 0
    body = page.locator("body").inner_text()
    assert "<script>window.pwned = 1</script>" in body and "<script>window.pwned = 3</script>" in body
    _shoot(browser, page, "hostile")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_themes_render(browser: object, tmp_path: Path, scheme: str) -> None:
    page_file, _ = _write(tmp_path, [SEED[1]])
    page, _ = _open(browser, page_file, color_scheme=scheme)
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(13, 17, 23)")
    node = page.locator("svg.graph g.function rect").first
    fill = node.evaluate("r => getComputedStyle(r).fill")
    assert fill == ("rgb(221, 244, 255)" if scheme == "light" else "rgb(12, 45, 107)")
    page.locator("svg.graph").first.scroll_into_view_if_needed()
    _shoot(browser, page, f"theme-{scheme}")


def test_every_svg_has_an_accessible_name(browser: object, tmp_path: Path) -> None:
    page_file, _ = _write(tmp_path, SEED)
    page, _ = _open(browser, page_file)
    svgs = page.locator("svg")
    assert svgs.count() > 5
    assert page.get_by_role("img").count() == svgs.count()
    for name in svgs.evaluate_all("ss => ss.map(s => s.getAttribute('aria-label'))"):
        assert name.startswith("Backward graph of ")
    assert svgs.locator("title").count() == svgs.count()
    _shoot(browser, page, "accessible")


def test_the_check_page_links_failures_to_their_diffs(browser: object, tmp_path: Path) -> None:
    source = tmp_path / "failing.txt"
    source.write_text(">>> import torch\n>>> torch.ones(2) * 2\ntensor([3., 3.])\n>>> 1 + 1\n2\n", encoding="utf-8")
    page_file, _ = _write(tmp_path, [str(source)], command="check")
    page, _ = _open(browser, page_file)
    link = page.locator("section.failures a").first
    target = link.get_attribute("href")
    assert page.locator(f"article{target} .failure pre.diff").inner_text().count("tensor([3., 3.])") == 1
    link.click()
    assert page.evaluate("() => location.hash") == target
    _shoot(browser, page, "check-failures")


def test_save_html_in_the_shell_writes_a_page_that_passes_the_same_checks(browser: object, tmp_path: Path) -> None:
    import io

    from gradsh.repl import commands
    from gradsh.repl.loop import Repl
    from gradsh.repl.printer import Printer

    repl = Repl("gradsh.torch", Printer(color=False, out=io.StringIO()))
    repl.start()
    try:
        for text in ("a = torch.ones(3, requires_grad=True)\n", "b = a * 2\n",
                     "with torch.no_grad():\n    c = a * 2\n\n", "print('<script>window.pwned = 1</script>')\n"):
            repl.handle(text)
        out = tmp_path / "session.html"
        assert commands.dispatch(repl, f"%save --html {out}")
    finally:
        repl.close()
    page, requests = _open(browser, out)
    page.wait_for_load_state("networkidle")
    assert requests == [out.as_uri()]
    codes = page.locator("article.example pre.code").all_inner_texts()
    assert codes == [">>> import torch", ">>> a = torch.ones(3, requires_grad=True)", ">>> b = a * 2",
                     ">>> with torch.no_grad():\n...     c = a * 2", ">>> print('<script>window.pwned = 1</script>')"]
    graph = page.locator("article.example", has=page.locator("pre.code", has_text="b = a * 2")).locator("svg.graph")
    assert graph.locator("g.node").evaluate_all("ns => ns.map(n => n.dataset.label)") == [
        "b", "MulBackward0", "AccumulateGrad", "a"]
    assert page.locator('article.example[data-records="off"] pre.code').all_inner_texts() == [codes[3]]
    assert page.evaluate("() => window.pwned === undefined")
    assert page.get_by_role("img").count() == page.locator("svg").count() == 1
    _shoot(browser, page, "save-html")


def test_the_seed_page_script_makes_the_page_and_its_screenshot(tmp_path: Path) -> None:
    import subprocess
    import sys

    out, png = tmp_path / "seed.html", tmp_path / "seed.png"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_seed_page.py"), "--out", str(out), "--screenshot", str(png)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert page.count('<article class="example') == 73 and 'data-label="MulBackward0"' in page
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 30_000
