"""The archive pages of an export, made while the store's records stream by, oldest first.

One stream serves every archived feed: the whole site's records when the site-wide feed or
more than one feed is archived (each article goes to the pages of every archived feed it is
in), else the one section's. Records are read and checked a chunk at a time, so an export
holds a chunk and the page each feed is filling, never the whole archive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from syndicate.archives import ArchivePages
from syndicate.build import FeedSpec, is_public
from syndicate.config import Config
from syndicate.errors import Problem
from syndicate.export.select import Selection
from syndicate.model import Article, Feed
from syndicate.records import load_articles
from syndicate.stored import RawRecord

CHUNK = 500  # records read and checked at once


@dataclass(slots=True)
class Streamed:
    """What the stream met: problems with records, repairs, and which records are on a page."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    origins: set[str] = field(default_factory=set)


def _chunks(records: Iterable[RawRecord]) -> Iterator[list[RawRecord]]:
    stream = iter(records)
    while chunk := list(islice(stream, CHUNK)):
        yield chunk


def _digest(item_id: str) -> bytes:
    return hashlib.blake2b(item_id.encode("utf-8", "surrogatepass"), digest_size=12).digest()


def page_feeds(selection: Selection, archives: list[ArchivePages], config: Config, *,
               streamed: Streamed, archived: Sequence[FeedSpec] | None = None,
               versioned: Callable[[Sequence[Article]], list[Article]] = list) -> Iterator[Feed]:
    """The Feed of every archive page of ARCHIVES, each as soon as it is complete (the newest
    ones last); what the stream met goes into STREAMED. ARCHIVED: every archived feed of the
    export, when ARCHIVES are only some of them (a shard's, shards.py): the stream is theirs, and
    a record on any of their pages is counted, so that a shard reads and reports what the whole
    export does. VERSIONED: a chunk's articles with their versions (syndicate.versions)."""
    specs = list(archived) if archived is not None else [pages.spec for pages in archives]
    section = specs[0].section if len(specs) == 1 else None
    # load_articles() finds an item id taken twice within a chunk; this, across chunks. Digests,
    # not the ids, so that it stays small for a large archive.
    taken: set[bytes] = set()
    # What an article's sections (None: every article's) are held by: looked up, not asked of each feed.
    held_by_specs = {spec.section for spec in specs}
    pages_of: dict[str | None, list[tuple[int, ArchivePages]]] = {}
    for position, pages in enumerate(archives):
        pages_of.setdefault(pages.spec.section, []).append((position, pages))
    for chunk in _chunks(selection.oldest_first(section)):
        loaded = load_articles(chunk, config)
        streamed.problems += loaded.problems
        streamed.warnings += loaded.warnings
        for article in versioned(loaded.articles):
            if _taken(article, taken, streamed.problems) or not is_public(article, as_of=selection.as_of):
                continue  # (a store of an older layout keeps no expiry to select by)
            sections = (None, *article.all_sections)
            if not held_by_specs.isdisjoint(sections):
                streamed.origins.add(article.origin)
            holding = dict(held for s in sections for held in pages_of.get(s, ()))
            for position in sorted(holding):  # in the order of ARCHIVES, each once
                done = holding[position].add(article)
                if done is not None:
                    yield done
    for pages in archives:
        done = pages.finish()
        if done is not None:
            yield done


def _taken(article: Article, taken: set[bytes], problems: list[Problem]) -> bool:
    digests = {_digest(item_id) for item_id in (article.item_id, article.item_uri)}
    if taken & digests:
        problems.append(Problem(origin=article.origin, record_id=article.id, field="guid",
                                message=f"item id {article.item_id!r} is already the item id of an older record "
                                        "of the store; expected a guid no other record has"))
        return True
    taken |= digests
    return False
