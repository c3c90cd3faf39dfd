"""One export split over N machines, or N jobs of a CI matrix, with no coordination between them.

`export --shard I/N` (I from 1 to N) renders only the feeds of shard I: a feed belongs to shard
sha256(slug) mod N + 1, the SHA-256 digest of its slug's UTF-8 bytes read as a big-endian
integer, so that every machine and every Python version assigns it alike. A feed's archive
pages go with it. A shard writes its feed files as an export does, and, instead of index.opml
and manifest.json (which the shards would each write differently), its partial manifest
DIR/_shards/I-of-N.json: the manifest entries of its files, the store state it read, and the
manifest's `export` entry (unchanged.py) as the whole export would write it. Every shard reads
and checks what the whole export reads (each feed's latest records, and the archive's stream),
renders only its own feeds, and so fails where the whole export would and reports what it
would report. `syndicate index` (merge.py) then writes index.opml and manifest.json for the
merged tree: byte for byte what one export of the same store would have written.

`_shards` cannot be a section's directory (a slug is [a-z0-9-]+), and each shard's partial has
a name of its own, so shards' directories copied into one never overwrite one another.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syndicate.errors import SyndicateError, UsageError
from syndicate.patterns import lazy
from syndicate.store import StoreState

SHARDS_DIRECTORY = "_shards"
_SHARD = lazy(r"\s*(\d+)\s*/\s*(\d+)\s*")
_PARTIAL_NAME = lazy(r"(\d+)-of-(\d+)\.json")


class ShardsMismatch(SyndicateError):
    """The partial manifests in DIR do not make one export: one is missing, or they disagree."""


def shard_of(slug: str, count: int) -> int:
    """The shard (1 to COUNT) the feed SLUG belongs to."""
    digest = hashlib.sha256(slug.encode("utf-8")).digest()
    return int.from_bytes(digest, "big") % count + 1


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard NUMBER of COUNT."""

    number: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """'I/N' as a Shard; a UsageError saying what is expected otherwise."""
        match = _SHARD.fullmatch(text)
        if match is None:
            raise UsageError(f"expected I/N, the shard's number and the number of shards (e.g. 2/3); got {text!r}")
        number, count = int(match[1]), int(match[2])
        if count < 1 or not 1 <= number <= count:
            raise UsageError(f"expected I/N with N at least 1 and I from 1 to N (e.g. 2/3); got {text!r}")
        return cls(number, count)

    def owns(self, slug: str) -> bool:
        return shard_of(slug, self.count) == self.number

    @property
    def relative(self) -> str:
        """Where the shard's partial manifest is, relative to the output directory."""
        return f"{SHARDS_DIRECTORY}/{self.number}-of-{self.count}.json"

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"


def config_digest(config_path: str | Path) -> str:
    return hashlib.sha256(Path(config_path).read_bytes()).hexdigest()


def partial_bytes(shard: Shard, *, files: dict[str, dict[str, str]], feeds: list[str], exported: list[str],
                  state: StoreState, fingerprint: str | None, export: dict[str, Any], config: str) -> bytes:
    """Shard's partial manifest: FILES, the manifest entries of the files of its FEEDS (slugs);
    EXPORTED, the slugs of every feed of the whole export; the STATE (and FINGERPRINT) of the
    store it read; the manifest's EXPORT entry; and CONFIG, the configuration file's digest."""
    from syndicate import __version__

    document = {"generator": f"syndicate {__version__}", "shard": shard.number, "of": shard.count,
                "config": config, "feeds": sorted(feeds), "exported": sorted(exported),
                "store": {"store": state.store, "version": state.version, "fingerprint": fingerprint},
                "export": export, "files": dict(sorted(files.items()))}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


@dataclass(frozen=True, slots=True, kw_only=True)
class Partial:
    """A shard's partial manifest, as read back."""

    path: Path
    shard: Shard
    generator: str
    config: str
    feeds: tuple[str, ...]
    exported: tuple[str, ...]
    state: StoreState
    fingerprint: str | None
    export: dict[str, Any]
    files: dict[str, dict[str, str]]


def read_partials(out: Path) -> list[Partial]:
    """Every partial manifest in OUT/_shards, by shard number; ShardsMismatch for one that cannot be read."""
    from syndicate.export.publish import read_published

    folder = out / SHARDS_DIRECTORY
    try:
        names = sorted(entry.name for entry in folder.iterdir() if _PARTIAL_NAME.fullmatch(entry.name))
    except FileNotFoundError:
        names = []
    except OSError as error:
        raise ShardsMismatch(f"cannot read {folder}: {error.strerror or error}") from None
    partials = []
    for name in names:
        path = folder / name
        try:
            document = json.loads((read_published(path) or b"").decode("utf-8"))
            store = document["store"]
            partials.append(Partial(
                path=path, shard=Shard(document["shard"], document["of"]), generator=document["generator"],
                config=document["config"], feeds=tuple(document["feeds"]), exported=tuple(document["exported"]),
                state=StoreState(store=store["store"], version=store["version"]), fingerprint=store["fingerprint"],
                export=document["export"], files=dict(document["files"])))
        except (ValueError, KeyError, TypeError):
            raise ShardsMismatch(f"{path}: not a partial manifest syndicate wrote (unreadable or cut short); "
                                 "export that shard again") from None
        if name != f"{partials[-1].shard.number}-of-{partials[-1].shard.count}.json":
            raise ShardsMismatch(f"{path}: holds shard {partials[-1].shard}, not what its name says; "
                                 "export that shard again")
    return sorted(partials, key=lambda partial: (partial.shard.count, partial.shard.number))
