"""Text hygiene shared by every format: XML-legal text, sanitised HTML, absolute URLs.

Everything here runs once, when a record is normalised, so that no writer has
to repeat it and no serialiser ever sees text it cannot carry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from urllib.parse import quote, urljoin, urlsplit

import nh3

from syndicate.patterns import lazy

# XML 1.0 section 2.2 Char (tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF), less
# the controls it still admits: DEL and the C1 range U+0080-U+009F, which no text means to hold
# (they are mostly windows-1252 read as latin-1) and which the W3C Feed Validator flags.
# Compiled on first use: it takes longer to compile than the rest of the module to import,
# and checking a feed file does not use it.
_XML_ILLEGAL = "[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


@cache
def _xml_illegal() -> re.Pattern[str]:
    return re.compile(_XML_ILLEGAL)


_WHITESPACE = lazy(r"\s+")

# Every element name HTML has had (HTML 4, HTML5 and the old presentational ones).
HTML_ELEMENTS = frozenset("""
a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink
blockquote body br button canvas caption center cite code col colgroup data datalist dd del details
dfn dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3
h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main map mark
marquee menu meta meter nav nobr noembed noframes noscript object ol optgroup option output p param
picture plaintext pre progress q rp rt rtc ruby s samp script search section select slot small source
span strike strong style sub summary sup table tbody td template textarea tfoot th thead time title tr
track tt u ul var video wbr xmp""".split())
_VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# What makes a plain-text field HTML: an end tag, a void or self-closed element, or a start tag
# with attributes, of an element HTML knows; or a comment. A lone "<video>" or "List<String>"
# is text, and so are "x<y" and entity-like text such as "&amp;" (kept as written).
_TAG = lazy(r"<(/?)([A-Za-z][A-Za-z0-9]*)(\s[^<>]*?)?(/?)>")
_COMMENT = lazy(r"<!--.*?-->", re.DOTALL)

# Elements kept in bodies: ammonia's conservative defaults plus figures.
_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"figure", "figcaption"}
_ALLOWED_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ALLOWED_ATTRIBUTES.setdefault("a", set()).update({"href", "title"})
_ALLOWED_ATTRIBUTES.setdefault("img", set()).update({"src", "alt", "title", "width", "height"})
# Removed with everything inside them, not just unwrapped.
_DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template",
                         "form", "textarea", "select", "button", "svg", "math"}
_URL_ATTRIBUTES = {"href", "src", "cite"}

# HTML nested deeper than this is flattened before it is parsed: the HTML parser under nh3
# spends time proportional to the depth on every tag (a body of 100,000 nested <div>s took
# minutes), and lxml drops the text of elements nested more than about 250 deep.
MAX_HTML_DEPTH = 100
# A tag, as far as nesting goes: start or end, its name; '[^<>]*' keeps the scan linear
# (an unterminated tag ends at the next '<').
_NESTING_TAG = lazy(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*>")
# Elements whose end tag may be left out, closed by a start tag of the same kind (or, for p,
# of a block); enough to count the depth of flat documents written without end tags.
_CLOSED_BY = {"p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "option": {"option"},
              "tr": {"tr"}, "td": {"td", "th"}, "th": {"td", "th"}, "rt": {"rt", "rp"}, "rp": {"rt", "rp"}}
_CLOSES_P = {"address", "article", "aside", "blockquote", "div", "dl", "fieldset", "figure", "footer", "form",
             "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "pre", "section", "table",
             "ul", "figcaption", "details", "menu"}
# How far down the open elements an end tag is looked for (a bound, so that stray end tags
# cannot make the scan quadratic).
_END_TAG_REACH = 32


def bounded_nesting(html: str, *, limit: int = MAX_HTML_DEPTH) -> str:
    """HTML with every element nested more than LIMIT deep unwrapped (its tags dropped, its
    text and its shallower children kept), in one linear pass; HTML within the limit is
    returned unchanged. Depth is counted as an HTML parser would, roughly: void elements
    do not nest, and an element whose end tag may be omitted (p, li, td...) is closed by
    the next one of its kind."""
    if html.count("<") <= limit:
        return html
    stack: list[str] = []
    dropped: dict[str, int] = {}
    pieces: list[str] = []
    position = 0
    for match in _NESTING_TAG.finditer(html):
        closing, name = match[1], match[2].lower()
        keep = True
        if closing:
            if dropped.get(name):
                dropped[name] -= 1
                keep = False
            else:
                for depth in range(len(stack) - 1, max(-1, len(stack) - 1 - _END_TAG_REACH), -1):
                    if stack[depth] == name:
                        del stack[depth:]
                        break
        elif name not in _VOID_ELEMENTS:
            if stack and (name in _CLOSED_BY.get(stack[-1], ()) or (stack[-1] == "p" and name in _CLOSES_P)):
                stack.pop()
            if len(stack) >= limit:
                dropped[name] = dropped.get(name, 0) + 1
                keep = False
            else:
                stack.append(name)
        if not keep:
            pieces.append(html[position:match.start()])
            position = match.end()
    if position == 0:
        return html
    pieces.append(html[position:])
    return "".join(pieces)


def xml_legal(text: str) -> tuple[str, int]:
    """TEXT without the characters XML 1.0 cannot carry, and how many were removed."""
    cleaned, count = _xml_illegal().subn("", text)
    return cleaned, count


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace as one space, no leading or trailing space (titles, names)."""
    return _WHITESPACE.sub(" ", text).strip()


def holds_html(text: str) -> bool:
    """Whether TEXT holds HTML elements (so is HTML, not plain text with a '<' in it)."""
    if "<" not in text:
        return False
    if _COMMENT.search(text):
        return True
    for match in _TAG.finditer(text):
        closing, name, attributes, self_closed = match.groups()
        name = name.lower()
        if name in HTML_ELEMENTS and (closing or self_closed or name in _VOID_ELEMENTS
                                      or (attributes and attributes.strip())):
            return True
    return False


# Remembered: the checks of every format ask it about the same URLs, once per file they are in.
@lru_cache(maxsize=1 << 16)
def is_absolute_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


_HOST = lazy(r"^[a-z0-9_]([a-z0-9_\-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_\-]*[a-z0-9_])?)*$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 2.2 and 3.3: sub-delims, and the characters a path segment (pchar) keeps as they are.
_GEN_DELIMS = ":/?#[]@"
_SUB_DELIMS = "!$&'()*+,;="
_PCHAR = "-._~" + _SUB_DELIMS + ":@"
_QUERY = _PCHAR + "/?"
_ESCAPE = lazy(r"%([0-9A-Fa-f]{2})")


def to_uri(url: str) -> str:
    """URL (an IRI or URI) as the absolute http(s) URI, in RFC 3986 normal form, every
    feed format and reader accepts.

    Host names are lower-cased, IDNA-encoded (UTS 46) and lose a trailing dot; a
    default port goes; '.' and '..' path segments are resolved; non-ASCII text
    (NFC) and unsafe characters are percent-encoded, escapes of unreserved
    characters decoded and hex digits upper-cased (RFC 3986 6.2.2). Raises
    ValueError, saying why, for what cannot be made such a URI.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        raise ValueError("expected an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("expected no user name or password in the URL")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("its port is not valid") from None
    netloc = _host(parts.hostname or "")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = "/".join(_normal(segment, _PCHAR) for segment in _without_dot_segments(parts.path or "/").split("/"))
    uri = f"{scheme}://{netloc}{path}"
    if "?" in url.split("#", 1)[0]:  # an empty query is still a query
        uri += "?" + _normal(parts.query, _QUERY)
    if "#" in url:
        uri += "#" + _normal(parts.fragment, _QUERY)
    return uri


def _host(host: str) -> str:
    host = host.rstrip(".")
    if ":" in host:  # an IPv6 literal (urlsplit took its brackets off)
        if not re.fullmatch(r"[0-9a-f:.]+", host):
            raise ValueError("its host name is not valid")
        return f"[{host}]"
    if not host.isascii():
        import idna  # only international names need it; its tables take a while to load

        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            raise ValueError("its host name is not a valid international domain name") from None
    if not _HOST.match(host):
        raise ValueError("its host name is not valid")
    return host


def _without_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4: '.' and '..' segments resolved."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output) if output and output[0] == "" else "/" + "/".join(output)


def _normal(part: str, safe: str) -> str:
    """PART of a URI in normal form: the reserved characters in SAFE, and escapes of reserved
    characters, kept as they are; everything else decoded, NFC-normalised and percent-encoded
    as UTF-8 where RFC 3986 requires it. A '%' that starts no escape is itself encoded."""
    pieces: list[str] = []
    pending = bytearray()  # octets whose escaping is decided together (they may be one UTF-8 character)

    def flush() -> None:
        if pending:
            try:
                pieces.append(quote(unicodedata.normalize("NFC", pending.decode("utf-8")), safe=safe))
            except UnicodeDecodeError:  # escapes of another charset: kept as octets
                pieces.append(quote(bytes(pending), safe=safe))
            pending.clear()

    index = 0
    while index < len(part):
        escape = _ESCAPE.match(part, index)
        character = chr(int(escape[1], 16)) if escape else part[index]
        reserved = character in _GEN_DELIMS or character in _SUB_DELIMS
        if reserved and character in safe:
            flush()
            pieces.append(escape[0].upper() if escape else character)  # an escaped delimiter stays escaped
        elif escape:
            pending.append(int(escape[1], 16))
        else:
            pending.extend(character.encode("utf-8", "surrogatepass"))
        index += 3 if escape else 1
    flush()
    return "".join(pieces)


def _body_url(value: str, base_url: str) -> str | None:
    """A link or image source of a body as an absolute RFC 3986 URI; None (the attribute
    goes) when it cannot be one. The sanitiser has already refused other schemes."""
    absolute = urljoin(base_url, value.strip())
    scheme = urlsplit(absolute).scheme.lower()
    if scheme == "mailto":
        return "mailto:" + _normal(absolute[len("mailto:"):], _QUERY)
    try:
        return to_uri(absolute)
    except ValueError:
        return None


def sanitize_html(html: str, *, base_url: str) -> str:
    """An allow-listed copy of the HTML fragment HTML, its links made absolute against BASE_URL.

    Scripts, styles, frames, plugins and forms go with their content; event
    handlers and every URL scheme but http, https and mailto go too. Links and
    image sources are written as RFC 3986 URIs (see to_uri). Elements nested more
    than MAX_HTML_DEPTH deep are unwrapped (see bounded_nesting).
    """

    def absolutise(tag: str, attribute: str, value: str) -> str | None:
        return _body_url(value, base_url) if attribute in _URL_ATTRIBUTES else value

    return nh3.clean(
        bounded_nesting(html),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=absolutise,
        strip_comments=True,
        link_rel=None,
    ).strip()


def restrict_html(html: str, *, tags: Sequence[str]) -> str:
    """HTML (already sanitised) keeping only the elements of TAGS that the default allow-list
    keeps too, with their attributes; any other element goes, its text stays (what scripts and
    styles held was dropped when it was first sanitised)."""
    kept = set(tags) & _ALLOWED_TAGS
    return nh3.clean(html, tags=kept, attributes={tag: _ALLOWED_ATTRIBUTES.get(tag, set()) for tag in kept},
                     clean_content_tags=_DROPPED_WITH_CONTENT, url_schemes={"http", "https", "mailto"},
                     strip_comments=True, link_rel=None).strip()


_BLOCKS = {"p", "div", "br", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
           "figure", "figcaption", "pre", "hr", "dt", "dd"}


def html_to_text(html: str) -> str:
    """The plain text of an HTML fragment: scripts and styles dropped with their
    content, tags dropped, entities decoded, blocks separated, spaces collapsed."""
    from lxml import html as lxml_html  # lxml is already a dependency; local to keep import light

    cleaned = nh3.clean(bounded_nesting(html), clean_content_tags=_DROPPED_WITH_CONTENT, strip_comments=True)
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
