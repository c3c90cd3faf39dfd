"""A fast test that an Atom feed has a shape schemas/atom-1.0.rng accepts.

libxml2's RELAX NG validation of atom-1.0.rng (its many interleaves) costs several times
what writing the feed does. This test walks the tree once and passes a feed only when
every element, attribute and value is one the grammar accepts by a plain rule (the define
named beside each check), taking a narrower set of values where the grammar's datatype is
broad: URIs in their common RFC 3986 forms for anyURI, RFC 3339 date-times with a valid
calendar date for dateTime, media types without parameters. Anything else (extension
elements but RFC 6721's at:deleted-entry as the writer writes it, foreign attributes, xhtml
or out-of-line content, comments, an Entry Document) it does not pass, and the grammar
decides, naming the problems. So it never refuses a feed, and never passes one the grammar
would refuse.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable

from lxml import etree

from syndicate.formats.known_items import KnownItems

A = "{http://www.w3.org/2005/Atom}"
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"  # RFC 6721
AT = f"{{{TOMBSTONES_NS}}}"
_XML = "{http://www.w3.org/XML/1998/namespace}"
_XML_WHITESPACE = " \t\r\n"

_CHARACTER = r"(?:[a-zA-Z0-9_.~!$&()*+,;=-]|%[0-9A-Fa-f]{2})"
_PCHAR = r"(?:[a-zA-Z0-9_.~!$&()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_QUERY = r"(?:[a-zA-Z0-9_.~!$&()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*"
# anyURI (iriReference): scheme://host[:port]/path?query#fragment or scheme:path, in the
# characters RFC 3986 allows there (no apostrophe, which libxml2 escapes), a port of at most
# five digits (libxml2 refuses one that overflows an int).
_URI = re.compile(rf"[a-zA-Z][a-zA-Z0-9+.-]*:(?://{_CHARACTER}*(?::[0-9]{{1,5}})?(?:/{_PCHAR}*)*"
                  rf"|{_PCHAR}+(?:/{_PCHAR}*)*)(?:\?{_QUERY})?(?:#{_QUERY})?")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")  # define "id"
_LANGUAGE = re.compile(r"([A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)?")  # commonAttributes' xml:lang
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")  # define "languageTag"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")  # define "emailAddress" (Python's \s is the wider)
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&\-^_.+]*/[A-Za-z0-9][A-Za-z0-9!#$&\-^_.+]*")
_DATE_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
                        r"(Z|[+\-]([0-9]{2}):([0-9]{2}))")
_ALTERNATE = frozenset({"alternate", "http://www.iana.org/assignments/relation/alternate"})


def _uri(value: str) -> bool:
    return _URI.fullmatch(value) is not None


def _date_time(value: str) -> bool:
    """define "rfc3339DateTime": its pattern, and a dateTime whose every field is in range."""
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = map(int, match.group(1, 2, 3, 4, 5, 6))
    if not (1000 <= year and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
            and hour < 24 and minute < 60 and second < 60):
        return False
    if match.group(8) == "Z":
        return True
    zone_hours, zone_minutes = int(match.group(9)), int(match.group(10))
    return zone_minutes < 60 and (zone_hours < 14 or (zone_hours == 14 and zone_minutes == 0))


_COMMON = {f"{_XML}lang": lambda v: _LANGUAGE.fullmatch(v) is not None, f"{_XML}base": _uri}
_TEXT_TYPE = {**_COMMON, "type": lambda v: v in ("text", "html")}


def _attributes(element: etree._Element, allowed: dict[str, Callable[[str], bool]]) -> bool:
    for name, value in element.items():
        test = allowed.get(name)
        if test is None or not test(value):
            return False
    return True


def _leaf(element: etree._Element, allowed: dict[str, Callable[[str], bool]],
          text: Callable[[str], bool] | None = None) -> bool:
    """An element of text only (no child, comment or instruction), its attributes and text as allowed."""
    return len(element) == 0 and _attributes(element, allowed) and (text is None or text(element.text or ""))


def _element_only(element: etree._Element) -> list[etree._Element] | None:
    """ELEMENT's children when they are elements with only whitespace between them, else None."""
    if (element.text or "").strip(_XML_WHITESPACE):
        return None
    children = list(element)
    if any(not isinstance(child.tag, str) or (child.tail or "").strip(_XML_WHITESPACE) for child in children):
        return None
    return children


def _person(element: etree._Element) -> bool:  # define "personConstruct"
    children = _element_only(element)
    if children is None or not _attributes(element, _COMMON):
        return False
    counts = Counter(child.tag for child in children)
    if counts[f"{A}name"] != 1 or counts[f"{A}uri"] > 1 or counts[f"{A}email"] > 1 or len(counts.keys() - {
            f"{A}name", f"{A}uri", f"{A}email"}):
        return False
    checks = {f"{A}name": None, f"{A}uri": _uri, f"{A}email": lambda v: _EMAIL.fullmatch(v) is not None}
    return all(_leaf(child, _COMMON, checks[child.tag]) for child in children)


def _link_attributes(required_rel: Callable[[str | None], bool]) -> dict[str, Callable[[str], bool]]:
    return {**_COMMON, "href": _uri, "type": lambda v: _MEDIA_TYPE.fullmatch(v) is not None,
            "hreflang": lambda v: _LANGUAGE_TAG.fullmatch(v) is not None, "title": lambda v: True,
            "length": lambda v: v.isascii() and v.isdigit(), "rel": required_rel}


_LINK = _link_attributes(lambda v: len(v) >= 1)  # define "link"

# What each Atom child may be (the define it follows) and how many times it may appear.
_METADATA: dict[str, tuple[Callable[[etree._Element], bool], int | None]] = {
    f"{A}id": (lambda e: _leaf(e, _COMMON, lambda v: _ID.fullmatch(v) is not None and _uri(v)), 1),
    f"{A}title": (lambda e: _leaf(e, _TEXT_TYPE), 1),
    f"{A}updated": (lambda e: _leaf(e, _COMMON, _date_time), 1),
    f"{A}author": (_person, None),
    f"{A}contributor": (_person, None),
    f"{A}category": (lambda e: _leaf(e, {**_COMMON, "term": lambda v: len(v) >= 1, "scheme": _uri,
                                         "label": lambda v: True}) and "term" in e.attrib, None),
    f"{A}link": (lambda e: _leaf(e, _LINK) and "href" in e.attrib, None),
    f"{A}rights": (lambda e: _leaf(e, _TEXT_TYPE), 1),
}
_FEED = {**_METADATA,
         f"{A}generator": (lambda e: _leaf(e, {**_COMMON, "uri": _uri, "version": lambda v: True}), 1),
         f"{A}icon": (lambda e: _leaf(e, _COMMON, _uri), 1),
         f"{A}logo": (lambda e: _leaf(e, _COMMON, _uri), 1),
         f"{A}subtitle": (lambda e: _leaf(e, _TEXT_TYPE), 1)}
# define "source": the feed's metadata, every element optional
_SOURCE = _FEED
_ENTRY = {**_METADATA,
          f"{A}published": (lambda e: _leaf(e, _COMMON, _date_time), 1),
          f"{A}summary": (lambda e: _leaf(e, _TEXT_TYPE), 1),
          f"{A}content": (lambda e: _leaf(e, _TEXT_TYPE), 1),  # define "textContent" only
          f"{A}source": (lambda e: _children_pass(e, _SOURCE, required=()) is not None, 1)}


def _deleted_entry(element: etree._Element) -> bool:
    """define "deletedEntry" (RFC 6721 section 3), with the children the writer writes: a ref and
    a when, at most one at:comment, links."""
    ref, when = element.get("ref"), element.get("when")
    if ref is None or when is None or _ID.fullmatch(ref) is None or not _uri(ref) or not _date_time(when):
        return False
    if not _attributes(element, {**_COMMON, "ref": lambda v: True, "when": lambda v: True}):
        return False
    children = _element_only(element)
    if children is None or sum(child.tag == f"{AT}comment" for child in children) > 1:
        return False
    return all((child.tag == f"{AT}comment" and _leaf(child, _TEXT_TYPE))
               or (child.tag == f"{A}link" and _METADATA[f"{A}link"][0](child)) for child in children)


# The feed's own children: its metadata, the extension elements the writer writes among them.
_FEED_CHILDREN = {**_FEED, f"{AT}deleted-entry": (_deleted_entry, None)}


def _children_pass(element: etree._Element, rules: dict, *, required: tuple[str, ...],
                   children: list[etree._Element] | None = None) -> dict[str, int] | None:
    """How many of each child ELEMENT has, when its attributes are common ones and its CHILDREN
    (by default all of them: elements, only whitespace between them), in any order (an
    interleave), each pass its rule no more often than allowed, every REQUIRED one once; else None."""
    if not _attributes(element, _COMMON):
        return None
    if children is None:
        if (element.text or "").strip(_XML_WHITESPACE):
            return None
        children = element  # iterated once, below
        between = True
    else:
        between = False  # the caller has checked
    counts: dict[str, int] = {}
    for child in children:
        tag = child.tag
        rule = rules.get(tag)  # None for a comment or instruction too (their tag is no string)
        count = counts[tag] = counts.get(tag, 0) + 1
        if rule is None or (rule[1] is not None and count > rule[1]) or not rule[0](child) or (
                between and (child.tail or "").strip(_XML_WHITESPACE)):
            return None
    return counts if all(counts.get(tag) == 1 for tag in required) else None


def _entry(element: etree._Element, *, needs_author: bool) -> bool:  # defines "entry", "entryWithAuthor"
    counts = _children_pass(element, _ENTRY, required=(f"{A}id", f"{A}title", f"{A}updated"))
    if counts is None or (needs_author and f"{A}author" not in counts):
        return False
    if f"{A}content" in counts:
        return True  # inline content: summary optional
    # No content: at least one alternate link (rel absent means alternate, RFC 4287 4.2.7.2).
    return any(link.get("rel", "alternate") in _ALTERNATE for link in element.iterfind(f"{A}link"))


# Entries this test passed, each known by the digest of its markup, the feed's namespace
# prefixes and whether the feed had no author (known_items): an entry's test depends on nothing
# else. The writer notes each file's entries, the markup of the feed's entry children in order
# (each after the whitespace before it).
KNOWN_ENTRIES = KnownItems()


def is_valid_feed(tree: etree._ElementTree, data: bytes | None = None) -> bool:
    """Whether the Atom feed TREE (parsed from DATA) is valid by schemas/atom-1.0.rng as this test
    can tell; False says only that the grammar must decide. Entries of a file as written that
    passed before are not tested again."""
    feed = tree.getroot()
    if feed.tag != f"{A}feed" or (feed.tail or "").strip(_XML_WHITESPACE):
        return False
    children = _element_only(feed)
    if children is None:
        return False
    first_entry = next((n for n, child in enumerate(children) if child.tag == f"{A}entry"), len(children))
    metadata, entries = children[:first_entry], children[first_entry:]
    # define "feed": the metadata, then the entries
    if any(entry.tag != f"{A}entry" for entry in entries):
        return False
    if _children_pass(feed, _FEED_CHILDREN, required=(f"{A}id", f"{A}title", f"{A}updated"),
                      children=metadata) is None:
        return False
    needs_author = not any(child.tag == f"{A}author" for child in metadata)
    digests = KNOWN_ENTRIES.items_of(data) if data is not None else None
    if digests is None or len(digests) != len(entries):
        return all(_entry(entry, needs_author=needs_author) for entry in entries)
    # An entry's markup means what it does with the feed's namespace prefixes.
    keys = KNOWN_ENTRIES.in_context(digests, sorted(feed.nsmap.items(), key=str), needs_author)
    if all(key in KNOWN_ENTRIES.valid or _entry(entry, needs_author=needs_author) for entry, key in zip(entries, keys)):
        KNOWN_ENTRIES.found_valid(keys)
        return True
    return False
