"""Versions that count: an item's version rises when what partners see of it changes.

Receivers key on an item's id and version (an agency's ingest keeps `guid:version`), so a
correction sent under the version partners already hold is dropped. The ledger keeps, per item
id, the version last published, a digest of what partners see of it and when that version was
made; an export compares each article with it:

  - the same digest: the same version, made when it was (re-exporting changes nothing);
  - another digest: the next version, made at the record's `updated` date, or a second after
    the previous version when the record did not move it (versions are made in order);
  - an id the ledger does not hold: version 1 (the ledger starts with the first export);
  - a record that sets `version` pins it: that version, made at its `updated` date.

What partners see: the title, summary, body, media, authors, the correction note and whether
the story may be used, is withheld or is killed (a kill is a version of its own: NewsML-G2's
stat:canceled). The signal (update or correction) comes from the version and the note
(model.Article.signal). Only the ledger's entries, not the clock, decide the numbers and
times, so two exports of one store state give the same bytes.

A feed is versioned the same way, as the package of its items (NewsML-G2 packageItem): its
entry is kept under its directory URL and its digest covers the ids and versions of its items
and tombstones.

Where the ledger is kept is the store's business (a table of an SQLite or PostgreSQL store) or,
for a store that keeps none (a directory of records), OUT/.syndicate-versions.json beside the manifest
(read_file / file_bytes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # an export with nothing changed reads the ledger's file names, not the model
    from syndicate.model import Article, Feed

# A directory store's ledger, beside OUT's manifest; hidden, as OUT's lock is: not for partners.
VERSIONS_FILE = ".syndicate-versions.json"
# What a store that keeps the ledger could not take when an export published them (its write lock
# held, a user that may only read it): kept beside the manifest until an export can move them.
PENDING_VERSIONS_FILE = ".syndicate-versions-pending.json"
_TICK = timedelta(seconds=1)  # between two versions made at one recorded moment

# item id (or feed directory URL) -> (version, digest of what partners see, when that version was made)
Entry = tuple[int, str, datetime]


def _digest(values: list) -> str:
    text = "\0".join(f"s{v}" if isinstance(v, str) else f"r{v!r}" for v in values)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def seen_by_partners(article: Article) -> str:
    """A digest of what partners see of ARTICLE (the module docstring says what that is)."""
    usable = "killed" if article.status == "killed" else "withheld" if article.status == "withheld" else "usable"
    return _digest([
        article.title, article.summary, article.body_html,
        [(m.url, m.type, m.width, m.height, m.length, m.caption, m.credit) for m in article.media],
        [(a.name, a.affiliation, a.url, a.email) for a in article.authors],
        article.correction, usable, article.kill_reason if article.withdrawn else None,
    ])


class Versions:
    """The ledger HELD as OUT keeps it (a directory store's whole ledger, or what a store that keeps
    one could not take yet), what FETCH reads from that store's ledger for the ids asked (entries
    of HELD of no lower version win: they are newer), and what this export changes in it."""

    def __init__(self, held: Mapping[str, Entry] | None = None, *,
                 fetch: Callable[[list[str]], Mapping[str, Entry]] | None = None) -> None:
        self.held: dict[str, Entry] = dict(held or {})
        self.changed: dict[str, Entry] = {}
        self._fetch = fetch
        self._asked: set[str] = set()

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the store's entries of KEYS at once (an export asks for a page of items at a time)."""
        if self._fetch is None:
            return
        missing = list(dict.fromkeys(key for key in keys if key not in self._asked))
        if not missing:
            return
        self._asked.update(missing)
        for key, entry in self._fetch(missing).items():
            if key not in self.held or entry[0] > self.held[key][0]:
                self.held[key] = entry

    def _entry(self, key: str, digest: str, moment: datetime, *, pinned: int | None = None) -> Entry:
        self.prefetch((key,))
        known = self.changed.get(key) or self.held.get(key)
        if pinned is not None:
            entry = (pinned, digest, moment) if known is None or known[:2] != (pinned, digest) else known
        elif known is None:
            entry = (1, digest, moment)
        elif known[1] == digest:
            entry = known
        else:
            entry = (known[0] + 1, digest, max(moment, known[2] + _TICK))
        if entry != known:
            self.changed[key] = entry
        return entry

    def of_article(self, article: Article) -> Article:
        """ARTICLE with the version and version time the ledger gives it."""
        version, _, created = self._entry(article.item_id, seen_by_partners(article), article.updated,
                                          pinned=article.version if article.version_pinned else None)
        if version == article.version and created == article.created:
            return article
        return replace(article, version=version, version_created=created)

    def of_articles(self, articles: Iterable[Article]) -> list[Article]:
        """Each of ARTICLES with its version, the store's entries read at once."""
        articles = list(articles)
        self.prefetch(article.item_id for article in articles)
        return [self.of_article(article) for article in articles]

    def of_feed(self, feed: Feed) -> Feed:
        """FEED with its version as a package of its items and tombstones."""
        digest = _digest([[(a.item_id, a.version) for a in feed.items],
                          [(a.item_id, a.version) for a in feed.tombstones]])
        version = self._entry(feed.base_url, digest, feed.updated)[0]
        return feed if version == feed.version else replace(feed, version=version)


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def read_file(path: Path) -> dict[str, Entry]:
    """The ledger kept in PATH (OUT/.syndicate-versions.json); empty when there is none or it
    cannot be read (then versions start again from 1, as for a new store)."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
        return {key: (int(version), str(digest), datetime.fromisoformat(created))
                for key, (version, digest, created) in document["versions"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def file_bytes(held: Mapping[str, Entry], changed: Mapping[str, Entry]) -> bytes:
    """The ledger HELD with CHANGED applied, as OUT/.syndicate-versions.json holds it."""
    entries = {**held, **changed}
    document = {"versions": {key: [version, digest, _utc(created)]
                             for key, (version, digest, created) in sorted(entries.items())}}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
