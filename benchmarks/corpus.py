"""A synthetic store of N articles across S sections, shaped like the example (bodies of a few KB)."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = ("Belarus human rights community agenda convention local campaign city report heritage "
         "accessibility monitoring project partners forum experts strategy disability").split()


def write_corpus(folder: Path, *, articles: int, sections: int, seed: int = 2014) -> Path:
    """FOLDER/syndicate.toml and FOLDER/store/articles.jsonl; returns the config path."""
    rng = random.Random(seed)
    store = folder / "store"
    store.mkdir(parents=True, exist_ok=True)
    section_tables = "".join(
        f'\n[[sections]]\nslug = "section-{n}"\ntitle = "Section {n}"\n' for n in range(sections))
    config = folder / "syndicate.toml"
    config.write_text(
        '[site]\ntitle = "Benchmark News"\nhome_url = "https://bench.example.org/"\nid_prefix = "tag:bench.example.org,2024:"\n'
        'timezone = "Europe/Minsk"\ndayfirst = true\nrights = "© Benchmark News"\n' + section_tables,
        encoding="utf-8")
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
