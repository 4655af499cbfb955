"""The replay page: one self-contained HTML file for a `run` or `check` of one or more transcripts.

It follows each transcript: its prose (as text), each example's highlighted code, output,
warnings and errors, its grad report as a table, the grad mode along the page (a band and a
badge per example), and the backward graph of the tensors the example made or changed, as
inline SVG. No script, no request: a Content-Security-Policy forbids both, so even text that
slipped past escaping could not run. Everything from the transcript goes through `escape`.
"""

from __future__ import annotations

from html import escape

from gradsh.page import contexts, prose, svg
from gradsh.page.style import stylesheet
from gradsh.report import grad_modes
from gradsh.report import text as words
from gradsh.report.model import FAILED, ExampleResult, FileResult, RunResult, TensorLine

_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(value: object) -> str:
    """Escaped for HTML text and attributes, control characters made visible as everywhere else."""
    return escape(words.visible(str(value)), quote=True)


def _highlight(source: str) -> str:
    from pygments import highlight  # startup: only a page needs it
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    code = "\n".join(words.prompted(words.visible(source)))
    return highlight(code, PythonLexer(), HtmlFormatter(nowrap=True)).rstrip("\n")  # pygments escapes what it writes


_MODE_CLASS = {
    grad_modes.GRAD_ENABLED: "on",
    grad_modes.GRAD_DISABLED: "off",
    grad_modes.INFERENCE: "inference",
    grad_modes.UNKNOWN: "unknown",
}


def _band(example: ExampleResult, state: str) -> tuple[str, str, str, str]:
    """The example's mode classes (the stylesheet's colours key on them) and data attributes, its band with
    the badge, and the grad mode it leaves behind."""
    paths = contexts.context_paths(example.source)
    after = state
    report = example.report
    if report.mode_before is not None and report.mode_after is not None:
        after = grad_modes.state_words(report.mode_after)
    off = state != grad_modes.GRAD_ENABLED or any(contexts.disables_grad(p) for p in paths)
    badge = [f'<span class="state">{_e(state)}</span>']
    badge += [f'<span class="context">{" › ".join(_e(step) for step in path)}</span>' for path in paths]
    if after != state:
        badge.append(f'<span class="change">→ {_e(after)}</span>')
    attributes = (
        f'data-mode="{_e(state)}" data-contexts="{_e("; ".join(" > ".join(p) for p in paths))}" '
        f'data-records="{"off" if off else "on"}"'
    )
    classes = f'mode-{_MODE_CLASS[state]}{" records-off" if off else ""}'
    return classes, attributes, f'<div class="band">{"".join(badge)}</div>', after


def _notes(t: TensorLine) -> str:
    notes = ["inference tensor"] if t.inference else []
    if t.hooks:
        notes.append(f"hooks={t.hooks}")
    if t.tangent is not None:
        notes.append(f"tangent={t.tangent}")
    return ", ".join(notes)


def _row(t: TensorLine) -> str:
    cells = [t.name, ", ".join(t.changes), str(list(t.shape)), t.dtype.removeprefix("torch."),
             t.requires_grad, t.is_leaf, t.grad_fn or "", "" if t.grad is None else t.grad, _notes(t)]
    return "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>"


_HEAD = ["name", "change", "shape", "dtype", "requires_grad", "is_leaf", "grad_fn", "grad", "notes"]


def _report(example: ExampleResult) -> str:
    if not example.report.tensors:
        return ""
    head = "".join(f'<th scope="col">{h}</th>' for h in _HEAD)
    body = "".join(_row(t) for t in example.report.tensors)
    return f'<table class="report"><caption>grad report</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _graph(example: ExampleResult, graph_id: str) -> str:
    graph = example.report.graph
    if graph is None or not graph.nodes:
        return ""
    note = ""
    if graph.omitted:
        more = f"{graph.omitted:,}{'' if graph.complete else '+'}"
        note = f'<p class="note">Drawn up to {len(graph.nodes)} nodes; {more} more not drawn.</p>'
    return f'<figure class="graph">{svg.render(graph, graph_id)}{note}</figure>'


def _output(example: ExampleResult) -> str:
    parts = []
    if example.got:
        kind = "error" if example.exception is not None else "output"
        parts.append(f'<pre class="{kind}">{_e(example.got.rstrip(chr(10)))}</pre>')
    parts += [f'<pre class="warning">{_e(w.rstrip(chr(10)))}</pre>' for w in example.warnings]
    if example.stderr:
        parts.append(f'<pre class="stderr">{_e(example.stderr.rstrip(chr(10)))}</pre>')
    return "".join(parts)


def _failure(example: ExampleResult) -> str:
    if example.verdict != FAILED:
        return ""
    reason = f'<p class="reason">{_e(example.reason)}</p>' if example.reason else ""
    diff = f'<pre class="diff">{_e(example.diff.rstrip(chr(10)))}</pre>' if example.diff else ""
    return f'<div class="failure"><h4>Failed</h4>{reason}{diff}</div>'


def _example(example: ExampleResult, anchor: str, state: str) -> tuple[str, str]:
    classes, attributes, band, after = _band(example, state)
    where = f'<a class="where" href="#{anchor}">{_e(example.path)}:{example.line}</a>'
    slug = _e(example.verdict.replace(" ", "-"))  # "not run" -> "not-run", a class name
    verdict = f'<span class="verdict {slug}">{_e(words.verdict_word(example))}</span>'
    main = f'<pre class="code">{_highlight(example.source)}</pre>{_output(example)}{_report(example)}{_graph(example, anchor)}'
    failure = _failure(example)
    body = f'<div class="main">{main}</div>' + (f'<aside class="side">{failure}</aside>' if failure else "")
    html = (
        f'<article class="example {classes} verdict-{slug}" id="{anchor}" '
        f'{attributes}><div class="head">{band}<div class="meta">{where}{verdict}</div></div>'
        f'<div class="body">{body}</div></article>'
    )
    return html, after


def _file(f: FileResult, number: int, text: str | None) -> str:
    parts = [f'<section class="file" id="file-{number}"><h2>{_e(f.path)}</h2>']
    if f.error:
        parts.append(f'<pre class="error">{_e(f.error)}</pre>')
    state = grad_modes.GRAD_ENABLED  # every file runs in a fresh interpreter
    chunks = prose.interleave(text, f.examples) if text is not None else [([], e) for e in f.examples]
    for i, (paragraphs, example) in enumerate(chunks):
        parts += [f'<p class="prose">{_e(p)}</p>' for p in paragraphs]
        if example is not None:
            html, state = _example(example, f"f{number}-e{i + 1}", state)
            parts.append(html)
    parts.append("</section>")
    return "".join(parts)


def _failures(result: RunResult) -> str:
    links = []
    for number, f in enumerate(result.files, 1):
        for i, example in enumerate(f.examples, 1):
            if example.verdict == FAILED:
                first = example.diff.strip().split("\n")[0] if example.diff else example.reason
                links.append(f'<li><a href="#f{number}-e{i}">{_e(f.path)}:{example.line}</a> {_e(first)}</li>')
        if f.error:
            links.append(f'<li><a href="#file-{number}">{_e(f.path)}</a> {_e(f.error)}</li>')
    if not links:
        return ""
    return f'<section class="failures"><h2>Failures ({len(links)})</h2><ul>{"".join(links)}</ul></section>'


def render(result: RunResult, texts: dict[str, str]) -> str:
    """The whole page; `texts` maps each file's path to its text, for the prose."""
    title = "gradsh " + result.command + ": " + ", ".join(f.path for f in result.files)
    toc = ""
    if len(result.files) > 1:
        items = "".join(f'<li><a href="#file-{i}">{_e(f.path)}</a></li>' for i, f in enumerate(result.files, 1))
        toc = f'<nav class="toc" aria-label="Files"><h2>Files</h2><ol>{items}</ol></nav>'
    summary = f'<p class="summary">{_e(words.summary(result))}</p>'
    failures = _failures(result) if result.command == "check" else ""
    files = "".join(_file(f, i, texts.get(f.path)) for i, f in enumerate(result.files, 1))
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{stylesheet()}</style></head>"
        f"<body><header><h1>{_e(title)}</h1>{summary}</header>{failures}{toc}<main>{files}</main></body></html>\n"
    )
