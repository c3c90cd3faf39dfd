"""An export split into shards (`export --shard I/N`), merged into one directory and indexed
(`syndicate index`): every feed in exactly one shard, by a hash that never changes, and the merged
tree byte for byte one export's; an index of shards that are not one export refuses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.errors import UsageError
from syndicate.export.shards import shard_of

from tests.conftest import make_site, write_record
from tests.export.conftest import make_sharded_site, tree

runner = CliRunner()
ATOM = ("atom",)  # where the formats do not matter, one is quicker


def _export_shards(config: Path, root: Path, *, count: int = 3, numbers: range | None = None,
                   formats: tuple[str, ...] = (), store: str | None = None) -> list[Path]:
    """Each shard of COUNT (or those of NUMBERS) exported by the command into a directory of its
    own under ROOT, in FORMATS (default: the config's), from STORE (default: the config's)."""
    shards = []
    for number in numbers or range(1, count + 1):
        out = root / f"shard-{number}-of-{count}"
        chosen = [argument for name in formats for argument in ("--format", name)]
        result = runner.invoke(app, ["export", "-c", str(config), "-o", str(out), "--shard", f"{number}/{count}",
                                     *chosen, *(["--store", store] if store else [])])
        assert result.exit_code == 0, result.output
        shards.append(out)
    return shards


@pytest.fixture(scope="module")
def atom_shards(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A site as the sharded_site fixture makes it, and its three shards exported in Atom, once for
    the tests that neither change its store nor write into the shards: (its config, the shards'
    directories). A test merges them into a directory of its own, or copies one to change it."""
    config = make_sharded_site(make_site(tmp_path_factory.mktemp("sharded")))
    return config, _export_shards(config, config.parent / "shards", formats=ATOM)


def _copied(shard: Path, into: Path) -> Path:
    """A copy of SHARD's directory under INTO, to change."""
    return Path(shutil.copytree(shard, into / shard.name))


def _merged(shards: list[Path], into: Path) -> Path:
    """The shards' directories copied into INTO, as CI artifacts downloaded into one folder."""
    for out in shards:
        shutil.copytree(out, into, dirs_exist_ok=True)
    return into


def _index(merged: Path, config: Path):
    return runner.invoke(app, ["index", str(merged), "-c", str(config)])


@pytest.mark.parametrize("kind", ["directory", "sqlite", "postgres"])
def test_shards_merged_and_indexed_are_byte_identical_to_one_export(sharded_site: Path, kind: str,
                                                                    request: pytest.FixtureRequest):
    config = sharded_site
    store, formats = None, ()  # every format from the directory store; one from the databases, to be quick
    if kind != "directory":
        formats = ATOM
        store = str(config.parent / "news.db") if kind == "sqlite" else request.getfixturevalue("postgres_url")
        api.import_records([config.parent / "store"], into=store, config_path=config)
    serial = sharded_site.parent / "serial"
    api.export(config, out_dir=serial, store=store, formats=list(formats))
    shards = _export_shards(config, sharded_site.parent, store=store, formats=formats)
    for out in shards:  # neither of the files every shard would write differently
        assert not (out / "index.opml").exists() and not (out / "manifest.json").exists()
    merged = _merged(shards, sharded_site.parent / "merged")
    result = _index(merged, config)
    assert result.exit_code == 0, result.output
    assert "3 shards merged: 4 feeds" in result.output
    expected = tree(serial)
    assert {"society/archive/00001/atom.xml", "culture/archive/00002/atom.xml", "all/archive/00005/atom.xml",
            "index.opml", "manifest.json"} <= set(expected)
    assert tree(merged) == expected  # every file, the manifest too; and no partial manifest left


def test_each_feed_and_its_archive_pages_are_in_exactly_one_shard(atom_shards: tuple[Path, list[Path]]):
    _config, shards = atom_shards
    owners: dict[str, set[int]] = {}
    for number, out in enumerate(shards, 1):
        assert (out / "_shards" / f"{number}-of-3.json").is_file()
        for relative in tree(out):
            if not relative.startswith("_shards/") and not relative.endswith("/index.html"):
                owners.setdefault(relative.split("/")[0], set()).add(number)
    # The site files beside index.opml, and each feed's page in its directory, are made by the shard
    # of the site-wide feed.
    assert owners == {"sport": {1}, "society": {2}, "all": {3}, "culture": {3}, "sitemap-news.xml": {3},
                      "feed.xsl": {3}, "index.html": {3}}
    assert [number for number, out in enumerate(shards, 1) if (out / "sport" / "index.html").is_file()] == [3]
    assert (shards[1] / "society" / "archive" / "00003").is_dir()
    assert (shards[2] / "culture" / "archive" / "00001").is_dir() and (shards[2] / "all" / "archive").is_dir()


# Worked out from the definition with other tools:
#   printf %s sport | sha256sum  ->  ec450786...dd83;  echo "ibase=16; EC45...DD83 % 3 + 1" | bc  ->  1
@pytest.mark.parametrize(("slug", "count", "shard"), [
    ("all", 3, 3), ("society", 3, 2), ("sport", 3, 1), ("culture", 3, 3),
    ("sport", 2, 2), ("culture", 2, 2), ("sport", 5, 3), ("culture", 5, 1), ("society", 1, 1),
])
def test_a_feeds_shard_is_the_sha256_of_its_slug_mod_n_plus_one(slug: str, count: int, shard: int):
    assert shard_of(slug, count) == shard


def _stamps(out: Path) -> dict[Path, int]:
    """The modification time of each published file of OUT (not its lock or versions ledger)."""
    return {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}


def test_an_export_into_the_merged_tree_renders_nothing(sharded_site: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    config = sharded_site
    merged = _merged(_export_shards(config, sharded_site.parent, formats=ATOM), sharded_site.parent / "merged")
    assert _index(merged, config).exit_code == 0
    before = _stamps(merged)
    again = api.export(config, out_dir=merged, formats=list(ATOM))  # the shortcut: index noted the files as an export does
    assert (again.rendered, again.written, again.feeds) == (0, (), 4)
    monkeypatch.setenv("SYNDICATE_CACHE_DIR", str(tmp_path / "new-cache"))  # no shortcut: every file compared
    full = api.export(config, out_dir=merged, formats=list(ATOM))
    assert (full.rendered, full.written) == (0, ())
    assert len(full.unchanged) == len(before)
    assert _stamps(merged) == before
    write_record(sharded_site.parent, "new", section="sport", url="https://test.example.org/sport/new/",
                 published="2024-03-20T10:00:00+03:00")
    changed = api.export(config, out_dir=merged, formats=list(ATOM))
    assert changed.rendered > 0  # sport's and the site's files only: the others are as the manifest says
    assert {p.relative_to(merged.resolve()).parts[0] for p in changed.written} == {
        "sport", "all", "manifest.json"}


def test_shards_one_after_another_into_the_merged_tree_render_nothing_and_index_changes_nothing(
        atom_shards: tuple[Path, list[Path]], tmp_path: Path):
    config, shards = atom_shards
    merged = _merged(shards, tmp_path / "merged")
    assert _index(merged, config).exit_code == 0
    before = tree(merged)
    for number in (1, 2, 3):  # each reads the merged tree's manifest, and writes its partial only
        report = api.export(config, out_dir=merged, formats=list(ATOM), shard=f"{number}/3")
        assert report.rendered == 0
        assert report.written == (merged.resolve() / "_shards" / f"{number}-of-3.json",)
    indexed = api.index_shards(config, out_dir=merged)
    assert (indexed.written, indexed.shards) == ((), 3)
    assert tree(merged) == before


def test_a_shard_fails_where_the_whole_export_would(sharded_site: Path):
    write_record(sharded_site.parent, "bad", section="sport", title=None)  # in shard 1's feed
    out = sharded_site.parent / "shard-2"
    result = runner.invoke(app, ["export", "-c", str(sharded_site), "-o", str(out), "--shard", "2/3"])
    assert result.exit_code == 2 and "id=bad title: is required" in result.output
    assert not out.exists()


# Each makes, from the shared shards (and their config) or from a sharded site of its own, shards
# that are not one export: (the config to index them with, the shards' directories).

def _missing(atom_shards: tuple[Path, list[Path]], site: Path, root: Path) -> tuple[Path, list[Path]]:
    config, shards = atom_shards
    return config, [shards[0], shards[2]]


def _other_state(atom_shards: tuple[Path, list[Path]], site: Path, root: Path) -> tuple[Path, list[Path]]:
    config = make_sharded_site(site)
    first = _export_shards(config, root, formats=ATOM, numbers=range(1, 2))
    write_record(config.parent, "later", section="sport", url="https://test.example.org/sport/later/",
                 published="2024-03-21T10:00:00+03:00")
    return config, first + _export_shards(config, root, formats=ATOM, numbers=range(2, 4))


def _overwritten(atom_shards: tuple[Path, list[Path]], site: Path, root: Path) -> tuple[Path, list[Path]]:
    config, shards = atom_shards
    first = _copied(shards[0], root)
    stray = first / "society" / "atom.xml"  # another shard's file, from an earlier export into that directory
    stray.parent.mkdir()
    stray.write_bytes(b"<feed/>")
    return config, [shards[1], first, shards[2]]


def _other_split(atom_shards: tuple[Path, list[Path]], site: Path, root: Path) -> tuple[Path, list[Path]]:
    config, shards = atom_shards
    return config, shards + _export_shards(config, root, formats=ATOM, count=2, numbers=range(1, 2))


def _edited_partial(atom_shards: tuple[Path, list[Path]], site: Path, root: Path) -> tuple[Path, list[Path]]:
    config, shards = atom_shards
    first = _copied(shards[0], root)
    partial = first / "_shards" / "1-of-3.json"
    document = json.loads(partial.read_text(encoding="utf-8"))
    document["feeds"].append("society")
    partial.write_text(json.dumps(document), encoding="utf-8")
    return config, [first, *shards[1:]]


@pytest.mark.parametrize(("make", "message"), [
    (_missing, "shard 2/3 missing"),
    (_other_state, "the shards read different states of the store"),
    (_overwritten, "society/atom.xml is not the file shard 2/3 wrote"),
    (_other_split, "split 2 and 3 ways"),
    (_edited_partial, "not those the split gives it"),
], ids=["missing", "store-states", "overwritten", "other-split", "overlap"])
def test_index_refuses_shards_that_are_not_one_export_and_writes_nothing(
        request: pytest.FixtureRequest, tmp_path: Path, make, message: str):
    # The shards shared with other tests, built on first use (the store-states case builds its own).
    shared = request.getfixturevalue("atom_shards") if make is not _other_state else None
    config, shards = make(shared, make_site(tmp_path) if shared is None else None, tmp_path)
    merged = _merged(shards, tmp_path / "merged")
    partials = sorted(p.name for p in (merged / "_shards").iterdir())
    result = _index(merged, config)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (merged / "index.opml").exists() and not (merged / "manifest.json").exists()
    assert sorted(p.name for p in (merged / "_shards").iterdir()) == partials


def test_index_refuses_another_configuration(atom_shards: tuple[Path, list[Path]], tmp_path: Path):
    config, shards = atom_shards
    merged = _merged(shards, tmp_path / "merged")
    other = tmp_path / "other.toml"  # another title, the same store (the site's, by its absolute path)
    other.write_text(config.read_text(encoding="utf-8").replace("Test News", "Other News")
                     + f"\n[store]\nlocation = {json.dumps(str(config.parent / 'store'))}\n", encoding="utf-8")
    result = _index(merged, other)
    assert result.exit_code == 2 and "another configuration file" in result.output


def test_index_refuses_to_go_back_to_an_older_store_state_unless_forced(sharded_site: Path):
    config = sharded_site
    shards = _export_shards(config, config.parent, formats=ATOM)
    write_record(config.parent, "later", section="sport", url="https://test.example.org/sport/later/",
                 published="2024-03-21T10:00:00+03:00")
    merged = config.parent / "merged"
    api.export(config, out_dir=merged, formats=list(ATOM))  # published from the newer state
    _merged(shards, merged)
    result = _index(merged, config)
    assert result.exit_code == 2 and "newer state of the store" in result.output
    forced = runner.invoke(app, ["index", str(merged), "-c", str(config), "--force"])
    assert forced.exit_code == 0, forced.output
    assert not (merged / "_shards").exists()


@pytest.mark.parametrize("value", ["0/3", "4/3", "3", "two/3", "1/0", "-1/3", "1/3/5"])
def test_a_malformed_shard_is_a_usage_error_naming_the_option(sharded_site: Path, value: str):
    out = sharded_site.parent / "out"
    result = runner.invoke(app, ["export", "-c", str(sharded_site), "-o", str(out), "--shard", value])
    assert result.exit_code == 2 and "--shard" in result.output, result.output
    assert not out.exists()
    with pytest.raises(UsageError, match="expected I/N"):
        api.export(sharded_site, out_dir=out, shard=value)
