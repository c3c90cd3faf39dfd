"""Checking a feed file against writing it: per format, and for one NewsML-G2 file as it grows.

    python benchmarks/checks.py [--records 8000] [--rounds 3] [--sizes 2000 4000 8000]

A newsroom store (corpus.write_newsroom: bodies of about 5 KB, 20 sections) is loaded once.
Then, in each round, interleaved so that every figure sees the same machine: every format
renders the 21 feeds of a latest-50 export (20 sections and the site-wide feed, 1,050 items)
and checks each file as an export does (Format.check of the bytes); then one NewsML-G2 file
of each of SIZES items is written and checked. The median of the rounds is shown.

Each file is checked once written, as an export does; each round (and each NewsML-G2 file) is
measured as a new export, with nothing remembered from the one before.

Every exported file is checked before it is published, so checking should cost less than
rendering: exits 1 when a format's check/render ratio is 1 or more, or when checking a
NewsML-G2 file costs per item at the largest size more than GROWTH_LIMIT times what it costs
at the smallest (it grew with the square of the items before). Not a test: these machines
are noisy.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_config, write_newsroom  # noqa: E402

SECTIONS = 20
LIMIT = 50
GROWTH_LIMIT = 1.5
AS_OF = datetime(2030, 1, 1, tzinfo=timezone.utc)


def _articles(folder: Path, records: int):
    from syndicate.config import load_config
    from syndicate.records import load_articles
    from syndicate.stored import RawRecord

    config = load_config(write_config(folder, sections=SECTIONS, limit=LIMIT))
    store = write_newsroom(folder / "articles.jsonl", records=records, sections=SECTIONS)
    with store.open(encoding="utf-8") as lines:
        raws = [RawRecord(origin=f"{store.name}:{n}", data=json.loads(line))
                for n, line in enumerate(lines, start=1)]
    loaded = load_articles(raws, config)
    if loaded.problems:
        raise SystemExit(f"the generated store has invalid records: {loaded.problems[:3]}")
    return config, loaded.articles


def _render(fmt, feed) -> bytes:
    buffer = io.BytesIO()
    fmt.write(feed, buffer)
    return buffer.getvalue()


def _timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _render_and_check(fmt, feeds) -> tuple[float, float]:
    """Seconds rendering FEEDS and seconds checking them, each file checked once written, as an export does."""
    render_seconds = check_seconds = 0.0
    problems = []
    for feed in feeds:
        seconds, data = _timed(lambda: _render(fmt, feed))  # noqa: B023 (called at once)
        render_seconds += seconds
        seconds, found = _timed(lambda: fmt.check(data, None))  # noqa: B023
        check_seconds += seconds
        problems += found
    if problems:
        raise SystemExit(f"{fmt.name}: the rendered files fail their checks: {problems[:3]}")
    return render_seconds, check_seconds


def _forget() -> None:
    """Each round as a new export: what the formats remember from file to file of one export (items
    found valid, known_items; what a writer made of each article, per_article) is forgotten."""
    import importlib
    import pkgutil

    import syndicate.formats

    for info in pkgutil.iter_modules(syndicate.formats.__path__):
        module = importlib.import_module(f"syndicate.formats.{info.name}")
        for value in vars(module).values():
            if type(value).__name__ == "KnownItems":
                value.valid.clear()
            elif type(value).__name__ == "PerArticle":
                value.forget()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000, 8000])
    arguments = parser.parse_args()
    if max(arguments.sizes) > arguments.records:
        parser.error("--records must be at least the largest of --sizes")

    from syndicate.build import build_feed, build_feeds, feed_specs, latest
    from syndicate.formats import FORMATS

    with tempfile.TemporaryDirectory() as folder:
        load_seconds, (config, articles) = _timed(lambda: _articles(Path(folder), arguments.records))
    feeds = build_feeds(articles, config, sections=None, as_of=AS_OF)
    items = sum(len(feed.items) for feed in feeds)
    site_wide = next(spec for spec in feed_specs(config, sections=None) if spec.section is None)
    newest = latest(articles, max(arguments.sizes))
    big = {size: build_feed(replace(site_wide, limit=size), newest[:size], config, site_newest=newest[0])
           for size in arguments.sizes}

    timings: dict[tuple[str, str], list[float]] = {}
    for _ in range(arguments.rounds):
        _forget()
        for name, fmt in FORMATS.items():
            render, check = _render_and_check(fmt, feeds)
            timings.setdefault((name, "render"), []).append(render)
            timings.setdefault((name, "check"), []).append(check)
        for size, feed in big.items():
            _forget()  # each its own export: no item of it known from a smaller one
            render, check = _render_and_check(FORMATS["newsml"], [feed])
            timings.setdefault((f"newsml {size}", "render"), []).append(render)
            timings.setdefault((f"newsml {size}", "check"), []).append(check)
    median = {key: statistics.median(values) for key, values in timings.items()}

    print(f"{arguments.records} records loaded in {load_seconds:.1f}s; median of {arguments.rounds} rounds, "
          f"Python {sys.version.split()[0]}")
    print(f"\n{len(feeds)} feeds x {LIMIT} ({items} items), every file rendered then checked:")
    print(f"{'format':<10} {'render':>8} {'check':>8}  check/render")
    over = []
    for name in FORMATS:
        render, check = median[(name, "render")], median[(name, "check")]
        print(f"{name:<10} {render:7.3f}s {check:7.3f}s  x{check / render:.2f}")
        if check >= render:
            over.append(name)
    print("\none NewsML-G2 file:")
    print(f"{'items':>6} {'write':>8} {'check':>8}  check/write  check per item")
    per_item = {}
    for size in arguments.sizes:
        render, check = median[(f"newsml {size}", "render")], median[(f"newsml {size}", "check")]
        per_item[size] = check / size
        print(f"{size:>6} {render:7.3f}s {check:7.3f}s  x{check / render:.2f}        {per_item[size] * 1e6:6.0f} µs")
    smallest, largest = min(arguments.sizes), max(arguments.sizes)
    growth = per_item[largest] / per_item[smallest]
    print(f"check time per item at {largest} / at {smallest}: x{growth:.2f} (limit x{GROWTH_LIMIT}; 1 is linear)")
    if over:
        print(f"checking costs as much as rendering or more: {', '.join(over)}", file=sys.stderr)
    if growth > GROWTH_LIMIT:
        print("checking a NewsML-G2 file grows faster than its items", file=sys.stderr)
    return 1 if over or growth > GROWTH_LIMIT else 0


if __name__ == "__main__":
    sys.exit(main())
