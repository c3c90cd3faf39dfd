"""OUT/manifest.json: per file, the hash of what it was rendered from and of its bytes, and the
store state the published files were made from.

A file whose inputs hash is as the manifest says (and whose bytes are too) is not rendered again;
an export from an older state of the same store than the published one is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syndicate.errors import SyndicateError
from syndicate.export.publish import read_published
from syndicate.store import StoreState

if TYPE_CHECKING:
    from syndicate.model import Article, Feed

MANIFEST = "manifest.json"


class OlderThanPublished(SyndicateError):
    """The store read is at an older state than the one the published files were made from."""


class InputsHashes:
    """The hash of what each feed's file in each format is rendered from (inputs_hashes), each
    article's part of it made once: an article is on several feeds and pages of an export.

    Within one export an origin names one record read from one store snapshot, hence one
    Article: the part is kept by origin (for the last KEPT articles; an article without an
    origin is not kept)."""

    KEPT = 100_000

    def __init__(self) -> None:
        self.of_origin: dict[str, bytes] = {}

    def item(self, article: Article) -> bytes:
        """ARTICLE's part: a digest of every field but its origin (equal digests, equal articles)."""
        known = self.of_origin.get(article.origin) if article.origin else None
        if known is None:
            from syndicate.checked import fields

            # Strings as they are and other values as their repr, each marked with which it is and
            # separated by NUL, which no text of an Article holds (repr of a whole page of many
            # articles costs ten times more: it escapes every string of it).
            values = [*fields(article), [(c.term, c.label, c.scheme, c.url) for c in article.categories]]
            if article.embargo_note is not None:  # only in partners' feeds: the public digests stay as they were
                values.append(article.embargo_note)
            known = hashlib.blake2b("\0".join(f"s{v}" if isinstance(v, str) else f"r{v!r}" for v in values)
                                    .encode("utf-8", "surrogatepass"), digest_size=20).digest()
            if article.origin:
                self.of_origin[article.origin] = known
                if len(self.of_origin) > self.KEPT:  # the oldest forgotten first
                    del self.of_origin[next(iter(self.of_origin))]
        return known

    def __call__(self, feed: Feed, format_names: Sequence[str]) -> dict[str, str]:
        from syndicate import __version__

        # All the Feed holds: its own fields (a frozen dataclass: its repr, without the items),
        # then each item's.
        digest = hashlib.sha256(repr(replace(feed, items=())).encode())
        for article in feed.items:
            digest.update(self.item(article))
        held = digest.digest()
        return {name: hashlib.sha256(f"syndicate {__version__}\n{name}\n".encode() + held).hexdigest()
                for name in format_names}


def inputs_hashes(feed: Feed, format_names: Sequence[str]) -> dict[str, str]:
    """The hash of what FEED's file in each of FORMAT_NAMES is rendered from, by format name."""
    return InputsHashes()(feed, format_names)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Manifest:
    files: dict[str, dict[str, str]]  # relative path -> {"inputs": hash, "sha256": hash}
    store: StoreState | None  # the store state the published files were made from
    export: dict[str, Any] | None = None  # what else they depend on, and what the export reported (unchanged.py)


def read_manifest(out: Path) -> Manifest:
    try:
        document = json.loads((read_published(out / MANIFEST) or b"{}").decode("utf-8"))
        files, store, export = document.get("files", {}), document.get("store"), document.get("export")
        state = StoreState(store=store["store"], version=store["version"]) if store else None
    except (ValueError, AttributeError, KeyError, TypeError):
        return Manifest({}, None)  # unreadable: everything is rendered, nothing is compared
    return Manifest(files if isinstance(files, dict) else {}, state, export if isinstance(export, dict) else None)


def refuse_going_back(published: StoreState | None, read: StoreState, *, out: Path) -> None:
    if published is not None and published.store == read.store and read.version < published.version:
        raise OlderThanPublished(
            f"{out} was published from a newer state of the store {read.store} (version {published.version}) "
            f"than the one read now (version {read.version}): this export would take back what a later one "
            "published, so nothing was written. If the store was restored on purpose, run again with --force.")


def manifest_bytes(entries: dict[str, dict[str, str]], state: StoreState, *, export: dict[str, Any]) -> bytes:
    from syndicate import __version__

    document = {"generator": f"syndicate {__version__}", "files": dict(sorted(entries.items())),
                "store": {"store": state.store, "version": state.version}, "export": export}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
