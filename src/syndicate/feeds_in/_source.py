"""A feed file's bytes, read within the size limit, and what kind of document they hold."""

from __future__ import annotations

import codecs
import gzip
import json
import re
import zlib
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 64 * 1024
# An RSS or Atom file larger than this is read as it streams, STREAM_PIECE bytes at a time (feeds_in
# says when); a smaller one is read whole.
STREAM_ABOVE = 8 * 2 ** 20
STREAM_PIECE = 2 ** 20
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


class FeedReader:
    """The bytes of the feed file at PATH, decompressed if it is gzip, read as they are asked for;
    FeedFileError when it holds (or would decompress to) more than LIMIT bytes, before more than
    that is read. A context manager."""

    def __init__(self, path: Path, limit: int) -> None:
        self.limit = limit
        self.count = 0
        try:
            size = path.stat().st_size
            if size > limit:
                raise FeedFileError(f"is {size:,} bytes, more than [limits] max_feed_bytes ({limit:,}); "
                                    "nothing of it was read")
            self._file = path.open("rb")
        except OSError as error:
            raise FeedFileError(f"cannot be read: {error.strerror or error}") from None
        self._gzip: gzip.GzipFile | None = None
        try:
            magic = self._file.read(len(GZIP_MAGIC))
            self._file.seek(0)
        except OSError as error:
            self.close()
            raise FeedFileError(f"cannot be read: {error.strerror or error}") from None
        if magic == GZIP_MAGIC:
            self._gzip = gzip.GzipFile(fileobj=self._file)
        elif path.suffix.lower() == ".gz":
            self.close()
            raise FeedFileError("is named .gz but is not a gzip file")

    def read(self, size: int) -> bytes:
        """Up to SIZE more bytes (fewer only at the end)."""
        try:
            data = (self._gzip or self._file).read(min(size, self.limit + 1 - self.count))
        except (EOFError, zlib.error) as error:
            raise FeedFileError(f"is not a readable gzip file: {error}") from None
        except OSError as error:
            if self._gzip is not None:
                raise FeedFileError(f"is not a readable gzip file: {error}") from None
            raise FeedFileError(f"cannot be read: {error.strerror or error}") from None
        self.count += len(data)
        if self.count > self.limit:
            if self._gzip is not None:
                raise FeedFileError(f"decompresses to more than [limits] max_feed_bytes ({self.limit:,}); "
                                    "it was not decompressed further")
            raise FeedFileError(f"holds more than [limits] max_feed_bytes ({self.limit:,})")
        return data

    def close(self) -> None:
        if self._gzip is not None:
            self._gzip.close()
        self._file.close()

    def __enter__(self) -> FeedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of the feed file at PATH, decompressed if it is gzip; FeedFileError when it holds
    (or would decompress to) more than LIMIT bytes, before more than that is read."""
    with FeedReader(path, limit) as reader:
        return reader.read(limit + 1)


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
