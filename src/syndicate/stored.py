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


class RawRecord:
    """One record as the store holds it, or why it could not even be parsed.

    A record from an indexed store may come as TEXT, its JSON text as stored, with CHECKED, the
    checked form (syndicate.checked) the store keeps with this very record: then it is parsed
    only when DATA or ERROR is first asked for, which an export whose checked forms are usable
    never does.
    """

    __slots__ = ("origin", "text", "checked", "_data", "_error", "_parsed")

    def __init__(self, *, origin: str, data: Any = None, error: str | None = None, text: str | None = None,
                 checked: str | None = None) -> None:
        self.origin = origin  # FILE, FILE:LINE, or STORE#ID
        self.text = text
        self.checked = checked
        self._data, self._error = data, error
        self._parsed = text is None or data is not None or error is not None

    def _parse(self) -> None:
        try:
            self._data = json.loads(self.text)
        except (TypeError, ValueError, RecursionError) as error:
            self._error = f"the stored record is not valid JSON ({error})"
        self._parsed = True

    @property
    def data(self) -> Any:
        if not self._parsed:
            self._parse()
        return self._data

    @property
    def error(self) -> str | None:
        if not self._parsed:
            self._parse()
        return self._error

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RawRecord):
            return NotImplemented
        return (type(self), self.origin, self.data, self.error, getattr(self, "notes", ())) == (
            type(other), other.origin, other.data, other.error, getattr(other, "notes", ()))

    __hash__ = None  # type: ignore[assignment]  (mutable-looking: compared by value, as before)

    def __repr__(self) -> str:
        return f"RawRecord(origin={self.origin!r}, data={self.data!r}, error={self.error!r})"


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
    expires: datetime | None = None  # when it leaves every feed
    text: str | None = None  # the record as JSON text, json.dumps(record, ensure_ascii=False), when at hand
    checked: str | None = None  # its checked form (syndicate.checked), made from that text

    def json_text(self) -> str:
        """The record as JSON text (UTF-8 characters as they are, not escaped)."""
        return self.text if self.text is not None else json.dumps(self.record, ensure_ascii=False)

    def data(self) -> dict[str, Any]:
        """The record as a dict."""
        return self.record if self.record is not None else json.loads(self.text or "null")
