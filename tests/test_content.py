"""Text hygiene: what counts as HTML in a plain-text field, URIs in normal form, body links."""

from __future__ import annotations

import sys

import pytest

from syndicate.content import holds_html, sanitize_html, to_uri, xml_legal

from tests.conftest import W3C_VALIDATOR


@pytest.mark.parametrize("text", [
    "Why x<y matters", "List<String> in Java", "Fish & Chips ]]> <![CDATA[ trick", "Fish &amp; Chips",
    "The <video> element", "a < b > c", "<3 Minsk", "Vector<Map<K, V>>", "x</y> is not HTML", "<p",
])
def test_text_without_html_elements_is_text(text: str):
    assert not holds_html(text)


@pytest.mark.parametrize("text", [
    "<b>Bold</b> news", "Line<br>break", "Photo <img src=x.jpg>", '<a href="/x">link</a>', "a <!-- c --> b",
    "<P>Upper</P>", "The </p> end tag", "self <hr/> closed", '<span class="x">styled',
])
def test_html_elements_make_a_field_html(text: str):
    assert holds_html(text)


def test_c1_controls_and_del_are_removed_like_c0():
    cleaned, removed = xml_legal("a\x00b\x7fc\x85d\x93e\x9ff\u00a0g")
    assert (cleaned, removed) == ("abcdef\u00a0g", 5)


URIS = {
    "https://навіны.бел/": "https://xn--80ae5ac4e2c.xn--90ais/",
    "https://straße.de/": "https://xn--strae-oqa.de/",  # IDNA 2008, not 2003's 'strasse.de'
    "HTTP://Example.ORG:80/a/./b/../c?x=1&y=%7e#Frag": "http://example.org/a/c?x=1&y=~#Frag",
    "https://example.org./path with space/ü?q=ä ö": "https://example.org/path%20with%20space/%C3%BC?q=%C3%A4%20%C3%B6",
    "https://example.org:443": "https://example.org/",
    "http://example.org:8080/%e2%82%ac": "http://example.org:8080/%E2%82%AC",
    "https://example.org/a%2Fb/%3A?%26=1": "https://example.org/a%2Fb/%3A?%26=1",
    "https://example.org/100%": "https://example.org/100%25",
    "https://x.org/e\u0301": "https://x.org/%C3%A9",  # NFC
    "https://[::1]:8443/x": "https://[::1]:8443/x",
    "https://x.org/a[1]/{b}|c^": "https://x.org/a%5B1%5D/%7Bb%7D%7Cc%5E",
    "https://x.org/~user/%7Euser": "https://x.org/~user/~user",
    "https://x.org/a?b=c+d&e=%2B": "https://x.org/a?b=c+d&e=%2B",
    "https://x.org/a/b/..": "https://x.org/a/",
    "https://x.org/culture.html": "https://x.org/culture.html",
    "https://x.org/list?view=list": "https://x.org/list?view=list",
}


@pytest.mark.parametrize(("given", "expected"), URIS.items())
def test_urls_are_written_as_rfc3986_uris_in_normal_form(given: str, expected: str):
    assert to_uri(given) == expected
    assert to_uri(expected) == expected


@pytest.mark.parametrize("given", ["ftp://x.org/", "/relative", "https://user:pw@x.org/", "https://a b/",
                                   "https://x.org:99999/", "https://exa_mple..org/", "https://i❤.ws/"])
def test_what_cannot_be_an_http_uri_is_refused(given: str):
    with pytest.raises(ValueError):
        to_uri(given)


def test_our_normal_form_is_the_w3c_validators_canonical_form():
    if not W3C_VALIDATOR.is_dir():
        pytest.skip("the W3C Feed Validator is not in ../shared/tools/: its canonical form cannot be compared")
    sys.path.insert(0, str(W3C_VALIDATOR))
    try:
        from feedvalidator.uri import canonicalForm
    finally:
        sys.path.remove(str(W3C_VALIDATOR))
    for expected in URIS.values():
        assert canonicalForm(expected) == expected


def test_links_and_images_in_bodies_become_uris():
    body = sanitize_html('<p><a href="/über uns/">a</a> <img src="pic 1.jpg"> <a href="mailto:ä@x.org">m</a>'
                         '<a href="https://[bad">b</a></p>', base_url="https://навіны.бел/news/1/")
    assert 'href="https://xn--80ae5ac4e2c.xn--90ais/%C3%BCber%20uns/"' in body
    assert 'src="https://xn--80ae5ac4e2c.xn--90ais/news/1/pic%201.jpg"' in body
    assert 'href="mailto:%C3%A4@x.org"' in body
    assert "[bad" not in body  # a link that cannot be a URI loses its href, as a javascript: one does
