"""Checks shared by the XML formats: a hardened parser, RELAX NG, and the rules no schema expresses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from lxml import etree

from syndicate.content import is_absolute_http_url
from syndicate.formats.known_items import KnownItems
from syndicate.resources import schema_path

ATOM_NS = "http://www.w3.org/2005/Atom"

# No network, no DTD, no entity expansion: files under validation are untrusted.
HARDENED_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


def parse_xml(data: bytes) -> etree._ElementTree:
    """DATA parsed with the hardened parser; raises etree.XMLSyntaxError."""
    return etree.ElementTree(etree.fromstring(data, HARDENED_PARSER))


def root_is(data: bytes, tag: str) -> bool:
    try:
        return parse_xml(data).getroot().tag == tag
    except etree.XMLSyntaxError:
        return False


@cache
def relax_ng(name: str) -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(schema_path(name)), HARDENED_PARSER))


def _schema_problems(tree: etree._ElementTree, schema_name: str) -> list[str]:
    schema = relax_ng(schema_name)
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message} (schemas/{schema_name})" for e in schema.error_log]


def schema_problems_once_per_item(tree: etree._ElementTree, data: bytes, schema_name: str, *, known: KnownItems,
                                  holder: etree._Element | None,
                                  items_of: Callable[[list[etree._Element]], list[etree._Element] | None]) -> list[str]:
    """The problems the RELAX NG SCHEMA_NAME finds in TREE, parsed from DATA, asking it once per item
    in an export (known_items.py). ITEMS_OF(children of HOLDER): the items among them, where the
    grammar holds any number of items (None: not all where it does).

    Whether an item matches depends on that element alone (no ID types, nothing from its context
    but the namespace prefixes declared around it). So a document is valid exactly when it is with
    any of its items taken out that were found valid before, each followed by whitespace only:
    they are taken out while the rest is validated, then put back where they were. A file with a
    problem is validated whole, to name its problems as ever."""
    schema = relax_ng(schema_name)
    digests = known.items_of(data) or []
    items = (items_of(list(holder)) or []) if digests and holder is not None else []
    if len(items) != len(digests) or any((item.tail or "").strip(" \t\r\n") for item in items):
        items, digests = [], []  # not as written: nothing is taken out
    # An item's markup means what it does with the document's namespace prefixes.
    digests = known.in_context(digests, sorted(tree.getroot().nsmap.items(), key=str))
    taken = [(holder.index(item), item) for item, digest in zip(items, digests) if digest in known.valid]
    for _, item in reversed(taken):
        holder.remove(item)
    try:
        valid = schema.validate(tree)
    finally:
        for index, item in taken:
            holder.insert(index, item)
    if valid:
        known.found_valid(digests)
        return []
    if taken:
        schema.validate(tree)
    return [f"line {e.line}: {e.message} (schemas/{schema_name})" for e in schema.error_log]


@cache
def _external(path: Path) -> etree.RelaxNG | etree.XMLSchema:
    # Imports and includes are resolved from local files only (no_network).
    document = etree.parse(str(path), HARDENED_PARSER)
    return etree.XMLSchema(document) if path.suffix == ".xsd" else etree.RelaxNG(document)


def external_schema_problems(tree: etree._ElementTree, path: Path | None) -> list[str]:
    """Problems found by a schema the user supplied (XSD, or RELAX NG in XML syntax), if any."""
    if path is None:
        return []
    try:
        schema = _external(Path(path).resolve())
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError, etree.RelaxNGParseError) as error:
        return [f"cannot load the schema {path}: {error}"]
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message} ({Path(path).name})" for e in schema.error_log]


def _duplicates(values: Iterable[str], what: str) -> list[str]:
    return [f"{what} {value!r} appears {count} times" for value, count in Counter(values).items() if count > 1]


def _urls(elements: Iterable[etree._Element], attribute: str | None = None) -> list[str]:
    problems = []
    for element in elements:
        value = (element.get(attribute) if attribute else element.text) or ""
        if not is_absolute_http_url(value.strip()):
            problems.append(f"line {element.sourceline}: <{etree.QName(element).localname}> "
                            f"{attribute or 'URL'} {value!r} is not an absolute http(s) URL")
    return problems


def parse_or_problem(data: bytes) -> tuple[etree._ElementTree | None, list[str]]:
    try:
        return parse_xml(data), []
    except etree.XMLSyntaxError as error:
        return None, [f"not well-formed XML: {error}"]


# The RSS items of this format found valid, and where they are in the files written last: the
# writer notes each file's items, the markup of channel's items in order (each after the whitespace
# before it).
KNOWN_RSS_ITEMS = KnownItems()


def check_rss(data: bytes, external_schema: Path | None = None) -> list[str]:
    from syndicate.dates import is_rfc822

    tree, problems = parse_or_problem(data)
    if tree is None:
        return problems
    # rss-2.0.rng's channel is an interleave: its items may be anywhere among its children.
    problems = schema_problems_once_per_item(tree, data, "rss-2.0.rng", known=KNOWN_RSS_ITEMS,
                                             holder=tree.getroot().find("channel"),
                                             items_of=lambda children: [c for c in children if c.tag == "item"])
    problems += external_schema_problems(tree, external_schema)
    for element in tree.iterfind(".//pubDate"):
        if not is_rfc822(element.text or ""):
            problems.append(f"line {element.sourceline}: pubDate {element.text!r} is not an RFC 822 date "
                            "with GMT or a numeric zone")
    for element in tree.iterfind(".//lastBuildDate"):
        if not is_rfc822(element.text or ""):
            problems.append(f"line {element.sourceline}: lastBuildDate {element.text!r} is not an RFC 822 date")
    problems += _urls(tree.iterfind("channel/link"))
    problems += _urls(tree.iterfind("channel/item/link"))
    problems += _urls(tree.iterfind(f"channel/{{{ATOM_NS}}}link"), "href")
    problems += _urls(tree.iterfind(".//enclosure"), "url")
    problems += _urls(tree.iterfind(".//source"), "url")
    problems += _urls(tree.iterfind("channel/item/{*}content"), "url")
    permalinks = [g for g in tree.iterfind("channel/item/guid") if g.get("isPermaLink", "true") == "true"]
    problems += _urls(permalinks)
    problems += _duplicates((g.text or "" for g in tree.iterfind("channel/item/guid")), "guid")
    return problems


def check_atom(data: bytes, external_schema: Path | None = None) -> list[str]:
    from syndicate.dates import is_rfc3339
    from syndicate.formats.atom_checks import is_valid_feed

    tree, problems = parse_or_problem(data)
    if tree is None:
        return problems
    # The grammar is asked only about a feed the fast test cannot pass (it names the problems).
    problems = [] if is_valid_feed(tree, data) else _schema_problems(tree, "atom-1.0.rng")
    problems += external_schema_problems(tree, external_schema)
    atom = {"a": ATOM_NS}
    # One walk, not an XPath union, whose merge of node-sets grows with the square of their sizes.
    for element in tree.iter(f"{{{ATOM_NS}}}updated", f"{{{ATOM_NS}}}published"):
        if not is_rfc3339(element.text or ""):
            problems.append(f"line {element.sourceline}: {etree.QName(element).localname} {element.text!r} "
                            "is not an RFC 3339 date-time with a zone")
    problems += _urls(tree.iter(f"{{{ATOM_NS}}}link"), "href")
    problems += _duplicates((e.text or "" for e in tree.xpath("/a:feed/a:entry/a:id", namespaces=atom)),
                            "entry id")
    if not tree.xpath("/a:feed/a:link[@rel='self']", namespaces=atom):
        problems.append("feed has no link rel=\"self\"")
    return problems
