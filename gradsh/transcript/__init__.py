"""Transcripts: source text -> examples (parse) -> a session that runs them -> checked results (check, fix)."""
