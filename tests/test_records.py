from syndicate import api

from tests.conftest import load_store, write_record


def _load(site):
    loaded = load_store(site / "syndicate.toml")
    assert loaded.problems == ()
    return list(loaded.articles), list(loaded.warnings)


def _problems(site) -> list[str]:
    loaded = load_store(site / "syndicate.toml")
    assert loaded.problems
    return [str(p) for p in loaded.problems]


def test_a_valid_record_becomes_an_article_with_defaults(site):
    write_record(site, "a", published="06.08.2014", body='<p>See <a href="/other/">this</a></p>',
                 authors=[{"name": "Ihar Gubarevich", "affiliation": "BelarusDigest"}])
    (article,), warnings = _load(site)
    assert article.updated == article.published  # updated defaults to published
    assert article.language == "en"  # the site's
    assert article.published.isoformat() == "2014-08-06T00:00:00+03:00"
    assert 'href="https://test.example.org/other/"' in article.body_html
    assert article.summary == "See this"  # derived from the body when the record has none
    assert article.authors[0].byline == "Ihar Gubarevich, BelarusDigest"
    assert [c.term for c in article.categories] == ["society"]
    assert article.categories[0].label == "Society"
    assert article.item_id == "tag:test.example.org,2024:a"
    assert warnings == []


def test_every_problem_is_listed_with_file_id_and_field(site):
    write_record(site, "no-title", title=None)
    write_record(site, "bad-date", published="the day after tomorrow")
    write_record(site, "bad-slug", section="Not A Slug")
    write_record(site, "unknown-section", section="weather")
    write_record(site, "ok")
    (site / "store" / "more.jsonl").write_text(
        '{"id": "ok", "url": "https://test.example.org/x/", "title": "Again", "section": "society", '
        '"published": "2024-01-01"}\n\n{not json}\n',
        encoding="utf-8",
    )
    problems = _problems(site)
    assert any(p.startswith("store/no-title.json id=no-title title: is required") or
               p.endswith("no-title.json id=no-title title: is required") for p in problems), problems
    assert any("bad-date.json id=bad-date published: cannot read 'the day after tomorrow'" in p for p in problems)
    assert any("bad-slug.json id=bad-slug section: 'Not A Slug' is not a slug" in p for p in problems)
    assert any("unknown-section.json id=unknown-section section: section 'weather' is not configured" in p
               for p in problems)
    # Files are read in path order, so the .jsonl line comes first and ok.json is the duplicate.
    assert any("ok.json id=ok id: duplicate id, first used in" in p and "more.jsonl:1;" in p
               for p in problems)
    assert any("more.jsonl:3 record: not valid JSON" in p for p in problems)
    assert len(problems) == 6, problems


def test_control_characters_are_removed_with_a_warning(site):
    write_record(site, "ctl", title="Bad\x00 title\x1b here")
    (article,), warnings = _load(site)
    assert article.title == "Bad title here"
    assert warnings and "id=ctl title: removed 2 character(s)" in warnings[0]


def test_updated_before_published_is_an_error(site):
    write_record(site, "time-travel", published="2024-01-02", updated="2024-01-01")
    assert any("id=time-travel updated:" in p for p in _problems(site))


def test_embargoed_record_needs_embargo_until(site):
    write_record(site, "secret", status="embargoed")
    assert any("id=secret embargo_until: is required" in p for p in _problems(site))


def test_body_is_sanitised_once(site):
    write_record(site, "x", body='<p onclick="evil()">Hi<script>alert(1)</script>'
                                 '<a href="javascript:alert(1)">j</a><img src="pic.jpg"></p>')
    (article,), _ = _load(site)
    assert "script" not in article.body_html and "onclick" not in article.body_html
    assert "javascript:" not in article.body_html
    assert 'src="https://test.example.org/society/x/pic.jpg"' in article.body_html


def test_required_text_emptied_by_hygiene_is_an_error(site):
    write_record(site, "empty-bits", title="<b></b>\x00", authors=[{"name": "Fine"}, {"name": "<i></i>"}],
                 source={"name": "\x01", "url": "https://source.example/"})
    problems = _problems(site)
    assert [p.split(" ", 2)[2].split(":")[0] for p in problems] == ["title", "authors[1].name", "source.name"]
    assert all("is empty once characters XML cannot carry and markup are removed" in p for p in problems)


def test_a_character_reference_to_a_control_character_in_a_body_is_removed_with_a_warning(site):
    write_record(site, "ref", body="<p>a &#1; b &#x1b;[31m c &#x85;</p>")
    (article,), warnings = _load(site)
    assert article.body_html == "<p>a  b [31m c …</p>"  # HTML reads &#x85; as windows-1252: an ellipsis
    assert any("id=ref body: removed 2 character(s)" in w for w in warnings)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["rss", "atom", "jsonfeed", "newsml", "ninjs"])
    assert all(report.valid for report in api.validate([out]))
