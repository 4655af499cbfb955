"""The replay page's stylesheet: light and dark themes (prefers-color-scheme), and a print layout."""

from __future__ import annotations

import functools

_BASE = """
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1d1f21; --muted: #5c6370; --panel: #f6f8fa; --border: #d0d7de; --accent: #0b62c4;
  --on: #2da44e; --off: #d4a72c; --inference: #8250df; --fail: #cf222e; --pass: #2da44e;
  --node: #ffffff; --node-fn: #ddf4ff; --node-acc: #fff8c5; --node-leaf: #dafbe1; --node-tensor: #ffebe9; }
@media (prefers-color-scheme: dark) { :root {
  --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --panel: #161b22; --border: #30363d; --accent: #4493f8;
  --on: #3fb950; --off: #d29922; --inference: #a371f7; --fail: #f85149; --pass: #3fb950;
  --node: #161b22; --node-fn: #0c2d6b; --node-acc: #3b2e00; --node-leaf: #033a16; --node-tensor: #5d0f12; } }
body { background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, sans-serif; margin: 0 auto;
  max-width: 70rem; padding: 1rem 1.5rem; }
h1 { font-size: 1.3rem; word-break: break-all; } h2 { font-size: 1.15rem; border-bottom: 1px solid var(--border); }
a { color: var(--accent); }
.summary, .note, .where { color: var(--muted); }
.prose { white-space: pre-wrap; margin: .8rem 0; }
pre { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: .5rem .75rem;
  margin: .35rem 0; overflow-x: auto; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace;
  white-space: pre-wrap; word-break: break-word; }
pre.error, .failure { border-color: var(--fail); }
pre.warning { border-left: 4px solid var(--off); }
.example { border-left: 6px solid var(--on); padding: .25rem 0 .25rem .75rem; margin: 1rem 0; }
.example.mode-off { border-left-color: var(--off); }
.example.mode-inference { border-left-color: var(--inference); }
.example.records-off.mode-on {
  border-image: linear-gradient(var(--on), var(--off)) 1; }
.band span { display: inline-block; font-size: .8rem; border-radius: 1rem; padding: 0 .55rem; margin-right: .3rem;
  border: 1px solid var(--border); }
.band .state { font-weight: 600; }
.band .context { background: var(--panel); }
.band .change { border-color: var(--accent); }
.head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: .3rem; align-items: baseline; }
.meta { display: flex; gap: .75rem; font-size: .85rem; }
.verdict.passed { color: var(--pass); } .verdict.failed { color: var(--fail); font-weight: 700; }
.body { display: flex; gap: 1rem; align-items: flex-start; } .main { flex: 1 1 auto; min-width: 0; }
.side { flex: 0 1 40%; min-width: 0; } .failure h4 { margin: .2rem 0; color: var(--fail); }
table.report { border-collapse: collapse; font: 12.5px ui-monospace, monospace; margin: .35rem 0; }
table.report caption { text-align: left; color: var(--muted); font: .8rem system-ui, sans-serif; }
table.report th, table.report td { border: 1px solid var(--border); padding: .15rem .45rem; text-align: left; }
figure.graph { margin: .5rem 0; overflow-x: auto; }
svg.graph text { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; text-anchor: middle; fill: var(--fg); }
svg.graph rect { stroke: var(--border); stroke-width: 1.2; fill: var(--node); }
svg.graph .function rect { fill: var(--node-fn); } svg.graph .accumulate rect { fill: var(--node-acc); }
svg.graph .leaf rect { fill: var(--node-leaf); }
svg.graph .tensor rect { fill: var(--node-tensor); stroke: var(--accent); stroke-width: 2; }
svg.graph .edge { fill: none; stroke: var(--muted); stroke-width: 1.3; } svg.graph .arrowhead { fill: var(--muted); }
.failures li, .toc li { margin: .15rem 0; }
@media print {
  :root { --bg: #fff; --fg: #000; --panel: #fff; --muted: #333; --border: #999; }
  body { max-width: none; font-size: 11pt; } .example { break-inside: avoid; } a { color: inherit; }
  .body { display: block; } }
"""


@functools.cache
def stylesheet() -> str:
    """The page's CSS, with Pygments' token colours for the code (a light and a dark set)."""
    from pygments.formatters import HtmlFormatter  # startup: only a page needs it

    light = HtmlFormatter(style="default").get_style_defs("pre.code")
    dark = HtmlFormatter(style="github-dark").get_style_defs("pre.code")
    light = "\n".join(line for line in light.splitlines() if line.startswith("pre.code"))
    dark = "\n".join(line for line in dark.splitlines() if line.startswith("pre.code"))
    # The themes' own backgrounds would fight the page's panel colour.
    light = light.replace("pre.code { background:", "pre.code { --unused:")
    dark = dark.replace("pre.code { background:", "pre.code { --unused:")
    return _BASE + light + "\n@media (prefers-color-scheme: dark) {\n" + dark + "\n}\n"
