"""Checking NewsML-G2: the project's own profile, optionally IPTC's full XSD, and cross-references."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, deque
from pathlib import Path

from lxml import etree

from syndicate.content import is_absolute_http_url
from syndicate.dates import is_rfc3339
from syndicate.formats.xml_checks import external_schema_problems, parse_or_problem, relax_ng, root_is

NAR = "http://iptc.org/std/nar/2006-10-01/"
_NS = {"nar": NAR}
PROFILE = "newsml-g2-profile.rng"
_DATES = tuple(f"{{{NAR}}}{name}" for name in ("sent", "versionCreated", "firstCreated", "contentCreated",
                                                "contentModified"))
_LINKS = (f"{{{NAR}}}link", f"{{{NAR}}}remoteContent")


class _KnownItems:
    """The profile asked once per newsItem, not once per file.

    The profile's itemSet is (textItem | mediaItem)* then packageItem?, and whether a newsItem
    matches textItem or mediaItem depends on that element alone (no ID types, nothing from its
    context but the NewsML-G2 default namespace). So a message is valid exactly when it is with
    any of its leading newsItems taken out that were found valid before, each followed by
    whitespace only. An item is known by the digest of its markup; only the writer can tell,
    without a second parse, where each item's markup is in a file: it notes every file it wrote
    with the digests of its items in order (`wrote`), and a file checked that is byte for byte
    one of those has them. Any other file is validated whole; so is a file with a problem, to
    name its problems as ever. An article is in several files of an export (its sections' feeds
    and archive pages, the site-wide ones): its items are validated once."""

    FILES_KEPT = 4
    ITEMS_KEPT = 100_000

    def __init__(self) -> None:
        self.written: deque[tuple[bytes, list[bytes]]] = deque(maxlen=self.FILES_KEPT)
        self.valid: dict[bytes, None] = {}
        self.lock = threading.Lock()

    @staticmethod
    def digest(item: bytes) -> bytes:
        return hashlib.blake2b(item, digest_size=20).digest()

    def wrote(self, document: bytes, items: list[bytes]) -> None:
        """DOCUMENT was written with ITEMS, the markup of itemSet's newsItems in order (each after
        the whitespace before it), followed by a packageItem."""
        with self.lock:
            self.written.append((document, [self.digest(item) for item in items]))

    def items_of(self, data: bytes) -> list[bytes] | None:
        with self.lock:
            written = list(self.written)
        return next((digests for document, digests in written if document == data), None)

    def problems(self, tree: etree._ElementTree, data: bytes) -> list[str]:
        """The problems schemas/newsml-g2-profile.rng finds in TREE, parsed from DATA."""
        profile = relax_ng(PROFILE)
        digests = self.items_of(data) or []
        item_set = tree.getroot().find(f"{{{NAR}}}itemSet")
        children = list(item_set) if digests and item_set is not None else []
        if len(children) != len(digests) + 1 or any(
                child.tag != f"{{{NAR}}}newsItem" or (child.tail or "").strip(" \t\r\n") for child in children[:-1]):
            digests = []  # not as written: nothing is taken out
        known = [(index, children[index]) for index, digest in enumerate(digests) if digest in self.valid]
        for _, item in known:
            item_set.remove(item)
        try:
            valid = profile.validate(tree)
        finally:
            for index, item in known:
                item_set.insert(index, item)
        if valid:
            with self.lock:
                self.valid.update(dict.fromkeys(digests))
                while len(self.valid) > self.ITEMS_KEPT:
                    del self.valid[next(iter(self.valid))]
            return []
        if known:
            profile.validate(tree)
        return [f"line {e.line}: {e.message} (schemas/{PROFILE})" for e in profile.error_log]


KNOWN_ITEMS = _KnownItems()


def sniff(data: bytes) -> bool:
    return root_is(data, f"{{{NAR}}}newsMessage")


def check(data: bytes, external_schema: Path | None = None) -> list[str]:
    """Problems with a newsml.xml; EXTERNAL_SCHEMA is IPTC's NewsML-G2 XSD, when given."""
    tree, problems = parse_or_problem(data)
    if tree is None:
        return problems
    problems += KNOWN_ITEMS.problems(tree, data)
    # Imports of IPTC's XSD (xml.xsd beside it) are resolved from local files only.
    problems += external_schema_problems(tree, external_schema)

    # One walk in document order for each rule: an XPath union ('//a | //b') of large node-sets
    # costs libxml2 time in the square of their sizes, as it merges them.
    for element in tree.iter(*_DATES):
        if not is_rfc3339((element.text or "").strip()):
            problems.append(f"line {element.sourceline}: {etree.QName(element).localname} {element.text!r} "
                            "is not a date-time with a zone")
    guids = tree.xpath("/nar:newsMessage/nar:itemSet/*/@guid", namespaces=_NS)
    problems += [f"guid {g!r} appears {n} times" for g, n in Counter(guids).items() if n > 1]
    known = set(guids)
    for reference in tree.xpath("//@residref", namespaces=_NS):
        if reference not in known:
            problems.append(f"line {reference.getparent().sourceline}: residref {reference!r} names no item "
                            "in this message")
    for element in tree.iter(*_LINKS):
        href = element.get("href")
        if href is not None and not is_absolute_http_url(href):
            problems.append(f"line {element.sourceline}: href {href!r} is not an absolute http(s) URL")
    return problems
