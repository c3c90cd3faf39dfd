"""Regular expressions compiled when first used, not when their module is imported.

Every command imports the modules that read dates, text and URLs, and most use few of their
patterns (an export with nothing changed, none): compiling them all costs a command more of
its start-up than anything it does. A LazyPattern stands for re.compile(SOURCE, FLAGS) and
compiles it on the first use of one of its methods or attributes; from then on each is an
attribute of its own, found as fast as the compiled pattern's.
"""

from __future__ import annotations

import re
from typing import Any


class LazyPattern:
    def __init__(self, source: str, flags: int = 0) -> None:
        self._source, self._flags = source, flags

    def __getattr__(self, name: str) -> Any:
        # Only called for what the instance does not hold yet: the first use, or a name the
        # compiled pattern has not either (which then raises AttributeError, as it would).
        compiled = re.compile(self._source, self._flags)
        for attribute in ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer",
                          "pattern", "flags", "groups", "groupindex"):
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._source!r}, {self._flags!r})"


def lazy(source: str, flags: int = 0) -> LazyPattern:
    """re.compile(SOURCE, FLAGS), compiled on first use."""
    return LazyPattern(source, flags)
