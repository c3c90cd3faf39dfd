"""Archive pages: a full export of an archived site against the export after one new article.

    python benchmarks/export_archives.py [--articles 3000] [--sections 3] [--paging month|N]

The synthetic store (corpus.py, articles over 2005-2024) is imported into SQLite, every feed
archived by month (or in pages of N). The first export renders every page; after one newer
article is imported, the next export must render only the current feeds and pages that
changed (the new article's section and `all`: current feed, new newest page, the page before
it, which gains its next-archive link), and leave every other page's bytes as they were.
Printed as a ratio measured in this one run; exits 1 when it is below its floor or when
more files than those were rendered. Each export runs in its own process (peak RSS).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus  # noqa: E402
from export_stores import _export  # noqa: E402

FORMATS = 4  # export_stores.FORMATS: rss, atom, jsonfeed, newsml
# The export after one new article must be at least this many times faster than the full one.
INCREMENTAL_SPEEDUP_FLOOR = 3.0


def _digests(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in out.rglob("*") if p.is_file() and "/archive/" in p.as_posix()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--sections", type=int, default=3)
    parser.add_argument("--paging", default="month")
    arguments = parser.parse_args()
    paging = '"month"' if arguments.paging == "month" else str(int(arguments.paging))

    from syndicate import api

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = write_corpus(root, articles=arguments.articles, sections=arguments.sections)
        config.write_text(config.read_text(encoding="utf-8").replace("[site]\n", f"[site]\narchive = {paging}\n", 1),
                          encoding="utf-8")
        api.import_records([root / "store"], into=root / "news.db", config_path=config)
        full = _export(config, root / "out", str(root / "news.db"))
        before = _digests(root / "out")

        newer = root / "newer.jsonl"
        newer.write_text(json.dumps({"id": "newest", "url": "https://bench.example.org/news/newest/",
                                     "title": "The newest article", "section": "section-0",
                                     "published": "2025-06-01T10:00:00+03:00"}) + "\n", encoding="utf-8")
        api.import_records([newer], into=root / "news.db", config_path=config)
        incremental = _export(config, root / "out", str(root / "news.db"))
        after = _digests(root / "out")

    pages = len(before) // FORMATS
    changed = sorted(path for path in before if after.get(path) != before[path])
    speedup = full["seconds"] / incremental["seconds"]
    # Current feed, new newest page and the page before it, of section-0 and of all.
    expected = 2 * 3 * FORMATS
    print(f"{arguments.articles} articles, {arguments.sections + 1} feeds x {FORMATS} formats, "
          f"archive = {paging}: {pages} archive pages")
    print(f"full export:              {full['seconds']:6.2f}s  rendered {full['rendered']:5d} files  "
          f"peak {full['peak_mib']:4.0f} MiB")
    print(f"after one newer article:  {incremental['seconds']:6.2f}s  rendered {incremental['rendered']:5d} files  "
          f"peak {incremental['peak_mib']:4.0f} MiB  speed-up x{speedup:.1f} (floor x{INCREMENTAL_SPEEDUP_FLOOR})")
    print(f"existing page files changed: {len(changed)} ({', '.join(changed[:4])}{' ...' if len(changed) > 4 else ''})")
    ok = incremental["rendered"] == expected and len(changed) == FORMATS * 2 and speedup >= INCREMENTAL_SPEEDUP_FLOOR
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
