"""A local HTTP server that answers like the USITC HTS REST service (`/reststop`).

It serves real fixture revisions: `releaseList` names them (one is current, the others
archived), `exportList?from=&to=` returns the current release's rows whose heading falls in
the range, in file order (description-only rows go with the heading above them), and
`/files/<name>` serves the revision files themselves.

Live habits, each behind a switch (../shared/reference/live_api_evidence.md):
- `dotted_only`: exportList answers 400 unless the bounds are dotted and styles=true;
- `reject_library_agents`: 403 to a library's default User-Agent (python-requests, curl, libcurl);
- `redirect_first`: the first exportList call is redirected (302) to the same query on this host;
- `publish_after`: after this many exportList calls, the next release (`upcoming`) is current.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from census_server import QuietServer

PREFIX = "/reststop"


class HtsTestServer:
    def __init__(self, releases: dict[str, Path], dates: dict[str, str], current: str):
        self.releases, self.dates, self.current = releases, dates, current
        self.seen: list[str] = []
        self.agents: list[str] = []
        self.dotted_only = False
        self.reject_library_agents = False
        self.redirect_first = False
        self.publish_after: int | None = None
        self.upcoming: str | None = None
        self._exports = 0
        self._rows: dict[str, list[dict]] = {}
        self._server = QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PREFIX}"

    def __enter__(self) -> HtsTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rows(self, release: str) -> list[dict]:
        if release not in self._rows:
            self._rows[release] = json.loads(self.releases[release].read_text())
        return self._rows[release]

    def files(self) -> dict[str, Path]:
        return {path.name: path for path in self.releases.values()}

    def release_list(self) -> list[dict]:
        return [
            {
                "name": name,
                "description": name,
                "status": "current" if name == self.current else "archived",
                "releaseStartDate": self.dates[name],
            }
            for name in self.releases
        ]

    def export_list(self, start: str, end: str) -> list[dict]:
        chosen, heading = [], ""
        for row in self.rows(self.current):
            if row["htsno"]:
                heading = row["htsno"].replace(".", "")[:4]
            if start.replace(".", "")[:4] <= heading <= end.replace(".", "")[:4]:
                chosen.append(row)
        return chosen

    def habits(self, path: str, query: dict[str, str], agent: str) -> tuple[int | None, bytes, dict[str, str]]:
        """(status, body, headers) when a live habit answers instead of the data, else (None, ...)."""
        if self.reject_library_agents and any(name in agent.lower() for name in ("python-requests", "curl")):
            return 403, b"<html><body>Access Denied</body></html>", {"Content-Type": "text/html"}
        if path == f"{PREFIX}/exportList":
            if self.redirect_first and not self._exports and "moved" not in query:
                self._exports += 1
                target = f"{path}?{urlencode({**query, 'moved': '1'})}"
                return 302, b"", {"Location": target}
            if self.dotted_only and not ("." in query.get("from", "") and query.get("styles") == "true"):
                return 400, b"Bad request: from/to must be HTS numbers", {"Content-Type": "text/plain"}
        return None, b"", {}

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                return None

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.seen.append(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                agent = self.headers.get("User-Agent", "")
                server.agents.append(agent)
                status, body, headers = server.habits(parts.path, query, agent)
                if status:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if parts.path == f"{PREFIX}/exportList":
                    server._exports += 1
                    if server.publish_after is not None and server._exports > server.publish_after:
                        server.current = server.upcoming
                if parts.path == f"{PREFIX}/releaseList":
                    status, body = 200, json.dumps(server.release_list()).encode()
                elif parts.path == f"{PREFIX}/exportList" and {"from", "to"} <= query.keys():
                    status, body = 200, json.dumps(server.export_list(query["from"], query["to"])).encode()
                elif parts.path.startswith("/files/") and parts.path[7:] in server.files():
                    # the per-revision archive files, as USITC publishes them
                    status, body = 200, server.files()[parts.path[7:]].read_bytes()
                else:
                    status, body = 400, b"Bad request"
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
