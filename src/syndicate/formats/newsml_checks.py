"""Checking NewsML-G2: the project's own profile, optionally IPTC's full XSD, and cross-references."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lxml import etree

from syndicate.content import is_absolute_http_url
from syndicate.dates import is_rfc3339
from syndicate.formats.known_items import KnownItems
from syndicate.formats.xml_checks import external_schema_problems, parse_or_problem, relax_ng, root_is

NAR = "http://iptc.org/std/nar/2006-10-01/"
_NS = {"nar": NAR}
PROFILE = "newsml-g2-profile.rng"
_DATES = tuple(f"{{{NAR}}}{name}" for name in ("sent", "versionCreated", "firstCreated", "contentCreated",
                                                "contentModified"))
_LINKS = (f"{{{NAR}}}link", f"{{{NAR}}}remoteContent")


# The newsItems of this format found valid, and where they are in the files written last:
# the writer notes each file's items, the markup of itemSet's newsItems in order (each after the
# whitespace before it), followed by a packageItem.
KNOWN_ITEMS = KnownItems()


def _profile_problems(tree: etree._ElementTree, data: bytes) -> list[str]:
    """The problems schemas/newsml-g2-profile.rng finds in TREE, parsed from DATA, asking it once
    per newsItem in an export (known_items).

    The profile's itemSet is (textItem | mediaItem)* then packageItem?, and whether a newsItem
    matches textItem or mediaItem depends on that element alone (no ID types, nothing from its
    context but the namespace prefixes declared around it). So a message is valid exactly when it is with
    any of its leading newsItems taken out that were found valid before, each followed by
    whitespace only: they are taken out while the rest is validated, then put back where they
    were. A file with a problem is validated whole, to name its problems as ever."""
    profile = relax_ng(PROFILE)
    digests = KNOWN_ITEMS.items_of(data) or []
    item_set = tree.getroot().find(f"{{{NAR}}}itemSet")
    children = list(item_set) if digests and item_set is not None else []
    if len(children) != len(digests) + 1 or any(
            child.tag != f"{{{NAR}}}newsItem" or (child.tail or "").strip(" \t\r\n") for child in children[:-1]):
        digests = []  # not as written: nothing is taken out
    # An item's markup means what it does with the message's namespace prefixes.
    digests = KNOWN_ITEMS.in_context(digests, sorted(tree.getroot().nsmap.items(), key=str))
    known = [(index, children[index]) for index, digest in enumerate(digests) if digest in KNOWN_ITEMS.valid]
    for _, item in known:
        item_set.remove(item)
    try:
        valid = profile.validate(tree)
    finally:
        for index, item in known:
            item_set.insert(index, item)
    if valid:
        KNOWN_ITEMS.found_valid(digests)
        return []
    if known:
        profile.validate(tree)
    return [f"line {e.line}: {e.message} (schemas/{PROFILE})" for e in profile.error_log]


def sniff(data: bytes) -> bool:
    return root_is(data, f"{{{NAR}}}newsMessage")


def check(data: bytes, external_schema: Path | None = None) -> list[str]:
    """Problems with a newsml.xml; EXTERNAL_SCHEMA is IPTC's NewsML-G2 XSD, when given."""
    tree, problems = parse_or_problem(data)
    if tree is None:
        return problems
    problems += _profile_problems(tree, data)
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
