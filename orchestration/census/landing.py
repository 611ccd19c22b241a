"""The landing zone: every API response as it arrived, gzip-compressed, plus a manifest.

Layout: `{root}/census/{flow}/{YYYY-MM}/{request_id}-{sha12}.json.gz` and, per month folder,
`manifest.jsonl` with one line per response (the latest line per request wins). Files are
content-addressed, so fetching identical content again writes nothing new. A file is
complete before its manifest line exists, so a crash never leaves a line without its file.

A request the server could not answer whole has a line with `split_into` (the request ids of its
parts) and no file: the month is its parts, and a replay reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from orchestration.census.plan import HS_LEVELS, CensusRequest, detail_requests, finest_level
from orchestration.core.errors import LandingError
from orchestration.core.periods import month_key
from orchestration.store.landing import MANIFEST, ContentStore, utc_now


@dataclass(frozen=True)
class LandedEntry:
    request_id: str
    flow: str
    month: str
    kind: str
    level: str | None
    prefix: str | None
    url: str
    params: list[list[str]]
    fetched_at: str
    status: int
    rows: int
    bytes: int
    sha256: str | None
    file: str | None  # relative to the landing root; None for a 204 (no rows)
    source: str  # census_api | sample
    header: list[str] = field(default_factory=list)
    # sha256 of the gzip file's bytes: checked before a load without decompressing (entries
    # landed before it existed are checked against `sha256`, the body's)
    file_sha256: str | None = None
    split_into: list[str] = field(default_factory=list)  # the parts that answer it, when split
    note: str = ""  # why it was split
    seconds: float | None = None  # how long the server took to answer (for `trade-warehouse plan`)
    confirmed_at: str | None = None  # the same answer received again (a refetch); fetched_at stands


def _entry(request: CensusRequest, **fields) -> LandedEntry:
    """A manifest line for the request: what identifies it, and `fields`."""
    return LandedEntry(
        request_id=request.request_id,
        flow=request.flow,
        month=month_key(request.month),
        kind=request.kind,
        level=request.level,
        prefix=request.prefix,
        params=[list(pair) for pair in request.params()],
        **fields,
    )


class LandingStore(ContentStore):
    """Census responses: `census/{flow}/{YYYY-MM}/{request_id}-{sha12}.json.gz`."""

    def month_dir(self, flow: str, month) -> Path:
        return self.root / "census" / flow / (month if isinstance(month, str) else month_key(month))

    def path_of(self, entry: LandedEntry) -> Path:
        if entry.file is None:
            raise LandingError(f"{entry.flow} {entry.month} {entry.request_id} has no rows (HTTP 204), so no file")
        return self.root / entry.file

    def land(
        self,
        request: CensusRequest,
        *,
        url: str,
        status: int,
        body: bytes,
        header: list[str],
        rows: int,
        source: str,
        fetched_at: str | None = None,
        seconds: float | None = None,
    ) -> LandedEntry:
        folder = self._folder(self.month_dir(request.flow, request.month))
        digest, relative, file_digest = (
            self._store(folder, request.request_id, body) if status != 204 else (None, None, None)
        )
        manifest = folder / MANIFEST
        previous = self._previous(manifest, LandedEntry, "request_id", request.request_id)
        if previous and (previous.status, previous.sha256) == (status, digest):
            # the same answer again: the first vintage stands, and a refetch that is resumed knows
            # that this one was asked already
            confirmed = replace(previous, confirmed_at=fetched_at or utc_now())
            self._remember(manifest, "request_id", confirmed)
            return confirmed
        entry = _entry(
            request,
            url=url,
            fetched_at=fetched_at or utc_now(),
            status=status,
            rows=rows,
            bytes=len(body),
            sha256=digest,
            file=relative,
            source=source,
            header=list(header),
            file_sha256=file_digest,
            seconds=None if seconds is None else round(seconds, 3),
        )
        self._remember(manifest, "request_id", entry)
        return entry

    def record_split(self, request: CensusRequest, parts: list[CensusRequest], *, url: str, reason: str) -> LandedEntry:
        """The request is answered by its parts (see plan.CensusRequest.parts)."""
        folder = self._folder(self.month_dir(request.flow, request.month))
        entry = _entry(
            request,
            url=url,
            fetched_at=utc_now(),
            status=0,
            rows=0,
            bytes=0,
            sha256=None,
            file=None,
            source="census_api",
            split_into=[part.request_id for part in parts],
            note=reason,
        )
        manifest = folder / MANIFEST
        previous = self._previous(manifest, LandedEntry, "request_id", request.request_id)
        if previous and previous.split_into == entry.split_into:
            return previous
        self._remember(manifest, "request_id", entry)
        return entry

    def entries(self, flow: str, month) -> dict[str, LandedEntry]:
        """The latest manifest entry per request id for one month (empty when nothing landed)."""
        return self._latest(self.month_dir(flow, month) / MANIFEST, LandedEntry, "request_id")

    def verify(self, entry: LandedEntry) -> Path:
        self.path_of(entry)
        return self.verify_file(entry.file, entry.sha256, "fetch the month again with --refetch", entry.file_sha256)


def landed_answer(landed: dict[str, LandedEntry], request: CensusRequest) -> list[LandedEntry] | str:
    """The landed entries that answer a request (its own, its parts' when it was split, or that of
    a wider request an older plan landed instead), or the request id of the first response missing."""
    entry = landed.get(request.request_id)
    if entry is None:
        wider = next((landed[r.request_id] for r in request.covering() if r.request_id in landed), None)
        return [wider] if wider is not None and not wider.split_into else request.request_id
    if not entry.split_into:
        return [entry]
    found: list[LandedEntry] = []
    for part in request.parts() if request.splittable else []:
        answer = landed_answer(landed, part)
        if isinstance(answer, str):
            return answer
        found.extend(answer)
    return found


def known_parts(request: CensusRequest, entry: LandedEntry | None, before: LandedEntry | None) -> list[CensusRequest]:
    """The parts of a request this month already split, or the month before split (the same
    query is as large in the next month)."""
    known = entry if entry is not None else before
    if known is None or not known.split_into or not request.splittable:
        return []
    parts = request.parts()
    return parts if [part.request_id for part in parts] == known.split_into else []


def landed_with_the_totals(landed: dict[str, LandedEntry], flow: str, month, level: str) -> bool:
    """Every detail request of the level is answered in the landing, none before the month's
    totals were (a refetch of some levels leaves the others from an older print: they would not
    add up)."""
    totals = landed.get("totals")
    answers = [landed_answer(landed, request) for request in detail_requests(flow, month, level)]
    if totals is None or any(isinstance(answer, str) for answer in answers):
        return False
    return all(entry.fetched_at >= totals.fetched_at for answer in answers for entry in answer)


def detail_level(landed: dict[str, LandedEntry], flow: str, month, levels: tuple[str, ...]) -> str:
    """The level whose detail makes up the month: the finest requested, unless only a finer one is
    landed with the totals (the coarser levels are summed from it, so it is not fetched again)."""
    finest = finest_level(levels)
    if landed_with_the_totals(landed, flow, month, finest):
        return finest
    finer = HS_LEVELS[HS_LEVELS.index(finest) + 1 :]
    return next((level for level in finer if landed_with_the_totals(landed, flow, month, level)), finest)
