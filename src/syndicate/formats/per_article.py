"""What a writer makes of an article once per export rather than once per file.

An article is in several files of an export (its sections' feeds and archive pages, the
site-wide ones), in every format; what a writer makes of the article alone (not of the feed
it is in) can be made once. The article is kept with what was made of it, so that its id names
no other article while it is here (articles are frozen: the same object is the same article).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # annotations only
    from syndicate.model import Article

T = TypeVar("T")


class PerArticle(Generic[T]):
    """MAKE(article, *context), made once while it is remembered: past LIMIT (the sum of SIZE of
    what is remembered) the oldest are forgotten first. CONTEXT is what else it depends on (the
    same for every feed of an export, in practice), compared each time. Files may be written on
    several threads at once."""

    every: list[PerArticle[Any]] = []  # each one made, so that what they keep can be bounded together

    def __init__(self, make: Callable[..., T], *, limit: int, size: Callable[[T], int] = lambda _: 1) -> None:
        self.make, self.limit, self.size_of = make, limit, size
        PerArticle.every.append(self)
        self.by_article: dict[int, tuple[Article, tuple[Hashable, ...], T]] = {}
        self.size = 0
        self.lock = threading.Lock()

    def __call__(self, article: Article, *context: Hashable) -> T:
        known = self.by_article.get(id(article))
        if known is not None and known[0] is article and known[1] == context:
            return known[2]
        made = self.make(article, *context)
        with self.lock:
            replaced = self.by_article.pop(id(article), None)
            self.size += self.size_of(made) - (self.size_of(replaced[2]) if replaced else 0)
            self.by_article[id(article)] = (article, context, made)
            while self.size > self.limit:
                self.size -= self.size_of(self.by_article.pop(next(iter(self.by_article)))[2])
        return made

    def forget(self) -> None:
        with self.lock:
            self.by_article.clear()
            self.size = 0
