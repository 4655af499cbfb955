"""What counts as a finished input, how the next line is indented, and how a pasted `>>>` block splits.

Pure functions over text, shared by the key bindings (Enter, auto-indent), the toolbar and the loop.
"""

from __future__ import annotations

import ast
import codeop
import re

from gradsh.report.grad_modes import setter_of_node

INDENT = "    "
_DEDENT_AFTER = re.compile(r"^\s*(return|pass|break|continue|raise)\b")
_PROMPT = re.compile(r"^(>>>|\.\.\.)( |$)")


def is_complete(text: str) -> bool:
    """Python's REPL rule: run when the source compiles as it is; a compound statement ends at a blank line."""
    if not text.strip() or is_pasted_block(text) or text.lstrip().startswith("%"):
        return True
    lines = text.split("\n")
    if len(lines) > 1 and not lines[-1].strip():
        return True  # a blank line ends a block, even one that does not compile (the error is then shown)
    if lines[-1][:1].isspace():
        return False  # still typing an indented block
    try:
        return codeop.compile_command(text, "<input>", "single") is not None
    except (SyntaxError, ValueError, OverflowError):
        return True  # several statements (pasted code) run one by one; any other error is shown when it runs


def next_indent(text_before_cursor: str) -> str:
    """The indentation of a new line: the current one's, one level deeper after ':', one less after return/pass."""
    line = text_before_cursor.rsplit("\n", 1)[-1]
    indent = line[: len(line) - len(line.lstrip())]
    code = line.split("#", 1)[0].rstrip()
    if code.endswith(":"):
        return indent + INDENT
    if _DEDENT_AFTER.match(line):
        return indent[: max(0, len(indent) - len(INDENT))]
    return indent


def is_pasted_block(text: str) -> bool:
    first = next((line for line in text.split("\n") if line.strip()), "")
    return first.startswith(">>>")


def split_pasted(text: str) -> list[str]:
    """The examples of a pasted transcript, as typed: `>>> ` starts one, `... ` continues it, other lines are output."""
    examples: list[list[str]] = []
    for line in text.split("\n"):
        match = _PROMPT.match(line)
        if match is None:
            continue  # expected output or prose: shown again when the example runs
        body = line[len(match.group(0)) :]
        if match.group(1) == ">>>" or not examples:
            examples.append([body])
        else:
            examples[-1].append(body)
    return ["\n".join(lines).rstrip() + "\n" for lines in examples if "".join(lines).strip()]


def statements(source: str) -> list[tuple[int, str]]:
    """Split an input into top-level statements (first line, text), each to run as doctest runs an example.

    Statements that share a line (`a = 1; b = 2`) stay together. Source that does not parse is one piece,
    so that running it reports the SyntaxError.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return [(1, source)]
    lines = source.split("\n")
    pieces: list[tuple[int, int]] = []
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        start = min([node.lineno, *(d.lineno for d in decorators)])
        end = node.end_lineno or node.lineno
        if pieces and start <= pieces[-1][1]:
            pieces[-1] = (pieces[-1][0], max(end, pieces[-1][1]))
        else:
            pieces.append((start, end))
    return [(start, "\n".join(lines[start - 1 : end]) + "\n") for start, end in pieces]


def grad_blocks(text_before_cursor: str) -> list[str]:
    """The grad-mode `with` blocks enclosing the cursor, outermost first: no_grad, enable_grad, inference_mode, ..."""
    stack: list[tuple[int, str]] = []
    lines = text_before_cursor.split("\n")
    for i, line in enumerate(lines):
        if not line.strip() and i != len(lines) - 1:
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        kind = mode_of(line.strip()[5:]) if line.strip().startswith("with ") else None
        if kind is not None and i != len(lines) - 1:
            stack.append((indent, kind))
    return [kind for _, kind in stack]


def mode_of(context: str) -> str | None:
    """PyTorch's name for the grad-mode setter a `with` item's text is ('no_grad', 'set_grad_enabled(False)',
    'inference_mode', ...: grad_modes.SETTERS); None if it sets none."""
    text = context.strip()
    try:
        tree = ast.parse(f"with {text if text.endswith(':') else text + ':'}\n    pass")
    except SyntaxError:
        return None
    found = None
    for item in tree.body[0].items:  # type: ignore[attr-defined]
        found = setter_of_node(item.context_expr) or found  # the last item is the innermost
    return found
