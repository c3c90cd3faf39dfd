"""How long work reports how far it has got, for a progress bar (the CLI draws one on a terminal)."""

from __future__ import annotations

from collections.abc import Callable

# progress(phase, done, total): PHASE names the step ("check" and "write" for an import, "render"
# for an export, "check" for validate); TOTAL is None while it is not known yet.
Progress = Callable[[str, int, "int | None"], None]
