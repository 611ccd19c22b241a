"""Client for the USITC HTS REST service (`hts.usitc.gov/reststop`): `releaseList` for the
releases and their dates, `exportList` for the rows of the current release, and plain JSON
files or URLs in the same row format for past revisions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from orchestration.core.errors import HtsApiError, InputError
from orchestration.core.http import ApiClient, BadBody

# exportList serves the current release only. The whole schedule is ~13 MB and ~36k rows, so it
# is asked for in chapter ranges (not verified against the live service from here: no network).
CHAPTER_RANGES = (("0101", "2499"), ("2501", "4999"), ("5001", "7499"), ("7501", "8999"), ("9001", "9999"))


class HtsBadRequest(HtsApiError):
    """HTTP 400: the service did not accept the query's form."""


class _SameHostRedirect(Exception):
    def __init__(self, target: str):
        super().__init__(target)
        self.target = target


def dotted_bounds(start: str, end: str) -> tuple[str, str]:
    """Heading bounds (`0101`, `2499`) as dotted 8-digit numbers spanning the same headings."""
    return f"{start}.00.00", f"{end}.99.99"


@dataclass(frozen=True)
class HtsResponse:
    url: str
    status: int
    body: bytes = field(repr=False)
    rows: int = 0


def part_name(start: str, end: str) -> str:
    return f"{start}-{end}"


def release_from_filename(name: str) -> str | None:
    """`hts_2025_rev_7_json.json` -> `2025HTSRev7`; `hts_2025_basic_edition_json.json` -> `2025HTSBasic`."""
    match = re.search(r"hts_(\d{4})_(?:(basic)|rev(?:ision)?_(\d+))", name.lower())
    if not match:
        return None
    return f"{match[1]}HTSBasic" if match[2] else f"{match[1]}HTSRev{match[3]}"


def check_rows(body: bytes, what: str) -> int:
    """Rows in an HTS JSON array (each an object with `htsno`); BadBody when it is not one."""
    text = body.lstrip()[:1]
    if text == b"<":
        raise BadBody(f"{what} is an HTML page, not HTS JSON (the service may be down or refusing automated requests)")
    try:
        rows = json.loads(body)
    except ValueError as error:
        raise BadBody(f"{what} is invalid or truncated JSON ({error.msg} at byte {error.pos})") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) and "htsno" in row for row in rows):
        raise BadBody(f"{what} is not an array of HTS rows (objects with htsno)")
    return len(rows)


def check_releases(body: bytes, what: str) -> list[dict]:
    try:
        releases = json.loads(body)
    except ValueError as error:
        raise BadBody(f"{what} is invalid or truncated JSON ({error.msg} at byte {error.pos})") from None
    if not isinstance(releases, list) or not all(isinstance(r, dict) and "name" in r for r in releases):
        raise BadBody(f"{what} is not a list of releases with names")
    return releases


class HtsClient(ApiClient):
    api_name = "the HTS service"
    error = HtsApiError
    base_url_setting = "HTS_API_BASE_URL"

    def __init__(self, base_url: str, *, read_timeout: float = 300.0, **kwargs):
        super().__init__(base_url, read_timeout=read_timeout, **kwargs)

    def _fetch(self, url: str, params: list[tuple[str, str]], check, *, hops: int = 3) -> HtsResponse:
        shown = url + (f"?{urlencode(params)}" if params else "")

        def classify(response: requests.Response, shown: str) -> HtsResponse:
            if 300 <= response.status_code < 400:
                target = urljoin(shown, response.headers.get("Location", ""))
                if urlsplit(target).netloc == urlsplit(shown).netloc and hops > 0:
                    raise _SameHostRedirect(target)
                where = urlsplit(target)
                raise HtsApiError(f"{self.api_name} redirected {shown} to {where.netloc}{where.path}")
            if response.status_code != 200:
                snippet = " ".join(response.text.split())[:200]
                error = HtsBadRequest if response.status_code == 400 else HtsApiError
                raise error(f"{self.api_name} answered HTTP {response.status_code} for {shown}: {snippet}")
            return HtsResponse(shown, 200, response.content, check(response.content, f"the answer to {shown}"))

        try:
            return self._call(url, params, shown, classify)
        except _SameHostRedirect as redirect:
            # Government hosts move pages around on their own host ("endpoints 302"): follow those.
            # The target carries its own query.
            return self._fetch(redirect.target, [], check, hops=hops - 1)

    def release_list(self) -> tuple[HtsResponse, list[dict]]:
        response = self._fetch(f"{self.base_url}/releaseList", [], lambda body, what: len(check_releases(body, what)))
        return response, check_releases(response.body, response.url)

    def export_list(self, start: str, end: str) -> HtsResponse:
        """The current release's rows from heading `start` to `end`. In Aug-Sep 2026 the service
        answered plain bounds with styles=false; a client in June 2026 found it wanted dotted leaf
        numbers and styles=true (else 400): a 400 to the first form is asked again in the second."""
        url = f"{self.base_url}/exportList"

        def params(low: str, high: str, styles: str) -> list[tuple[str, str]]:
            return [("from", low), ("to", high), ("format", "JSON"), ("styles", styles)]

        try:
            return self._fetch(url, params(start, end, "false"), check_rows)
        except HtsBadRequest as plain:
            try:
                return self._fetch(url, params(*dotted_bounds(start, end), "true"), check_rows)
            except HtsBadRequest:
                raise HtsApiError(f"{plain} (and with dotted bounds and styles=true)") from None

    def fetch_url(self, url: str) -> HtsResponse:
        """A revision file published at a URL (the same row format as exportList)."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise InputError(f"--file {url!r}: give a local path or an http(s) URL")
        return self._fetch(url, [], check_rows)


def read_file(path: Path) -> tuple[bytes, int]:
    """A revision file on disk (JSON array; `.gz` allowed) as bytes and its row count."""
    import gzip

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"--file {path}: no such file") from None
    except OSError as error:
        raise InputError(f"--file {path}: {error.strerror}") from None
    body = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    try:
        return body, check_rows(body, f"--file {path}")
    except BadBody as problem:
        raise InputError(str(problem)) from None
