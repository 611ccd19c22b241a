"""A local HTTP server that answers like the Census international trade API.

It serves the deterministic sample's months in the API's dialect (see
orchestration.devdata.census_dialect) and behaves as the dossier describes on key problems:
no key -> 302 to missing_key.html, a wrong key -> 200 with an HTML page. Faults can be
injected per request for tests of the client's error handling.

The live server's habits (../shared/reference/live_api_evidence.md), each behind a switch:
- `chapter_limit` / `row_limit`: a query for all partners that spans more chapters, or would
  answer more rows, than this stalls for `give_up_after` seconds, then answers the query-error
  500 (live: 10-25 chapters of exports time out at 180 s or 500 after ~150 s);
- `empty_chapters`: detail requests within these chapters answer 204 although they have trade
  (live: during the release-morning update);
- `latency`: seconds before every data answer, or a function of the request giving them (live:
  1-12 s per chapter request);
- a month not in `months` is not published yet: 204.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from orchestration.census.plan import CHAPTERS, COMMODITY_VAR
from orchestration.core.periods import month_key
from orchestration.devdata.census_dialect import render
from orchestration.devdata.sample import month_rows


class QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that says nothing when a client hangs up mid-answer (a client that
    gave up, as clients do), so its traceback never lands in the stderr a test reads."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipeError, ConnectionResetError
            return
        super().handle_error(request, client_address)


API_PREFIX = "/data/timeseries/intltrade"
QUERY_FAILED = b"There was an error while running your query.  We've logged the error and we'll correct it ASAP."
HTML_KEY_PAGE = (
    b"<html><head><title>Invalid Key</title></head><body><p>Invalid Key: A valid <em>key</em> must be "
    b"included with each data API request. You included a key with this request, however, it is not "
    b"valid.</p></body></html>"
)


@dataclass
class Fault:
    """What to answer instead of the data (all fields optional)."""

    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stall_seconds: float = 0.0
    truncate: bool = False  # send the real body cut in half
    drop: bool = False  # close the connection without an answer (a reset keep-alive connection)


@dataclass
class Seen:
    path: str
    params: list[tuple[str, str]]
    raw_query: str = ""

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.params if key == name), None)


def chapters_spanned(flow: str, params: list[tuple[str, str]]) -> list[str]:
    """The HS chapters a query's commodity predicate covers (all of them without one)."""
    wanted = [value for name, value in params if name == COMMODITY_VAR.get(flow)]
    if not wanted:
        return list(CHAPTERS)
    prefixes = tuple(value.rstrip("*")[:2] for value in wanted)
    return [
        chapter for chapter in CHAPTERS if chapter.startswith(prefixes) or any(p.startswith(chapter) for p in prefixes)
    ]


@lru_cache(maxsize=64)
def _by_level_and_chapter(flow: str, month: date, revision: int) -> dict[tuple[str, str], list[dict[str, str]]]:
    index: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in month_rows(flow, month, revision):
        index.setdefault((row["COMM_LVL"], row[COMMODITY_VAR[flow]][:2]), []).append(row)
    return index


class CensusTestServer:
    def __init__(
        self, months: list[date], key: str = "test-key", faults: Callable[[int, Seen], Fault | None] | None = None
    ):
        self.months = {month_key(m): m for m in months}
        self.key = key
        self.faults = faults
        self.revision = 0  # > 0: serve an earlier print of the months (see sample.month_rows)
        # the live server's habits (module docstring); off by default
        self.chapter_limit: int | None = None
        self.row_limit: int | None = None
        self.give_up_after = 0.0
        self.empty_chapters: set[str] = set()
        self.latency: float | Callable[[Seen], float] = 0.0
        self.gave_up: list[Seen] = []  # the queries answered with the query-error 500
        self.in_flight = self.most_in_flight = 0  # data requests being answered at once
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{API_PREFIX}"

    def __enter__(self) -> CensusTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def data_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith("/hs")]

    def answer(self, path: str, params: list[tuple[str, str]]) -> tuple[int, dict[str, str], bytes]:
        if not path.startswith(API_PREFIX + "/") or not path.endswith("/hs"):
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>"
        flow = path[len(API_PREFIX) + 1 : -len("/hs")]
        keys = [value for name, value in params if name == "key"]
        if not keys:
            return 302, {"Location": "https://api.census.gov/data/missing_key.html"}, b""
        if keys[0] != self.key:
            return 200, {"Content-Type": "text/html;charset=utf-8"}, HTML_KEY_PAGE
        month_text = dict(params).get("time", "")
        month = self.months.get(month_text)
        rows = self._candidates(flow, month, params) if month and flow in ("exports", "imports") else []
        if not rows:
            return 204, {}, b""
        # all partners by commodity: what grows with the chapters spanned (names ask the world only)
        get = dict(params).get("get", "").split(",")
        detail = "COMM_LVL" in dict(params) and "CTY_CODE" in get and "CTY_CODE" not in dict(params)
        spanned = chapters_spanned(flow, params)
        if detail and len(spanned) == 1 and spanned[0] in self.empty_chapters:
            return 204, {}, b""
        status, body = render(rows, flow=flow, month=month_text, params=params)
        too_many_rows = self.row_limit is not None and body.count(b"\n") + 1 > self.row_limit
        if detail and status == 200 and (too_many_rows or len(spanned) > (self.chapter_limit or len(CHAPTERS))):
            time.sleep(self.give_up_after)
            return 500, {"Content-Type": "text/html;charset=utf-8"}, QUERY_FAILED
        content_type = "application/json;charset=utf-8" if status == 200 else "text/plain;charset=utf-8"
        return status, {"Content-Type": content_type}, body

    def _candidates(self, flow: str, month: date, params: list[tuple[str, str]]) -> list[dict[str, str]]:
        """The rows that can answer a query (render() still selects among them): for a chapter
        query only that chapter's rows at its level, so that a month of ~100 chapter requests is
        answered as quickly as a handful of big ones."""
        rows = month_rows(flow, month, self.revision)
        level = [value for name, value in params if name == "COMM_LVL"]
        prefixes = [value for name, value in params if name == COMMODITY_VAR[flow]]
        if len(level) != 1 or len(prefixes) != 1 or len(prefixes[0].rstrip("*")) < 2:
            return list(rows)
        chapters = _by_level_and_chapter(flow, month, self.revision)
        return chapters.get((level[0], prefixes[0][:2]), []) or list(rows)  # none: render() says 204 or 400

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                return None

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                seen = Seen(parts.path, parse_qsl(parts.query, keep_blank_values=True), parts.query)
                with server._lock:
                    index = len(server.seen)
                    server.seen.append(seen)
                fault = server.faults(index, seen) if server.faults else None
                if fault and fault.drop:
                    self.close_connection = True
                    return
                with server._lock:
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    if server.latency and seen.path.endswith("/hs"):
                        time.sleep(server.latency(seen) if callable(server.latency) else server.latency)
                    status, headers, body = server.answer(seen.path, seen.params)
                finally:
                    with server._lock:
                        server.in_flight -= 1
                if status == 500 and body == QUERY_FAILED:
                    with server._lock:
                        server.gave_up.append(seen)
                if fault:
                    if fault.stall_seconds:
                        time.sleep(fault.stall_seconds)
                    if fault.truncate:
                        body = body[: len(body) // 2]
                    elif fault.status is not None:
                        status, headers, body = (
                            fault.status,
                            {"Content-Type": "text/plain", **fault.headers},
                            fault.body,
                        )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

        return Handler
