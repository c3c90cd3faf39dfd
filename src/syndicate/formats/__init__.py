"""The format registry: a new format is one module plus one line in FORMATS.

Shared code (export, validate, the OPML index) only ever iterates over this
registry; it never asks which format it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:  # annotations only: importing the model is left to the code that builds feeds
    from syndicate.model import Feed


@dataclass(frozen=True, slots=True, kw_only=True)
class Format:
    name: str  # as given to --format
    filename: str  # written as OUT/<feed slug>/<filename>
    media_type: str
    # Whether feed readers subscribe to it (RSS, Atom, JSON Feed): only such formats are
    # offered in index.opml. Formats for partners' ingest systems (NewsML-G2, ninjs) are not.
    for_feed_readers: bool
    write: Callable[[Feed, BinaryIO], None]
    # Problems with a file of this format (empty when valid), found by the project's own
    # schema, the rules no schema expresses, and an external schema when one is given.
    check: Callable[[bytes, Path | None], list[str]]
    # Whether DATA looks like this format when its file name does not say.
    sniff: Callable[[bytes], bool]


def _registry() -> dict[str, Format]:
    from syndicate.formats import feedgen_feeds, jsonfeed, newsml, ninjs

    formats = (
        feedgen_feeds.RSS,
        feedgen_feeds.ATOM,
        jsonfeed.JSON_FEED,
        newsml.NEWSML,
        ninjs.NINJS,
    )
    return {f.name: f for f in formats}


FORMATS: dict[str, Format] = _registry()

