"""Items checked once per export, not once per file.

An article is in several files of an export in each format (its sections' feeds and archive
pages, the site-wide ones), and an item's validity depends on that item alone (the format's
check says why: what its schema allows an item is the same wherever the item is). A format's
check can then skip the items it found valid before, when it can tell, without parsing the
file again, where each item's text is in it. Only the writer can: it notes every file it wrote
with the digests of its items' text in order (`wrote`), and a file checked that is byte for byte
the last it wrote has them (`items_of`). Any other file is checked whole.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable


class KnownItems:
    """The items of one format found valid, and the file its writer wrote last on each thread
    (an export checks each file on the thread that wrote it, before it writes the next)."""

    ITEMS_KEPT = 100_000

    def __init__(self) -> None:
        self.last_written = threading.local()
        self.valid: dict[bytes, None] = {}
        self.lock = threading.Lock()

    @staticmethod
    def digest(item: bytes) -> bytes:
        return hashlib.blake2b(item, digest_size=20).digest()

    @staticmethod
    def in_context(digests: list[bytes], *context: object) -> list[bytes]:
        """DIGESTS, each joined to CONTEXT: what an item's text means beside the text itself (in XML,
        the namespace prefixes declared around it)."""
        suffix = hashlib.blake2b(repr(context).encode("utf-8"), digest_size=8).digest()
        return [digest + suffix for digest in digests]

    def wrote(self, document: bytes, items: Iterable[bytes]) -> None:
        """DOCUMENT was written with ITEMS, the text of each of its items in order, as the format says."""
        self.last_written.file = (document, [self.digest(item) for item in items])

    def items_of(self, data: bytes) -> list[bytes] | None:
        """The digests of DATA's items, when it is byte for byte the file the writer wrote last."""
        document, digests = getattr(self.last_written, "file", (None, None))
        return digests if document == data else None

    def found_valid(self, digests: Iterable[bytes]) -> None:
        with self.lock:
            self.valid.update(dict.fromkeys(digests))
            while len(self.valid) > self.ITEMS_KEPT:  # the oldest forgotten first
                del self.valid[next(iter(self.valid))]
