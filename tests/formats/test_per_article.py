"""What a writer makes of an article is made once while remembered, and never for another article."""

from dataclasses import replace

from syndicate.formats.per_article import PerArticle

from tests.conftest import EXAMPLE_CONFIG, load_store


def test_an_article_is_made_once_and_a_changed_one_anew():
    article = load_store(EXAMPLE_CONFIG).articles[0]
    made = []
    titles = PerArticle(lambda a: made.append(a) or a.title, limit=10)
    assert titles(article) == titles(article) == article.title
    changed = replace(article, title="Another title")
    assert titles(changed) == "Another title"
    assert made == [article, changed]


def test_past_the_limit_the_oldest_are_forgotten():
    first, second, third = load_store(EXAMPLE_CONFIG).articles[:3]
    made = []
    titles = PerArticle(lambda a: made.append(a) or a.title, limit=2)
    for article in (first, second, third, third, first):
        titles(article)
    assert made == [first, second, third, first] and titles.size == 2
    titles.forget()
    titles(third)
    assert made[-1] is third and titles.size == 1


def test_what_is_made_in_another_context_is_made_anew():
    article = load_store(EXAMPLE_CONFIG).articles[0]
    made = []
    titles = PerArticle(lambda a, site: made.append(site) or f"{a.title} ({site})", limit=10)
    assert titles(article, "one") == titles(article, "one") == f"{article.title} (one)"
    assert titles(article, "two") == f"{article.title} (two)"
    assert made == ["one", "two"] and titles.size == 1


def test_an_article_known_by_its_content_is_made_once_for_every_copy_of_it():
    import pickle

    from syndicate.formats.per_article import contents

    article = load_store(EXAMPLE_CONFIG).articles[0]
    copy = pickle.loads(pickle.dumps(article))  # as a worker process receives it on another page
    changed = replace(article, title="Another title")
    made = []
    titles = PerArticle(lambda a: made.append(a) or a.title, limit=10)
    with contents([(article, b"digest of article")]):
        assert titles(article) == article.title
    with contents([(copy, b"digest of article"), (changed, b"digest of changed")]):
        assert titles(copy) == article.title and titles(changed) == "Another title"
    assert made == [article, changed]
    assert all(kept is None for kept, _, _ in titles.by_article.values())  # no article is kept alive
    titles(copy)  # unknown content outside the block: kept by the object itself
    assert made[-1] is copy
