"""Feeds a person can read (README "Reading feeds in a browser").

A browser that opens a feed shows its XML. Two things make it a page instead, both site files
(export/site_files.py) written beside index.opml by pages.preview_files():
- feed.xsl, an XSLT 1.0 stylesheet that every RSS and Atom file names in an <?xml-stylesheet?>
  instruction (formats/feedgen_feeds.py), and that renders the feed as a page with a note on
  subscribing. Browsers apply it only from the feeds' own origin, so the instruction gives its
  absolute URL under site.feeds_url; and browser makers plan to retire XSLT, hence
- static HTML pages that need no XSLT: OUT/<feed>/index.html per feed (its latest stories and a
  link to each of its files) and OUT/index.html listing every feed.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

# The stylesheet's name at the top of the output directory, beside index.opml.
STYLESHEET = "feed.xsl"


@cache
def stylesheet_bytes() -> bytes:
    """feed.xsl as the package holds it: the same bytes in every export."""
    return resources.files(__package__).joinpath(STYLESHEET).read_bytes()
