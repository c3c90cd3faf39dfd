"""The project's own schemas, loaded from package data (never from the working directory)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


def schema_path(name: str) -> Path:
    """Path of schemas/NAME as installed in the package (wheel: syndicate/schemas)."""
    packaged = resources.files("syndicate") / "schemas" / name
    if packaged.is_file():
        return Path(str(packaged))
    # An editable install maps only src/; the schemas then sit at the project's top level.
    checkout = Path(__file__).resolve().parents[2] / "schemas" / name
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"schema {name} is missing from the syndicate installation")


@cache
def json_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))
