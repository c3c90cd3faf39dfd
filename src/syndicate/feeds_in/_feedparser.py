"""feedparser, made safe and exact for import.

feedparser reads RSS 0.9x, 1.0 and 2.0 and Atom 0.3 and 1.0, in any encoding (BOMs,
UTF-16/32, the XML declaration), with xml:base, RFC 822 zone names, Dublin Core and
dcterms dates and authors. This module calls it the way `import` needs:

- bytes only, never a URL or a file name (feedparser.parse() given bytes first tries
  them as a file name; given a string that looks like a URL, it fetches it);
- no DTD: the document type declaration, with every entity it declares, is removed
  before parsing, so entity expansion and external entities cannot happen (an entity
  reference is then an unknown one, which the forgiving parser keeps as text);
- no sanitising and no resolving of URIs inside HTML: syndicate sanitises bodies itself
  (records.py), once;
- ids as written: feedparser resolves an Atom id (and an RSS permalink guid) against
  xml:base, which would change the id a subscriber knows;
- no "repair" of text that happens to be UTF-8 read as Latin-1 (it would change correct
  text such as 'Ã©');
- media:description and media:credit stay with their media:content (feedparser makes a
  media:description the entry's summary), media:title is not the entry's title;
- dc:date kept apart from dcterms:modified (feedparser makes both 'updated');
- RSS author and dc:creator values kept as written (feedparser's guess at an e-mail
  address in them cuts some addresses short).
"""

from __future__ import annotations

import io
import re
import xml.sax
import xml.sax.handler

from feedparser.api import LooseFeedParser, StrictFeedParser
from feedparser.encodings import convert_to_utf8
from feedparser.util import FeedParserDict

_DOCTYPE = b"<!DOCTYPE"


class _Exact:
    """Overrides shared by the strict (SAX) and the forgiving (sgmllib) parser."""

    can_be_relative_uri = StrictFeedParser.can_be_relative_uri - {"id"}
    _syndicate_media: dict | None = None

    def _start_media_content(self, attrs_d):
        super()._start_media_content(attrs_d)
        self._syndicate_media = self._get_context()["media_content"][-1]

    def _end_media_content(self):
        self._syndicate_media = None

    def _start_media_description(self, attrs_d):
        self._syndicate_description_type = attrs_d.get("type", "plain")
        self.push("media_description", 1)

    def _end_media_description(self):
        value = self.pop("media_description")
        if self._syndicate_media is not None and value:
            self._syndicate_media["syndicate_description"] = value
            self._syndicate_media["syndicate_description_type"] = self._syndicate_description_type

    def _end_media_credit(self):
        super()._end_media_credit()
        credits = self._get_context().get("media_credit") or [{}]
        if self._syndicate_media is not None and credits[-1].get("content"):
            self._syndicate_media["syndicate_credit"] = credits[-1]["content"]

    def _start_media_title(self, attrs_d):
        self.push("media_title", 1)

    def _end_media_title(self):
        self.pop("media_title")

    def _start_dc_date(self, attrs_d):
        self.push("syndicate_dc_date", 1)

    def _end_dc_date(self):
        self.pop("syndicate_dc_date")  # kept apart: feedparser makes it 'updated', as dcterms:modified

    def _end_author(self):
        value = self.pop("author")
        self.inauthor = 0
        if not self.version.startswith("atom") and value and value.strip():
            self._get_context().setdefault("syndicate_authors", []).append(value.strip())
        self._sync_author_detail()


class _Strict(_Exact, StrictFeedParser):
    pass


class _Loose(_Exact, LooseFeedParser):
    pass


def _prolog_end(data: bytes, start: int) -> int:
    """Where the document type declaration starting at START ends (after its '>'), skipping
    quoted strings, the internal subset, comments and processing instructions in it."""
    position, depth, length = start + len(_DOCTYPE), 0, len(data)
    while position < length:
        byte = data[position:position + 1]
        if byte in (b'"', b"'"):
            end = data.find(byte, position + 1)
            position = length if end < 0 else end + 1
            continue
        if data.startswith(b"<!--", position):
            end = data.find(b"-->", position + 4)
            position = length if end < 0 else end + 3
            continue
        if data.startswith(b"<?", position):
            end = data.find(b"?>", position + 2)
            position = length if end < 0 else end + 2
            continue
        if byte == b"[":
            depth += 1
        elif byte == b"]":
            depth = max(0, depth - 1)
        elif byte == b">" and depth == 0:
            return position + 1
        position += 1
    return length


_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def doctype_span(data: bytes) -> tuple[int, int] | None:
    """Where the document type declaration of DATA (UTF-8) begins and ends, if it has one before
    its root; it ends at len(DATA) when DATA ends inside it."""
    position = 0
    while True:
        match = _PROLOG_ITEM.match(data, position)
        if not match:
            break
        position = match.end()
    if not data.startswith(_DOCTYPE, position):
        return None
    return position, _prolog_end(data, position)


def without_doctype(data: bytes) -> bytes:
    """DATA (UTF-8) without its document type declaration, if it has one before its root."""
    span = doctype_span(data)
    return data if span is None else data[:span[0]] + data[span[1]:]


def parse(data: bytes) -> FeedParserDict:
    """feedparser's result for the feed document DATA (bytes), parsed as the module docstring says."""
    result = FeedParserDict(bozo=False, entries=[], feed=FeedParserDict(), headers={})
    if not data:
        return result
    data = convert_to_utf8({}, data, result)
    data = without_doctype(data)
    result["version"] = None
    parser = None
    if result.get("encoding"):
        parser = _strict()
        sax = _sax_reader(parser)
        source = xml.sax.xmlreader.InputSource()
        source.setByteStream(io.BytesIO(data))
        try:
            sax.parse(source)
        except xml.sax.SAXException as error:
            result["bozo"] = 1
            result["bozo_exception"] = parser.exc or error
            parser = None
    if parser is None:
        parser = _Loose("", None, "UTF-8", {})
        parser.resolve_relative_uris = False
        parser.sanitize_html = False
        parser.feed(data.decode("utf-8", "replace"))
    result["feed"] = parser.feeddata
    result["entries"] = parser.entries
    result["version"] = parser.version
    result["namespaces"] = parser.namespaces_in_use
    return result


def _strict() -> _Strict:
    parser = _Strict("", None, "UTF-8")
    parser.resolve_relative_uris = False
    parser.sanitize_html = False
    return parser


def _sax_reader(parser: _Strict) -> xml.sax.xmlreader.IncrementalParser:
    """expat, with namespaces, without external entities, reporting to PARSER."""
    sax = xml.sax.make_parser()
    sax.setFeature(xml.sax.handler.feature_namespaces, 1)
    for feature in (xml.sax.handler.feature_external_ges, xml.sax.handler.feature_external_pes):
        try:
            sax.setFeature(feature, 0)
        except xml.sax.SAXNotSupportedException:
            pass
    sax.setContentHandler(parser)
    sax.setErrorHandler(parser)
    sax.setEntityResolver(_NoEntities())
    return sax


class Stream:
    """feedparser's strict parser fed a document in pieces (as sax.parse itself feeds expat), its
    entries taken from it as each ends: the memory it needs does not grow with the number of
    entries. The feed-level data (feed, version) is what the document said before the piece last
    fed. For a well-formed document in an encoding expat reads (UTF-8, UTF-16, ISO-8859-1,
    US-ASCII, and single-byte codecs Python knows); feed() raises xml.sax.SAXException otherwise."""

    def __init__(self) -> None:
        self._parser = _strict()
        self._sax = _sax_reader(self._parser)

    @property
    def feed(self) -> FeedParserDict:
        return self._parser.feeddata

    @property
    def version(self) -> str:
        return self._parser.version or ""

    def feed_bytes(self, data: bytes, *, last: bool = False) -> list[FeedParserDict]:
        """The entries that ended in DATA, the next piece of the document (LAST: its end)."""
        self._sax.feed(data)
        if last:
            self._sax.close()
        entries = self._parser.entries
        ended = len(entries) - (1 if self._parser.inentry else 0)
        done = entries[:ended]
        del entries[:ended]  # the entry still open, if any, stays where feedparser looks for it
        for entry in done:  # feedparser keeps, per entry it has read, the depth of each of its elements
            self._parser.property_depth_map.pop(entry, None)
        return done


class _NoEntities(xml.sax.handler.EntityResolver):
    """Resolves every external entity to nothing (none is declared once the DTD is gone)."""

    def resolveEntity(self, publicId, systemId):  # noqa: N802 (SAX's name)
        source = xml.sax.xmlreader.InputSource()
        source.setByteStream(io.BytesIO(b""))
        return source
