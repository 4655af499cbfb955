"""Reading a transcript file: bytes -> text, keeping what `--fix` needs to write it back byte for byte.

Positions everywhere else are offsets into `SourceText.text`, the text with every line ending
turned into "\\n" (as Python's universal newlines read it). `original_offset` maps them back
to the decoded text as it was, CRLF and all.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import re
import tokenize
from bisect import bisect_right
from pathlib import Path

_LINE_END = re.compile(r"\r\n|\r|\n")


class InputError(Exception):
    """Input that cannot be used: a missing or undecodable file, a malformed example. Exit status 2."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


@dataclasses.dataclass
class SourceText:
    """A decoded file: `raw` as decoded (original line endings), `text` with "\\n" only."""

    path: str
    raw: str
    text: str
    encoding: str
    bom: bool
    newline: str  # the file's most common line ending, used for lines --fix writes
    _raw_starts: list[int]  # offset in `raw` of each line
    _text_starts: list[int]  # offset in `text` of each line
    data: bytes = b""  # the bytes as read (--fix writes only over exactly these)

    def original_offset(self, offset: int) -> int:
        """The offset in `raw` of the character at `offset` in `text`."""
        line = bisect_right(self._text_starts, offset) - 1
        return self._raw_starts[line] + offset - self._text_starts[line]

    def raw_line(self, line: int) -> tuple[int, int]:
        """Where 1-based `line` lies in `raw`: (start, end), its line ending left out."""
        start = self._raw_starts[line - 1]
        if line >= len(self._raw_starts):
            return start, len(self.raw)
        end = self._raw_starts[line]
        return start, end - (2 if self.raw[end - 2 : end] == "\r\n" else 1)

    def line_of(self, offset: int) -> int:
        """1-based line number of an offset in `text`."""
        return bisect_right(self._text_starts, offset)

    def encode(self, raw: str) -> bytes:
        data = raw.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def _encoding_for(path: Path, data: bytes) -> str:
    if path.suffix == ".py":
        # PEP 263: a `# -*- coding: ... -*-` cookie names the encoding of Python source.
        try:
            return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        except SyntaxError as exc:
            raise InputError(str(path), f"cannot tell the encoding: {exc}") from None
    return "utf-8"


def decode(path_name: str, data: bytes, encoding: str = "utf-8") -> SourceText:
    """Decode `data` (read from `path_name`); an InputError names the line of the first bad byte."""
    bom = data.startswith(codecs.BOM_UTF8) and encoding.replace("-", "").lower() in ("utf8", "utf8sig")
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    enc = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        raw = body.decode(enc)
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        byte = body[exc.start : exc.start + 1].hex()
        raise InputError(
            path_name, f"cannot decode byte 0x{byte} as {enc} (is the file text in {enc}?)", line
        ) from None
    except LookupError:
        raise InputError(path_name, f"unknown encoding {enc!r}") from None
    raw_starts, text_starts, pieces, endings = [0], [0], [], {}
    pos = 0
    for m in _LINE_END.finditer(raw):
        pieces.append(raw[pos : m.start()])
        endings[m.group()] = endings.get(m.group(), 0) + 1
        pos = m.end()
        raw_starts.append(pos)
        text_starts.append(text_starts[-1] + len(pieces[-1]) + 1)
    pieces.append(raw[pos:])
    newline = max(endings, key=lambda e: endings[e]) if endings else "\n"
    return SourceText(path_name, raw, "\n".join(pieces), enc, bom, newline, raw_starts, text_starts, data)


def read(path: str | Path) -> SourceText:
    """Read and decode a transcript file (InputError when it is missing, unreadable or undecodable)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a folder, not a file") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return decode(str(path), data, _encoding_for(p, data))
