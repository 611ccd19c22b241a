"""The Census bulk ZIPs in the landing zone: found on the server with HEAD, downloaded with resume,
kept under their sha256 with a manifest line, and fetched again only when the server's copy
changed (the June revisions replace the files in place).

`landing/census_bulk/{YYYY-MM}/IMDB2501-<sha256[:12]>.ZIP`, and `landing/census_bulk/manifest.jsonl`
whose latest line per (flow, month) wins. A revised ZIP lands beside the older one: the older
vintage's file stays until an operator prunes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError, NewConnectionError

from orchestration.core.errors import CensusApiError, InputError, Unreachable
from orchestration.core.http import retrying_session
from orchestration.store.landing import ContentStore, utc_now

PREFIX = {"imports": ("IMDB", "im_m"), "exports": ("EXDB", "ex_m")}
_CHUNK = 1 << 20
_ZIP_MAGIC = b"PK\x03\x04"


class BulkFileError(CensusApiError):
    """The bulk file server failed or sent something that is not the month's ZIP."""


def zip_name(flow: str, month: str) -> str:
    """`IMDB2501.ZIP` for imports 2025-01."""
    year, number = month.split("-")
    return f"{PREFIX[flow][0]}{year[2:]}{number}.ZIP"


def zip_url(base_url: str, flow: str, month: str) -> str:
    return f"{base_url.rstrip('/')}/{month[:4]}/Merch/{PREFIX[flow][1]}/{zip_name(flow, month)}"


@dataclass(frozen=True)
class BulkEntry:
    flow: str
    month: str
    file: str  # relative to the landing root
    url: str  # where it came from: the server's URL, or `from-dir:<name>`
    size: int
    sha256: str
    fetched_at: str
    etag: str | None = None  # the server's validators, to see a replaced file without downloading it
    last_modified: str | None = None

    @property
    def key(self) -> str:
        return f"{self.flow}/{self.month}"


@dataclass(frozen=True)
class Probe:
    url: str
    size: int | None
    etag: str | None
    last_modified: str | None


class BulkStore(ContentStore):
    def __init__(self, root: Path):
        super().__init__(Path(root))
        self.folder = self.root / "census_bulk"
        self.manifest = self.folder / "manifest.jsonl"

    def latest(self) -> dict[str, BulkEntry]:
        return self._latest(self.manifest, BulkEntry, "key")

    def entry(self, flow: str, month: str) -> BulkEntry | None:
        return self.latest().get(f"{flow}/{month}")

    def path(self, entry: BulkEntry) -> Path:
        return self.verify_file(entry.file, entry.sha256, "download the month again", file_sha256=entry.sha256)

    def part_path(self, flow: str, month: str) -> Path:
        return self._folder(self.folder / month) / f".{zip_name(flow, month)}.part"

    def keep(self, flow: str, month: str, part: Path, *, url: str, probe: Probe | None = None) -> BulkEntry:
        """Move a complete download (or copy) into place under its sha256 and record it."""
        _require_zip(part, url)
        with open(part, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        target = self.folder / month / f"{zip_name(flow, month)[:-4]}-{digest[:12]}.ZIP"
        os.replace(part, target)
        part.with_name(part.name + ".json").unlink(missing_ok=True)
        entry = BulkEntry(
            flow, month, target.relative_to(self.root).as_posix(), url, target.stat().st_size, digest, utc_now(),
            probe.etag if probe else None, probe.last_modified if probe else None,
        )  # fmt: skip
        self._append(self.manifest, entry)
        return entry


def _require_zip(path: Path, url: str) -> None:
    with open(path, "rb") as handle:
        start = handle.read(512)
    if not start.startswith(_ZIP_MAGIC):
        path.unlink(missing_ok=True)
        kind = "an HTML page (an outage or error page?)" if b"<" in start[:64] else "not a ZIP archive"
        raise BulkFileError(f"{url} sent {kind}; try again later")
    if not zipfile.is_zipfile(path):
        path.unlink(missing_ok=True)
        raise BulkFileError(f"{url} sent a damaged ZIP archive (no central directory); try again later")


class BulkFileClient:
    """HEAD and resumable GET against the Census downloads site (or a folder of ZIPs)."""

    def __init__(self, base_url: str, *, timeout: float = 60.0, max_retries: int = 5, backoff: float = 2.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = (10.0, timeout)
        self.attempts = max_retries + 1
        self.backoff = backoff
        self.session = retrying_session(max_retries, backoff, methods=("GET", "HEAD"))

    def probe(self, flow: str, month: str) -> Probe | None:
        """The server's size and validators for the month's ZIP; None when it has none (404)."""
        url = zip_url(self.base_url, flow, month)
        try:
            response = self.session.head(url, timeout=self.timeout, allow_redirects=True)
        except requests.exceptions.ConnectionError as error:
            reason = error.args[0] if error.args else None
            if isinstance(reason, MaxRetryError) and isinstance(reason.reason, NewConnectionError):
                raise Unreachable(
                    f"cannot reach {urlsplit(url).netloc} for {zip_name(flow, month)} "
                    "(check the network, a proxy, or CENSUS_BULK_BASE_URL)"
                ) from None
            raise BulkFileError(f"{url}: the connection failed ({type(error).__name__})") from None
        except requests.exceptions.RequestException as error:
            raise BulkFileError(f"{url}: no answer to HEAD ({type(error).__name__})") from None
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise BulkFileError(f"{url} answered HTTP {response.status_code} to HEAD")
        size = response.headers.get("Content-Length")
        return Probe(url, int(size) if size and size.isdigit() else None, response.headers.get("ETag"),
                     response.headers.get("Last-Modified"))  # fmt: skip

    def download(self, probe: Probe, part: Path) -> None:
        """The whole file into `part`, resuming from what `part` already holds (a download cut
        short by a broken connection, here or in an earlier run)."""
        _forget_other_versions(part, probe)
        for attempt in range(1, self.attempts + 1):
            have = part.stat().st_size if part.exists() else 0
            if probe.size is not None and have == probe.size:
                return
            if probe.size is not None and have > probe.size:
                part.unlink()  # longer than the server's file: not a part of it
                have = 0
            # identity: the byte offsets of Range are the file's, never a compressed stream's
            headers = {"Accept-Encoding": "identity"}
            if have:
                headers["Range"] = f"bytes={have}-"
                if probe.etag or probe.last_modified:
                    headers["If-Range"] = probe.etag or probe.last_modified
            try:
                with self.session.get(probe.url, headers=headers, stream=True, timeout=self.timeout) as response:
                    if response.status_code == 416:  # the part does not fit the file: start again
                        part.unlink(missing_ok=True)
                        continue
                    if response.status_code not in (200, 206):
                        raise BulkFileError(f"{probe.url} answered HTTP {response.status_code}")
                    if "html" in response.headers.get("Content-Type", ""):
                        part.unlink(missing_ok=True)
                        raise BulkFileError(
                            f"{probe.url} sent an HTML page (an outage or error page?); try again later"
                        )
                    mode = "ab" if response.status_code == 206 else "wb"  # 200: the server restarts
                    with open(part, mode) as out:
                        # read1: what arrived is written, so a cut loses nothing already received
                        while chunk := response.raw.read1(_CHUNK, decode_content=False):
                            out.write(chunk)
                if probe.size is None or part.stat().st_size == probe.size:
                    return
            except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.Timeout, Urllib3Error):  # fmt: skip
                pass  # what arrived stays in `part`; the next attempt asks for the rest
            if attempt < self.attempts:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), 60))
        got = part.stat().st_size if part.exists() else 0
        raise BulkFileError(
            f"{probe.url}: the download kept breaking off ({got:,} of {probe.size or 0:,} bytes kept; "
            "the next run resumes from there)"
        )


def _forget_other_versions(part: Path, probe: Probe) -> None:
    """A part is resumed only against the version of the file it began with: its validators are
    kept beside it, and a part of another version (a June revision replaced the file since) or of
    an unknown one is dropped."""
    stamp = part.with_name(part.name + ".json")
    current = {"url": probe.url, "size": probe.size, "etag": probe.etag, "last_modified": probe.last_modified}
    try:
        began = json.loads(stamp.read_text())
    except (OSError, ValueError):
        began = None
    if part.exists() and began != current:
        part.unlink()
    stamp.write_text(json.dumps(current))


def land_zip(store: BulkStore, client: BulkFileClient | None, flow: str, month: str, *,
             from_dir: Path | None = None, refetch: bool = False) -> tuple[BulkEntry | None, bool]:  # fmt: skip
    """(the month's landed ZIP or None when the source has none, whether it is new). From the
    server: a ZIP whose size and validators are those landed already is not downloaded again,
    unless `refetch` (a landed ZIP that turned out damaged)."""
    landed = store.entry(flow, month)
    if from_dir is not None:
        source = find_in_folder(from_dir, zip_name(flow, month))
        if source is None:
            return None, False
        with open(source, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        if landed and landed.sha256 == digest:
            return landed, False
        part = store.part_path(flow, month)
        shutil.copyfile(source, part)
        return store.keep(flow, month, part, url=f"from-dir:{source.name}"), True
    if client is None:
        raise InputError("bulk files need a server (CENSUS_BULK_BASE_URL) or a folder (--from-dir)")
    probe = client.probe(flow, month)
    if probe is None:
        return None, False
    if landed and not refetch and same_copy(landed, probe) and (store.root / landed.file).exists():
        return landed, False
    part = store.part_path(flow, month)
    client.download(probe, part)
    entry = store.keep(flow, month, part, url=probe.url, probe=probe)
    # the server's validators may change while its bytes do not: then nothing new landed
    return entry, not (landed and landed.sha256 == entry.sha256)


def same_copy(landed: BulkEntry, probe: Probe) -> bool:
    if landed.url != probe.url or (probe.size is not None and probe.size != landed.size):
        return False
    validators = [(landed.etag, probe.etag), (landed.last_modified, probe.last_modified)]
    known = [(ours, theirs) for ours, theirs in validators if theirs]
    return bool(known) and all(ours == theirs for ours, theirs in known)


def find_in_folder(folder: Path, name: str) -> Path | None:
    """The file of that name in the folder, whatever its case (`imdb2501.zip` too)."""
    if not folder.is_dir():
        raise InputError(f"--from-dir {folder}: no such folder")
    for candidate in folder.iterdir():
        if candidate.name.upper() == name and candidate.is_file():
            return candidate
    return None
