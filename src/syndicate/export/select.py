"""The first step of an export: each feed's records, read from one snapshot of the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from syndicate.build import FeedSpec
from syndicate.config import Config
from syndicate.errors import Problem
from syndicate.model import Article
from syndicate.records import load_articles
from syndicate.store import FeedQuery, HeldBack, Snapshot, StoreState, open_store
from syndicate.stored import RawRecord

# The limit that asks a snapshot without oldest_first() for every public record (the directory
# store's, which holds them all already).
_EVERY_RECORD = 2**63 - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """What an export reads from one snapshot of the store, while it is open."""

    chosen: dict[str, list[RawRecord]]  # feed slug -> its latest records, newest first
    site_newest: list[RawRecord]  # the site's newest public record (it dates empty feeds), or none
    problems: tuple[Problem, ...]  # what the store met while indexing (a directory store checks every record)
    state: StoreState  # the snapshot's state
    held_back: HeldBack  # what the store holds back: drafts, embargoes not yet lifted
    snapshot: Snapshot
    as_of: datetime
    store_warnings: list[str]  # what the store has to tell (a directory store's record cache set aside)
    withdrawn: list[RawRecord]  # withheld and killed records within the tombstone window, latest first
    # The versions ledger (syndicate.versions) the store keeps, or None for a store that keeps none
    # (a directory store's is OUT's, syndicate.versions.VERSIONS_FILE); and how to keep what an export changes in it.
    versions: Callable[[list[str]], dict] | None  # the store's ledger entries of the ids asked
    keep_versions: Callable[[dict], None] | None
    # Records still under embargo, for partners that take them early (README "Partner profiles"):
    # read only when such a partner is configured.
    embargoed: list[RawRecord] = field(default_factory=list)

    def oldest_first(self, section: str | None) -> Iterator[RawRecord]:
        """Every public record of SECTION (None: the site), oldest first, read as it is iterated."""
        stream = getattr(self.snapshot, "oldest_first", None)
        if stream is None:  # a snapshot that holds every record already
            return reversed(self.snapshot.latest(FeedQuery(section=section, limit=_EVERY_RECORD), as_of=self.as_of))
        return stream(section, as_of=self.as_of)


@contextmanager
def reading(config: Config, specs: list[FeedSpec], *, store: str, as_of: datetime) -> Iterator[Selection]:
    """Each feed's latest records, newest first, and the site's newest public record, read from
    one snapshot of the store, which stays open for the block (archive pages stream from it)."""
    opened = open_store(store, config=config)
    try:
        with opened.snapshot() as snapshot:
            chosen = {spec.slug: snapshot.latest(FeedQuery(section=spec.section, limit=spec.limit), as_of=as_of)
                      for spec in specs}
            site_wide = next((chosen[spec.slug] for spec in specs if spec.section is None), None)
            site_newest = site_wide[:1] if site_wide is not None else snapshot.latest(
                FeedQuery(section=None, limit=1), as_of=as_of)
            window = config.site.tombstone_window
            withdrawn = snapshot.withdrawn(since=as_of - window)
            yield Selection(chosen=chosen, site_newest=site_newest, problems=snapshot.problems,
                            state=snapshot.state, held_back=snapshot.held_back(as_of=as_of, tombstone_window=window),
                            snapshot=snapshot, as_of=as_of, store_warnings=getattr(opened, "warnings", []),
                            withdrawn=withdrawn, versions=getattr(snapshot, "versions", None),
                            keep_versions=getattr(opened, "keep_versions", None),
                            embargoed=snapshot.embargoed(as_of=as_of)
                            if any(p.embargo == "mark" for p in config.partners) else [])
    finally:
        opened.close()


def site_newest(raws: list[RawRecord], loaded: dict[str, Article], config: Config) -> Article | None:
    """The site's newest public article (which dates empty feeds). It is in no chosen feed
    when only some sections are exported; if it is invalid, those feeds do not need it."""
    if not raws:
        return None
    return loaded.get(raws[0].origin) or next(iter(load_articles(raws, config).articles), None)



def next_change(config: Config, *, store: str, as_of: datetime) -> tuple[HeldBack, datetime | None]:
    """(what the store holds back AS_OF, when the site files would next change): the earlier of
    HeldBack.next_change and that is the earliest moment after AS_OF at which an export of the
    store as it is may write other files (an embargo lifting, a story expiring, a tombstone window
    closing, a story leaving the news sitemap's two days); None for either when nothing is due."""
    from pathlib import Path

    from syndicate.build import feed_specs
    from syndicate.export.site_files import Site
    from syndicate.export.site_files import next_change as site_files_change

    specs = feed_specs(config, sections=None)
    with reading(config, specs, store=store, as_of=as_of) as selection:
        unique = {raw.origin: raw for spec in specs for raw in selection.chosen[spec.slug]}
        by_origin = {article.origin: article for article in load_articles(unique.values(), config).articles}
        latest = {spec.slug: [by_origin[raw.origin] for raw in selection.chosen[spec.slug] if raw.origin in by_origin]
                  for spec in specs}
        site = Site(config=config, specs=specs, latest=latest, formats=config.formats, as_of=as_of, out=Path("."))
        return selection.held_back, site_files_change(site)
