"""Text hygiene shared by every format: XML-legal text, sanitised HTML, absolute URLs.

Everything here runs once, when a record is normalised, so that no writer has
to repeat it and no serialiser ever sees text it cannot carry.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import nh3

# XML 1.0 section 2.2 Char: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF.
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_WHITESPACE = re.compile(r"\s+")
# A tag, a comment or a character reference: what makes a plain-text field HTML.
_MARKUP = re.compile(r"<[A-Za-z/!]|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")

# Elements kept in bodies: ammonia's conservative defaults plus figures.
_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"figure", "figcaption"}
_ALLOWED_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ALLOWED_ATTRIBUTES.setdefault("a", set()).update({"href", "title"})
_ALLOWED_ATTRIBUTES.setdefault("img", set()).update({"src", "alt", "title", "width", "height"})
# Removed with everything inside them, not just unwrapped.
_DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template",
                         "form", "textarea", "select", "button", "svg", "math"}
_URL_ATTRIBUTES = {"href", "src", "cite"}


def xml_legal(text: str) -> tuple[str, int]:
    """TEXT without the characters XML 1.0 cannot carry, and how many were removed."""
    cleaned, count = _XML_ILLEGAL.subn("", text)
    return cleaned, count


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace as one space, no leading or trailing space (titles, names)."""
    return _WHITESPACE.sub(" ", text).strip()


def looks_like_markup(text: str) -> bool:
    """Whether TEXT holds HTML tags, comments or entities (so is not plain text)."""
    return _MARKUP.search(text) is not None


def is_absolute_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9\-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]*[A-Za-z0-9])?)*\.?$")
# RFC 3986 characters kept as they are in each part; everything else is percent-encoded.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_QUERY_SAFE = _PATH_SAFE + "?"


def to_uri(url: str) -> str:
    """URL as an absolute http(s) URI (RFC 3986) every feed format accepts.

    Non-ASCII and unsafe characters of path, query and fragment are
    percent-encoded and an international host name is IDNA-encoded; raises
    ValueError, saying why, for what cannot be made such a URI.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("expected an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("expected no user name or password in the URL")
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError):
        raise ValueError("its host name or port is not valid") from None
    if not _HOST.match(host):
        raise ValueError("its host name is not valid")
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, _quote(parts.path or "/", _PATH_SAFE),
                       _quote(parts.query, _QUERY_SAFE), _quote(parts.fragment, _QUERY_SAFE)))


def _quote(part: str, safe: str) -> str:
    """PART percent-encoded, keeping escapes that are already there ('%20') and encoding a bare '%'."""
    return quote(_BARE_PERCENT.sub("%25", part), safe=safe)


def sanitize_html(html: str, *, base_url: str) -> str:
    """An allow-listed copy of the HTML fragment HTML, its links made absolute against BASE_URL.

    Scripts, styles, frames, plugins and forms go with their content; event
    handlers and every URL scheme but http, https and mailto go too.
    """

    def absolutise(tag: str, attribute: str, value: str) -> str | None:
        if attribute in _URL_ATTRIBUTES:
            return urljoin(base_url, value.strip())
        return value

    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=absolutise,
        strip_comments=True,
        link_rel=None,
    ).strip()


_BLOCKS = {"p", "div", "br", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
           "figure", "figcaption", "pre", "hr", "dt", "dd"}


def html_to_text(html: str) -> str:
    """The plain text of an HTML fragment: scripts and styles dropped with their
    content, tags dropped, entities decoded, blocks separated, spaces collapsed."""
    from lxml import html as lxml_html  # lxml is already a dependency; local to keep import light

    cleaned = nh3.clean(html, clean_content_tags=_DROPPED_WITH_CONTENT, strip_comments=True)
    if not cleaned.strip():
        return ""
    fragment = lxml_html.fragment_fromstring(cleaned, create_parent="div")
    for element in fragment.iter():
        if element.tag in _BLOCKS:
            element.tail = " " + (element.tail or "")
    return collapse_whitespace(fragment.text_content())


def teaser(text: str, *, limit: int = 300) -> str:
    """TEXT cut at a word boundary to at most LIMIT characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
