"""The `syndicate` command: parses options, calls the library, prints, and sets exit codes.

Exit codes: 0 success; 1 `validate` found an invalid file (or export rendered
one); 2 bad input, bad configuration, bad usage or a fault of the machine (a full
disk, an I/O error, a path too long); 3 an internal error (a bug:
rerun with --debug for the traceback and report it). --debug adds tracebacks
and never changes an exit code.

Only what every command needs is imported here; each command imports the rest
of the library when it runs (syndicate.api resolves its names on first use), so
that `--help` and a small `validate` start as fast as typer itself.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from syndicate import DISTRIBUTION, api, reports
from syndicate.errors import InvalidRecords, OutputInvalid, SyndicateError, UsageError
from syndicate.patterns import lazy

if TYPE_CHECKING:
    from syndicate.progress import Progress

EXIT_INVALID_OUTPUT = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
_debug = False

STORE_VARIABLE = "SYNDICATE_STORE"

app = typer.Typer(
    name="syndicate",
    help="Turn a newsroom's article store into RSS 2.0, Atom 1.0, JSON Feed 1.1, NewsML-G2 and ninjs feeds "
         "per section, proven valid.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help: help texts are printed as written (rich markup would swallow "[store]"), and
    # flags are shown without a type.
    rich_markup_mode=None,
)


def _version() -> str:
    """The installed distribution's version; this package's own when it runs from a checkout
    without being installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        from syndicate import __version__

        return __version__


def _print_version(shown: bool) -> None:
    if shown:
        _say(f"syndicate {_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Also print Python tracebacks (for reporting bugs); "
                                                        "exit codes stay the same.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print syndicate's version and exit.")] = False,
) -> None:
    global _debug
    _debug = debug


def _store_variable(context: typer.Context) -> str | None:
    """STORE_VARIABLE when the command's --store value was read from it, else None."""
    source = context.get_parameter_source("store")
    return STORE_VARIABLE if source is not None and source.name == "ENVIRONMENT" else None


# Every value has a metavar of its own: help then names what is given, not a Python type.
ConfigOption = Annotated[Path, typer.Option("--config", "-c", metavar="FILE", help="The site's syndicate.toml.")]
# Control characters (but newline and tab) in what is printed: a record id or a file name
# holding a terminal escape sequence must show as text, not act on the terminal.
_CONTROLS = lazy("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _say(text: str, *, err: bool = False) -> None:
    typer.echo(_CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text)), err=err)


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


# What each phase of work is called on a progress bar.
_PHASES = {"check": "checking", "write": "writing", "render": "rendering"}
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document (the README's "
                                                          "'JSON reports') instead of text.")]


@contextmanager
def _progress_bar(shown: bool, *, unit: str = "records") -> Iterator[Progress | None]:
    """A progress callback drawing one bar per phase (checking, then writing; rendering) on
    standard error, with rich (which typer uses), or None when SHOWN is false. The bar is redrawn
    by the callback, at most ten times a second, not by a thread of its own: an import may start
    worker processes."""
    if not shown:
        yield None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else "", style="progress.data.speed")

    columns = (TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), Rate(),
               TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("left"))
    console = Console(file=sys.stderr, force_terminal=True)
    with Progress(*columns, console=console, auto_refresh=False, redirect_stdout=False,
                  redirect_stderr=False) as bar:
        tasks: dict[str, int] = {}
        drawn = 0.0

        def update(phase: str, done: int, total: int | None) -> None:
            nonlocal drawn
            if phase not in tasks:
                for earlier in tasks.values():  # the earlier phase is over: its total is what it did
                    bar.update(earlier, total=bar.tasks[earlier].completed)
                tasks[phase] = bar.add_task(_PHASES.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)
            if time.monotonic() - drawn >= 0.1 or done == total:
                bar.refresh()
                drawn = time.monotonic()

        yield update


def _print_json(document: dict) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _print_skipped_and_warnings(skipped, warnings) -> None:
    for problem in skipped:
        _say(f"skipped: {problem}", err=True)
    for warning in warnings:
        _say(f"warning: {warning}", err=True)


def _print_traceback(error: BaseException) -> None:
    import traceback

    traceback.print_exception(error, file=sys.stderr)


def _fail(error: SyndicateError, *, store_variable: str | None = None, json_command: str | None = None,
          started: float = 0.0) -> typer.Exit:
    """The exit for ERROR, after printing it (on standard error; and as a JSON document on standard
    output when JSON_COMMAND names the command run with --json). STORE_VARIABLE: the environment
    variable the store's location was read from, named in an error about opening that store."""
    if _debug:
        _print_traceback(error)
    if isinstance(error, InvalidRecords):
        for problem in error.problems:
            _say(str(problem), err=True)
        count = len(error.problems)
        _say(f"error: {count} problem{'s' if count != 1 else ''} in the store; nothing was written",
                   err=True)
    elif store_variable is not None and error.store_location is not None:
        _say(f"error: {store_variable}: {error}", err=True)
    else:
        _say(f"error: {error}", err=True)
    code = EXIT_INVALID_OUTPUT if isinstance(error, OutputInvalid) else EXIT_BAD_INPUT
    if json_command is not None:
        _print_json(reports.failure(json_command, error, exit_code=code, seconds=time.monotonic() - started))
    return typer.Exit(code)


def _shard_option(value: str | None) -> str | None:
    """--shard's value, checked as the command line is parsed (a usage error names the option)."""
    if value is not None:
        from syndicate.export.shards import Shard

        try:
            Shard.parse(value)
        except SyndicateError as error:
            raise typer.BadParameter(str(error)) from None
    return value


@app.command()
def export(
    context: typer.Context,
    config: ConfigOption = Path("syndicate.toml"),
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR",
                                      help="Output directory (created if missing).")] = ...,
    store: Annotated[
        Optional[str], typer.Option("--store", envvar=STORE_VARIABLE, metavar="STORE",
                                    help="Store: a directory, a SQLite file or a postgresql:// URL; "
                                         "overrides [store] in the config.")
    ] = None,
    formats: Annotated[
        Optional[list[str]],
        typer.Option("--format", "-f", metavar="FORMAT",
                     help="rss, atom, jsonfeed, newsml or ninjs; repeat for several. "
                          "Default: the config's defaults.formats."),
    ] = None,
    sections: Annotated[
        Optional[list[str]],
        typer.Option("--section", "-s", metavar="SLUG",
                     help="Section slug ('all' for the site-wide feed); repeat. Default: every one."),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Export the valid records, list the invalid ones, exit 0.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; list the files that would change and exit 1 if any.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Publish even if the store is at an older state than the one the "
                                           "published files were made from (a store restored on purpose).")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="A partner's files that break its platform's rules (see `syndicate "
                                            "lint`) are an error (exit 2, nothing published), not warnings.")
    ] = False,
    shard: Annotated[
        Optional[str], typer.Option("--shard", metavar="I/N", callback=_shard_option,
                                    help="Export only the feeds of shard I of N (1 to N), and a partial manifest "
                                         "for `syndicate index`, instead of index.opml and manifest.json.")
    ] = None,
    jobs: Annotated[
        Optional[int], typer.Option("--jobs", "-j", metavar="N",
                                    help="Render in N processes (the files are the same). Default: one per CPU.")
    ] = None,
    ping: Annotated[
        bool, typer.Option("--ping", help="Then tell the site's WebSub hub ([site] websub_hub) which feeds "
                                          "changed (see `syndicate ping`).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    json_report: JsonOption = False,
) -> None:
    """Write each section's feeds, in RSS 2.0 (rss.xml), Atom 1.0 (atom.xml), JSON Feed 1.1
    (feed.json), NewsML-G2 (newsml.xml) or ninjs (ninjs.json), as DIR/<section>/<file>, the
    site-wide ones as DIR/all/<file>, then DIR/index.opml and DIR/manifest.json; only what
    changed is rendered and rewritten. On a terminal, a progress bar on standard error."""
    started = time.monotonic()
    try:
        if ping and check:
            raise UsageError("--ping cannot go with --check: a check publishes nothing to notify the hub of")
        if ping:  # before anything is written: a missing hub is a mistake in the configuration
            api.configured_hub(config)
        with _progress_bar(not quiet and not json_report and _stderr_is_terminal(), unit="files") as progress:
            report = api.export(config, out_dir=out, store=store, formats=formats, sections=sections,
                                skip_invalid=skip_invalid, check=check, force=force, jobs=jobs,
                                progress=progress, shard=shard, strict=strict)
        # Once published, as a hub fetches a feed as soon as it is told of it.
        pinged = api.ping(config, out_dir=out, written=report.written) if ping else None
    except SyndicateError as error:
        raise _fail(error, store_variable=_store_variable(context), json_command="export" if json_report else None,
                    started=started) from None
    _print_skipped_and_warnings(report.skipped, report.warnings)
    if json_report:
        code = EXIT_INVALID_OUTPUT if check and report.stale else 0
        _print_json(reports.export(report, out=out, exit_code=code, seconds=time.monotonic() - started,
                                   pinged=pinged))
        raise typer.Exit(code)
    if check:
        for path in report.written:
            _say(f"stale: {path}")
        if not quiet or report.stale:
            _say(f"{len(report.written)} of {len(report.written) + len(report.unchanged)} files would change"
                       if report.stale else f"{out}: up to date")
        if report.stale:
            raise typer.Exit(EXIT_INVALID_OUTPUT)
        return
    if not quiet:
        for path in report.written:
            _say(f"wrote {path}")
        _say(
            f"{report.records} records, {report.feeds} feeds: {report.rendered} files rendered, "
            f"{len(report.written)} written, {len(report.unchanged)} unchanged"
        )
        held_back = _held_back(report.held_back)
        if held_back or report.skipped:
            skipped = f"{len(report.skipped)} problem{'s' if len(report.skipped) != 1 else ''} skipped"
            _say("not in any feed: " + ", ".join(filter(None, (held_back, skipped if report.skipped else ""))))
        if pinged is not None:
            _say_pinged(pinged)


def _say_pinged(pinged) -> None:
    """What PINGED (a websub.PingReport) did, one line per feed and a total."""
    for topic in pinged.topics:
        _say(f"notified {topic}")
    feeds = len(pinged.topics)
    _say(f"WebSub hub {pinged.hub}: told of {feeds} changed feed{'s' if feeds != 1 else ''}")


@app.command()
def index(
    out: Annotated[Path, typer.Argument(metavar="DIR", help="The directory the shards were exported or copied into.")],
    config: ConfigOption = Path("syndicate.toml"),
    force: Annotated[
        bool, typer.Option("--force", help="Publish even if DIR was published from a newer state of the store.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
) -> None:
    """After `export --shard I/N` of every shard into DIR (or their directories copied into it), write
    DIR/index.opml and DIR/manifest.json, as one export of the same store would have, and remove the
    shards' partial manifests. Refuses, writing nothing, when a shard is missing or the shards are not
    of one export (another store state, configuration, version or number of shards)."""
    try:
        report = api.index_shards(config, out_dir=out, force=force)
    except SyndicateError as error:
        raise _fail(error) from None
    if not quiet:
        for path in report.written:
            _say(f"wrote {path}")
        _say(f"{report.shards} shards merged: {report.feeds} feeds, {report.files} files, "
             f"{len(report.written)} written, {len(report.unchanged)} unchanged")


@app.command("next-change")
def next_change(
    context: typer.Context,
    config: ConfigOption = Path("syndicate.toml"),
    store: Annotated[
        Optional[str], typer.Option("--store", envvar=STORE_VARIABLE, metavar="STORE",
                                    help="The store; default: the config's.")
    ] = None,
    json_report: JsonOption = False,
) -> None:
    """Print the earliest future moment (RFC 3339, UTC) at which an export of the store as it is
    would write other files: an embargo lifting, a story expiring, a withdrawn story's tombstone
    window closing, a story leaving the news sitemap's two days; nothing when none is due. For cron or a CI schedule, to export exactly then.
    Now is SOURCE_DATE_EPOCH when set, as for export."""
    started = time.monotonic()
    try:
        from syndicate.dates import build_time
        from syndicate.store import redacted

        as_of = build_time()
        location, held, site_change = api.next_change(config, store=store, as_of=as_of)
    except SyndicateError as error:
        raise _fail(error, store_variable=_store_variable(context),
                    json_command="next-change" if json_report else None, started=started) from None
    due = min(filter(None, (held.next_change, site_change)), default=None)
    if json_report:
        _print_json(reports.next_change(held, site_change=site_change, store=redacted(location), as_of=as_of,
                                        exit_code=0, seconds=time.monotonic() - started))
    elif due is not None:
        typer.echo(_utc(due).replace("+00:00", "Z"))
    else:
        _say("nothing is due: no embargo, expiry, tombstone window or news sitemap entry ends after now", err=True)


@app.command()
def lint(
    out: Annotated[Path, typer.Argument(metavar="DIR", help="The output directory an export wrote.")] = Path("."),
    config: ConfigOption = Path("syndicate.toml"),
    partners: Annotated[
        Optional[list[str]], typer.Option("--partner", "-p", metavar="NAME",
                                          help="Only this partner's files; repeat. Default: every profile.")
    ] = None,
) -> None:
    """Check each partner profile's files in DIR/partners/NAME/ against the published rules of the
    platform it names (schemas/platform-rules.json, each rule with its source): one line per problem
    naming the file, the item and the rule; exit 1 when a rule is broken (advice alone exits 0)."""
    try:
        from syndicate.config import load_config

        lines = api.lint(load_config(config), out, partners=partners or ())
    except SyndicateError as error:
        raise _fail(error) from None
    for line in lines:
        typer.echo(line)
    if api.is_broken(lines):
        raise typer.Exit(1)


def _held_back(held) -> str:
    """The drafts and embargoed records of HELD (a store.HeldBack) in words; empty when none."""
    parts = []
    if held.drafts:
        parts.append(f"{held.drafts} draft{'s' if held.drafts != 1 else ''}")
    if held.embargoed:
        parts.append(f"{held.embargoed} embargoed (the first lifts {_utc(held.next_lift)})")
    return ", ".join(parts)


@app.command("import")
def import_(
    sources: Annotated[list[str], typer.Argument(
        metavar="SOURCE...", help="Stores (directory, SQLite file, postgresql:// URL) or feed files: RSS 2.0 "
                                  "(and 0.9x, 1.0), Atom 1.0, JSON Feed 1.1, NewsML-G2 or ninjs.")],
    into: Annotated[str, typer.Option("--into", metavar="STORE",
                                      help="The store to write into (created if missing, except "
                                           "PostgreSQL databases).")],
    config: ConfigOption = Path("syndicate.toml"),
    section: Annotated[
        Optional[str], typer.Option("--section", "-s", metavar="SLUG",
                                    help="Section of feed items whose categories name no configured section.")
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid records, list the invalid ones, exit 0.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    json_report: JsonOption = False,
) -> None:
    """Copy records into a store, upserting by id, each checked as export checks it; on a terminal,
    a progress bar on standard error."""
    started = time.monotonic()
    try:
        with _progress_bar(not quiet and not json_report and _stderr_is_terminal()) as progress:
            report = api.import_records(sources, into=into, config_path=config, section=section,
                                        skip_invalid=skip_invalid, progress=progress)
    except SyndicateError as error:
        raise _fail(error, json_command="import" if json_report else None, started=started) from None
    _print_skipped_and_warnings(report.skipped, report.warnings)
    if json_report:
        _print_json(reports.import_(report, exit_code=0, seconds=time.monotonic() - started))
    elif not quiet:
        from syndicate.store import redacted

        _say(f"imported {report.imported} records into {redacted(report.into)}: {report.new} new, "
             f"{report.replaced} replaced, {report.skipped_records} skipped")


@app.command()
def ping(
    out: Annotated[Path, typer.Argument(metavar="DIR", help="The output directory of `syndicate export`.")],
    config: ConfigOption = Path("syndicate.toml"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
) -> None:
    """Tell the site's WebSub hub ([site] websub_hub) that every feed DIR's manifest lists changed
    (RSS, Atom and JSON Feed; not archive pages): after copying DIR to the server, or when
    `export --ping` could not reach the hub. Exit 2, naming the feed and the hub's answer, when the
    hub refuses or cannot be reached after 3 attempts."""
    try:
        pinged = api.ping(config, out_dir=out)
    except SyndicateError as error:
        raise _fail(error) from None
    if not quiet:
        _say_pinged(pinged)


@app.command()
def stats(
    context: typer.Context,
    store: Annotated[
        Optional[str], typer.Option("--store", envvar=STORE_VARIABLE, metavar="STORE",
                                    help="The store; default: the config's.")
    ] = None,
    config: Annotated[Optional[Path], typer.Option(
        "--config", "-c", metavar="FILE",
        help="The site's syndicate.toml (default: ./syndicate.toml when there is one).")] = None,
    json_report: JsonOption = False,
) -> None:
    """Count records per section and status; print the oldest and newest publication dates of what
    an export would publish now, and the embargoes not yet lifted."""
    if config is None and Path("syndicate.toml").is_file():
        config = Path("syndicate.toml")
    started = time.monotonic()
    try:
        location, counts = api.store_stats(store, config_path=config)
    except SyndicateError as error:
        raise _fail(error, store_variable=_store_variable(context), json_command="stats" if json_report else None,
                    started=started) from None
    if json_report:
        _print_json(reports.stats(location, counts, seconds=time.monotonic() - started))
        return
    _say(f"store: {location}")
    _say(f"{'section':<24} {'status':<10} {'records':>8}")
    for (section, status), count in sorted(counts.counts.items()):
        _say(f"{section:<24} {status:<10} {count:>8}")
    _say(f"{'total':<35} {counts.total:>8}")
    if counts.oldest is not None:
        _say(f"oldest published: {_utc(counts.oldest)}")
        _say(f"newest published: {_utc(counts.newest)}")
    if counts.embargoed:
        line = f"still embargoed: {counts.embargoed} record{'s' if counts.embargoed != 1 else ''}"
        if counts.next_lift is not None and counts.next_lift == counts.last_lift:
            line += f", lifts {_utc(counts.next_lift)}"
        elif counts.next_lift is not None:
            line += f", lifting from {_utc(counts.next_lift)} to {_utc(counts.last_lift)}"
        _say(line)


def _utc(moment) -> str:
    return moment.astimezone(timezone.utc).isoformat()


@app.command()
def serve(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="The output directory to serve (export's --out).")],
    host: Annotated[str, typer.Option("--host", metavar="HOST",
                                      help="The address to listen on; 0.0.0.0 for every interface.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", metavar="PORT",
                                      help="The port to listen on (0: one the system picks).")] = 8000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no line per request.")] = False,
) -> None:
    """Serve DIR over HTTP until Ctrl-C: each feed with its media type, strong ETags from
    manifest.json, Last-Modified, 304 Not Modified, gzip on request; nothing outside DIR, and
    never manifest.json, _shards/ or hidden files. For previews and small deployments."""
    try:
        server = api.make_server(directory, host=host, port=port,
                                 log=None if quiet else (lambda line: _say(line, err=True)))
    except SyndicateError as error:
        raise _fail(error) from None
    _say(f"serving {directory} at {server.url} (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        _say("stopped", err=True)
    finally:
        server.server_close()


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH...", help="Feed files, index.opml and sitemap-news.xml, or directories searched "
                                  "recursively.")],
    newsml_xsd: Annotated[
        Optional[Path],
        typer.Option("--newsml-xsd", envvar="SYNDICATE_NEWSML_XSD", metavar="XSD",
                     help="IPTC's NewsML-G2 XSD (NewsML-G2_2.35-spec-All-Power.xsd, with xml.xsd beside it); "
                          "newsml.xml files must pass it too."),
    ] = None,
    schemas: Annotated[
        Optional[list[str]],
        typer.Option("--schema", metavar="FORMAT=PATH",
                     help="FORMAT=PATH: a further schema for that format's files (XSD or RELAX NG for XML "
                          "formats and 'opml', JSON Schema for JSON ones); repeatable."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print problems only.")] = False,
    json_report: JsonOption = False,
) -> None:
    """Check feed files (RSS 2.0, Atom 1.0, JSON Feed 1.1, NewsML-G2, ninjs), index.opml and the news
    sitemap against syndicate's schemas and the rules a schema cannot express; on a terminal, a
    progress bar on standard error."""
    started = time.monotonic()
    external: dict[str, Path] = {}
    for entry in schemas or ():
        name, separator, location = entry.partition("=")
        if not separator or not name or not location:
            _say(f"error: --schema takes FORMAT=PATH, got {entry!r}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        external[name] = Path(location)
    if newsml_xsd is not None:
        external["newsml"] = newsml_xsd
    try:
        with _progress_bar(not quiet and not json_report and _stderr_is_terminal(), unit="files") as progress:
            checked = api.validate(paths, external_schemas=external, progress=progress)
    except SyndicateError as error:
        raise _fail(error, json_command="validate" if json_report else None, started=started) from None
    invalid = sum(not r.valid for r in checked)
    code = EXIT_INVALID_OUTPUT if invalid or not checked else 0
    if json_report:
        _print_json(reports.validate(checked, exit_code=code, seconds=time.monotonic() - started))
        raise typer.Exit(code)
    for report in checked:
        for problem in report.problems:
            _say(f"{report.path}: {problem}")
        if report.valid and not quiet:
            _say(f"{report.path}: valid {report.format_name}")
    if not quiet:
        _say(f"{len(checked)} file{'s' if len(checked) != 1 else ''} checked, {invalid} invalid")
    if code:
        if not checked:
            _say("error: no feed files found", err=True)
        raise typer.Exit(code)


def main() -> None:
    try:
        app(prog_name="syndicate")  # as installed, also when run as `python -m syndicate`
    except OSError as error:  # the machine's doing (a full disk, an I/O error, a path too long), not a bug
        if _debug or "--debug" in sys.argv[1:]:
            _print_traceback(error)
        where = f": {error.filename}" if error.filename else ""
        _say(f"error: {error.strerror or error}{where}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as error:  # a bug, not a user mistake: no traceback unless asked for
        if _debug or "--debug" in sys.argv[1:]:
            _print_traceback(error)
        _say(f"internal error: {type(error).__name__}: {error}\n"
             "This is a bug in syndicate; rerun with --debug for the traceback.", err=True)
        sys.exit(EXIT_INTERNAL)
