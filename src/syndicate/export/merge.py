"""`syndicate index DIR`: index.opml and manifest.json for the feed files of N shards (shards.py)
copied into DIR, byte for byte what one export of the same store into DIR would have written.

The partial manifests must make one export: all N shards of one split, written by this version of
syndicate with the same configuration file and options, from the same store state, at moments
when the same embargoes had lifted (their `export` entries are equal), each holding the feeds the
hash gives it and no file another holds; and every file they list must be in DIR with the bytes
they list. Otherwise nothing is written. index.opml and manifest.json are written as an export
writes them (staged, then put in place, under DIR's lock); then the partial manifests are removed,
so that DIR holds what an export would have left. The next export into DIR renders only what
changed since, or, where nothing did, takes the shortcut (the sizes and times of DIR's files are
noted as an export notes them).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from syndicate.config import ALL_SLUG, load_config
from syndicate.errors import UsageError
from syndicate.export.manifest import MANIFEST, manifest_bytes, read_manifest, refuse_going_back, sha256
from syndicate.export.publish import Staging, output_lock, read_published, target_path
from syndicate.export.render import INDEX, offered_in_index, render_index
from syndicate.export.shards import SHARDS_DIRECTORY, Partial, ShardsMismatch, config_digest, read_partials, shard_of
from syndicate.export.unchanged import write_stamps
from syndicate.formats import FORMATS

FEED_FILENAMES = frozenset(fmt.filename for fmt in FORMATS.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexReport:
    written: tuple[Path, ...]  # index.opml and manifest.json, where their bytes changed
    unchanged: tuple[Path, ...]  # those that already held exactly these bytes
    shards: int  # partial manifests merged (and removed)
    feeds: int  # feeds of the merged export
    files: int  # feed files the shards wrote, archive pages included


def index_shards(config_path: str | Path, *, out_dir: str | Path, force: bool = False) -> IndexReport:
    """Write OUT_DIR/index.opml and OUT_DIR/manifest.json for the shards exported into OUT_DIR (or
    copied there), then remove their partial manifests. Raises ShardsMismatch, writing nothing,
    when the shards do not make one export of the site CONFIG_PATH describes (see the module's
    docstring), and OlderThanPublished when OUT_DIR was published from a newer store state,
    unless FORCE."""
    config = load_config(config_path)
    out = Path(out_dir)
    if not out.is_dir():
        raise UsageError(f"{out}: no such directory; export the shards into it first "
                         "(syndicate export --shard I/N --out DIR), or copy their directories into it")
    with output_lock(out):
        partials = read_partials(out)
        first = _one_export(partials, out=out, config=config_digest(config_path))
        files = _merged_files(partials, out=out)
        published = read_manifest(out)
        if not force:
            refuse_going_back(published.store, first.state, out=out)
        index_bytes = render_index(config, offered_in_index(config), out=out, also=files)
        entries = {**files, INDEX: {"inputs": sha256(index_bytes), "sha256": sha256(index_bytes)}}
        with Staging() as staging:  # the index, then the manifest, as an export writes them
            staging.add(target_path(out, INDEX), index_bytes)
            staging.add(target_path(out, MANIFEST),
                        manifest_bytes({**published.files, **entries}, first.state, export=first.export))
            written, unchanged = staging.commit()
        for partial in partials:  # merged: DIR now holds what one export would have left there
            partial.path.unlink(missing_ok=True)
        with suppress(OSError):
            (out / SHARDS_DIRECTORY).rmdir()
        write_stamps(config, out, [*published.files, *entries, MANIFEST], fingerprint=first.fingerprint)
    return IndexReport(written=tuple(written), unchanged=tuple(unchanged), shards=len(partials),
                       feeds=len(first.exported), files=len(files))


def _one_export(partials: list[Partial], *, out: Path, config: str) -> Partial:
    """The first of PARTIALS, once every check that they make one export has passed."""
    from syndicate import __version__

    folder = out / SHARDS_DIRECTORY
    if not partials:
        raise ShardsMismatch(f"{folder} holds no partial manifest (I-of-N.json): export each shard into {out} "
                             "(syndicate export --shard I/N --out DIR), or copy their directories into it")
    counts = sorted({partial.shard.count for partial in partials})
    if len(counts) > 1:
        names = ", ".join(partial.path.name for partial in partials)
        raise ShardsMismatch(f"{folder} holds shards of exports split {' and '.join(map(str, counts))} ways "
                             f"({names}); keep those of one split only")
    count = counts[0]
    numbers = {partial.shard.number for partial in partials}
    missing = [f"{number}/{count}" for number in range(1, count + 1) if number not in numbers]
    if missing:
        files = ", ".join(name.replace("/", "-of-") + ".json" for name in missing)
        raise ShardsMismatch(f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing: {folder} has no "
                             f"{files}; export each shard (syndicate export --shard I/N) or copy its directory "
                             f"into {out}")
    first = partials[0]
    for partial in partials:
        if partial.generator != f"syndicate {__version__}":
            raise ShardsMismatch(f"{partial.path}: shard {partial.shard} was exported by {partial.generator}, "
                                 f"and this is syndicate {__version__}: export every shard with this version")
        if partial.config != config:
            raise ShardsMismatch(f"{partial.path}: shard {partial.shard} was exported with another configuration "
                                 "file than the one given here: export every shard with this one")
        if (partial.state, partial.fingerprint) != (first.state, first.fingerprint):
            raise ShardsMismatch(
                f"the shards read different states of the store: shard {first.shard} version {first.state.version} "
                f"of {first.state.store}, shard {partial.shard} version {partial.state.version} of "
                f"{partial.state.store}; export every shard again from one state (nothing writing to the store)")
        if partial.export != first.export or partial.exported != first.exported:
            raise ShardsMismatch(
                f"shards {first.shard} and {partial.shard} are not of one export: other options (--store, "
                "--format, --section, --skip-invalid), or read when another embargo had lifted; export every "
                "shard again with the same options (and the same SOURCE_DATE_EPOCH)")
        expected = tuple(slug for slug in first.exported if shard_of(slug, count) == partial.shard.number)
        if partial.feeds != expected:
            raise ShardsMismatch(f"{partial.path}: shard {partial.shard} holds the feeds {', '.join(partial.feeds)}, "
                                 f"not those the split gives it ({', '.join(expected)}); export it again")
    return first


def _merged_files(partials: list[Partial], *, out: Path) -> dict[str, dict[str, str]]:
    """Every shard's manifest entries, each of a feed of its own and checked against the bytes in OUT."""
    merged: dict[str, dict[str, str]] = {}
    holder: dict[str, Partial] = {}
    for partial in partials:
        for relative, entry in partial.files.items():
            if relative in holder:
                raise ShardsMismatch(f"shards {holder[relative].shard} and {partial.shard} both list {relative}: "
                                     "export them again")
            # A shard's files are its feeds'; the site files (beside index.opml, and each feed's preview
            # page in its directory), the site-wide feed's shard's: any but a feed file of a format.
            site_file = relative.rsplit("/", 1)[-1] not in FEED_FILENAMES and partial.shard.owns(ALL_SLUG)
            if relative.split("/", 1)[0] not in partial.feeds and not site_file:
                raise ShardsMismatch(f"{partial.path}: shard {partial.shard} lists {relative}, which is not of "
                                     "one of its feeds; export it again")
            data = read_published(target_path(out, relative))
            if data is None:
                raise ShardsMismatch(f"{out / relative} is missing: copy all of shard {partial.shard}'s directory "
                                     f"into {out}")
            if sha256(data) != entry.get("sha256"):
                raise ShardsMismatch(f"{out / relative} is not the file shard {partial.shard} wrote (another "
                                     "export's, or another shard's directory copied over it?): copy shard "
                                     f"{partial.shard}'s directory into {out} again, or export it again")
            merged[relative] = entry
            holder[relative] = partial
    return merged
