"""Reading feed files into canonical records (for `import`).

For a publisher moving from another system, for agency material, and for syndicate's
own output. One module per input format:

  _xmlfeeds.py   RSS 0.9x, 1.0, 2.0 and Atom 0.3, 1.0, parsed by feedparser (_feedparser.py
                 says how it is made safe and exact)
  _jsonfeed.py   JSON Feed 1.0 and 1.1 (feedparser 6 does not read JSON)
  _newsml.py     IPTC NewsML-G2 newsMessage or newsItem (hardened lxml)
  _ninjs.py      IPTC ninjs, an array of objects or one object

A file is read within [limits] max_feed_bytes (a .gz file is decompressed up to that
many bytes and no further): whole, or, for an RSS or Atom file of more than
STREAM_ABOVE bytes (in an encoding compatible with ASCII), as it streams, its items
handed on as they end, so that memory does not grow with the file; such a file must
be well-formed, and what its items take from the feed (its link, date, language,
generator, authors) must come before them. Each item becomes one record dict, in the
record format's words; checking it is records.py's job, so an item that lacks what
a record needs (a date, a section) is reported by the same contract as a bad store
record, naming the file and the item (its position, and its id in the file). The
site config supplies what a feed lacks: the section (categories are matched against
the configured sections, else DEFAULT_SECTION). A problem with the whole file (too
large, not a feed, not decodable) is one RawRecord whose error says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from syndicate.config import Config
from syndicate.feeds_in import _jsonfeed, _newsml, _ninjs, _xmlfeeds
from syndicate.feeds_in._common import FeedRecord, Site, is_notice, record_identity
from syndicate.feeds_in._source import (
    STREAM_ABOVE, STREAM_PIECE, FeedFileError, FeedReader, encoding_of, head_text, is_feed_file, load_json, read_bytes,
)
from syndicate.formats.xml_checks import parse_xml
from syndicate.stored import RawRecord

__all__ = ["FeedRecord", "is_feed_file", "is_notice", "read_feed", "record_identity"]

# The root element of a NewsML-G2 document, after the XML prolog.
_NEWSML_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:newsMessage|newsItem)[\s>/]")
_PROLOG = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*", re.DOTALL)


def read_feed(path: Path, config: Config, *, default_section: str | None) -> Iterator[RawRecord]:
    """One RawRecord per item of the feed file at PATH (a FeedRecord, with notes), or one
    RawRecord whose error names the file when the file cannot be read as a feed."""
    site = Site(config, default_section)
    origin = str(path)
    try:
        with FeedReader(path, config.max_feed_bytes) as reader:
            head = reader.read(STREAM_ABOVE + 1)
            if len(head) <= STREAM_ABOVE or not _rss_or_atom(head):
                data = head + reader.read(config.max_feed_bytes + 1)
            else:
                try:
                    yield from _xmlfeeds.read_stream(head, reader, origin, site, piece=STREAM_PIECE)
                    return
                except _xmlfeeds.StreamRefused:  # before its first item: read whole, as a smaller file is
                    data = b""
        if not data:
            data = read_bytes(path, config.max_feed_bytes)
        text = head_text(data).lstrip("\ufeff")
        if text.startswith(("{", "[")):
            document = load_json(data)
            if isinstance(document, dict) and isinstance(document.get("items"), list):
                yield from _jsonfeed.read(document, origin, site)
            elif isinstance(document, list) or (isinstance(document, dict) and "uri" in document):
                yield from _ninjs.read(document, origin, site)
            else:
                raise FeedFileError("is JSON but neither a JSON Feed (an object with 'items') nor ninjs "
                                    "(an object with a 'uri', or a list of them)")
            return
        if not text.startswith("<"):
            raise FeedFileError("is not an RSS, Atom, JSON Feed, NewsML-G2 or ninjs document")
        if _is_newsml(text):
            try:
                root = parse_xml(data).getroot()
            except etree.XMLSyntaxError as error:
                raise FeedFileError(f"is not well-formed NewsML-G2: {error}") from None
            yield from _newsml.read(root, origin, site)
            return
        yield from _xmlfeeds.read(data, origin, site)
    except FeedFileError as error:
        yield RawRecord(origin=origin, error=str(error))


def _is_newsml(text: str) -> bool:
    prolog = _PROLOG.match(text)
    return bool(_NEWSML_ROOT.match(text, prolog.end() if prolog else 0))


def _rss_or_atom(head: bytes) -> bool:
    """Whether HEAD begins an XML document, in an encoding compatible with ASCII, that is not
    NewsML-G2: an RSS or Atom file, which a stream can read (_xmlfeeds.read_stream)."""
    if encoding_of(head)[0] != "utf-8":
        return False
    text = head_text(head).lstrip("\ufeff")
    return text.startswith("<") and not _is_newsml(text)
