"""index.opml: an OPML 2.0 subscription list of every feed in the output directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    title: str
    format_name: str
    feed_url: str
    home_url: str


def write_opml(subscriptions: list[Subscription], *, title: str, out: BinaryIO) -> None:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    for sub in subscriptions:
        # OPML 2.0: type="rss" marks a feed subscription whatever its syntax.
        etree.SubElement(body, "outline", type="rss", text=f"{sub.title} ({sub.format_name})",
                         title=sub.title, xmlUrl=sub.feed_url, htmlUrl=sub.home_url)
    out.write(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
