"""The command's conventions, run as a user runs it: the installed command in a subprocess, and
for the matrix of exit codes its entry point (syndicate.cli.main, what the command calls) in
this process, with the arguments a user would type.

--version, shell completion, help that shows what was written (and names the five formats),
exit code 2 for every usage error with or without --debug, errors that name the environment
variable a value came from, a start that imports nothing a command does not need, and a
distribution name whose install lines work as written.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import syndicate

from tests.conftest import EXAMPLE_CONFIG, PROJECT

FIVE_FORMATS = ("RSS 2.0", "Atom 1.0", "JSON Feed 1.1", "NewsML-G2", "ninjs")
# What no command may import before it runs, and `--help` never.
HEAVY_MODULES = ("feedgen", "lxml", "jsonschema", "feedparser", "psycopg", "nh3")
# The source of the package under test, first on the path of every child process, so that
# the command runs this code whichever copy of syndicate the environment has installed.
SOURCE = str(Path(syndicate.__file__).resolve().parents[1])


def _environment(**variables: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("SYNDICATE_") and key != "COLUMNS"}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [SOURCE, os.environ.get("PYTHONPATH")]))
    environment["COLUMNS"] = "80"
    environment.update(variables)
    return environment


def _syndicate(*arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which("syndicate", path=os.path.dirname(sys.executable)) or shutil.which("syndicate")
    assert found, "the syndicate console script is not installed"
    return subprocess.run([found, *arguments], capture_output=True, text=True, env=_environment(**variables),
                          timeout=120, check=False)


@functools.cache
def _help(command: str) -> subprocess.CompletedProcess[str]:
    """`syndicate COMMAND --help` of the installed command, run once for every test that reads it."""
    return _syndicate(command, "--help")


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          *arguments: str) -> tuple[int, str, str]:
    """(exit code, standard output, standard error) of the command's entry point run with ARGUMENTS."""
    from syndicate import cli

    monkeypatch.setattr(cli, "_debug", False)  # as in a new process
    monkeypatch.setattr(sys, "argv", ["syndicate", *arguments])
    capsys.readouterr()
    code = 0
    try:
        cli.main()
    except SystemExit as exited:
        code = exited.code if isinstance(exited.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def _words(text: str) -> str:
    """TEXT with its line breaks and runs of spaces made single spaces (help is wrapped)."""
    return " ".join(text.split())


def test_version_is_the_package_version():
    done = _syndicate("--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"syndicate {syndicate.__version__}\n", "")


def test_version_comes_from_the_metadata_and_falls_back_to_the_package(monkeypatch):
    from importlib import metadata

    from syndicate import cli

    def installed(name: str) -> str:
        assert name == "syndicate-feeds"
        return "9.8.7"

    monkeypatch.setattr(metadata, "version", installed)
    assert cli._version() == "9.8.7"

    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert cli._version() == syndicate.__version__


def test_top_level_help_names_the_five_formats_and_offers_completion():
    done = _syndicate("--help")
    assert done.returncode == 0, done.stderr
    text = _words(done.stdout)
    for name in FIVE_FORMATS:
        assert name in text
    for option in ("--version", "--debug", "--install-completion", "--show-completion"):
        assert option in text
    assert "<bool>" not in done.stdout


def test_completion_script_is_offered_for_a_shell():
    done = _syndicate("--show-completion", "bash")
    assert done.returncode == 0, done.stderr
    assert "_SYNDICATE_COMPLETE" in done.stdout and "complete" in done.stdout


@pytest.mark.parametrize("command", ["export", "import", "index", "serve", "stats", "validate"])
def test_command_help_shows_flags_without_a_type_and_options_by_what_they_take(command: str):
    done = _help(command)
    assert done.returncode == 0, done.stderr
    assert "<bool>" not in done.stdout
    options = [line for line in done.stdout.splitlines() if line.lstrip().startswith("-")]
    assert options and not [line for line in options if re.search(r"<(str|path|list\[)", line, re.IGNORECASE)]


def test_export_help_keeps_the_text_in_brackets():
    done = _help("export")
    assert done.returncode == 0, done.stderr
    assert "overrides [store] in the config" in _words(done.stdout)
    assert "[env var: SYNDICATE_STORE]" in _words(done.stdout)


@pytest.mark.parametrize("command", ["validate", "import"])
def test_validate_and_import_help_name_the_five_formats(command: str):
    done = _help(command)
    text = _words(done.stdout)
    assert [name for name in FIVE_FORMATS if name not in text] == []


def test_the_package_description_names_the_five_formats():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert [name for name in FIVE_FORMATS if name not in project["description"]] == []


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
def test_validate_of_a_missing_path_is_a_usage_error(tmp_path: Path, debug: list[str], monkeypatch, capsys):
    missing = tmp_path / "no-such-feed.xml"
    code, _, err = _main(monkeypatch, capsys, *debug, "validate", str(missing))
    assert code == 2
    assert f"error: {missing}: no such file or directory" in err
    assert ("Traceback" in err) == bool(debug)


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
def test_a_config_error_exits_2_with_or_without_debug(tmp_path: Path, debug: list[str], monkeypatch, capsys):
    missing = tmp_path / "missing.toml"
    code, _, err = _main(monkeypatch, capsys, *debug, "export", "--config", str(missing), "--out", str(tmp_path / "out"))
    assert code == 2
    assert f"error: {missing}: no such configuration file" in err
    assert ("Traceback" in err) == bool(debug)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("arguments", [
    ["validate"],  # no path
    ["export", "--config", str(EXAMPLE_CONFIG), "--out", "{out}", "--format", "gopher"],
    ["export", "--config", str(EXAMPLE_CONFIG), "--out", "{out}", "--no-such-option"],
    ["validate", "--schema", "gopher={out}", "{out}"],
    ["validate", "--schema", "no-equals-sign", "{out}"],
    ["stats", "--config", "{out}/missing.toml"],
    ["export", "--config", str(EXAMPLE_CONFIG), "--out", "{out}", "--shard", "4/3"],
    ["index", "{out}/missing", "--config", str(EXAMPLE_CONFIG)],
    ["index", "{out}", "--config", str(EXAMPLE_CONFIG)],
    ["no-such-command"],
], ids=["validate-without-path", "unknown-format", "unknown-option", "unknown-schema-format",
        "schema-without-path", "stats-missing-config", "shard-out-of-range", "index-of-no-directory",
        "index-without-shards", "unknown-command"])
@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
def test_usage_errors_exit_2(tmp_path: Path, arguments: list[str], debug: list[str], monkeypatch, capsys):
    code, out, err = _main(monkeypatch, capsys, *debug,
                           *(argument.replace("{out}", str(tmp_path)) for argument in arguments))
    assert code == 2, (out, err)
    assert err.strip()
    assert "internal error" not in err


def test_a_usage_error_of_the_installed_command_exits_2(tmp_path: Path):
    done = _syndicate("export", "--config", str(EXAMPLE_CONFIG), "--out", str(tmp_path), "--format", "gopher")
    assert done.returncode == 2 and "gopher" in done.stderr and "internal error" not in done.stderr


@pytest.mark.parametrize("command", [["stats"], ["export", "--config", str(EXAMPLE_CONFIG), "--out", "{out}"]],
                         ids=["stats", "export"])
def test_a_bad_store_from_the_environment_names_the_variable(tmp_path: Path, command: list[str], monkeypatch,
                                                             capsys):
    bad = tmp_path / "not-a-store.txt"
    bad.write_text("hello\n", encoding="utf-8")
    arguments = [argument.replace("{out}", str(tmp_path / "out")) for argument in command]
    monkeypatch.setenv("SYNDICATE_STORE", str(bad))
    code, _, err = _main(monkeypatch, capsys, *arguments)
    assert code == 2
    assert err.startswith(f"error: SYNDICATE_STORE: {bad}: not a store"), err
    monkeypatch.delenv("SYNDICATE_STORE")
    code, _, err = _main(monkeypatch, capsys, *arguments, "--store", str(bad))
    assert code == 2
    assert err.startswith(f"error: {bad}: not a store") and "SYNDICATE_STORE" not in err


def test_an_internal_error_exits_3_with_or_without_debug(monkeypatch, capsys, tmp_path: Path):
    from syndicate import cli

    def broken(*args, **kwargs):
        raise RuntimeError("something we did not foresee")

    monkeypatch.setattr(cli.api, "export", broken)
    for debug in ([], ["--debug"]):
        monkeypatch.setattr(cli, "_debug", False)
        monkeypatch.setattr(sys, "argv", ["syndicate", *debug, "export", "-c", str(EXAMPLE_CONFIG),
                                          "-o", str(tmp_path)])
        with pytest.raises(SystemExit) as exited:
            cli.main()
        assert exited.value.code == 3
        error = capsys.readouterr().err
        assert "internal error: RuntimeError: something we did not foresee" in error
        assert ("Traceback" in error) == bool(debug)


def _modules_loaded(code: str) -> set[str]:
    """The top-level packages a child Python has loaded after running CODE."""
    probe = f"import sys\n{code}\nprint(' '.join(sorted({{name.partition('.')[0] for name in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=_environment(),
                          timeout=120, check=True)
    return set(done.stdout.split())


def test_importing_the_command_loads_no_library_it_does_not_need():
    loaded = _modules_loaded("import syndicate.cli")
    assert "typer" in loaded  # the probe sees what was imported
    assert loaded.isdisjoint(HEAVY_MODULES), sorted(loaded & set(HEAVY_MODULES))


def test_help_loads_no_library_it_does_not_need():
    loaded = _modules_loaded(
        "import contextlib\nfrom syndicate import cli\nsys.argv = ['syndicate', 'export', '--help']\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(None):\n    cli.main()")
    assert "typer" in loaded
    assert loaded.isdisjoint(HEAVY_MODULES), sorted(loaded & set(HEAVY_MODULES))


def test_validate_of_an_xml_feed_loads_neither_the_writers_nor_jsonschema(example_feeds: Path):
    loaded = _modules_loaded(
        "import contextlib\nfrom syndicate import cli\n"
        f"sys.argv = ['syndicate', 'validate', '--quiet', {str(example_feeds / 'society' / 'rss.xml')!r}]\n"
        "with contextlib.suppress(SystemExit):\n    cli.main()")
    assert "lxml" in loaded  # it did check the file
    assert loaded.isdisjoint({"feedgen", "jsonschema", "feedparser", "psycopg", "dateutil"}), loaded


def test_validate_of_a_valid_json_feed_does_not_load_jsonschema(example_feeds: Path):
    loaded = _modules_loaded(
        "import contextlib\nfrom syndicate import cli\n"
        f"sys.argv = ['syndicate', 'validate', '--quiet', {str(example_feeds / 'society' / 'feed.json')!r}]\n"
        "with contextlib.suppress(SystemExit):\n    cli.main()")
    assert "rfc3339_validator" in loaded  # it did check the file's dates
    # The compiled schema passes it; jsonschema is for naming the problems of an invalid file.
    assert loaded.isdisjoint({"feedgen", "jsonschema", "rfc3986_validator", "feedparser", "psycopg"}), loaded


def test_the_test_extra_and_the_driver_hint_name_this_distribution(monkeypatch):
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == syndicate.DISTRIBUTION == "syndicate-feeds"
    assert f"{project['name']}[postgresql]" in project["optional-dependencies"]["test"]

    from syndicate.errors import ConfigError
    from syndicate.store import open_store

    monkeypatch.setitem(sys.modules, "syndicate.store.postgres", None)  # as if psycopg were not installed
    with pytest.raises(ConfigError, match=re.escape("pip install 'syndicate-feeds[postgresql]'")):
        open_store("postgresql://127.0.0.1:1/newsroom", config=None)


def test_every_install_line_of_the_readme_installs_this_project():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    # Up to the end of the inline code or the command (a backtick, '&&'), across a wrapped line.
    installs = re.findall(r"pip install\s+((?:[^`&\n]|\n(?!\n))+)", readme)
    assert len(installs) >= 4
    for arguments in installs:
        for requirement in arguments.split():
            requirement = requirement.strip("'\"")
            if requirement.startswith("-"):
                continue
            name = re.split(r"[\[=<>~!]", requirement, maxsplit=1)[0]
            # A checkout ('.', '.[test]') or this distribution from an index.
            assert name in (".", "syndicate-feeds"), arguments
