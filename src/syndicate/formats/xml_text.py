"""XML written as text, character for character as lxml (libxml2) serialises the same elements
indented by etree.indent(space="  "), for a writer of many small elements: a string per element
costs a fraction of what an lxml element and its serialisation do.

Text is escaped as libxml2 escapes it ('&', '<', '>' and CR in text; '&', '<', '>', '"', CR, LF
and TAB in attribute values), and a string XML cannot hold is refused as lxml refuses it, with
ValueError (a lone surrogate fails when the text is encoded, as with lxml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# XML 1.0 section 2.2, as lxml checks it: no C0 control but TAB, LF and CR, no U+FFFE or U+FFFF.
_NOT_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff"
# What text or an attribute value cannot hold as it is: one search, and most values are returned as they are.
_TEXT = re.compile(f"[&<>\r{_NOT_XML}]")
_ATTRIBUTE = re.compile(f'[&<>"\r\n\t{_NOT_XML}]')
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;",
                                    "\n": "&#10;", "\t": "&#9;"})
_NOT_XML_CHARACTER = re.compile(f"[{_NOT_XML}]")
_INDENTS = tuple("\n" + "  " * depth for depth in range(16))


def _escaped(value: str, escapes: dict[int, str]) -> str:
    if _NOT_XML_CHARACTER.search(value):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")
    return value.translate(escapes)


def text(value: str) -> str:
    """VALUE as the text of an element."""
    return value if _TEXT.search(value) is None else _escaped(value, _TEXT_ESCAPES)


def attribute(value: str) -> str:
    """VALUE as an attribute value, between double quotes."""
    return value if _ATTRIBUTE.search(value) is None else _escaped(value, _ATTRIBUTE_ESCAPES)


def _attributes(attributes: dict[str, str | None]) -> str:
    return "".join([f' {name}="{attribute(value)}"' for name, value in attributes.items() if value is not None])


def leaf(depth: int, name: str, value: str | None = None, /, **attributes: str | None) -> str:
    """Element NAME at DEPTH (on a line of its own) with the text VALUE, if any, and ATTRIBUTES
    in their order (those whose value is None left out)."""
    if value is None:
        return f"{_INDENTS[depth]}<{name}{_attributes(attributes)}/>"
    return f"{_INDENTS[depth]}<{name}{_attributes(attributes)}>{text(value)}</{name}>"


def branch(depth: int, name: str, children: Iterable[str], /, **attributes: str | None) -> str:
    """Element NAME at DEPTH holding CHILDREN (elements at DEPTH + 1), with ATTRIBUTES."""
    inside = "".join(children)
    if not inside:
        return f"{_INDENTS[depth]}<{name}{_attributes(attributes)}/>"
    return f"{_INDENTS[depth]}<{name}{_attributes(attributes)}>{inside}{_INDENTS[depth]}</{name}>"
