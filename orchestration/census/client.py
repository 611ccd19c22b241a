"""HTTP client for the Census international trade API.

Transport retries (429/5xx with Retry-After, connect and read failures) are urllib3's `Retry`
(core/http.py); this module adds what urllib3 cannot see: a body that is not the JSON Census promises.
The API key travels only in the query string of the request itself; every URL, message and
log line this module produces has it removed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import requests

from orchestration.core.errors import CensusApiError, CensusKeyError, CensusQueryError, CensusQueryTooLarge
from orchestration.core.http import RETRY_STATUSES, ApiClient, BadBody, TooSlow

KEY_SIGNUP = "https://api.census.gov/data/key_signup.html"
KEY_HEADER = "X-DataWebAPI-KeyError"
# The words of Census's own key pages ("Invalid Key", "Missing Key", "A valid key must be included").
KEY_PAGE = re.compile(r"(invalid|missing)[ _]key|valid key must be included", re.IGNORECASE)
TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# What the server answers (HTTP 500, after ~150 s) to a query it gave up on.
QUERY_FAILED = "error while running your query"
# Clients that work against the live server send the wildcard (`E_COMMODITY=84*`) and the `get`
# list's commas as they are; whether it decodes `%2A` is unverified.
LITERAL = ",*"


def query_string(params: list[tuple[str, str]], *, literal: bool = True) -> str:
    return urlencode(params, safe=LITERAL if literal else "")


def _page_title(body: bytes) -> str:
    match = TITLE.search(body[:4096])
    title = " ".join(match[1].decode("utf-8", "replace").split())[:80] if match else ""
    return f"page {title!r}" if title else "an HTML page"


def _key_error(where: str) -> CensusKeyError:
    return CensusKeyError(
        f"Census API {where}: the API key is missing or invalid (set CENSUS_API_KEY to an active key from {KEY_SIGNUP})"
    )


def require_key(key: str | None) -> str:
    """The key, or the one line that says where to get one: Census answers no query without a key
    since 2026-05-12 (a redirect to its "missing key" page)."""
    if not key:
        raise CensusKeyError(
            f"CENSUS_API_KEY is not set: the Census API needs a key on every query; get one at {KEY_SIGNUP} "
            "and export it (or use --source replay for what is landed)"
        )
    return key


@dataclass(frozen=True)
class CensusResponse:
    url: str  # without the key
    status: int
    body: bytes = field(repr=False)
    header: list[str] = field(default_factory=list)
    row_count: int = 0
    seconds: float | None = None  # from sending the request to the whole body, retries included

    @property
    def no_data(self) -> bool:
        return self.status == 204


class _RedactKey(logging.Filter):
    """urllib3 logs request URLs at DEBUG; make sure the key never reaches a handler."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.key in message:
            record.msg, record.args = message.replace(self.key, "***"), None
        return True


_redacted_keys: set[str] = set()


def _install_redaction(key: str) -> None:
    if key in _redacted_keys:
        return
    _redacted_keys.add(key)
    for name in ("urllib3", "urllib3.connectionpool", "urllib3.util.retry", "requests"):
        logging.getLogger(name).addFilter(_RedactKey(key))


class CensusClient(ApiClient):
    api_name = "the Census API"
    error = CensusApiError
    base_url_setting = "CENSUS_API_BASE_URL"

    def __init__(self, base_url: str, api_key: str | None = None, *, read_timeout: float = 180.0, **kwargs):
        # Census answers slowly: a year of all-country totals takes ~40 s, large HS2 batches over 60 s.
        super().__init__(base_url, read_timeout=read_timeout, **kwargs)
        self._key = api_key or None
        if self._key:
            _install_redaction(self._key)

    def __repr__(self) -> str:  # never show the key
        return f"CensusClient({self.base_url!r}, key={'set' if self._key else 'missing'})"

    def redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def url_for(self, path: str, params: list[tuple[str, str]]) -> str:
        """The request URL as it may be stored and shown: without the key."""
        return f"{self.base_url}{path}?{query_string(params)}"

    def get(
        self, path: str, params: list[tuple[str, str]], *, splittable: bool = False, literal: bool = True
    ) -> CensusResponse:
        """One API call, classified. 204 comes back as a response with `no_data`; everything
        else that is not a JSON table raises a one-line CensusApiError. A `splittable` request
        that times out or gets the query-error 500 raises CensusQueryTooLarge at once (the
        caller asks for its parts), instead of being sent again. `literal=False` sends `*` and `,`
        percent-encoded (`trade-warehouse doctor` checks which form the server understands)."""
        shown = self.url_for(path, params)
        sent = query_string(params + [("key", self._key)] if self._key else params, literal=literal)
        started = time.monotonic()

        def classify(response: requests.Response, shown: str) -> CensusResponse:
            return self._classify(response, shown, splittable=splittable)

        try:
            response = self._call(f"{self.base_url}{path}", sent, shown, classify, splittable=splittable)
            return dataclasses.replace(response, seconds=time.monotonic() - started)
        except TooSlow as slow:
            raise CensusQueryTooLarge(f"Census gave up on {shown}: {slow}") from None

    def _classify(self, response: requests.Response, shown: str, *, splittable: bool = False) -> CensusResponse:
        status = response.status_code
        if status == 204:
            return CensusResponse(shown, 204, b"")
        if 300 <= status < 400:
            # Census sends a bad or missing key to its key pages: a redirect means the key.
            target = urlsplit(response.headers.get("Location", ""))
            raise _key_error(f"redirected to {f'{target.netloc}{target.path}' or 'another page'}")
        body = response.content
        text = body.decode("utf-8", errors="replace").strip()
        content_type = response.headers.get("Content-Type", "")
        if KEY_HEADER.lower() in {name.lower() for name in response.headers}:
            raise _key_error(f"answered HTTP {status} with {KEY_HEADER}")
        if status == 500 and QUERY_FAILED in text[:4096].lower():
            if splittable:
                raise CensusQueryTooLarge(f"Census gave up on {shown}: HTTP 500 {QUERY_FAILED!r}")
            raise CensusApiError(f"Census gave up on {shown} (HTTP 500 {QUERY_FAILED!r}, {self.max_retries} retries)")
        if "html" in content_type.lower() or text.startswith("<"):
            if KEY_PAGE.search(text[:4096]):
                raise _key_error(f"answered HTTP {status} with an HTML page instead of data")
            # Any other page is an outage (maintenance, a proxy's error page): worth another try.
            outage = f"the Census API is unavailable (HTTP {status}, {self.redact(_page_title(body))})"
            if status in RETRY_STATUSES and not (splittable and status == 500):
                raise CensusApiError(f"{outage} for {shown} after {self.max_retries} retries")
            raise BadBody(outage)
        if text.lower().startswith("error"):
            message = self.redact(" ".join(text.split())[:300])
            raise CensusQueryError(f"Census rejected {shown}: {message}")
        if status in RETRY_STATUSES:
            if splittable and status == 500:
                raise BadBody(f"Census API answered HTTP {status}")  # not retried by urllib3 here
            raise CensusApiError(f"Census API answered HTTP {status} for {shown} after {self.max_retries} retries")
        if status != 200:
            snippet = self.redact(" ".join(text.split())[:200])
            raise CensusApiError(f"Census API answered HTTP {status} for {shown}: {snippet}")
        header, rows = check_table(body)
        return CensusResponse(shown, status, body, header, rows)


def check_table(body: bytes) -> tuple[list[str], int]:
    """Header and data-row count of a Census JSON table; BadBody if it is not one."""
    if not body.strip():
        raise BadBody("Census API answered HTTP 200 with an empty body")
    try:
        table = json.loads(body)
    except ValueError as error:
        raise BadBody(f"Census API sent invalid or truncated JSON ({error.msg} at byte {error.pos})") from None
    if not isinstance(table, list) or not table or not isinstance(table[0], list):
        raise BadBody("Census API sent JSON that is not an array of rows with a header")
    header = table[0]
    if not all(isinstance(name, str) for name in header):
        raise BadBody("Census API sent a header row that is not all names")
    width = len(header)
    for row in table[1:]:
        if not isinstance(row, list) or len(row) != width:
            raise BadBody(f"Census API sent a row whose width differs from the header's {width} columns")
    return header, len(table) - 1
