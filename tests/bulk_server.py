"""A local HTTP server that serves Census bulk ZIPs as www.census.gov/trade/downloads does:
HEAD with Content-Length, ETag and Last-Modified; GET with byte ranges (206); 404 for a month
not published (or not kept).

Habits, each behind a switch (the site is a plain file server, but a slow and busy one):
- `cut_after`: the first GETs of a file send this many bytes, then drop the connection;
- `chunk_delay`: seconds between 64 KiB chunks of a body (a slow body);
- `outage`: every GET answers 200 with an HTML maintenance page instead of the file;
- `files` can be replaced while the server runs (June revisions replace the ZIPs in place).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

from census_server import QuietServer

OUTAGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Census.gov | Site Maintenance</title></head><body>"
    b"<h1>We are performing scheduled maintenance.</h1></body></html>"
)


@dataclass
class Served:
    method: str
    path: str
    range: str | None


@dataclass
class BulkServer:
    files: dict[str, bytes] = field(default_factory=dict)  # path under the base URL -> bytes
    cut_after: int | None = None
    cuts: int = 1  # how many GETs of a file are cut
    chunk_delay: float = 0.0
    outage: bool = False
    seen: list[Served] = field(default_factory=list)

    def __post_init__(self):
        self._cut: dict[str, int] = {}
        self._modified: dict[str, str] = {}
        self.server = QuietServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> BulkServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/trade/downloads"

    def put(self, path: str, body: bytes) -> None:
        """Publish (or replace) a file: a new ETag and Last-Modified."""
        self.files[path] = body
        self._modified[path] = formatdate(time.time(), usegmt=True)

    def gets(self, name: str) -> list[Served]:
        return [s for s in self.seen if s.method == "GET" and s.path.endswith(name)]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _file(self) -> tuple[str, bytes | None]:
                path = self.path.split("?", 1)[0].removeprefix("/trade/downloads/")
                server.seen.append(Served(self.command, path, self.headers.get("Range")))
                return path, server.files.get(path)

            def _headers(self, path: str, body: bytes, status: int, length: int, extra=None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/x-zip-compressed")
                self.send_header("Content-Length", str(length))
                self.send_header("ETag", f'"{hashlib.sha256(body).hexdigest()[:16]}"')
                self.send_header("Last-Modified", server._modified.get(path) or formatdate(0, usegmt=True))
                self.send_header("Accept-Ranges", "bytes")
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()

            def _not_found(self) -> None:
                page = b"<html><body>404 Not Found</body></html>"
                self.send_response(404)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(page)

            def do_HEAD(self) -> None:
                path, body = self._file()
                if body is None:
                    return self._not_found()
                self._headers(path, body, 200, len(body))

            def do_GET(self) -> None:
                path, body = self._file()
                if server.outage:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(OUTAGE_PAGE)))
                    self.end_headers()
                    self.wfile.write(OUTAGE_PAGE)
                    return
                if body is None:
                    return self._not_found()
                start = 0
                wanted = self.headers.get("Range")
                if wanted and wanted.startswith("bytes=") and wanted.endswith("-"):
                    start = int(wanted[6:-1])
                part = body[start:]
                if start:
                    extra = {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}
                    self._headers(path, body, 206, len(part), extra)
                else:
                    self._headers(path, body, 200, len(part))
                cut = server.cut_after is not None and server._cut.get(path, 0) < server.cuts
                if cut:
                    server._cut[path] = server._cut.get(path, 0) + 1
                    self.wfile.write(part[: server.cut_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                for offset in range(0, len(part), 65536):
                    self.wfile.write(part[offset : offset + 65536])
                    if server.chunk_delay:
                        time.sleep(server.chunk_delay)

        return Handler
