"""How much of an example's text is kept: enough to read, never enough to swamp a report or memory."""

from __future__ import annotations

LIMIT = 1 << 20  # characters kept of one text (output, stderr, exception, diff, ...): 1 MB of ASCII


def cap(text: str, limit: int = LIMIT) -> str:
    """`text` itself when short enough; else its first `limit` characters and a note of how much was cut."""
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    return text[:limit] + f"\n[gradsh: {cut:,} more characters cut here; it keeps {limit:,} of each text]\n"
