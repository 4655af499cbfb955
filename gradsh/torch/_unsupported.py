"""Moved to gradsh.engine.unsupported (the engine never imports the facade); kept while engine/ops still import it."""

from __future__ import annotations

from gradsh.engine.unsupported import module_getattr, unsupported  # noqa: F401
