"""index.opml: an OPML 2.0 subscription list of the feeds in the output directory, and its checks.

The list is for feed readers: it offers each feed once, in one format a feed
reader subscribes to (which one is the export's choice, see syndicate.export.render).
"""

from __future__ import annotations

import html.entities
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from syndicate.content import is_absolute_http_url
from syndicate.formats.xml_checks import external_schema_problems, parse_or_problem, root_is

FILENAME = "index.opml"
# Written in the body when no feed in a feed-reader format is in the directory:
# OPML 2.0 wants at least one outline, and this one subscribes to nothing.
EMPTY_TEXT = "No feeds for feed readers in this directory yet"


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    title: str  # the feed's own title, as plain text
    feed_url: str
    home_url: str


# OPML 2.0: "Text attributes can contain encoded HTML markup": readers and validators read a
# title as HTML. There '<' always starts markup, and '&' starts a character reference unless
# HTML whitespace (or the end, or another '&' or '<') follows it.
_REFERENCE_START = re.compile(r"&(?![\t\n\f\r &<]|\Z)")


def _as_html(text: str) -> str:
    """TEXT as HTML that shows exactly TEXT, escaping only what HTML would misread: '<', and an
    '&' that a character follows. 'News & Views' stays as it is, which readers that show the
    attribute as plain text show right too; 'AT&T' and '<Views>' become 'AT&amp;T' and '&lt;Views>'."""
    return _REFERENCE_START.sub("&amp;", text).replace("<", "&lt;")


def write_opml(subscriptions: list[Subscription], *, title: str, out: BinaryIO) -> None:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _as_html(title)
    body = etree.SubElement(root, "body")
    for sub in subscriptions:
        # OPML 2.0: type="rss" marks a feed subscription whatever its syntax (RSS, Atom, JSON Feed).
        text = _as_html(sub.title)
        etree.SubElement(body, "outline", type="rss", text=text, title=text,
                         xmlUrl=sub.feed_url, htmlUrl=sub.home_url)
    if not subscriptions:
        etree.SubElement(body, "outline", text=EMPTY_TEXT)
    out.write(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


_REFERENCE = re.compile(r"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")


def _is_reference(value: str, at: int) -> bool:
    found = _REFERENCE.match(value, at)
    return found is not None and (found.group(1).startswith("#") or found.group(1) in html.entities.html5)


def _markup_problem(element: etree._Element, what: str, value: str) -> list[str]:
    """A problem if VALUE, read as HTML, is not text: a '<', or an '&' that starts no complete
    character reference although a character follows it."""
    if "<" in value or any(not _is_reference(value, m.start()) for m in _REFERENCE_START.finditer(value)):
        return [f"line {element.sourceline}: {what} {value!r} holds an unescaped '<' or '&': an OPML text "
                "is HTML, so they must be written as &lt; and &amp;"]
    return []


# Every element OPML 2.0 defines in <head>, each allowed once; elements in a namespace may be added.
HEAD_ELEMENTS = ("title", "dateCreated", "dateModified", "ownerName", "ownerEmail", "ownerId", "docs",
                 "expansionState", "vertScrollState", "windowTop", "windowLeft", "windowBottom", "windowRight")


def _structure_problems(root: etree._Element) -> list[str]:
    """OPML 2.0's structure, as syndicate writes it: <opml version="2.0"> holding one <head> with a
    <title> and then one <body> of one or more <outline>s, each with a text attribute."""
    if root.tag != "opml":
        return [f"line {root.sourceline}: the root element is <{root.tag}>, not <opml>"]
    problems = []
    if root.get("version") != "2.0":
        problems.append(f"line {root.sourceline}: <opml> version is {root.get('version')!r}, not '2.0'")
    children = [child.tag for child in root if isinstance(child.tag, str)]
    if children != ["head", "body"]:
        problems.append(f"line {root.sourceline}: <opml> holds {', '.join(f'<{c}>' for c in children) or 'nothing'}, "
                        "not one <head> and then one <body>")
    for head in root.iterfind("head"):
        tags = [child.tag for child in head if isinstance(child.tag, str)]
        if "title" not in tags:
            problems.append(f"line {head.sourceline}: <head> has no <title>")
        for tag in dict.fromkeys(tags):
            if not tag.startswith("{") and tag not in HEAD_ELEMENTS:
                problems.append(f"line {head.sourceline}: <head> holds <{tag}>, which OPML 2.0 does not define")
            elif tags.count(tag) > 1:
                problems.append(f"line {head.sourceline}: <head> holds <{tag}> {tags.count(tag)} times")
    for body in root.iterfind("body"):
        if not any(child.tag == "outline" for child in body):
            problems.append(f"line {body.sourceline}: <body> has no <outline>")
        for element in body.iter():
            if isinstance(element.tag, str) and element.tag not in ("body", "outline"):
                problems.append(f"line {element.sourceline}: <{element.tag}> inside <body>: "
                                "only <outline>s belong there")
        for outline in body.iter("outline"):
            if outline.get("text") is None:
                problems.append(f"line {outline.sourceline}: <outline> has no text attribute")
    return problems


def check_opml(data: bytes, external_schema: Path | None = None) -> list[str]:
    """Problems with an OPML 2.0 subscription list (empty when valid)."""
    tree, problems = parse_or_problem(data)
    if tree is None:
        return problems
    problems = _structure_problems(tree.getroot()) + external_schema_problems(tree, external_schema)
    for title in tree.iterfind("head/title"):
        problems += _markup_problem(title, "<head> <title>", title.text or "")
    feed_urls = []
    for outline in tree.iterfind("body//outline"):
        line = outline.sourceline
        for attribute in ("text", "title"):
            if outline.get(attribute) is not None:
                problems += _markup_problem(outline, f"<outline> {attribute}", outline.get(attribute))
        if (outline.get("type") or "").lower() != "rss":
            continue
        if outline.get("text") is not None and not outline.get("text").strip():
            problems.append(f"line {line}: <outline type=\"rss\"> has an empty text (the name a reader shows)")
        xml_url = outline.get("xmlUrl")
        if xml_url is None:
            problems.append(f"line {line}: <outline type=\"rss\"> has no xmlUrl (the feed's address)")
        else:
            feed_urls.append(xml_url.strip())
        for attribute in ("xmlUrl", "htmlUrl"):
            value = outline.get(attribute)
            if value is not None and not is_absolute_http_url(value.strip()):
                problems.append(f"line {line}: <outline> {attribute} {value!r} is not an absolute http(s) URL")
    problems += [f"xmlUrl {url!r} is listed {count} times" for url, count in Counter(feed_urls).items()
                 if count > 1]
    return problems


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckedFile:
    """A kind of file `validate` checks that is not a feed format: recognised like a format,
    by its name or else its content, and checked like one."""

    name: str
    filename: str
    check: Callable[[bytes, Path | None], list[str]]
    sniff: Callable[[bytes], bool]


INDEX_FILE = CheckedFile(name="opml", filename=FILENAME, check=check_opml, sniff=lambda data: root_is(data, "opml"))
