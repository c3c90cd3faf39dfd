"""Items checked once per export, not once per file.

An article is in several files of an export in each format (its sections' feeds and archive
pages, the site-wide ones), and an item's validity depends on that item alone (the format's
check says why: what its schema allows an item is the same wherever the item is). A format's
check can then skip the items it found valid before, when it can tell, without parsing the
file again, where each item's text is in it. Only the writer can: it notes every file it wrote
with the digests of its items' text in order (`wrote`), and a file checked that is byte for byte
one of those has them (`items_of`). Any other file is checked whole.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Iterable


class KnownItems:
    """The items of one format found valid, and the files its writer wrote last (files may be
    written on several threads at once)."""

    FILES_KEPT = 4
    ITEMS_KEPT = 100_000

    def __init__(self) -> None:
        self.written: deque[tuple[bytes, list[bytes]]] = deque(maxlen=self.FILES_KEPT)
        self.valid: dict[bytes, None] = {}
        self.lock = threading.Lock()

    @staticmethod
    def digest(item: bytes) -> bytes:
        return hashlib.blake2b(item, digest_size=20).digest()

    def wrote(self, document: bytes, items: Iterable[bytes]) -> None:
        """DOCUMENT was written with ITEMS, the text of each of its items in order, as the format says."""
        digests = [self.digest(item) for item in items]
        with self.lock:
            self.written.append((document, digests))

    def items_of(self, data: bytes) -> list[bytes] | None:
        """The digests of DATA's items, when it is byte for byte a file the writer wrote last."""
        with self.lock:
            written = list(self.written)
        return next((digests for document, digests in written if document == data), None)

    def found_valid(self, digests: Iterable[bytes]) -> None:
        with self.lock:
            self.valid.update(dict.fromkeys(digests))
            while len(self.valid) > self.ITEMS_KEPT:  # the oldest forgotten first
                del self.valid[next(iter(self.valid))]
