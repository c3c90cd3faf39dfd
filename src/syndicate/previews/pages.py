"""The site files of syndicate.previews: feed.xsl, each feed's OUT/<feed>/index.html and OUT/index.html.

The pages are HTML5 written from the export's data alone (no clock, no locale), every value
from the store or the configuration escaped as text. A feed's files are linked by relative
URLs, so that the pages work wherever OUT is served or opened; the addresses to subscribe to
are absolute (site.feeds_url), as a feed reader needs them. A page links each format's file
that OUT will hold after the export: written by it, or by an earlier one (as index.opml does).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from syndicate.build import FeedSpec, feed_specs
from syndicate.dates import rfc3339
from syndicate.export.render import INDEX, offered_in_index
from syndicate.formats import FORMATS, Format
from syndicate.previews import STYLESHEET, stylesheet_bytes

if TYPE_CHECKING:  # annotations only: site_files.py imports this module for its registry
    from syndicate.export.site_files import Site
    from syndicate.model import Article

PAGE = "index.html"

_STYLE = """\
body { font: 1rem/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
.about { background: #fff6d6; border: 1px solid #e8d48a; border-radius: 0.5rem; padding: 0.75rem 1rem; }
.about code, .subscribe code { word-break: break-all; }
ol, ul.feeds { list-style: none; padding: 0; }
ol > li, ul.feeds > li { border-top: 1px solid #ddd; padding: 0.75rem 0; }
h2, h3 { font-size: 1.15rem; margin: 0; }
time, .formats { color: #555; font-size: 0.9rem; }
.formats a { margin-right: 0.5rem; }"""

_ABOUT = ("<strong>What is a feed?</strong> A web feed (RSS, Atom or JSON Feed) is a list of a site's "
          "latest stories that a feed reader checks for you. To subscribe, copy a feed's address into "
          "your feed reader or news app, or open its <em>Subscribe</em> link; most readers can also "
          "import every feed at once from <a href=\"{index}\">{index}</a>.")


def _text(value: str) -> str:
    """VALUE as HTML text or a quoted attribute value: shows exactly VALUE, never markup."""
    return html.escape(value, quote=True)


def preview_files(site: Site) -> Iterator[tuple[str, bytes]]:
    """The maker of SITE_FILES: the stylesheet, each feed's page of this export, the site's page."""
    yield STYLESHEET, stylesheet_bytes()
    for spec in site.specs:
        yield f"{spec.slug}/{PAGE}", feed_page(site, spec, site.latest.get(spec.slug, []))
    yield PAGE, site_page(site)


def _files(site: Site, spec: FeedSpec) -> list[Format]:
    """The formats whose file of SPEC's feed OUT holds after the export, in registry order."""
    written = any(exported.slug == spec.slug for exported in site.specs)
    return [fmt for fmt in FORMATS.values()
            if (written and fmt.name in site.formats) or (site.out / spec.slug / fmt.filename).is_file()]


def _subscribe(site: Site, files: Sequence[Format]) -> Format | None:
    """The format of FILES to subscribe to a feed in: index.opml's choice (defaults.opml_format first)."""
    return next((fmt for fmt in offered_in_index(site.config) if fmt in files), None)


def _feed_url(site: Site, spec: FeedSpec, fmt: Format) -> str:
    return f"{site.config.site.feeds_url}{spec.slug}/{fmt.filename}"


def _formats(files: Sequence[Format], *, under: str) -> str:
    links = " ".join(f'<a href="{_text(under + fmt.filename)}" type="{_text(fmt.media_type)}">{_text(fmt.name)}</a>'
                     for fmt in files)
    return f'<p class="formats">Files: {links}</p>' if links else ""


def _subscribe_link(site: Site, spec: FeedSpec, fmt: Format | None) -> str:
    if fmt is None:
        return ""
    url = _text(_feed_url(site, spec, fmt))
    return (f'<p class="subscribe"><a href="{url}" type="{_text(fmt.media_type)}">Subscribe</a> '
            f"(<code>{url}</code>)</p>")


def _story(article: Article) -> str:
    published = rfc3339(article.published)
    summary = f"\n<p>{_text(article.summary)}</p>" if article.summary else ""
    return (f'<li><article>\n<h3><a href="{_text(article.url)}">{_text(article.title)}</a></h3>\n'
            f'<time datetime="{published}">{published.replace("T", " ")}</time>{summary}\n</article></li>')


def feed_page(site: Site, spec: FeedSpec, latest: Sequence[Article]) -> bytes:
    """OUT/<feed>/index.html: SPEC's feed with its LATEST stories, its files and how to subscribe."""
    files = _files(site, spec)
    discovery = [(fmt, _feed_url(site, spec, fmt)) for fmt in files if fmt.for_feed_readers]
    stories = "\n".join(map(_story, latest))
    body = "\n".join(part for part in (
        f"<p class=\"about\">{_ABOUT.format(index='../' + INDEX)}</p>",
        f"<h1>{_text(spec.title)}</h1>",
        f"<p>{_text(spec.description)}</p>" if spec.description else "",
        f'<p><a href="{_text(spec.home_url)}">Visit the website</a> · <a href="../{PAGE}">All feeds</a></p>',
        _subscribe_link(site, spec, _subscribe(site, files)),
        _formats(files, under=""),
        "<h2>Latest stories</h2>",
        f"<ol>\n{stories}\n</ol>" if latest else "<p>No stories in this feed yet.</p>",
    ) if part)
    return _page(title=spec.title, language=spec.language, discovery=discovery, body=body)


def site_page(site: Site) -> bytes:
    """OUT/index.html: every configured feed that OUT holds after the export, with its files and
    a link to subscribe, in index.opml's order."""
    rows = []
    for spec in feed_specs(site.config, sections=None):
        files = _files(site, spec)
        if not files:
            continue
        description = f"\n<p>{_text(spec.description)}</p>" if spec.description else ""
        rows.append(f'<li>\n<h2><a href="{spec.slug}/{PAGE}">{_text(spec.title)}</a></h2>{description}\n'
                    f"{_subscribe_link(site, spec, _subscribe(site, files))}\n"
                    f'{_formats(files, under=spec.slug + "/")}\n</li>')
    title = site.config.site.title
    body = "\n".join((
        f"<p class=\"about\">{_ABOUT.format(index=INDEX)}</p>",
        f"<h1>{_text(title)}: feeds</h1>",
        f'<p><a href="{_text(site.config.site.home_url)}">Visit the website</a></p>',
        "<ul class=\"feeds\">\n" + "\n".join(rows) + "\n</ul>" if rows else "<p>No feeds yet.</p>",
    ))
    return _page(title=f"{title}: feeds", language=site.config.site.language, discovery=[], body=body)


def _page(*, title: str, language: str, discovery: Sequence[tuple[Format, str]], body: str) -> bytes:
    """An HTML5 document; DISCOVERY: (format, URL) of each feed a reader finds from it (RSS
    Autodiscovery, <link rel="alternate">)."""
    links = "".join(f'\n<link rel="alternate" type="{_text(fmt.media_type)}" title="{_text(title)} ({fmt.name})" '
                    f'href="{_text(url)}">' for fmt, url in discovery)
    return (f'<!DOCTYPE html>\n<html lang="{_text(language)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_text(title)}</title>'
            f"{links}\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
            ).encode("utf-8")
