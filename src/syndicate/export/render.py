"""Rendering: every feed file whose inputs changed is rendered and checked, the others are read
back as published; then index.opml, which lists the feeds."""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from syndicate.build import feed_specs
from syndicate.config import Config
from syndicate.errors import ConfigError, OutputInvalid
from syndicate.export.manifest import InputsHashes, sha256
from syndicate.export.parallel import Workers, in_order
from syndicate.export.publish import read_published
from syndicate.export.unchanged import as_noted
from syndicate.formats import FORMATS, Format
from syndicate.formats.per_article import contents
from syndicate.model import Feed
from syndicate.opml import INDEX_FILE, Subscription, write_opml
from syndicate.progress import Progress

INDEX = INDEX_FILE.filename


@dataclass(frozen=True, slots=True)
class Rendered:
    kept: list[str]  # relative paths whose inputs are unchanged and whose file is as published
    entries: dict[str, dict[str, str]]  # relative path -> its manifest entry, for every file
    count: int  # files rendered this time


@dataclass(frozen=True, slots=True)
class FeedFile:
    """One file of a feed, rendered and checked, or found as published."""

    relative: str  # its path in OUT
    inputs: str  # the hash of what it is rendered from
    sha256: str  # the hash of its bytes
    data: bytes | None  # None: its inputs are unchanged and it is as published
    problems: tuple[str, ...]  # what its checks found, each naming the file


@dataclass(frozen=True, slots=True)
class FeedTask:
    """What rendering one feed's files is given."""

    slug: str
    # None when every file is as the last export left it (same inputs, as noted): there is
    # nothing to render or read, and no page of articles to hand to a worker.
    feed: Feed | None
    inputs: dict[str, str]  # format name -> the hash of what its file is rendered from
    previous: dict[str, dict[str, str]]  # relative path -> its manifest entry, with "as_noted"
    # The digest of each item's content (InputsHashes.item), by which the writers keep what they
    # made of an article from one page to the next (formats/per_article.py).
    item_digests: tuple[bytes, ...] = ()


def feed_files(task: FeedTask, *, out: Path) -> list[FeedFile]:
    """TASK's feed's file in each of its formats, rendered and checked unless its inputs and bytes
    are as TASK's manifest entries (for these files) say. Touches nothing but OUT's files, read:
    this runs in a worker process with --jobs."""
    files = []
    for name, inputs in task.inputs.items():
        fmt = FORMATS[name]
        relative = f"{task.slug}/{fmt.filename}"
        entry = task.previous.get(relative, {})
        same_inputs = entry.get("inputs") == inputs
        if same_inputs and entry.get("as_noted"):  # as the last export left it: its hash is the manifest's
            files.append(FeedFile(relative=relative, inputs=inputs, sha256=entry["sha256"], data=None, problems=()))
            continue
        data = read_published(out / relative) if same_inputs else None
        if data is not None and sha256(data) == entry.get("sha256"):
            files.append(FeedFile(relative=relative, inputs=inputs, sha256=entry["sha256"], data=None, problems=()))
            continue  # same inputs, file as published: nothing to render
        buffer = io.BytesIO()
        with contents(zip(task.feed.items, task.item_digests)):
            fmt.write(task.feed, buffer)
        data = buffer.getvalue()
        files.append(FeedFile(relative=relative, inputs=inputs, sha256=sha256(data), data=data,
                              problems=tuple(f"{relative}: {p}" for p in fmt.check(data, None))))
    return files


def _tasks(feeds: Iterable[Feed], format_names: Sequence[str], *, out: Path,
           manifest: dict[str, dict[str, str]], noted: dict[str, list[int]]) -> Iterator[FeedTask]:
    """A task for each of FEEDS; their inputs hashes are made here, once for every format and
    each article's part once (InputsHashes), so that a feed none of whose files changed is
    handed to no worker."""
    hashes = InputsHashes()
    filenames = {name: FORMATS[name].filename for name in format_names}
    for feed in feeds:
        inputs = hashes(feed, format_names)
        relatives = {name: f"{feed.slug}/{filename}" for name, filename in filenames.items()}
        previous = {relative: {**manifest[relative], "as_noted": as_noted(noted, out, relative)}
                    for relative in relatives.values() if relative in manifest}
        kept = all(previous.get(relative, {}).get("inputs") == inputs[name] and previous[relative]["as_noted"]
                   for name, relative in relatives.items())
        yield FeedTask(slug=feed.slug, feed=None if kept else feed, inputs=inputs, previous=previous,
                       item_digests=() if kept else tuple(map(hashes.item, feed.items)))


def render_changed(feeds: Iterable[Feed], format_names: Sequence[str], *, out: Path,
                   manifest: dict[str, dict[str, str]], keep: Callable[[str, bytes], None],
                   total: int | None, noted: dict[str, list[int]] | None = None, workers: Workers | None = None,
                   progress: Progress | None = None) -> Rendered:
    """Every feed file, rendered and checked where its inputs changed, and handed to KEEP (relative
    path, bytes) one at a time, as FEEDS come, so that an archive of many pages is never held in
    memory whole. TOTAL is the number of files, when it is known beforehand (for PROGRESS).
    A file whose inputs are unchanged and whose bytes are as published is only read, to compare
    its hash, and not even read when it has the size and modification time NOTED for it
    (unchanged.noted_files: the last export's). WORKERS, when given, render them (export/parallel.py); KEEP is given the same
    files in the same order either way. Raises OutputInvalid, once every file is rendered, if
    any fails its checks: KEEP must not publish what it is given before then."""
    tasks = _tasks(feeds, format_names, out=out, manifest=manifest, noted=noted or {})
    render = partial(feed_files, out=out)
    kept: list[str] = []
    entries: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    count = 0
    with closing(in_order(render, tasks, workers=workers, doing="rendering feeds",
                          holds=lambda task: task.feed is not None)) as results:
        for files in results:
            for file in files:
                if file.data is None:
                    kept.append(file.relative)
                else:
                    count += 1
                    problems += file.problems
                    keep(file.relative, file.data)
                entries[file.relative] = {"inputs": file.inputs, "sha256": file.sha256}
                if progress is not None:
                    progress("render", len(entries), total)
    if problems:
        raise OutputInvalid("rendered output failed its checks; nothing was written:\n" + "\n".join(problems))
    return Rendered(kept=kept, entries=entries, count=count)


def offered_in_index(config: Config) -> list[Format]:
    """The formats index.opml may offer a feed in, the config's opml_format first, then the
    other formats feed readers subscribe to, in registry order."""
    offered = [fmt for fmt in FORMATS.values() if fmt.for_feed_readers]
    preferred = FORMATS.get(config.opml_format)
    if preferred is None or not preferred.for_feed_readers:
        raise ConfigError(f"{config.path}: defaults.opml_format: must be a format feed readers subscribe to, "
                          f"one of {', '.join(f.name for f in offered)}; got {config.opml_format!r}")
    return [preferred, *(fmt for fmt in offered if fmt is not preferred)]


def render_index(config: Config, offered: list[Format], *, out: Path, also: Collection[str]) -> bytes:
    """index.opml: every feed that will be in OUT after this export (ALSO, this run's files by
    relative path, and earlier ones), each once, in the first format of OFFERED whose file is there."""
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
