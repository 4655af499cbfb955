"""Key bindings: Enter runs a complete input or opens an auto-indented line; Tab indents or completes;
Backspace in leading spaces removes one indent level; Esc Enter runs the input as it is; F4 switches
emacs/vi; a pasted `>>>` block that ends with a newline runs at once. Ctrl-C (clear) and Ctrl-D
(leave on an empty line) are prompt_toolkit's own: the loop sees KeyboardInterrupt and EOFError."""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.enums import EditingMode
from prompt_toolkit.filters import Condition, emacs_insert_mode, vi_insert_mode
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys

from gradsh.repl.inputs import INDENT, is_complete, is_pasted_block, next_indent


def bindings(on_mode_switch: Callable[[bool], None] | None = None) -> KeyBindings:
    kb = KeyBindings()
    insert_mode = emacs_insert_mode | vi_insert_mode

    @Condition
    def completion_selected() -> bool:
        from prompt_toolkit.application import get_app

        state = get_app().current_buffer.complete_state
        return state is not None and state.current_completion is not None

    @kb.add("enter", filter=completion_selected)
    def _(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        buffer.complete_state = None  # keep the chosen completion, close the menu

    @kb.add("enter", filter=~completion_selected)  # in vi's navigation mode too: Enter runs what is complete
    def _(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        at_end = not buffer.document.text_after_cursor.strip()
        if at_end and is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n" + next_indent(buffer.document.text_before_cursor))

    @kb.add("escape", "enter")
    def _(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    @kb.add("tab", filter=insert_mode)
    def _(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if not buffer.document.current_line_before_cursor.strip():
            buffer.insert_text(INDENT)
        elif buffer.complete_state:
            buffer.complete_next()
        else:
            buffer.start_completion(select_first=False)

    @kb.add("backspace", filter=insert_mode)
    def _(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        before = buffer.document.current_line_before_cursor
        if before and not before.strip():
            buffer.delete_before_cursor(len(before) % len(INDENT) or len(INDENT))
        else:
            buffer.delete_before_cursor(1)

    @kb.add("f4")
    def _(event: KeyPressEvent) -> None:
        vi = event.app.editing_mode != EditingMode.VI
        event.app.editing_mode = EditingMode.VI if vi else EditingMode.EMACS
        if on_mode_switch is not None:
            on_mode_switch(vi)

    @kb.add(Keys.BracketedPaste)
    def _(event: KeyPressEvent) -> None:
        data = event.data.replace("\r\n", "\n").replace("\r", "\n")
        buffer = event.current_buffer
        buffer.insert_text(data)
        if is_pasted_block(buffer.text) and data.endswith("\n"):
            buffer.validate_and_handle()

    return kb
