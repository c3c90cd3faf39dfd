"""One broken document per rule each format's check enforces, and the problems it must report:
the item (line, index or id) and the field, in the same words as before the checks were made fast.

tests/data/check_rules.json holds, for each case, the file of the example export changed (its
first occurrence of `replace` replaced by `with`) and the exact problems expected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syndicate import api
from syndicate.formats import FORMATS

from tests.conftest import EXAMPLE_CONFIG

CASES = json.loads((Path(__file__).resolve().parents[1] / "data" / "check_rules.json").read_text(encoding="utf-8"))
BY_FILENAME = {fmt.filename: fmt for fmt in FORMATS.values()}


@pytest.fixture(scope="module")
def society(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example store's society feeds in every format."""
    out = tmp_path_factory.mktemp("every-format")
    api.export(EXAMPLE_CONFIG, out_dir=out, formats=list(FORMATS), sections=["society"])
    return out / "society"


def test_every_format_has_a_case_for_each_of_its_rules():
    assert {case["file"] for case in CASES} == set(BY_FILENAME)


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_a_broken_document_is_refused_naming_the_item_and_field(society: Path, case: dict):
    data = (society / case["file"]).read_bytes()
    assert _check(case["file"], data) == []  # as exported
    old, new = case["replace"].encode("utf-8"), case["with"].encode("utf-8")
    assert old in data, "the example export changed: update tests/data/check_rules.json"
    assert _check(case["file"], data.replace(old, new, 1)) == case["problems"]


def _check(filename: str, data: bytes) -> list[str]:
    return BY_FILENAME[filename].check(data, None)
