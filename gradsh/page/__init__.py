"""The replay page: `gradsh run/check --html OUT` and `%save --html FILE` write one self-contained HTML file."""

from __future__ import annotations

from gradsh.report.model import RunResult


def write(result: RunResult, out: str, texts: dict[str, str] | None = None) -> None:
    """Render `result` into the page at `out`, whole or not at all (OSError says why not).

    `texts` gives a file's text where it is not on disk as the run saw it; the others are read for their prose."""
    from gradsh.page import html
    from gradsh.transcript import replace
    from gradsh.transcript.source import InputError, read

    texts = dict(texts or {})
    for f in result.files:
        if f.path not in texts:
            try:
                texts[f.path] = read(f.path).text
            except InputError:
                pass  # gone since the run: the page shows its examples without the prose
    replace.write_output(out, html.render(result, texts).encode("utf-8"))
