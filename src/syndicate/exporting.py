"""An export: select each feed's records from one store snapshot, render what changed, publish.

Incremental: OUT/manifest.json records, per file, the hash of its inputs (the
Feed it was rendered from, the format and syndicate's version) and of its bytes.
A feed whose inputs and file are as the manifest says is not rendered again;
a file whose bytes are unchanged is not rewritten (same bytes, same mtime).
With check=True nothing is written: the report lists the files that would change.

Never back in time: an export holds OUT's lock from before it reads the store
until its last write, and the manifest records the store state it was made from
(StoreState); an export that reads an older state of the same store than the
published one (a restored backup, a lagging replica) is refused unless forced.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from syndicate.build import FeedSpec, build_feed, feed_specs
from syndicate.config import ALL_SLUG, Config, load_config
from syndicate.dates import build_time
from syndicate.errors import ConfigError, InvalidRecords, OutputInvalid, Problem, SyndicateError, UsageError
from syndicate.formats import FORMATS, Format
from syndicate.model import Article, Feed
from syndicate.opml import INDEX_FILE, Subscription, write_opml
from syndicate.pausepoints import pause_point
from syndicate.progress import Progress
from syndicate.publish import output_lock, publish, read_published, target_path
from syndicate.records import load_articles
from syndicate.store import FeedQuery, HeldBack, RawRecord, StoreState, open_store

INDEX = INDEX_FILE.filename
MANIFEST = "manifest.json"


class OlderThanPublished(SyndicateError):
    """The store read is at an older state than the one the published files were made from."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportReport:
    written: tuple[Path, ...]  # files whose bytes changed (with check: that would change)
    unchanged: tuple[Path, ...]  # files that already held exactly these bytes
    rendered: int  # files rendered this time; the others' inputs had not changed
    feeds: int
    records: int  # records in at least one feed
    warnings: tuple[str, ...] = ()
    skipped: tuple[Problem, ...] = ()  # with skip_invalid: why records were left out
    checked_only: bool = False
    held_back: HeldBack = HeldBack()  # what the store holds that no feed shows yet

    @property
    def stale(self) -> bool:
        return bool(self.written)


def chosen_formats(names: Sequence[str] | None, default: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(names or default))
    unknown = [n for n in chosen if n not in FORMATS]
    if unknown:
        raise UsageError(f"unknown format {', '.join(map(repr, unknown))}; known: {', '.join(FORMATS)}")
    return chosen


# The key under which _select() gives the site's newest public record (it dates empty feeds).
_SITE_NEWEST = ""


def _select(config: Config, specs: list[FeedSpec], *, store: str, as_of: datetime
            ) -> tuple[dict[str, list[RawRecord]], tuple[Problem, ...], StoreState, HeldBack]:
    """Each feed's records, newest first, and the site's newest public record (under
    _SITE_NEWEST), read from one snapshot of the store; the problems the store met
    while indexing (a directory store checks every record); the snapshot's state; and
    what the store holds back (drafts, embargoes not yet lifted)."""
    opened = open_store(store, config=config)
    try:
        with opened.snapshot() as snapshot:
            chosen = {spec.slug: snapshot.latest(FeedQuery(section=spec.section, limit=spec.limit), as_of=as_of)
                      for spec in specs}
            site_wide = next((chosen[spec.slug] for spec in specs if spec.section is None), None)
            chosen[_SITE_NEWEST] = site_wide[:1] if site_wide is not None else snapshot.latest(
                FeedQuery(section=None, limit=1), as_of=as_of)
            problems, state = snapshot.problems, snapshot.state
            held_back = snapshot.held_back(as_of=as_of)
    finally:
        opened.close()
    return chosen, problems, state, held_back


def _site_newest(raws: list[RawRecord], loaded: dict[str, Article], config: Config) -> Article | None:
    """The site's newest public article (which dates empty feeds). It is in no chosen feed
    when only some sections are exported; if it is invalid, those feeds do not need it."""
    if not raws:
        return None
    return loaded.get(raws[0].origin) or next(iter(load_articles(raws, config).articles), None)


def _inputs_hash(feed: Feed, format_name: str) -> str:
    from syndicate import __version__

    # A Feed is a frozen dataclass of frozen dataclasses: its repr is all it holds.
    return hashlib.sha256(f"syndicate {__version__}\n{format_name}\n{feed!r}".encode()).hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class _Manifest:
    files: dict[str, dict[str, str]]  # relative path -> {"inputs": hash, "sha256": hash}
    store: StoreState | None  # the store state the published files were made from


def _read_manifest(out: Path) -> _Manifest:
    try:
        document = json.loads((read_published(out / MANIFEST) or b"{}").decode("utf-8"))
        files, store = document.get("files", {}), document.get("store")
        state = StoreState(store=store["store"], version=store["version"]) if store else None
    except (ValueError, AttributeError, KeyError, TypeError):
        return _Manifest({}, None)  # unreadable: everything is rendered, nothing is compared
    return _Manifest(files if isinstance(files, dict) else {}, state)


def _refuse_going_back(published: StoreState | None, read: StoreState, *, out: Path) -> None:
    if published is not None and published.store == read.store and read.version < published.version:
        raise OlderThanPublished(
            f"{out} was published from a newer state of the store {read.store} (version {published.version}) "
            f"than the one read now (version {read.version}): this export would take back what a later one "
            "published, so nothing was written. If the store was restored on purpose, run again with --force.")


def export(
    config_path: str | Path,
    *,
    out_dir: str | Path,
    store: str | Path | None = None,
    formats: Sequence[str] | None = None,
    sections: Sequence[str] | None = None,
    skip_invalid: bool = False,
    check: bool = False,
    force: bool = False,
    as_of: datetime | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Write every chosen feed of the store described by CONFIG_PATH into OUT_DIR.

    Nothing is written unless every record is valid (or SKIP_INVALID leaves the
    invalid ones out) and every rendered file passes its checks. Each file is
    replaced atomically; index.opml and then manifest.json are written last,
    all under a lock on OUT_DIR. CHECK writes nothing and reports what would
    change. FORCE publishes even a store state older than the published one.
    AS_OF decides which embargoes have lifted; it defaults to SOURCE_DATE_EPOCH
    or the clock. PROGRESS, when given, is called with ("render", files done, files)
    as each file is rendered or found unchanged.
    """
    config = load_config(config_path)
    format_names = chosen_formats(formats, config.formats)
    offered = _offered_in_index(config)
    if sections:
        unknown = [s for s in sections if s != ALL_SLUG and config.section(s) is None]
        if unknown:
            known = ", ".join([s.slug for s in config.sections] + [ALL_SLUG])
            raise UsageError(f"unknown section {', '.join(map(repr, unknown))}; configured: {known}")
    specs = feed_specs(config, sections=sections)
    out = Path(out_dir)
    # A writing export holds OUT's lock from before it reads the store to its last write;
    # --check writes nothing and takes none.
    with nullcontext() if check else output_lock(out):
        chosen, index_problems, state, held_back = _select(config, specs, store=str(store or config.store),
                                                           as_of=as_of or build_time())
        manifest = _read_manifest(out)
        if not force:
            _refuse_going_back(manifest.store, state, out=out)

        unique = {raw.origin: raw for spec in specs for raw in chosen[spec.slug]}
        loaded = load_articles(unique.values(), config)
        problems = (*index_problems, *loaded.problems)
        if problems and not skip_invalid:
            raise InvalidRecords(problems)
        pause_point("export-read")
        by_origin = {article.origin: article for article in loaded.articles}
        site_newest = _site_newest(chosen[_SITE_NEWEST], by_origin, config)
        feeds = [build_feed(spec, [by_origin[r.origin] for r in chosen[spec.slug] if r.origin in by_origin], config,
                            site_newest=site_newest)
                 for spec in specs]

        files, entries, rendered = _render_changed(feeds, format_names, out=out, manifest=manifest.files,
                                                   progress=progress)
        index_bytes = _index(config, offered, out=out, also=files)
        files[INDEX] = index_bytes
        entries[INDEX] = {"inputs": _sha256(index_bytes), "sha256": _sha256(index_bytes)}
        # Every target is resolved (and refused if outside OUT) before the first write; the
        # manifest comes last, naming the store state the files were made from.
        targets = {target_path(out, relative): data for relative, data in files.items()}
        targets[target_path(out, MANIFEST)] = _manifest_bytes({**manifest.files, **entries}, state)
        report = dict(feeds=len(feeds), records=len({a.origin for feed in feeds for a in feed.items}),
                      warnings=loaded.warnings, skipped=problems, rendered=rendered, held_back=held_back)
        if check:
            changed = [path for path, data in targets.items() if read_published(path) != data]
            return ExportReport(written=tuple(changed), unchanged=tuple(p for p in targets if p not in changed),
                                checked_only=True, **report)
        written, unchanged = publish(targets)  # feeds, then the index, then the manifest
    return ExportReport(written=tuple(written), unchanged=tuple(unchanged), **report)


def _render_changed(feeds: Sequence[Feed], format_names: Sequence[str], *, out: Path,
                    manifest: dict[str, dict[str, str]], progress: Progress | None = None,
                    ) -> tuple[dict[str, bytes], dict[str, dict[str, str]], int]:
    """The bytes of every feed file, rendered and checked where its inputs changed, else read back."""
    files: dict[str, bytes] = {}
    entries: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    rendered = 0
    for feed in feeds:
        for name in format_names:
            fmt = FORMATS[name]
            relative = f"{feed.slug}/{fmt.filename}"
            inputs = _inputs_hash(feed, name)
            previous = manifest.get(relative, {})
            existing = read_published(out / relative) if previous.get("inputs") == inputs else None
            if existing is not None and _sha256(existing) == previous.get("sha256"):
                data = existing  # same inputs, file as published: nothing to render
            else:
                buffer = io.BytesIO()
                fmt.write(feed, buffer)
                data = buffer.getvalue()
                rendered += 1
                problems += [f"{relative}: {p}" for p in fmt.check(data, None)]
            files[relative] = data
            entries[relative] = {"inputs": inputs, "sha256": _sha256(data)}
            if progress is not None:
                progress("render", len(files), len(feeds) * len(format_names))
    if problems:
        raise OutputInvalid("rendered output failed its checks; nothing was written:\n" + "\n".join(problems))
    return files, entries, rendered


def _offered_in_index(config: Config) -> list[Format]:
    """The formats index.opml may offer a feed in, the config's opml_format first, then the
    other formats feed readers subscribe to, in registry order."""
    offered = [fmt for fmt in FORMATS.values() if fmt.for_feed_readers]
    preferred = FORMATS.get(config.opml_format)
    if preferred is None or not preferred.for_feed_readers:
        raise ConfigError(f"{config.path}: defaults.opml_format: must be a format feed readers subscribe to, "
                          f"one of {', '.join(f.name for f in offered)}; got {config.opml_format!r}")
    return [preferred, *(fmt for fmt in offered if fmt is not preferred)]


def _index(config: Config, offered: list[Format], *, out: Path, also: dict[str, bytes]) -> bytes:
    """index.opml: every feed that will be in OUT after this export (this run's files and earlier
    ones), each once, in the first format of OFFERED whose file is there."""
    subscriptions = []
    for spec in feed_specs(config, sections=None):  # every configured feed, titled as the feeds are
        relatives = (f"{spec.slug}/{fmt.filename}" for fmt in offered)
        relative = next((r for r in relatives if r in also or (out / r).is_file()), None)
        if relative is not None:
            subscriptions.append(Subscription(title=spec.title, feed_url=f"{config.site.feeds_url}{relative}",
                                              home_url=spec.home_url))
    buffer = io.BytesIO()
    write_opml(subscriptions, title=config.site.title, out=buffer)
    data = buffer.getvalue()
    problems = INDEX_FILE.check(data, None)
    if problems:
        raise OutputInvalid("rendered output failed its checks; nothing was written:\n"
                            + "\n".join(f"{INDEX}: {p}" for p in problems))
    return data


def _manifest_bytes(entries: dict[str, dict[str, str]], state: StoreState) -> bytes:
    from syndicate import __version__

    document = {"generator": f"syndicate {__version__}", "files": dict(sorted(entries.items())),
                "store": {"store": state.store, "version": state.version}}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
