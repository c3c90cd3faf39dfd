"""Partner profiles (README "Partner profiles"): each [partners.NAME] table makes, from the
articles of the public feeds, that partner's own feeds under DIR/partners/NAME/<section>/.

A profile only chooses and trims what the public feeds hold (and, for a partner trusted with
them, adds the stories still under embargo, marked): each Article and Feed is a new one made
with dataclasses.replace, and the public ones are left as they are, so the public feeds stay
byte for byte what they were. Nothing here knows a format: a byte budget is kept by asking the
format's own writer how large the file is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from syndicate.build import FeedSpec, latest
from syndicate.config import Partner
from syndicate.content import html_to_text, restrict_html, teaser
from syndicate.formats import Format
from syndicate.model import Article, Feed, Media

PARTNERS_DIR = "partners"  # DIR/partners/NAME/...


def partner_dir(partner: Partner) -> str:
    """PARTNER's directory, relative to the output directory."""
    return f"{PARTNERS_DIR}/{partner.name}"


def partner_spec(partner: Partner, spec: FeedSpec) -> FeedSpec:
    """SPEC as PARTNER's feed: its own directory, PARTNER's limit (never more than the public
    feed holds: the public feed's latest are what a profile chooses from), no archive."""
    return replace(spec, slug=f"{partner_dir(partner)}/{spec.slug}", limit=min(partner.limit or spec.limit, spec.limit),
                   archive=None)


def wanted(partner: Partner, spec: FeedSpec) -> bool:
    """Whether PARTNER takes SPEC's feed (every feed, when its profile names no sections)."""
    return not partner.sections or spec.slug in partner.sections


def is_under_embargo(article: Article, *, as_of: datetime) -> bool:
    return article.status == "embargoed" and (article.embargo_until is None or article.embargo_until > as_of)


def embargo_note(article: Article) -> str:
    """The note to a trusted partner's editors on a story delivered before its embargo lifts."""
    until = article.embargo_until.isoformat() if article.embargo_until else "further notice"
    return f"Embargoed until {until}: do not publish or broadcast before then."


@dataclass(frozen=True, slots=True)
class Profiled:
    """An article as PARTNER receives it, or None (left out), with why it was changed or left out."""

    article: Article | None
    notes: tuple[str, ...]


def cut_title(title: str, *, limit: int, at_least: int = 0) -> str:
    """TITLE cut to at most LIMIT characters with an ellipsis: at the last word boundary, unless
    that leaves less than half of LIMIT (or fewer than AT_LEAST characters): a title in a script
    written without spaces, or of long compounds, is cut within its word instead."""
    head = title[:limit - 1]
    if title[limit - 1].isspace():  # the cut falls at the end of a word: keep that word
        return head.rstrip(" ,;:") + "…"
    at_word = head.rsplit(" ", 1)[0].rstrip(" ,;:") if " " in head else ""
    kept = at_word if len(at_word) + 1 >= max(limit // 2, at_least) else head
    return kept + "…"


def profiled(article: Article, partner: Partner, *, as_of: datetime) -> Profiled:
    """ARTICLE as PARTNER's profile says, or left out (a story under embargo for a partner that
    holds them; a title shorter than title_min)."""
    where = f"{article.origin or article.id}: partner {partner.name!r}"
    under_embargo = is_under_embargo(article, as_of=as_of)
    if under_embargo and partner.embargo != "mark":
        return Profiled(None, ())
    if partner.title_min is not None and len(article.title) < partner.title_min:
        return Profiled(None, (f"{where}: title of {len(article.title)} characters, fewer than title_min "
                               f"({partner.title_min}): left out",))
    notes: list[str] = []
    title = article.title
    if partner.title_max is not None and len(title) > partner.title_max:
        title = cut_title(title, limit=partner.title_max, at_least=partner.title_min or 0)
        notes.append(f"{where}: title of {len(article.title)} characters cut to title_max ({partner.title_max})")
    body, summary = article.body_html, article.summary
    if partner.content == "summary":
        summary = summary or (teaser(html_to_text(body)) if body else None)
        body = None
    elif body is not None and partner.allowed_html is not None:
        body = restrict_html(body, tags=partner.allowed_html)
    media = tuple(m for m in article.media if _image_kept(m, partner))
    changed = replace(
        article, title=title, body_html=body, summary=summary, media=media,
        rights=partner.rights or article.rights,
        embargo_note=embargo_note(article) if under_embargo else None,
        # Another article than the public one of the same record: its content digest is its own
        # (export/manifest.py's InputsHashes keeps digests by origin).
        origin=f"{article.origin}#{partner_dir(partner)}" if article.origin else "",
    )
    return Profiled(changed, tuple(notes))


def _image_kept(media: Media, partner: Partner) -> bool:
    """Whether MEDIA stays: anything but an image; an image at least min_image_width wide, and as
    high where its height is known (the platforms measure an image's shortest side: lint's
    image_min_side), or of no known width when images_without_width is "keep"."""
    if not media.is_image or partner.min_image_width is None:
        return True
    if media.width is None:
        return partner.images_without_width == "keep"
    return min(media.width, media.height or media.width) >= partner.min_image_width


def chosen(partner: Partner, candidates: Sequence[Article], *, limit: int,
           as_of: datetime) -> tuple[list[Article], list[str]]:
    """Of CANDIDATES (the public feed's latest, and the stories under embargo of its section), the
    LIMIT newest that PARTNER receives, as it receives them; and the notes of what was changed."""
    made, notes = [], []
    for article in latest(candidates, len(candidates)):
        result = profiled(article, partner, as_of=as_of)
        notes += result.notes
        if result.article is not None:
            made.append(result.article)
            if len(made) == limit:
                break
    return made, notes


def rendered_size(feed: Feed, fmt: Format) -> int:
    buffer = io.BytesIO()
    fmt.write(feed, buffer)
    return len(buffer.getbuffer())


def within_budget(feed: Feed, fmt: Format, max_bytes: int) -> int:
    """How many of FEED's items (newest first) its file in FMT can hold within MAX_BYTES: the
    oldest go first. The size grows with the items kept, so the largest count that fits is
    found by halving."""
    if rendered_size(feed, fmt) <= max_bytes:
        return len(feed.items)
    low, high = 0, len(feed.items) - 1  # low items fit (or none do), high+1 do not
    while low < high:
        middle = (low + high + 1) // 2
        if rendered_size(replace(feed, items=feed.items[:middle]), fmt) <= max_bytes:
            low = middle
        else:
            high = middle - 1
    return low
