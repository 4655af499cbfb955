"""The %commands (IPython's habit): %why %graph %mode %save %undo %reset %report %help."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gradsh.repl import graph, why
from gradsh.repl.history import Entry
from gradsh.repl.loop import MAX_ENTRIES, Repl
from gradsh.report.grad_modes import setter_of_node, state_words
from gradsh.report.text import SUMMARY_OVER, prompted

HELP = [
    "%why NAME        why NAME's requires_grad, grad_fn and .grad are what they are",
    "%graph NAME      NAME's backward graph: grad_fn nodes down to the AccumulateGrad of each leaf",
    "%mode            the grad mode in force, and the inputs that changed it",
    "%save FILE       write the session as a transcript with its outputs (`gradsh check FILE` passes it)",
    "%save --html F   write the session as a replay page: code, outputs, grad reports and backward graphs",
    "%undo [N]        take back the last N inputs (default 1): the rest replays in a fresh session",
    "%reset           a fresh session: no names, default grad mode",
    "%report [on|off] show or hide the grad report after each input; %report full lists every tensor of a",
    "                 long list (short: more than 5 in one summary line, the default)",
    "%help            this list",
    "Keys: Enter runs a complete input (a block ends at a blank line), Esc Enter runs any input, Tab completes,",
    "Ctrl-R searches history, Up/Down walk it by prefix, F4 switches emacs/vi, Ctrl-C clears, Ctrl-D leaves.",
]
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _tensor(repl: Repl, name: str, command: str) -> tuple[Any, str | None]:
    """The tensor a name holds: a top-level name, or one level in (`model.weight`, `xs[0]`) as the report names it.

    Anything else (`a.grad`, `x * 2`) is an expression, not a name: the commands explain names only."""
    if not name:
        return None, f"give a name, e.g. %{command} x"
    namespace = repl.namespace
    if name in namespace:
        return namespace[name], None
    if name.isidentifier():
        return None, f"no name {name!r} in this session"
    from gradsh.transcript.gradreport import snapshot

    found = snapshot(namespace, repl.tensor_type).get(name)
    if found:
        return found[0], None
    return None, (
        f"%{command} takes a name: a variable, or what the grad report names (model.weight, xs[0]); "
        f"{name!r} is not one"
    )


def do_why(repl: Repl, arg: str) -> bool:
    for name in arg.split() or [""]:
        value, error = _tensor(repl, name, "why")
        if error:
            repl.printer.error(error if error.startswith("%") else f"%why: {error}")
            return False
        repl.printer.lines(why.explain(name, value, repl.namespace, repl.entries, repl.tensor_type))
    return True


def do_graph(repl: Repl, arg: str) -> bool:
    value, error = _tensor(repl, arg, "graph")
    if error or not isinstance(value, repl.tensor_type):
        error = error or f"{arg} is a {type(value).__name__}, not a tensor"
        repl.printer.error(error if error.startswith("%") else f"%graph: {error}")
        return False
    repl.printer.lines(graph.draw(arg, value, graph.leaf_names(repl.namespace, repl.tensor_type)))
    return True


def do_mode(repl: Repl, arg: str) -> bool:
    from gradsh.transcript.gradreport import grad_mode

    now = grad_mode(repl.session.torch)
    changes = [e for e in repl.entries if e.mode_before != e.mode_after]
    lines = [f"grad mode now: {state_words(now)}" + ("" if changes else " (the default; no input changed it)")]
    for depth, entry in enumerate(changes, start=1):
        first = entry.source.strip().split("\n")[0]
        setters = _setters_called(entry.source)
        by = f", by {setters[-1]}" if setters else ""
        lines.append(
            f"{'  ' * depth}input {entry.number}: `{first}`  {state_words(entry.mode_before)} -> "
            f"{state_words(entry.mode_after)}{by}"
        )
    lines.append("(a `with` block's mode lasts for its input only; the toolbar shows the blocks you are typing in)")
    repl.printer.lines(lines)
    return True


def _setters_called(source: str) -> list[str]:
    """PyTorch's names of the grad-mode setters an input calls outside `with` items (`torch.set_grad_enabled(False)`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    in_with = {id(item.context_expr) for node in ast.walk(tree) if isinstance(node, ast.With) for item in node.items}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in in_with:
            setter = setter_of_node(node)
            if setter is not None:
                found.append(setter)
    return found


def transcript(entries: list[Entry]) -> str:
    """The session as a `>>>` transcript with its outputs, as `gradsh check` reads it back.

    `import torch` comes first (the REPL had it imported); inputs that did not compile or were
    interrupted are left out (they changed nothing, or their output depends on when Ctrl-C came);
    object addresses become `0x...` under ELLIPSIS.
    """
    out = ["A gradsh session, saved by %save; `gradsh check` replays it.", "", ">>> import torch"]
    for entry in entries:
        if entry.failed_to_compile or entry.interrupted:
            continue
        for statement in entry.statements:
            source_lines = prompted(statement.source)
            want = statement.run.shown
            if _ADDRESS.search(want):
                want = _ADDRESS.sub(" at 0x...", want)
                source_lines[0] += "  # doctest: +ELLIPSIS"
            out += source_lines
            out += [line if line.strip() else "<BLANKLINE>" for line in want.rstrip("\n").split("\n") if want]
    return "\n".join(out) + "\n"


def do_save(repl: Repl, arg: str) -> bool:
    if arg == "--html" or arg.startswith("--html "):
        return _save_page(repl, arg.removeprefix("--html").strip())
    if not arg:
        repl.printer.error("%save: give a file name, e.g. %save session.txt")
        return False
    path = Path(arg).expanduser()
    try:
        path.write_text(transcript(repl.entries), encoding="utf-8")
    except OSError as exc:
        repl.printer.error(f"%save: cannot write {arg}: {exc.strerror or exc}")
        return False
    repl.printer.info(f"saved {len(repl.entries)} inputs to {arg}; `gradsh check {arg}` replays and checks them")
    if repl.forgotten:
        repl.printer.error(f"%save: the first {repl.forgotten} inputs are no longer kept, so the file lacks them")
    return True


def _save_page(repl: Repl, arg: str) -> bool:
    """The session replayed from its saved transcript (in a child process, as `gradsh run` would) into a page."""
    if not arg:
        repl.printer.error("%save --html: give a file name, e.g. %save --html session.html")
        return False
    import tempfile

    from gradsh import page
    from gradsh.commands import Request, execute
    from gradsh.transcript.runner import Options

    text = transcript(repl.entries)
    with tempfile.TemporaryDirectory(prefix="gradsh-save-") as folder:
        source = Path(folder) / "session.txt"
        source.write_text(text, encoding="utf-8")
        result, _ = execute(Request("run", [str(source)], Options(backend=repl.backend, graphs=True)))
        for f in result.files:  # the page names the session, not the temporary file
            f.path = "gradsh session"
            for example in f.examples:
                example.path = f.path
        try:
            page.write(result, str(Path(arg).expanduser()), {"gradsh session": text})
        except OSError as exc:
            repl.printer.error(f"%save: cannot write {arg}: {exc.strerror or exc}")
            return False
    repl.printer.info(f"saved {len(repl.entries)} inputs as a replay page to {arg}")
    if repl.forgotten:
        repl.printer.error(f"%save: the first {repl.forgotten} inputs are no longer kept, so the page lacks them")
    return True


def do_undo(repl: Repl, arg: str) -> bool:
    try:
        count = int(arg or "1")
    except ValueError:
        count = -1
    if count < 1:
        repl.printer.error(f"%undo: N must be a positive number of inputs, not {arg!r}")
        return False
    if repl.forgotten:
        repl.printer.error(
            f"%undo: this session is longer than the {MAX_ENTRIES:,} inputs gradsh keeps, so it cannot be "
            "replayed from the start; %reset starts afresh"
        )
        return False
    count = min(count, len(repl.entries))
    changed, skipped = repl.rewind(repl.entries[: len(repl.entries) - count])
    repl.printer.info(
        f"took back {count} input{'s' if count != 1 else ''}; replayed {len(repl.entries)} in a fresh session"
    )
    for entry in skipped:
        why = "was interrupted" if entry.interrupted else "raised an error"
        first = entry.source.strip().split("\n")[0]
        repl.printer.info(f"left out input {entry.number} (`{first}`): it {why}")
    for entry in changed:
        repl.printer.error(f"input {entry.number} gave a different result on replay")
    return True


def do_reset(repl: Repl, arg: str) -> bool:
    repl.rewind([])
    repl.printer.info("a fresh session: no names but torch, grad mode on")
    return True


def do_report(repl: Repl, arg: str) -> bool:
    if arg not in ("", "on", "off", "full", "short"):
        repl.printer.error(f"%report: on, off, full or short, not {arg!r}")
        return False
    if arg in ("full", "short"):
        repl.report, repl.report_full = True, arg == "full"
        what = "every tensor" if repl.report_full else f"lists of more than {SUMMARY_OVER} tensors in one line"
        repl.printer.info(f"grad report on: {what}")
        return True
    repl.report = {"on": True, "off": False, "": not repl.report}[arg]
    repl.printer.info(f"grad report {'on' if repl.report else 'off'}")
    return True


def do_help(repl: Repl, arg: str) -> bool:
    repl.printer.lines(HELP)
    return True


COMMANDS: dict[str, Callable[[Repl, str], bool]] = {
    "why": do_why,
    "graph": do_graph,
    "mode": do_mode,
    "save": do_save,
    "undo": do_undo,
    "reset": do_reset,
    "report": do_report,
    "help": do_help,
}


def dispatch(repl: Repl, line: str) -> bool:
    """Run `%name args`; False (and a message) for an unknown command or a failed one."""
    name, _, arg = line.lstrip("%").partition(" ")
    command = COMMANDS.get(name)
    if command is None:
        repl.printer.error(f"unknown command %{name}; %help lists the commands")
        return False
    return command(repl, arg.strip())
