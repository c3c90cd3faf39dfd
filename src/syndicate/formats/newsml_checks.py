"""Checking NewsML-G2: the project's own profile, optionally IPTC's full XSD, and cross-references."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lxml import etree

from syndicate.content import is_absolute_http_url
from syndicate.dates import is_rfc3339
from syndicate.formats.known_items import KnownItems
from syndicate.formats.xml_checks import (
    external_schema_problems, parse_or_problem, root_is, schema_problems_once_per_item,
)

NAR = "http://iptc.org/std/nar/2006-10-01/"
_NS = {"nar": NAR}
PROFILE = "newsml-g2-profile.rng"
_DATES = tuple(f"{{{NAR}}}{name}" for name in ("sent", "versionCreated", "firstCreated", "expires", "contentCreated",
                                                "contentModified"))
_LINKS = (f"{{{NAR}}}link", f"{{{NAR}}}remoteContent")
_NEWS_ITEM = f"{{{NAR}}}newsItem"


# The newsItems of this format found valid, and where they are in the files written last:
# the writer notes each file's items, the markup of itemSet's newsItems in order (each after the
# whitespace before it), followed by a packageItem.
KNOWN_ITEMS = KnownItems()


def _news_items(children: list[etree._Element]) -> list[etree._Element] | None:
    """The newsItems of an itemSet as the writer writes it, a packageItem after them."""
    if children and children[-1].tag != _NEWS_ITEM and all(child.tag == _NEWS_ITEM for child in children[:-1]):
        return children[:-1]
    return None


def _profile_problems(tree: etree._ElementTree, data: bytes) -> list[str]:
    """The problems schemas/newsml-g2-profile.rng finds in TREE, parsed from DATA, asking it once
    per newsItem in an export: the profile's itemSet is (textItem | mediaItem)*, packageItem?."""
    return schema_problems_once_per_item(tree, data, PROFILE, known=KNOWN_ITEMS,
                                         holder=tree.getroot().find(f"{{{NAR}}}itemSet"), items_of=_news_items)


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
