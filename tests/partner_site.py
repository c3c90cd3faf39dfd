"""A site whose store breaks each platform rule (schemas/platform-rules.json) with one item or
another, and partner profiles of every platform, for the partner and lint tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from tests.conftest import make_site, write_record

AS_OF = datetime(2024, 6, 1, tzinfo=timezone.utc)
BIG = {"url": "https://test.example.org/big.jpg", "type": "image/jpeg", "width": 1200, "height": 900}
SMALL = {"url": "https://test.example.org/small.jpg", "type": "image/jpeg", "width": 300, "height": 200}
TINY = {"url": "https://test.example.org/tiny.jpg", "type": "image/jpeg", "width": 100, "height": 100}
UNSIZED = {"url": "https://test.example.org/unsized.jpg", "type": "image/jpeg"}
LONG_TITLE = "A very long headline " * 8  # 168 characters
PROFILES = """
[partners.gn]
platform = "google-news"
formats = ["rss"]
sections = ["society"]

[partners.msn]
platform = "msn"
formats = ["rss", "atom"]
sections = ["society"]

[partners.fb]
platform = "flipboard"
formats = ["rss"]
sections = ["society"]

[partners.sn]
platform = "smartnews"
formats = ["rss"]
sections = ["society"]
"""


def partner_site(folder: Path, profiles: str = PROFILES) -> Path:
    """FOLDER made a site (tests.conftest.make_site) with the store below and PROFILES; returns its config."""
    make_site(folder)
    body = "<p>The body of the story, in full.</p>"
    write_record(folder, "fine", title="A headline long enough for everyone", body=body, media=[BIG],
                 published="2024-05-30T10:00:00Z")
    write_record(folder, "short", title="Short", body=body, media=[BIG], published="2024-05-29T10:00:00Z")
    write_record(folder, "long", title=LONG_TITLE.strip(), body=body, media=[BIG], published="2024-05-28T10:00:00Z")
    write_record(folder, "teaser", title="A story sent as its summary only", summary="Only a summary.",
                 media=[BIG], published="2024-05-27T10:00:00Z")
    write_record(folder, "small", title="A story with a small picture only", body=body, media=[SMALL, TINY],
                 published="2024-05-26T10:00:00Z")
    write_record(folder, "unsized", title="A story whose picture has no size", body=body, media=[UNSIZED],
                 published="2024-05-25T10:00:00Z")
    write_record(folder, "markup", title="A story with a small heading in it",
                 body="<p>Text.</p><h6>A small heading</h6><p>More.</p>", media=[BIG],
                 published="2024-05-24T10:00:00Z")
    write_record(folder, "old", title="A story of two years ago, still shown", body=body, media=[BIG],
                 published="2022-05-01T10:00:00Z")
    write_record(folder, "secret", title="A story under embargo until next year", body=body, media=[BIG],
                 published="2024-05-31T10:00:00Z", status="embargoed", embargo_until="2025-01-01T00:00:00Z")
    config = folder / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8") + profiles, encoding="utf-8")
    return config
