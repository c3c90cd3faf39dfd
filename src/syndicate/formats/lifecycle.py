"""What every format says of a story after publication, in the same words in each (README "The
life of a story"): the note of a correction, and the note that goes with a withdrawn story.

A correction note is said only on the version it corrects (Article.signal is "correction": a
version after the first, of a story still published). Formats with a field for editors' notes
carry it there (NewsML-G2 edNote, ninjs ednote); the feed readers' formats have none, so the note
closes the item's text instead: a last paragraph of its HTML body, or, for an item without a
body, a last paragraph of its plain-text summary. The body rather than the summary, because the
body is the text the correction is about, and what a reader reads; the summary stays the
teaser that lists of items show.

A withdrawn story (withheld or killed) is said once as a tombstone, without its text or its
media, with a note to the receiving editors: its kill_reason, else a default that says what
they must do.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from syndicate.model import Article

CORRECTION_LABEL = "Correction:"
# The note of a withdrawn story whose record gives no kill_reason, by status (model.WITHDRAWN).
DEFAULT_WITHDRAWAL_NOTES = {
    "withheld": "Withheld: do not use until it is released again.",
    "killed": "Withdrawn: do not use, and take down every copy already published.",
}


def correction_note(article: Article) -> str | None:
    """ARTICLE's correction note when this version is a correction, else None."""
    return article.correction if article.signal == "correction" else None


def editors_notes(article: Article) -> tuple[str, ...]:
    """Every note to the receiving editors of ARTICLE's item: that it is delivered before its
    embargo lifts (only in a partner's feed, README "Partner profiles"), then its correction note."""
    return tuple(note for note in (article.embargo_note, correction_note(article)) if note)


def with_correction_html(body_html: str, article: Article) -> str:
    """BODY_HTML (ARTICLE's) with the correction note, if any, as its last paragraph."""
    note = correction_note(article)
    if note is None:
        return body_html
    return f"{body_html}<p>{CORRECTION_LABEL} {html.escape(note, quote=False)}</p>"


def with_correction_text(text: str, article: Article) -> str:
    """TEXT, plain text of ARTICLE, with the correction note, if any, as its last paragraph."""
    note = correction_note(article)
    return text if note is None else f"{text}\n\n{CORRECTION_LABEL} {note}"


def withdrawal_note(article: Article) -> str:
    """The note to the receiving editors that goes with the withdrawn ARTICLE."""
    return article.kill_reason or DEFAULT_WITHDRAWAL_NOTES[article.status]
