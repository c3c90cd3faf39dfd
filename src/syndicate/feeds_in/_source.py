"""A feed file's bytes, read within the size limit, and what kind of document they hold."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import zlib
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 64 * 1024
_STORE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".jsonl")
# Byte-order marks, longest first (UTF-32's LE mark begins with UTF-16's).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# XML and JSON without a byte-order mark, by where the zero bytes of their first character fall.
_ZEROS = ((re.compile(rb"^\x00\x00\x00[<{\[\s]"), "utf-32-be"), (re.compile(rb"^[<{\[\s]\x00\x00\x00"), "utf-32-le"),
          (re.compile(rb"^\x00[<{\[\s]"), "utf-16-be"), (re.compile(rb"^[<{\[\s]\x00"), "utf-16-le"))
_JSON_FEED = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/')
# A key only ninjs has ("uri"), outside any string: a store record has no such field.
_NINJS_KEY = re.compile(r'(?<!\\)"(uri|headlines|versioncreated)"\s*:')


class FeedFileError(Exception):
    """A whole feed file cannot be read; the message says why."""


def encoding_of(data: bytes) -> tuple[str, int]:
    """(codec, length of its byte-order mark) of a text file's DATA; UTF-8 when nothing says otherwise."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    for pattern, codec in _ZEROS:
        if pattern.match(data):
            return codec, 0
    return "utf-8", 0


def head_text(data: bytes) -> str:
    """The start of DATA as text, whitespace before the first character removed."""
    codec, skip = encoding_of(data)
    return data[skip:skip + SNIFF_BYTES].decode(codec, "replace").lstrip()


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        head = file.read(SNIFF_BYTES)
        if head.startswith(GZIP_MAGIC):
            file.seek(0)
            try:
                with gzip.GzipFile(fileobj=file) as unzipped:
                    return GZIP_MAGIC + unzipped.read(SNIFF_BYTES)
            except (OSError, EOFError, zlib.error):
                return GZIP_MAGIC
        return head


def is_feed_file(path: Path) -> bool:
    """Whether PATH is a feed file (RSS, Atom, JSON Feed, NewsML-G2, ninjs; plain or gzip) rather
    than a store. Stores are never XML, gzip, or a JSON array, and no store record has a JSON
    Feed version or a ninjs key."""
    if path.suffix.lower() in _STORE_SUFFIXES or not path.is_file():
        return False
    try:
        head = _head(path)
    except OSError:
        return False
    if head.startswith(GZIP_MAGIC) or path.suffix.lower() == ".gz":
        return True
    text = head_text(head).lstrip("\ufeff")
    if text.startswith(("<", "[")):
        return True
    return text.startswith("{") and bool(_JSON_FEED.search(text) or _NINJS_KEY.search(text))


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of the feed file at PATH, decompressed if it is gzip; FeedFileError when it holds
    (or would decompress to) more than LIMIT bytes, before more than that is read."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise FeedFileError(f"is {size:,} bytes, more than [limits] max_feed_bytes ({limit:,}); "
                                "nothing of it was read")
        with path.open("rb") as file:
            data = file.read(limit + 1)
    except OSError as error:
        raise FeedFileError(f"cannot be read: {error.strerror or error}") from None
    if len(data) > limit:
        raise FeedFileError(f"holds more than [limits] max_feed_bytes ({limit:,})")
    if not data.startswith(GZIP_MAGIC):
        if path.suffix.lower() == ".gz":
            raise FeedFileError("is named .gz but is not a gzip file")
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
            content = unzipped.read(limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise FeedFileError(f"is not a readable gzip file: {error}") from None
    if len(content) > limit:
        raise FeedFileError(f"decompresses to more than [limits] max_feed_bytes ({limit:,}); "
                            "it was not decompressed further")
    return content


def load_json(data: bytes):
    """The JSON document in DATA (UTF-8, -16 or -32, with or without a byte-order mark)."""
    codec, skip = encoding_of(data)
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as error:
        raise FeedFileError(f"is not valid {codec.upper()} text: {error.reason} at byte {error.start + skip}") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise FeedFileError("is JSON nested too deeply to read") from None
    except json.JSONDecodeError as error:
        raise FeedFileError(f"is not valid JSON: {error}") from None
