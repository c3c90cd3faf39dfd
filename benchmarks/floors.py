"""The floors syndicate's export is measured against: the same feeds written by the least code
that can write them, from the same SQLite store, in one process.

    python benchmarks/floors.py STORE OUT --formats rss,atom,jsonfeed,newsml [--limit 50 | --page-size 1000]
    python benchmarks/floors.py STORE OUT --feedgen [--limit 50 | --page-size 1000]
    python benchmarks/floors.py STORE HUGO_SITE --hugo-site

With --limit, each feed (every section and `all`) holds its latest LIMIT items, as syndicate's
current feeds do; with --page-size, every item is written, PAGE_SIZE to a file, as archive
pages are. Items carry what partners read (title, link, id, dates, summary, the body as HTML,
authors); nothing is checked. RSS, Atom and NewsML-G2 are written with lxml, JSON Feed with
json; --feedgen writes RSS and Atom as a naive feedgen script would. --hugo-site writes the
same articles as a Hugo site whose sections render RSS only, with no item limit.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from lxml import etree

SITE = "https://bench.example.org/"
ALL = "all"
ATOM = "http://www.w3.org/2005/Atom"
NEWSML = "http://iptc.org/std/nar/2006-10-01/"


def _feeds(store: Path) -> Iterator[tuple[str, Iterator[dict]]]:
    """(feed name, its public records newest first) for each section and `all`."""
    connection = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    sections = [row[0] for row in connection.execute("SELECT DISTINCT section FROM article_sections ORDER BY 1")]
    for section in sections:
        rows = connection.execute(
            "SELECT a.record, s.published FROM article_sections s JOIN articles a ON a.id = s.id "
            "WHERE s.section = ? AND s.status = 'published' ORDER BY s.published DESC, s.id", (section,))
        yield section, (dict(json.loads(record), _published=published) for record, published in rows)
    rows = connection.execute("SELECT record, published FROM articles WHERE status = 'published' "
                              "ORDER BY published DESC, id")
    yield ALL, (dict(json.loads(record), _published=published) for record, published in rows)


def _pages(records: Iterator[dict], *, limit: int | None, page_size: int | None) -> Iterator[list[dict]]:
    if limit is not None:
        page = []
        for record in records:
            page.append(record)
            if len(page) == limit:
                break
        yield page
        return
    page = []
    for record in records:
        page.append(record)
        if len(page) == page_size:
            yield page
            page = []
    if page:
        yield page


def _instant(record: dict) -> datetime:
    return datetime.fromisoformat(record["_published"])


def _rss(name: str, items: list[dict]) -> bytes:
    content = "http://purl.org/rss/1.0/modules/content/"
    rss = etree.Element("rss", version="2.0", nsmap={"content": content})
    channel = etree.SubElement(rss, "channel")
    for tag, text in (("title", name), ("link", SITE), ("description", name)):
        etree.SubElement(channel, tag).text = text
    for record in items:
        item = etree.SubElement(channel, "item")
        etree.SubElement(item, "title").text = record["title"]
        etree.SubElement(item, "link").text = record["url"]
        etree.SubElement(item, "guid", isPermaLink="false").text = record["id"]
        etree.SubElement(item, "pubDate").text = format_datetime(_instant(record), usegmt=True)
        etree.SubElement(item, "description").text = record.get("summary", "")
        etree.SubElement(item, f"{{{content}}}encoded").text = record.get("body", "")
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8")


def _atom(name: str, items: list[dict]) -> bytes:
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    etree.SubElement(feed, f"{{{ATOM}}}id").text = f"{SITE}{name}"
    etree.SubElement(feed, f"{{{ATOM}}}title").text = name
    etree.SubElement(feed, f"{{{ATOM}}}updated").text = _instant(items[0]).isoformat() if items else "1970-01-01T00:00:00+00:00"
    etree.SubElement(feed, f"{{{ATOM}}}link", href=SITE)
    for record in items:
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        etree.SubElement(entry, f"{{{ATOM}}}id").text = f"tag:bench.example.org,2024:{record['id']}"
        etree.SubElement(entry, f"{{{ATOM}}}title").text = record["title"]
        etree.SubElement(entry, f"{{{ATOM}}}updated").text = _instant(record).isoformat()
        etree.SubElement(entry, f"{{{ATOM}}}link", href=record["url"])
        for author in record.get("authors", ()):
            etree.SubElement(etree.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = author["name"]
        etree.SubElement(entry, f"{{{ATOM}}}summary").text = record.get("summary", "")
        etree.SubElement(entry, f"{{{ATOM}}}content", type="html").text = record.get("body", "")
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8")


def _jsonfeed(name: str, items: list[dict]) -> bytes:
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": name, "home_page_url": SITE,
        "items": [{"id": record["id"], "url": record["url"], "title": record["title"],
                   "summary": record.get("summary", ""), "content_html": record.get("body", ""),
                   "date_published": _instant(record).isoformat(),
                   "authors": [{"name": a["name"]} for a in record.get("authors", ())]} for record in items],
    }, ensure_ascii=False, indent=1).encode("utf-8")


def _newsml(name: str, items: list[dict]) -> bytes:
    message = etree.Element(f"{{{NEWSML}}}newsMessage", nsmap={None: NEWSML})
    header = etree.SubElement(message, f"{{{NEWSML}}}header")
    etree.SubElement(header, f"{{{NEWSML}}}sent").text = _instant(items[0]).isoformat() if items else ""
    item_set = etree.SubElement(message, f"{{{NEWSML}}}itemSet")
    for record in items:
        news_item = etree.SubElement(item_set, f"{{{NEWSML}}}newsItem", guid=f"urn:bench:{record['id']}",
                                     version="1", standard="NewsML-G2", standardversion="2.35")
        meta = etree.SubElement(news_item, f"{{{NEWSML}}}itemMeta")
        etree.SubElement(meta, f"{{{NEWSML}}}itemClass", qcode="ninat:text")
        etree.SubElement(meta, f"{{{NEWSML}}}versionCreated").text = _instant(record).isoformat()
        etree.SubElement(meta, f"{{{NEWSML}}}link", rel="irel:seeAlso", href=record["url"])
        content_meta = etree.SubElement(news_item, f"{{{NEWSML}}}contentMeta")
        etree.SubElement(content_meta, f"{{{NEWSML}}}headline").text = record["title"]
        etree.SubElement(content_meta, f"{{{NEWSML}}}description").text = record.get("summary", "")
        content_set = etree.SubElement(news_item, f"{{{NEWSML}}}contentSet")
        etree.SubElement(content_set, f"{{{NEWSML}}}inlineData", contenttype="text/html").text = record.get("body", "")
    return etree.tostring(message, xml_declaration=True, encoding="UTF-8")


WRITERS = {"rss": ("rss.xml", _rss), "atom": ("atom.xml", _atom), "jsonfeed": ("feed.json", _jsonfeed),
           "newsml": ("newsml.xml", _newsml)}


def _feedgen(name: str, items: list[dict], folder: Path) -> None:
    from feedgen.feed import FeedGenerator

    generator = FeedGenerator()
    generator.id(f"{SITE}{name}")
    generator.title(name)
    generator.link(href=SITE)
    generator.description(name)
    for record in items:
        entry = generator.add_entry(order="append")
        entry.id(f"tag:bench.example.org,2024:{record['id']}")
        entry.title(record["title"])
        entry.link(href=record["url"])
        entry.published(_instant(record))
        entry.updated(_instant(record))
        entry.description(record.get("summary", ""))
        entry.content(record.get("body", ""), type="html")
    generator.rss_file(str(folder / "rss.xml"))
    generator.atom_file(str(folder / "atom.xml"))


def write_feeds(store: Path, out: Path, *, formats: list[str], limit: int | None, page_size: int | None,
                feedgen: bool = False) -> int:
    """Write every feed's pages under OUT; return the number of items written (per format)."""
    written = 0
    for name, records in _feeds(store):
        for number, page in enumerate(_pages(records, limit=limit, page_size=page_size)):
            folder = out / name / (f"{number:05d}" if page_size else "")
            folder.mkdir(parents=True, exist_ok=True)
            written += len(page)
            if feedgen:
                _feedgen(name, page, folder)
                continue
            for format_name in formats:
                filename, writer = WRITERS[format_name]
                (folder / filename).write_bytes(writer(name, page))
    return written


HUGO_CONFIG = """baseURL = "https://bench.example.org/"
title = "Benchmark News"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]
[outputs]
home = ["RSS"]
section = ["RSS"]
page = []
[services.rss]
limit = -1
[markup.goldmark.renderer]
unsafe = true
"""


def write_hugo_site(store: Path, site: Path) -> int:
    """A Hugo site of the store's published articles, one content file each, in its section."""
    (site / "content").mkdir(parents=True, exist_ok=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    connection = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    count = 0
    for record, section, published in connection.execute(
            "SELECT record, section, published FROM articles WHERE status = 'published'"):
        data = json.loads(record)
        folder = site / "content" / section
        if not folder.exists():
            folder.mkdir()
            (folder / "_index.md").write_text(f'+++\ntitle = "{section}"\n+++\n', encoding="utf-8")
        front = {"title": data["title"], "date": published, "summary": data.get("summary", ""),
                 "url": f"/news/{count}/"}
        (folder / f"{count}.md").write_text(
            "+++\n" + "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in front.items())
            + "+++\n" + data.get("body", "") + "\n", encoding="utf-8")
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--formats", default="rss,atom,jsonfeed,newsml")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--page-size", type=int)
    parser.add_argument("--feedgen", action="store_true")
    parser.add_argument("--hugo-site", action="store_true")
    arguments = parser.parse_args()
    if arguments.hugo_site:
        print(write_hugo_site(arguments.store, arguments.out))
        return
    if (arguments.limit is None) == (arguments.page_size is None):
        parser.error("give one of --limit and --page-size")
    print(write_feeds(arguments.store, arguments.out, formats=arguments.formats.split(","), limit=arguments.limit,
                      page_size=arguments.page_size, feedgen=arguments.feedgen))


if __name__ == "__main__":
    main()
