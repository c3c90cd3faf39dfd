"""Checking NewsML-G2: the project's own profile, optionally IPTC's full XSD, and cross-references."""

from __future__ import annotations

from collections import Counter
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


def sniff(data: bytes) -> bool:
    return root_is(data, f"{{{NAR}}}newsMessage")


def check(data: bytes, external_schema: Path | None = None) -> list[str]:
    """Problems with a newsml.xml; EXTERNAL_SCHEMA is IPTC's NewsML-G2 XSD, when given."""
    tree, problems = parse_or_problem(data)
    if tree is None:
        return problems
    profile = relax_ng(PROFILE)
    if not profile.validate(tree):
        problems += [f"line {e.line}: {e.message} (schemas/{PROFILE})" for e in profile.error_log]
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
