"""Synthetic stores for the benchmarks.

write_corpus: N articles across S sections, shaped like the example (bodies of a few KB).
write_newsroom: N canonical records as a newsroom keeps them: bodies of about 5 KB of
HTML (paragraphs, headings, links, images, quotes, lists), Belarusian and English text
(Cyrillic in titles, bodies, tags, names and some URLs), several sections per record,
authors, media, and dates in the forms newsrooms write.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = ("Belarus human rights community agenda convention local campaign city report heritage "
         "accessibility monitoring project partners forum experts strategy disability").split()
CYRILLIC = ("Беларусь правы чалавека грамада парадак канвенцыя мясцовы кампанія горад справаздача "
            "спадчына даступнасць маніторынг праект партнёры форум эксперты стратэгія інваліднасць "
            "навіны рэгіён адукацыя культура сацыяльны падтрымка ініцыятыва валанцёры сустрэча "
            "рашэнне закон бюджэт праграма развіццё").split()
PLACES = ("Мінск", "Бабруйск", "Столін", "Шчучын", "Валожын", "Стоўбцы", "Гродна", "Брэст")
AUTHORS = ("Ігар Губарэвіч", "Ganna Mackevič", "Вольга Смірнова", "Andrei Kazakevich", "Алесь Пушкін",
           "Tatsiana Kulikova", "Сяргей Мартынаў")


def write_config(folder: Path, *, sections: int, limit: int | None = None, max_feed_bytes: int | None = None) -> Path:
    """FOLDER/syndicate.toml for a site of SECTIONS sections (section-0 ...), feeds of LIMIT items,
    feed files to import of at most MAX_FEED_BYTES; returns its path."""
    section_tables = "".join(
        f'\n[[sections]]\nslug = "section-{n}"\ntitle = "Section {n}"\n' for n in range(sections))
    defaults = f"\n[defaults]\nlimit = {limit}\n" if limit else ""
    defaults += f"\n[limits]\nmax_feed_bytes = {max_feed_bytes}\n" if max_feed_bytes else ""
    config = folder / "syndicate.toml"
    config.write_text(
        '[site]\ntitle = "Benchmark News"\nhome_url = "https://bench.example.org/"\n'
        'id_prefix = "tag:bench.example.org,2024:"\ntimezone = "Europe/Minsk"\ndayfirst = true\n'
        'rights = "© Benchmark News"\n' + defaults + section_tables, encoding="utf-8")
    return config


def write_corpus(folder: Path, *, articles: int, sections: int, seed: int = 2014) -> Path:
    """FOLDER/syndicate.toml and FOLDER/store/articles.jsonl; returns the config path."""
    rng = random.Random(seed)
    store = folder / "store"
    store.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, sections=sections)
    with (store / "articles.jsonl").open("w", encoding="utf-8") as out:
        for n in range(articles):
            paragraphs = "".join(
                "<p>" + " ".join(rng.choice(WORDS) for _ in range(60)) + "</p>" for _ in range(6))
            day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2005, 2024)
            out.write(json.dumps({
                "id": f"article-{n}",
                "url": f"https://bench.example.org/news/{n}/",
                "title": " ".join(rng.choice(WORDS) for _ in range(8)).capitalize(),
                "summary": " ".join(rng.choice(WORDS) for _ in range(25)),
                "body": f"<h2>{rng.choice(WORDS)}</h2>{paragraphs}<blockquote><p>{rng.choice(WORDS)}</p></blockquote>",
                "section": f"section-{n % sections}",
                "tags": rng.sample(WORDS, 3),
                "authors": [{"name": f"Author {n % 37}", "affiliation": "Bench Agency"}],
                "published": f"{day:02d}.{month:02d}.{year} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            }, ensure_ascii=False) + "\n")
    return config


def _sentence(rng: random.Random, words: int) -> str:
    vocabulary = CYRILLIC if rng.random() < 0.7 else WORDS
    return " ".join(rng.choice(vocabulary) for _ in range(words)).capitalize() + "."


def _body(rng: random.Random, n: int, target_bytes: int) -> str:
    """About TARGET_BYTES of HTML (UTF-8) as a newsroom's editor writes it."""
    parts: list[str] = []
    size = 0
    while size < target_bytes:
        kind = rng.random()
        if kind < 0.6:
            text = " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(2, 4)))
            if rng.random() < 0.4:
                word = rng.choice(CYRILLIC)
                text += f' <a href="/news/{rng.randint(1, n + 1)}/">{word}</a> <strong>{rng.choice(PLACES)}</strong>'
            part = f"<p>{text}</p>"
        elif kind < 0.7:
            part = f"<h2>{_sentence(rng, 5)}</h2>"
        elif kind < 0.8:
            part = f"<blockquote><p>{_sentence(rng, 14)}</p></blockquote>"
        elif kind < 0.9:
            part = "<ul>" + "".join(f"<li>{_sentence(rng, 6)}</li>" for _ in range(3)) + "</ul>"
        else:
            part = (f'<figure><img src="/media/{n}-{len(parts)}.jpg" alt="{rng.choice(PLACES)}" width="800" '
                    f'height="533"><figcaption>{_sentence(rng, 7)}</figcaption></figure>')
        parts.append(part)
        size += len(part.encode("utf-8")) + 1
    return "\n".join(parts)


def newsroom_record(rng: random.Random, n: int, *, sections: int, body_bytes: int = 5000) -> dict:
    """The Nth record of a newsroom's store."""
    own = n % sections
    extra = sorted({rng.randrange(sections) for _ in range(rng.randint(0, 2))} - {own})
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2005, 2024)
    hour, minute = rng.randint(0, 23), rng.randint(0, 59)
    published = (f"{day:02d}.{month:02d}.{year} {hour:02d}:{minute:02d}" if n % 2
                 else f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+03:00")
    slug = "навіны" if n % 5 == 0 else "news"  # some IRIs, written as URIs on the way in
    record: dict = {
        "id": f"{year}-{month:02d}-{day:02d}-{n}",
        "url": f"https://bench.example.org/{slug}/{n}/",
        "title": _sentence(rng, rng.randint(6, 12)).rstrip("."),
        "summary": _sentence(rng, rng.randint(20, 30)),
        "body": _body(rng, n, body_bytes),
        "section": f"section-{own}",
        "tags": sorted({rng.choice(CYRILLIC) for _ in range(rng.randint(2, 5))}),
        "authors": [{"name": rng.choice(AUTHORS), "affiliation": "Бэнчмарк Навіны"}],
        "published": published,
        "language": "be" if n % 3 else "en",
    }
    if extra:
        record["sections"] = [f"section-{s}" for s in extra]
    if n % 4 == 0:
        record["updated"] = f"{year}-{month:02d}-{day:02d}T23:59:00+03:00"
    if n % 3 == 0:
        record["media"] = [{"url": f"https://bench.example.org/media/{n}.jpg", "width": 1200, "height": 800,
                            "caption": _sentence(rng, 8), "credit": rng.choice(AUTHORS)}]
    return record


def write_newsroom(path: Path, *, records: int, sections: int, seed: int = 2014, body_bytes: int = 5000) -> Path:
    """PATH: RECORDS newsroom records, one JSON object a line; the first K of N are those of K."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for n in range(records):
            out.write(json.dumps(newsroom_record(rng, n, sections=sections, body_bytes=body_bytes),
                                 ensure_ascii=False) + "\n")
    return path
