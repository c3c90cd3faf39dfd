"""An export: select each feed's records from one store snapshot, render what changed, publish.

The steps, one module each, in the order run.export() takes them:

  select.py    each feed's latest records, read from one snapshot of the store, which stays
               open while the archive pages stream from it
  pages.py     the archive pages (syndicate.archives), made as the store's records stream by
  render.py    every file rendered where its inputs changed and checked, a feed at a time,
               in worker processes for a large export (parallel.py); index.opml
  manifest.py  OUT/manifest.json: what each file was rendered from (so an unchanged feed is
               not rendered again) and the store state it was made from (never back in time)
  publish.py   each changed file staged as it is rendered, then all put in place together,
               all or nothing, under OUT's lock

Split over N machines (shards.py): each exports the feeds of its shard and a partial manifest;
merge.py (`syndicate index`) then writes index.opml and manifest.json for the merged tree.

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

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syndicate.errors import UsageError
from syndicate.export.manifest import MANIFEST, OlderThanPublished
from syndicate.export.report import ExportReport

if TYPE_CHECKING:
    from syndicate.export.merge import IndexReport, index_shards
    from syndicate.export.render import INDEX
    from syndicate.export.run import chosen_formats
    from syndicate.export.shards import Shard, ShardsMismatch
    from syndicate.progress import Progress
    from syndicate.store import HeldBack

__all__ = ["INDEX", "MANIFEST", "ExportReport", "IndexReport", "OlderThanPublished", "Shard", "ShardsMismatch",
           "chosen_formats", "export", "index_shards", "next_change"]
# Imported when first asked for: an export with nothing changed needs none of them (unchanged.py).
_DEFINED_IN = {"INDEX": "syndicate.export.render", "chosen_formats": "syndicate.export.run",
               "IndexReport": "syndicate.export.merge", "index_shards": "syndicate.export.merge",
               "Shard": "syndicate.export.shards", "ShardsMismatch": "syndicate.export.shards"}


def __getattr__(name: str) -> Any:
    if name in _DEFINED_IN:
        return getattr(import_module(_DEFINED_IN[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _published(out: Path) -> bool:
    """Whether OUT holds a manifest (an unusable path is for the export to report)."""
    try:
        return (out / MANIFEST).is_file()
    except (OSError, ValueError):
        return False


def next_change(config_path: str | Path, *, store: str | Path | None = None,
                as_of: datetime | None = None) -> tuple[str, HeldBack, datetime | None]:
    """(the store's location, what it holds back AS_OF, when the site files would next change) for
    the store described by CONFIG_PATH (or STORE): the earlier of HeldBack.next_change and the
    last is the earliest future moment at which an export would write other files, for a scheduler
    to run one then (README "The life of a story"). AS_OF defaults to SOURCE_DATE_EPOCH or the
    clock, as an export's."""
    from syndicate.config import load_config
    from syndicate.dates import build_time
    from syndicate.export.select import next_change as held_back_of

    config = load_config(config_path)
    location = str(store or config.store)
    return (location, *held_back_of(config, store=location, as_of=as_of or build_time()))


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
    jobs: int | None = None,
    progress: Progress | None = None,
    shard: str | Shard | None = None,
    strict: bool = False,
) -> ExportReport:
    """Write every chosen feed of the store described by CONFIG_PATH into OUT_DIR (run.export()
    says how), or, when nothing it depends on has changed since the last export into OUT_DIR,
    report what that export did and do nothing (unchanged.py). AS_OF decides which embargoes
    have lifted; it defaults to SOURCE_DATE_EPOCH or the clock. SHARD ('I/N' or a Shard): only
    the feeds of shard I of N, and a partial manifest for `syndicate index` (shards.py); such
    an export always runs (the shortcut has no partial manifest to write). JOBS is how many
    processes render a large export (default: one per CPU this process may use; 1: this process
    only); the files are the same bytes whatever it is. STRICT: a partner's files that break
    its platform's rules (syndicate.lint) are an error, not warnings, and nothing is published;
    such an export always runs when a partner names a platform (the shortcut's report does not
    tell lint's lines from other warnings)."""
    from syndicate.config import load_config
    from syndicate.dates import build_time
    from syndicate.export.publish import output_lock
    from syndicate.export.unchanged import unchanged_report

    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs: expected 1 or more processes; got {jobs}")
    config = load_config(config_path)
    out = Path(out_dir)
    moment = as_of or build_time()
    if isinstance(shard, str):
        from syndicate.export.shards import Shard

        shard = Shard.parse(shard)
    linted = strict and any(p.platform for p in config.partners)
    if shard is None and not linted and _published(out):
        with nullcontext() if check else output_lock(out):
            report = unchanged_report(config_path, config, out=out, store=str(store or config.store),
                                      formats=formats, sections=sections, skip_invalid=skip_invalid, check=check,
                                      as_of=moment)
        if report is not None:
            return report
    from syndicate.export import run
    from syndicate.export.parallel import default_jobs

    return run.export(config_path, config, out=out, store=store, formats=formats, sections=sections,
                      skip_invalid=skip_invalid, check=check, force=force, as_of=moment,
                      jobs=default_jobs() if jobs is None else jobs, progress=progress, shard=shard,
                      strict=strict)
