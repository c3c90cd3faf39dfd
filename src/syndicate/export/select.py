"""The first step of an export: each feed's records, read from one snapshot of the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from syndicate.build import FeedSpec
from syndicate.config import Config
from syndicate.errors import Problem
from syndicate.model import Article
from syndicate.records import load_articles
from syndicate.store import FeedQuery, HeldBack, StoreState, open_store
from syndicate.stored import RawRecord

# The limit of a feed with archive pages, which needs every public record: the largest a store
# takes (SQLite's and PostgreSQL's LIMIT are 64-bit).
_EVERY_RECORD = 2**63 - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """What an export read from one snapshot of the store."""

    chosen: dict[str, list[RawRecord]]  # feed slug -> its records, newest first
    site_newest: list[RawRecord]  # the site's newest public record (it dates empty feeds), or none
    problems: tuple[Problem, ...]  # what the store met while indexing (a directory store checks every record)
    state: StoreState  # the snapshot's state
    held_back: HeldBack  # what the store holds back: drafts, embargoes not yet lifted


def select_records(config: Config, specs: list[FeedSpec], *, store: str, as_of: datetime) -> Selection:
    """Each feed's records, newest first (its latest spec.limit, or every public one when it has
    archive pages), and the site's newest public record, read from one snapshot of the store."""
    opened = open_store(store, config=config)
    try:
        with opened.snapshot() as snapshot:
            chosen = {spec.slug: snapshot.latest(FeedQuery(section=spec.section, limit=_limit(spec)), as_of=as_of)
                      for spec in specs}
            site_wide = next((chosen[spec.slug] for spec in specs if spec.section is None), None)
            site_newest = site_wide[:1] if site_wide is not None else snapshot.latest(
                FeedQuery(section=None, limit=1), as_of=as_of)
            return Selection(chosen=chosen, site_newest=site_newest, problems=snapshot.problems,
                             state=snapshot.state, held_back=snapshot.held_back(as_of=as_of))
    finally:
        opened.close()


def _limit(spec: FeedSpec) -> int:
    return spec.limit if spec.archive is None else _EVERY_RECORD


def site_newest(raws: list[RawRecord], loaded: dict[str, Article], config: Config) -> Article | None:
    """The site's newest public article (which dates empty feeds). It is in no chosen feed
    when only some sections are exported; if it is invalid, those feeds do not need it."""
    if not raws:
        return None
    return loaded.get(raws[0].origin) or next(iter(load_articles(raws, config).articles), None)
