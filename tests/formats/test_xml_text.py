"""XML written as text reads character for character as lxml serialises the same elements."""

import pytest
from lxml import etree

from syndicate.formats.xml_text import branch, leaf

TRICKY = ["plain", "", "a & b < c > d", 'say "hi" \'there\'', "line\nbreak\ttab\rreturn", "]]> &amp; &#x26;",
          "Навіны 😀 \u00a0\u0085\u007f"]


def _lxml(element: etree._Element) -> str:
    root = etree.Element("root")
    root.append(element)
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode")[len("<root>"):-len("\n</root>")]


@pytest.mark.parametrize("value", TRICKY)
def test_a_leaf_reads_as_lxml_writes_it(value: str):
    element = etree.Element("name", {"a": value, "b": "1"})
    element.text = value
    assert leaf(1, "name", value, a=value, c=None, b="1") == _lxml(element)


def test_an_empty_leaf_and_nested_branches_read_as_lxml_writes_them():
    outer = etree.Element("outer", {"k": "v"})
    inner = etree.SubElement(outer, "inner")
    etree.SubElement(inner, "empty", {"q": "x<y"})
    etree.SubElement(inner, "text").text = "t&t"
    etree.SubElement(outer, "childless")
    written = branch(1, "outer", [branch(2, "inner", [leaf(3, "empty", q="x<y"), leaf(3, "text", "t&t")]),
                                  branch(2, "childless", [])], k="v")
    assert written == _lxml(outer)


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x0b", "\x1f", "\ufffe", "\uffff"])
def test_what_xml_cannot_hold_is_refused_as_lxml_refuses_it(character: str):
    with pytest.raises(ValueError):
        etree.Element("name").text = f"a{character}"
    with pytest.raises(ValueError):
        leaf(0, "name", f"a{character}")
    with pytest.raises(ValueError):
        leaf(0, "name", a=f"a{character}")
