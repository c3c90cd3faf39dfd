"""A WebSub hub of our own on loopback, for the tests: a WSGI app served by wsgiref in a thread,
recording every notification it receives and answering each as it is told to."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

_REASONS = {204: "No Content", 302: "Found", 400: "Bad Request", 403: "Forbidden", 503: "Service Unavailable"}


@dataclass
class Hub:
    """What the hub received (each request's method, content type and form) and how it answers:
    the statuses (and bodies) in ANSWERS one per request, then 204 No Content for ever."""

    url: str = ""
    received: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    answers: deque[tuple[int, str]] = field(default_factory=deque)

    @property
    def topics(self) -> list[str]:
        """The hub.url of every publish notification received, in order."""
        return [form["hub.url"][0] for _method, _type, form in self.received if form.get("hub.mode") == ["publish"]]

    def answer(self, *answers: tuple[int, str]) -> None:
        self.answers.extend(answers)

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(length).decode("ascii"), strict_parsing=length > 0)
        self.received.append((environ["REQUEST_METHOD"], environ.get("CONTENT_TYPE", ""), form))
        status, body = self.answers.popleft() if self.answers else (204, "")
        headers = [("Content-Type", "text/plain; charset=utf-8")]
        if status == 302:
            headers.append(("Location", self.url + "elsewhere"))
        start_response(f"{status} {_REASONS[status]}", headers)
        return [body.encode("utf-8")] if status != 204 else []


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # no line on standard error per request
        pass


def serve(hub: Hub) -> tuple[WSGIServer, threading.Thread]:
    """HUB served on 127.0.0.1 at a free port (its url set), in a thread; shut it down when done."""
    server = make_server("127.0.0.1", 0, hub, handler_class=_Quiet)
    hub.url = f"http://127.0.0.1:{server.server_port}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread
