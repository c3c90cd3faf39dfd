"""What a writer makes of an article once per export rather than once per file.

An article is in several files of an export (its sections' feeds and archive pages, the
site-wide ones), in every format; what a writer makes of the article alone (not of the feed
it is in) can be made once. It is kept by the article's content when the export says what
that is (contents(): a digest of every field, the one its inputs hashes are made of), since an
article handed to a worker process is a new object on every page it is on; else by the article
object itself, kept with it, so that its id names no other article while it is here (articles
are frozen: the same object is the same article).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # annotations only
    from syndicate.model import Article

T = TypeVar("T")

# id(article) -> (article, the digest of its content), for the articles of the feed being written.
_contents = threading.local()


@contextmanager
def contents(pairs: Iterable[tuple[Article, bytes]]) -> Iterator[None]:
    """Within the block, each article of PAIRS is known by its content's digest (the export's
    InputsHashes.item(): equal digests, equal articles)."""
    known = {id(article): (article, digest) for article, digest in pairs}
    previous = getattr(_contents, "known", None)
    _contents.known = known
    try:
        yield
    finally:
        _contents.known = previous


def _content_of(article: Article) -> bytes | None:
    known = getattr(_contents, "known", None)
    held = known.get(id(article)) if known else None
    return held[1] if held is not None and held[0] is article else None


class PerArticle(Generic[T]):
    """MAKE(article, *context), made once while it is remembered: past LIMIT (the sum of SIZE of
    what is remembered) the oldest are forgotten first. CONTEXT is what else it depends on (the
    same for every feed of an export, in practice), compared each time. Files may be written on
    several threads at once."""

    every: list[PerArticle[Any]] = []  # each one made, so that what they keep can be bounded together

    def __init__(self, make: Callable[..., T], *, limit: int, size: Callable[[T], int] = lambda _: 1) -> None:
        self.make, self.limit, self.size_of = make, limit, size
        PerArticle.every.append(self)
        # By content digest (bytes), the article not kept; else by id (int), the article kept.
        self.by_article: dict[bytes | int, tuple[Article | None, tuple[Hashable, ...], T]] = {}
        self.size = 0
        self.lock = threading.Lock()

    def __call__(self, article: Article, *context: Hashable) -> T:
        content = _content_of(article)
        key: bytes | int = content if content is not None else id(article)
        known = self.by_article.get(key)
        if known is not None and (content is not None or known[0] is article) and known[1] == context:
            return known[2]
        made = self.make(article, *context)
        with self.lock:
            replaced = self.by_article.pop(key, None)
            self.size += self.size_of(made) - (self.size_of(replaced[2]) if replaced else 0)
            self.by_article[key] = (None if content is not None else article, context, made)
            while self.size > self.limit:
                self.size -= self.size_of(self.by_article.pop(next(iter(self.by_article)))[2])
        return made

    def forget(self) -> None:
        with self.lock:
            self.by_article.clear()
            self.size = 0
