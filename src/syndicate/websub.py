"""WebSub: tell the site's hub which feeds changed, so that it fetches them and pushes them to
its subscribers (README "WebSub").

The feeds name the hub (`[site] websub_hub`) with a rel="hub" link and their own URL with
rel="self", the topic (WebSub section 4). WebSub section 6 leaves how a publisher informs
its hub to the two of them; every public hub takes PubSubHubbub 0.3's form (section 7.1), sent
here: a POST of `hub.mode=publish&hub.url=<topic>` (application/x-www-form-urlencoded), one
per topic, which the hub acknowledges with a 2xx status (204 No Content, mostly).

The topics are the current feeds in the formats readers subscribe to (RSS, Atom, JSON Feed):
a feed's archive pages, NewsML-G2 and ninjs files carry no hub link and are never notified.
A hub that cannot be reached, times out or answers 429 or 5xx is asked again, up to TRIES
times, after a pause that doubles; any other answer is a refusal, reported with what the hub
said; so is a redirect (the hub's URL is to be corrected). The first feed the hub could not
be told of stops the notifications: the error names the hub, that feed, the hub's answer, and
how many feeds it was told of before.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode

from syndicate.config import Config, load_config
from syndicate.errors import ConfigError, SyndicateError, UsageError

TRIES = 3  # attempts per topic, the first included
TIMEOUT = 10.0  # seconds to wait for the hub's answer to one attempt
FIRST_PAUSE = 1.0  # seconds before the second attempt; doubled before each further one
_SHOWN_ANSWER = 300  # characters of a refusal's body quoted in the error
# Statuses worth asking again: the hub is busy or failed (RFC 9110 section 15.6; 429, RFC 6585).
_TRANSIENT = frozenset({429, 500, 502, 503, 504})


class _NotFollowed(urllib.request.HTTPRedirectHandler):
    """A redirect is answered, not followed: urllib would repeat a POST as a GET, without the
    notification, and take the page it leads to for the hub's acknowledgement."""

    def redirect_request(self, *args, **kwargs) -> None:
        return None


class HubError(SyndicateError):
    """The hub refused a notification, or could not be reached after every attempt."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PingReport:
    hub: str
    topics: tuple[str, ...]  # the feeds' URLs the hub was told of, in order
    attempts: int  # requests sent (more than len(topics) when some were asked again)


def hub_of(config: Config) -> str:
    """The hub CONFIG names; ConfigError when it names none."""
    if config.site.websub_hub is None:
        raise ConfigError(f"{config.path}: site.websub_hub: no WebSub hub configured; add e.g. "
                          'websub_hub = "https://pubsubhubbub.appspot.com/" to [site]')
    return config.site.websub_hub


def topics_of(config: Config, relative_paths: Iterable[str]) -> list[str]:
    """The URLs (topics) of the current feeds among RELATIVE_PATHS (paths under the output
    directory, '/'-separated; partners' feeds too), in the formats that carry hub links, in the
    order given."""
    from syndicate.build import feed_specs
    from syndicate.formats import FORMATS

    filenames = {fmt.filename for fmt in FORMATS.values() if fmt.for_feed_readers}
    slugs = {spec.slug for spec in feed_specs(config, sections=None)}
    partners = {partner.name for partner in config.partners}
    topics = []
    for relative in relative_paths:
        parts = PurePosixPath(relative).parts
        # A partner's current feeds (partners/NAME/<feed>/<file>) carry the hub link too.
        if len(parts) == 4 and parts[0] == "partners" and parts[1] in partners:
            parts = parts[2:]
        if len(parts) == 2 and parts[0] in slugs and parts[1] in filenames:
            topics.append(config.site.feeds_url + relative)
    return topics


def changed_topics(config: Config, written: Iterable[Path], *, out_dir: Path) -> list[str]:
    """The topics among WRITTEN, the files an export changed (ExportReport.written) under OUT_DIR."""
    root = out_dir.resolve()
    return topics_of(config, (path.resolve().relative_to(root).as_posix() for path in written
                              if path.resolve().is_relative_to(root)))


def published_topics(config: Config, *, out_dir: Path) -> list[str]:
    """The topics of every feed OUT_DIR's manifest lists (what an export published there)."""
    from syndicate.export.manifest import MANIFEST, read_manifest

    if not (out_dir / MANIFEST).is_file():
        raise UsageError(f"{out_dir}: no {MANIFEST}: not a directory `syndicate export` (or `syndicate index`) "
                         "wrote")
    return topics_of(config, sorted(read_manifest(out_dir).files))


def _answer(error: urllib.error.HTTPError) -> str:
    """The hub's answer: its status, reason and the start of its body, on one line."""
    try:
        body = error.read(_SHOWN_ANSWER * 4).decode("utf-8", "replace")
    except OSError:
        body = ""
    body = " ".join(body.split())
    body = body if len(body) <= _SHOWN_ANSWER else body[:_SHOWN_ANSWER] + "..."
    return f"HTTP {error.code} {error.reason}" + (f": {body}" if body else "")


def _notify(hub: str, topic: str, *, tries: int, timeout: float, first_pause: float,
            pause: Callable[[float], None]) -> tuple[int, str | None]:
    """(attempts made, None) once HUB acknowledged TOPIC, or (attempts made, why not)."""
    data = urlencode({"hub.mode": "publish", "hub.url": topic}).encode("ascii")
    for attempt in range(1, tries + 1):
        request = urllib.request.Request(hub, data=data, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "syndicate"})
        try:
            with urllib.request.build_opener(_NotFollowed).open(request, timeout=timeout) as response:
                response.read()
            return attempt, None  # the opener raises HTTPError for every status but 2xx
        except urllib.error.HTTPError as error:
            try:
                with error:
                    why = _answer(error)
            except (http.client.HTTPException, OSError) as broken:  # its body cut short
                why = f"HTTP {error.code} ({type(broken).__name__} reading its answer)"
            if error.code not in _TRANSIENT:
                return attempt, f"refused: {why}"
        except (urllib.error.URLError, OSError) as error:  # unreachable, reset, timed out
            reason = getattr(error, "reason", error)
            why = f"no answer: {reason}"
        except http.client.HTTPException as error:  # not HTTP, or an answer cut short
            why = f"an answer that is not HTTP: {type(error).__name__}: {error}"
        if attempt < tries:
            pause(first_pause * 2 ** (attempt - 1))
    return tries, f"{why} (after {tries} attempts)"


def notify(hub: str, topics: Sequence[str], *, tries: int = TRIES, timeout: float = TIMEOUT,
           first_pause: float | None = None, pause: Callable[[float], None] | None = None) -> PingReport:
    """Tell HUB that each of TOPICS changed, in order (WebSub section 6); raise HubError at the
    first the hub refused or could not be told of after TRIES attempts. FIRST_PAUSE (default:
    the module's) is waited, by PAUSE (default: time.sleep), before the second attempt."""
    first_pause = FIRST_PAUSE if first_pause is None else first_pause
    pause = time.sleep if pause is None else pause
    told: list[str] = []
    attempts = 0
    for topic in topics:
        made, failure = _notify(hub, topic, tries=tries, timeout=timeout, first_pause=first_pause, pause=pause)
        attempts += made
        if failure is not None:
            done = f"it was told of {len(told)} of the {len(topics)} feeds before it"
            raise HubError(f"the WebSub hub {hub} was not told that the feed {topic} changed: {failure}; {done}.")
        told.append(topic)
    return PingReport(hub=hub, topics=tuple(told), attempts=attempts)


def configured_hub(config_path: str | Path) -> str:
    """The hub CONFIG_PATH names (ConfigError when none): asked before an export that will ping."""
    return hub_of(load_config(config_path))


def ping(config_path: str | Path, *, out_dir: str | Path, written: Sequence[Path] | None = None,
         **options) -> PingReport:
    """Tell the hub of CONFIG_PATH's site that feeds in OUT_DIR changed: those among WRITTEN (the
    files an export changed), or with WRITTEN None every feed OUT_DIR's manifest lists. OPTIONS:
    notify()'s."""
    config = load_config(config_path)
    hub = hub_of(config)
    out_dir = Path(out_dir)
    topics = (published_topics(config, out_dir=out_dir) if written is None
              else changed_topics(config, written, out_dir=out_dir))
    try:
        return notify(hub, topics, **options)
    except HubError as error:
        raise HubError(f"{error} The files in {out_dir} are published as they were; run `syndicate ping "
                       f"{out_dir}` to notify the hub of every feed once it accepts.") from None
