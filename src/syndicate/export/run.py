"""export(): the steps of an export in order (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

from syndicate.archives import ArchivePages
from syndicate.build import FeedSpec, build_feed, feed_specs, is_public, is_tombstone, newest_withdrawn, tombstones_of
from syndicate.config import ALL_SLUG, Config
from syndicate.errors import InvalidRecords, RulesBroken, SyndicateError, UsageError
from syndicate.export import parallel
from syndicate.export.manifest import MANIFEST, manifest_bytes, read_manifest, refuse_going_back, sha256
from syndicate.export.pages import Streamed, page_feeds
from syndicate.export.partner_files import PartnerOutput, render_partners
from syndicate.export.publish import Staging, output_lock, read_published, target_path, write_beside
from syndicate.export.render import INDEX, offered_in_index, render_changed, render_index
from syndicate.export.report import ExportReport
from syndicate.export.select import Selection, reading, site_newest
from syndicate.export.shards import Shard, config_digest, partial_bytes
from syndicate.export.site_files import Site as SiteFacts
from syndicate.export.site_files import next_change as site_files_change
from syndicate.export.site_files import site_files
from syndicate.export.unchanged import export_entry, export_key, noted_files, store_fingerprint, write_stamps
from syndicate.formats import FORMATS
from syndicate.lint import is_broken
from syndicate.model import Article, Feed
from syndicate.pausepoints import pause_point
from syndicate.progress import Progress
from syndicate.records import load_articles
from syndicate.versions import PENDING_VERSIONS_FILE, VERSIONS_FILE, Entry, Versions
from syndicate.versions import file_bytes as versions_file_bytes
from syndicate.versions import read_file as read_versions


def chosen_formats(names: Sequence[str] | None, default: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(names or default))
    unknown = [n for n in chosen if n not in FORMATS]
    if unknown:
        raise UsageError(f"unknown format {', '.join(map(repr, unknown))}; known: {', '.join(FORMATS)}")
    return chosen


def export(
    config_path: str | Path,
    config: Config,
    *,
    out: Path,
    store: str | Path | None,
    formats: Sequence[str] | None,
    sections: Sequence[str] | None,
    skip_invalid: bool,
    check: bool,
    force: bool,
    as_of: datetime,
    jobs: int,
    progress: Progress | None,
    shard: Shard | None = None,
    strict: bool = False,
) -> ExportReport:
    """The export syndicate.export.export() describes, with CONFIG read from CONFIG_PATH already.

    Nothing is written unless every record is valid (or SKIP_INVALID leaves the
    invalid ones out) and every rendered file passes its checks. Each file is
    replaced atomically; index.opml and then manifest.json are written last,
    all under a lock on OUT. CHECK writes nothing and reports what would
    change. FORCE publishes even a store state older than the published one.
    AS_OF decides which embargoes have lifted. JOBS: the processes that render (the same files
    whatever it is; export/parallel.py). PROGRESS, when given, is called with
    ("render", files done, files) as each file is rendered or found unchanged.
    SHARD: render only that shard's feeds, and write its partial manifest instead of index.opml
    and manifest.json (shards.py). Each partner profile's files are made too (partner_files.py),
    and checked against its platform's rules: the problems are warnings, or with STRICT an
    RulesBroken, and nothing is published.
    """
    format_names = chosen_formats(formats, config.formats)
    offered = offered_in_index(config)
    if sections:
        unknown = [s for s in sections if s != ALL_SLUG and config.section(s) is None]
        if unknown:
            known = ", ".join([s.slug for s in config.sections] + [ALL_SLUG])
            raise UsageError(f"unknown section {', '.join(map(repr, unknown))}; configured: {known}")
    specs = feed_specs(config, sections=sections)
    owned = specs if shard is None else [spec for spec in specs if shard.owns(spec.slug)]
    # Workers are forked first, holding neither OUT's lock nor the store; an export with little to
    # render (no archive, few feeds) starts none (export/parallel.py).
    if not any(spec.archive is not None for spec in owned) and \
            sum(spec.limit for spec in owned) * len(format_names) < parallel.PARALLEL_FROM:
        jobs = 1
    # A writing export holds OUT's lock from before it reads the store to its last write;
    # --check writes nothing and takes none.
    store_location = str(store or config.store)
    with parallel.workers(jobs) as rendering, nullcontext() if check else output_lock(out), \
            reading(config, specs, store=store_location, as_of=as_of) as selection:
        manifest = read_manifest(out)
        if not force:
            refuse_going_back(manifest.store, selection.state, out=out)

        unique = {raw.origin: raw for spec in specs for raw in selection.chosen[spec.slug]}
        loaded = load_articles(unique.values(), config)
        problems = (*selection.problems, *loaded.problems)
        if problems and not skip_invalid:
            raise InvalidRecords(problems)
        pause_point("export-read")
        # Each article with the version partners should see (syndicate.versions).
        # The store's ledger, and what OUT holds of it: a directory store's whole ledger, or what a
        # database store could not take last time (_keep_versions).
        pending = read_versions(out / (VERSIONS_FILE if selection.versions is None else PENDING_VERSIONS_FILE))
        ledger = Versions(pending, fetch=selection.versions)
        # A directory store's ledger is OUT's: without it, versions start again from 1.
        lost_ledger = [f"{out / VERSIONS_FILE}: missing or unreadable, though {out} was published before: versions "
                       "are numbered from 1 again, and a partner may drop what it takes for versions it holds; "
                       "restore the file from a copy of the output if there is one (an output of syndicate 0.4 "
                       "has none yet: this once, nothing is lost)"] \
            if selection.versions is None and not pending and manifest.files else []
        by_origin = {article.origin: article for article in ledger.of_articles(loaded.articles)}
        withdrawn = load_articles(selection.withdrawn, config)
        problems = (*problems, *withdrawn.problems)
        if problems and not skip_invalid:
            raise InvalidRecords(problems)
        # The store hands out the withdrawals of the window (README "The life of a story").
        tombstones = newest_withdrawn(ledger.of_articles(
            article for article in withdrawn.articles
            if is_tombstone(article, as_of=as_of, window=config.site.tombstone_window)))
        newest = site_newest(selection.site_newest, by_origin, config)
        # A store of an older layout keeps no expiry to select by: is_public() says it here.
        latest_of = {spec.slug: [by_origin[r.origin] for r in selection.chosen[spec.slug]
                                 if r.origin in by_origin and is_public(by_origin[r.origin], as_of=as_of)]
                     for spec in specs}
        archives = [ArchivePages(spec, config) for spec in owned if spec.archive is not None]
        streamed = Streamed()
        feeds = map(ledger.of_feed, _feeds(owned, latest_of, archives, selection, config, site_newest=newest,
                                           streamed=streamed, tombstones=tombstones, versioned=ledger.of_articles,
                                           archived=[spec for spec in specs if spec.archive is not None]))

        # Each changed file is staged as it is rendered (with check, only compared), each target
        # resolved and refused if outside OUT before its file is staged; every staged file is
        # removed, and nothing published, if any check or later step fails.
        with Staging() as staging:
            changed: list[Path] = []  # with check: the files that would change, and those that would not
            same: list[Path] = []

            def keep(relative: str, data: bytes) -> None:
                target = target_path(out, relative)
                if check:
                    (changed if read_published(target) != data else same).append(target)
                else:
                    staging.add(target, data)

            # The number of files is known beforehand only without archive pages.
            total = None if archives else len(owned) * len(format_names)
            rendered = render_changed(feeds, format_names, out=out, manifest=manifest.files, keep=keep,
                                      total=total, noted=noted_files(config, out), workers=rendering,
                                      progress=progress)
            # The archive's records were read and checked while its pages were rendered.
            problems = tuple(dict.fromkeys((*problems, *streamed.problems)))
            if problems and not skip_invalid:
                raise InvalidRecords(problems)
            entries = rendered.entries
            partners = _partners(config, owned, latest_of, selection, as_of=as_of, site_newest=newest,
                                 tombstones=tombstones, format_names=format_names, out=out, manifest=manifest.files,
                                 keep=keep, noted=noted_files(config, out), versioned=ledger.of_feed,
                                 versioned_articles=ledger.of_articles, workers=rendering, strict=strict,
                                 shard=shard)
            problems = tuple(dict.fromkeys((*problems, *partners.problems)))
            if problems and not skip_invalid:
                raise InvalidRecords(problems)
            entries = {**entries, **partners.entries}
            if shard is None:  # a shard's index.opml is `syndicate index`'s (merge.py)
                index_bytes = render_index(config, offered, out=out, also=rendered.entries)
                keep(INDEX, index_bytes)
                entries = {**entries, INDEX: {"inputs": sha256(index_bytes), "sha256": sha256(index_bytes)}}
            # Every shard reads what the whole export reads, so each could make the site files: the
            # shard of the site-wide feed does (merge.py takes them from it); each knows when they change.
            facts = SiteFacts(config=config, specs=specs, latest=latest_of, formats=format_names, as_of=as_of, out=out,
                              complete=not sections)
            if shard is None or shard.owns(ALL_SLUG):
                for relative, data in site_files(facts):
                    keep(relative, data)
                    entries = {**entries, relative: {"inputs": sha256(data), "sha256": sha256(data)}}
            site_change = site_files_change(facts)
            # Kept files are not written: their paths are for the report, and need no check of where they lead.
            root = out.resolve()
            kept = tuple(root / relative for relative in (*rendered.kept, *partners.kept))
            in_feeds = {a.origin for items in latest_of.values() for a in items} | streamed.origins
            warnings = tuple(dict.fromkeys((*selection.store_warnings, *loaded.warnings, *withdrawn.warnings,
                                            *streamed.warnings, *partners.warnings,
                                            # Broken rules; advice only from `syndicate lint`, not on every export.
                                            *(line for line in partners.lint if not line.startswith("advice: ")))))
            report = dict(feeds=len(specs), records=len(in_feeds), warnings=warnings, skipped=problems,
                          rendered=rendered.count + partners.count, held_back=selection.held_back,
                          site_change=site_change)
            # The manifest comes last, naming the store state the files were made from and what
            # else they depend on (so that an export with nothing changed does nothing).
            key = export_key(config_path, store=store_location, formats=formats, sections=sections,
                             skip_invalid=skip_invalid)
            entry = export_entry(key, ExportReport(written=(), unchanged=(), **report))
            fingerprint = store_fingerprint(selection.snapshot)
            if shard is None:
                keep(MANIFEST, manifest_bytes({**manifest.files, **entries}, selection.state, export=entry))
            else:
                keep(shard.relative, partial_bytes(
                    shard, files=entries, feeds=[spec.slug for spec in owned], exported=[spec.slug for spec in specs],
                    state=selection.state, fingerprint=fingerprint, export=entry, config=config_digest(config_path)))
                report["feeds"] = len(owned)
            if check:
                return ExportReport(written=tuple(changed), unchanged=(*kept, *same), checked_only=True, **report)
            # The versions published are kept before the files are put in place: should that fail,
            # the next export numbers the same content the same (syndicate.versions).
            note = _keep_versions(ledger, pending, out=out, keep_in_store=selection.keep_versions, shard=shard)
            # Said of this export, not kept in the manifest's entry (a merged tree of shards has none yet).
            report["warnings"] = (*lost_ledger, *report["warnings"], *([note] if note else []))
            written, unchanged = staging.commit()  # feeds, then the index, then the manifest
        if shard is None:  # a shard writes no manifest: the next export into OUT has no shortcut
            write_stamps(config, out, [*manifest.files, *entries, MANIFEST], fingerprint=fingerprint)
    return ExportReport(written=tuple(written), unchanged=(*kept, *unchanged), **report)


def _feeds(specs: list[FeedSpec], latest_of: dict[str, list[Article]], archives: list[ArchivePages],
           selection: Selection, config: Config, *, site_newest: Article | None, streamed: Streamed,
           tombstones: list[Article], versioned: Callable[[Sequence[Article]], list[Article]],
           archived: list[FeedSpec]) -> Iterator[Feed]:
    """The feeds without archive pages; every archive page, as the store's records stream by;
    then the feeds with archive pages, linked to their newest page. LATEST_OF: each feed's latest
    articles, by slug; TOMBSTONES: the withdrawn stories partners are still told of, which only
    current feeds carry; VERSIONED: articles streamed, with their versions. ARCHIVED: every archived
    feed of the export (a shard's SPECS are some)."""
    yield from (build_feed(spec, latest_of[spec.slug], config, site_newest=site_newest,
                           tombstones=tombstones_of(spec, tombstones))
                for spec in specs if spec.archive is None)
    if archived:
        yield from page_feeds(selection, archives, config, streamed=streamed, archived=archived, versioned=versioned)
    yield from (pages.current_feed(latest_of[pages.spec.slug], site_newest=site_newest,
                                   tombstones=tombstones_of(pages.spec, tombstones)) for pages in archives)



def _partners(config: Config, specs: list[FeedSpec], latest_of: dict[str, list[Article]], selection: Selection, *,
              as_of: datetime, site_newest: Article | None, tombstones: list[Article], format_names: Sequence[str],
              out: Path, manifest: dict, keep: Callable[[str, bytes], None], noted: dict, versioned: Callable[[Feed], Feed],
              versioned_articles: Callable[[Sequence[Article]], list[Article]], workers: parallel.Workers | None,
              strict: bool, shard: Shard | None) -> PartnerOutput:
    """The partners' files (partner_files.py), with the problems of the embargoed records they read;
    their lint lines refused with STRICT."""
    if not config.partners or shard is not None:  # a shard writes no partner trees (README "Partner profiles")
        return PartnerOutput()
    embargoed = load_articles(selection.embargoed, config) if selection.embargoed else None
    # A story sent before its embargo lifts is numbered as any other: a partner keys on its versions.
    output = render_partners(config, specs=specs, latest_of=latest_of,
                             embargoed=versioned_articles(embargoed.articles) if embargoed else (), tombstones=tombstones,
                             site_newest=site_newest, as_of=as_of, default_formats=format_names, out=out,
                             manifest=manifest, keep=keep, noted=noted, versioned=versioned, workers=workers)
    output.problems = embargoed.problems if embargoed else ()
    if strict and is_broken(output.lint):
        raise RulesBroken("a partner's files break its platform's rules (export --strict); nothing was written:\n"
                            + "\n".join(output.lint))
    return output


def _keep_versions(ledger: Versions, pending: Mapping[str, Entry], *, out: Path,
                   keep_in_store: Callable[[dict], None] | None, shard: Shard | None) -> str | None:
    """Keep the versions this export published: in the store that keeps a ledger, with PENDING
    (what OUT kept of it); else, or when that store cannot take them now (another process holds
    its write lock, the user may only read it), in OUT beside the manifest, so that the next
    export still numbers from them. A warning when the store could not take them."""
    if keep_in_store is None:
        if ledger.changed and shard is None:  # a sharded directory store keeps none (README)
            write_beside(out / VERSIONS_FILE, versions_file_bytes(ledger.held, ledger.changed))
        return None
    path = out / PENDING_VERSIONS_FILE
    entries = {**pending, **ledger.changed}
    if not entries:
        return None
    try:
        keep_in_store(entries)
    except SyndicateError as error:
        write_beside(path, versions_file_bytes(pending, ledger.changed))
        return (f"the versions published were kept in {path}, not in the store: {error}. The next export "
                "numbers from both, and moves them into the store once it can")
    if pending:
        path.unlink(missing_ok=True)
    return None
