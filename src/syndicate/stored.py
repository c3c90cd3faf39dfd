"""Records as a store holds them, before the model: what a store hands out (RawRecord) and what
an import writes into one (StoredRecord).

They sit beside the model rather than in syndicate.store so that syndicate.records, which turns
the one into Articles and Articles into the other, does not depend on the store package (and the
store package, whose directory driver checks records, does not depend on itself through records).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class RawRecord:
    """One record as the store holds it, or why it could not even be parsed."""

    origin: str  # FILE, FILE:LINE, or STORE#ID
    data: Any = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRecord:
    """A checked record with the columns an indexed store keeps beside it."""

    id: str
    record: dict[str, Any] | None  # the canonical record, whole (None when it is given as text)
    sections: tuple[str, ...]  # its own section first
    published: datetime
    updated: datetime
    status: str
    embargo_until: datetime | None = None
    text: str | None = None  # the record as JSON text, json.dumps(record, ensure_ascii=False), when at hand

    def json_text(self) -> str:
        """The record as JSON text (UTF-8 characters as they are, not escaped)."""
        return self.text if self.text is not None else json.dumps(self.record, ensure_ascii=False)

    def data(self) -> dict[str, Any]:
        """The record as a dict."""
        return self.record if self.record is not None else json.loads(self.text or "null")
