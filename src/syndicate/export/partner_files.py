"""The partners' files of an export (README "Partner profiles"): each profile's feeds, rendered
and checked as the public ones are (and with manifest entries, so that an unchanged one is not
rewritten), its index.opml, and its output checked against its platform's rules (syndicate.lint)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from syndicate.build import FeedSpec, build_feed, feed_specs, tombstones_of
from syndicate.config import Config, Partner
from syndicate.errors import ConfigError, OutputInvalid, Problem
from syndicate.export.manifest import sha256
from syndicate.export.parallel import Workers
from syndicate.export.render import render_changed
from syndicate.formats import FORMATS
from syndicate.lint import lint_files
from syndicate.model import Article, Feed
from syndicate.opml import INDEX_FILE, Subscription, write_opml
from syndicate.partners import (
    chosen, is_under_embargo, partner_dir, partner_spec, rendered_size, wanted, within_budget,
)
from syndicate.sitemap import FILENAME as SITEMAP_FILE
from syndicate.sitemap import news_sitemap


@dataclass(slots=True)
class PartnerOutput:
    """What the partners' files of one export came to."""

    entries: dict[str, dict[str, str]] = field(default_factory=dict)  # relative path -> manifest entry
    kept: list[str] = field(default_factory=list)  # relative paths as published
    count: int = 0  # files rendered
    warnings: list[str] = field(default_factory=list)  # items changed or left out, budgets kept
    lint: list[str] = field(default_factory=list)  # problems syndicate lint finds, one a line
    problems: tuple[Problem, ...] = ()  # of the records under embargo read for the partners


def partner_formats(partner: Partner, default: Sequence[str]) -> list[str]:
    """PARTNER's formats (the export's when its profile names none), refused when unknown, or
    when a partner that takes stories under embargo would get them in a format that cannot say so."""
    names = list(partner.formats or default)
    where = f"partners.{partner.name}.formats"
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise ConfigError(f"{where}: unknown format {', '.join(map(repr, unknown))}; known: {', '.join(FORMATS)}")
    if partner.embargo == "mark":
        unmarked = [n for n in names if FORMATS[n].for_feed_readers]
        if unmarked:
            raise ConfigError(f"{where}: with embargo = \"mark\", only formats that mark an item as embargoed "
                              f"(for agencies' systems) may be sent; {', '.join(unmarked)} cannot: "
                              f"choose among {', '.join(n for n, f in FORMATS.items() if not f.for_feed_readers)}")
    return names


def render_partners(config: Config, *, specs: Sequence[FeedSpec], latest_of: dict[str, list[Article]],
                    embargoed: Sequence[Article], tombstones: Sequence[Article], site_newest: Article | None,
                    as_of: datetime, default_formats: Sequence[str], out: Path, manifest: dict[str, dict[str, str]],
                    keep: Callable[[str, bytes], None], noted: dict[str, list[int]],
                    versioned: Callable[[Feed], Feed], workers: Workers | None) -> PartnerOutput:
    """Every partner's feeds of SPECS (this export's), their index.opml, each handed to KEEP
    (relative path, bytes) as the public files are; raises OutputInvalid if a file fails its
    checks. VERSIONED gives a feed its version (syndicate.versions)."""
    output = PartnerOutput()
    # An export of some sections sees only their stories: a partner's news sitemap is then left as
    # the last full export made it.
    complete = {spec.slug for spec in specs} >= {spec.slug for spec in feed_specs(config, sections=None)}
    for partner in config.partners:
        names = partner_formats(partner, default_formats)
        if not any(wanted(partner, spec) for spec in specs):
            continue  # none of its feeds in this export (--section): its files stay as they are
        files: list[tuple[str, bytes]] = []
        sent: list[Article] = []  # every story of its feeds, for its news sitemap

        def keep_partner(relative: str, data: bytes) -> None:
            files.append((relative, data))
            keep(relative, data)

        for spec in (s for s in specs if wanted(partner, s)):
            own = partner_spec(partner, spec)
            candidates = [*latest_of[spec.slug],
                          *(a for a in embargoed if spec.section is None or spec.section in a.all_sections)]
            items, notes = chosen(partner, candidates, limit=own.limit, as_of=as_of)
            output.warnings += notes
            feed = versioned(build_feed(own, items, config, site_newest=site_newest,
                                        tombstones=tombstones_of(spec, tombstones)))
            if partner.rights:
                feed = replace(feed, rights=partner.rights)
            sent += feed.items
            for count, group in _budgeted(feed, names, partner, output.warnings):
                rendered = render_changed([replace(feed, items=feed.items[:count])], group, out=out,
                                          manifest=manifest, keep=keep_partner, total=None, noted=noted,
                                          workers=workers)
                output.entries.update(rendered.entries)
                output.kept += rendered.kept
                output.count += rendered.count
        index_relative, index_bytes = _index(config, partner, names, out=out, also=output.entries)
        keep(index_relative, index_bytes)
        output.entries[index_relative] = {"inputs": sha256(index_bytes), "sha256": sha256(index_bytes)}
        if partner.news_sitemap and complete:
            # Only what is public: a story sent early to a trusted partner is not news to index yet.
            relative = f"{partner_dir(partner)}/{SITEMAP_FILE}"
            data = news_sitemap([a for a in sent if not is_under_embargo(a, as_of=as_of)], config=config,
                                as_of=as_of, named=relative)
            keep(relative, data)
            output.entries[relative] = {"inputs": sha256(data), "sha256": sha256(data)}
        if partner.platform is not None:
            # Files kept as published were not handed to KEEP: their bytes are OUT's.
            published = [(relative, (out / relative).read_bytes()) for relative in output.kept
                         if relative.startswith(partner_dir(partner) + "/") and (out / relative).is_file()]
            output.lint += lint_files(partner, [*files, *published], config)
    return output


def _budgeted(feed: Feed, names: list[str], partner: Partner, warnings: list[str]) -> list[tuple[int, list[str]]]:
    """(items kept, formats) groups: every format with all of FEED's items, or, with a byte
    budget, each with the newest that fit (a warning says how many of the oldest were dropped)."""
    if partner.max_bytes is None:
        return [(len(feed.items), names)]
    groups: dict[int, list[str]] = {}
    for name in names:
        fmt = FORMATS[name]
        count = within_budget(feed, fmt, partner.max_bytes)
        if count == 0 and rendered_size(replace(feed, items=()), fmt) > partner.max_bytes:
            empty = rendered_size(replace(feed, items=()), fmt)
            warnings.append(f"{feed.slug}/{fmt.filename}: {empty:,} bytes with no item at all, more than "
                            f"max_bytes ({partner.max_bytes:,} bytes): every item dropped, and still over; "
                            "raise max_bytes")
        elif count < len(feed.items):
            warnings.append(f"{feed.slug}/{fmt.filename}: {len(feed.items) - count} oldest of {len(feed.items)} "
                            f"items dropped to keep within max_bytes ({partner.max_bytes:,} bytes)")
        groups.setdefault(count, []).append(name)
    return sorted(groups.items(), reverse=True)


def _index(config: Config, partner: Partner, names: list[str], *, out: Path,
           also: dict[str, dict[str, str]]) -> tuple[str, bytes]:
    """PARTNER's index.opml: each of its feeds that will be in OUT, in the first of its formats."""
    from syndicate.build import feed_specs

    filename = FORMATS[names[0]].filename
    subscriptions = []
    for spec in (s for s in feed_specs(config, sections=None) if wanted(partner, s)):
        relative = f"{partner_spec(partner, spec).slug}/{filename}"
        if relative in also or (out / relative).is_file():
            subscriptions.append(Subscription(title=spec.title, feed_url=f"{config.site.feeds_url}{relative}",
                                              home_url=spec.home_url))
    buffer = io.BytesIO()
    write_opml(subscriptions, title=f"{config.site.title}: {partner.name}", out=buffer)
    data = buffer.getvalue()
    relative = f"{partner_dir(partner)}/{INDEX_FILE.filename}"
    problems = INDEX_FILE.check(data, None)
    if problems:
        raise OutputInvalid("rendered output failed its checks; nothing was written:\n"
                            + "\n".join(f"{relative}: {p}" for p in problems))
    return relative, data
