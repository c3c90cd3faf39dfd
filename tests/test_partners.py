"""Partner profiles applied to articles: what each key of [partners.NAME] does to an item."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from syndicate.config import Partner
from syndicate.formats import FORMATS
from syndicate.model import Article, Feed, Media
from syndicate.partners import chosen, profiled, rendered_size, within_budget

AS_OF = datetime(2024, 6, 1, tzinfo=timezone.utc)
WIDE = Media(url="https://x.org/wide.jpg", type="image/jpeg", width=1200, height=800)
NARROW = Media(url="https://x.org/narrow.jpg", type="image/jpeg", width=300, height=200)
UNSIZED = Media(url="https://x.org/unsized.jpg", type="image/jpeg")
AUDIO = Media(url="https://x.org/a.mp3", type="audio/mpeg")


def _article(name: str = "a1", **changes) -> Article:
    article = Article(id=name, item_id=f"tag:x.org,2024:{name}", item_uri=f"tag:x.org,2024:{name}",
                      url=f"https://x.org/{name}/", title="A headline of some length", summary="The summary.",
                      body_html='<p>Text with <a href="https://x.org/">a link</a>.</p><h6>Small</h6><pre>code</pre>',
                      section="society", published=AS_OF - timedelta(days=1), updated=AS_OF - timedelta(days=1),
                      language="en", media=(WIDE, NARROW, UNSIZED, AUDIO), rights="Site rights.", origin=f"store#{name}")
    if "published" in changes:
        changes.setdefault("updated", changes["published"])
    return dataclasses.replace(article, **changes)


def _partner(**keys) -> Partner:
    return Partner(name="wire", formats=(), sections=(), **keys)


def test_a_profile_without_keys_sends_the_article_as_it_is_under_its_own_origin():
    article = _article()
    result = profiled(article, _partner(), as_of=AS_OF)
    assert result.notes == ()
    assert dataclasses.replace(result.article, origin=article.origin) == article
    assert result.article.origin == "store#a1#partners/wire"  # its content digest is its own


def test_summary_content_sends_no_body_and_a_summary_made_from_it_when_the_record_has_none():
    assert profiled(_article(), _partner(content="summary"), as_of=AS_OF).article.body_html is None
    made = profiled(_article(summary=None), _partner(content="summary"), as_of=AS_OF).article
    assert (made.body_html, made.summary) == (None, "Text with a link. Small code")


def test_titles_out_of_bounds_are_cut_at_a_word_or_leave_the_item_out():
    result = profiled(_article(), _partner(title_max=20), as_of=AS_OF)
    assert result.article.title == "A headline of some…"
    assert result.notes == ("store#a1: partner 'wire': title of 25 characters cut to title_max (20)",)
    result = profiled(_article(), _partner(title_min=30), as_of=AS_OF)
    assert result.article is None
    assert result.notes == ("store#a1: partner 'wire': title of 25 characters, fewer than title_min (30): left out",)


def test_images_narrower_than_min_image_width_go_and_unsized_ones_go_or_stay_by_rule():
    kept = profiled(_article(), _partner(min_image_width=800), as_of=AS_OF).article
    assert kept.media == (WIDE, UNSIZED, AUDIO)
    dropped = profiled(_article(), _partner(min_image_width=800, images_without_width="drop"), as_of=AS_OF).article
    assert dropped.media == (WIDE, AUDIO)  # audio is no image: kept


def test_allowed_html_keeps_only_those_tags_and_all_the_text():
    article = profiled(_article(), _partner(allowed_html=("p", "a")), as_of=AS_OF).article
    assert article.body_html == '<p>Text with <a href="https://x.org/">a link</a>.</p>Smallcode'


def test_allowed_html_cannot_allow_what_the_default_sanitiser_refuses():
    article = profiled(_article(body_html="<p>x</p>"), _partner(allowed_html=("p", "script")), as_of=AS_OF).article
    assert article.body_html == "<p>x</p>"
    article = _article(body_html="<p>x<script>alert(1)</script></p>")
    assert profiled(article, _partner(allowed_html=("p", "script")), as_of=AS_OF).article.body_html == "<p>x</p>"


def test_rights_replace_the_articles():
    assert profiled(_article(), _partner(rights="Licensed."), as_of=AS_OF).article.rights == "Licensed."


def test_a_story_under_embargo_is_held_or_sent_marked_and_a_lifted_one_is_not_marked():
    secret = _article(status="embargoed", embargo_until=AS_OF + timedelta(days=2))
    assert profiled(secret, _partner(), as_of=AS_OF).article is None
    marked = profiled(secret, _partner(embargo="mark"), as_of=AS_OF).article
    assert marked.embargo_note == "Embargoed until 2024-06-03T00:00:00+00:00: do not publish or broadcast before then."
    lifted = profiled(secret, _partner(embargo="mark"), as_of=AS_OF + timedelta(days=2)).article
    assert lifted.embargo_note is None


def test_chosen_orders_newest_first_and_fills_the_limit_after_leaving_items_out():
    articles = [_article("old", published=AS_OF - timedelta(days=3)),
                _article("short", title="Tiny", published=AS_OF - timedelta(days=1)),
                _article("new", published=AS_OF - timedelta(hours=1)),
                _article("older", published=AS_OF - timedelta(days=5))]
    items, notes = chosen(_partner(title_min=10), articles, limit=2, as_of=AS_OF)
    assert [a.id for a in items] == ["new", "old"]
    assert len(notes) == 1 and "store#short" in notes[0]


def test_within_budget_keeps_the_newest_items_that_fit():
    items = tuple(_article(f"a{n}", published=AS_OF - timedelta(days=n)) for n in range(6))
    feed = Feed(slug="society", title="S", description="D", language="en", home_url="https://x.org/s/",
                site_url="https://x.org/", base_url="https://x.org/feeds/society/", updated=AS_OF, items=items)
    rss = FORMATS["rss"]
    sizes = [rendered_size(dataclasses.replace(feed, items=items[:n]), rss) for n in range(7)]
    assert within_budget(feed, rss, sizes[6]) == 6
    assert within_budget(feed, rss, sizes[6] - 1) == 5
    assert within_budget(feed, rss, sizes[2]) == 2
    assert within_budget(feed, rss, sizes[0] - 1) == 0  # not even the empty feed: none kept


def test_a_title_is_cut_at_a_word_but_never_to_less_than_half_its_limit():
    from syndicate.partners import cut_title

    assert cut_title("Hello world again", limit=12) == "Hello world…"  # the cut ends a word: kept
    assert cut_title("A very long headline indeed", limit=15) == "A very long…"
    # Japanese, with one early space: cut within the text, not back to 'NHK'.
    japanese = "NHK 速報" + "東京都内で大雨警報が発表されました" * 4
    cut = cut_title(japanese, limit=60)
    assert len(cut) == 60 and cut.startswith("NHK 速報東京") and cut.endswith("…")
    # Never fewer than title_min characters, which the title was checked against.
    assert len(cut_title("A " + "x" * 40, limit=30, at_least=21)) == 30


def test_a_wide_but_low_image_goes_as_the_platforms_measure_the_shortest_side():
    banner = Media(url="https://x.org/banner.jpg", type="image/jpeg", width=1200, height=675)
    article = profiled(_article(media=(banner, WIDE)), _partner(min_image_width=800), as_of=AS_OF).article
    assert article.media == (WIDE,)  # 1200 x 675: lint's google-news/image-size would refuse it
