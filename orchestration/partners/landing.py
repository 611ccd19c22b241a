"""The partner-tariff part of the landing zone:
`partner/{reporter}/{year}/{partner}-{datatype}-{sha12}.xml.gz` + manifest.jsonl, one line per
answer keyed `{partner}-{datatype}` (the latest line wins).

A 404 NoRecordsFound has a line and no file: the request was asked and has no rows, so a replay
loads nothing for it instead of calling it missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from orchestration.core.errors import LandingError
from orchestration.partners.wits import check_datatype, check_m49, check_year
from orchestration.store.landing import MANIFEST, ContentStore, utc_now

SUFFIX = ".xml.gz"

log = logging.getLogger(__name__)


def request_key(partner: str, datatype: str = "reported") -> str:
    return f"{partner}-{datatype}"


@dataclass(frozen=True)
class PartnerLandedEntry:
    reporter: str
    partner: str
    year: int
    datatype: str
    url: str
    fetched_at: str
    status: int  # 200, or 404 when the service has no records for the request
    rows: int
    bytes: int
    sha256: str | None
    file: str | None  # relative to the landing root; None for a 404
    source: str  # wits_api | sample
    file_sha256: str | None = None  # the gzip file's own hash: checked without decompressing

    @property
    def key(self) -> str:
        return request_key(self.partner, self.datatype)


class PartnerLandingStore(ContentStore):
    def year_dir(self, reporter: str, year: int) -> Path:
        return self.root / "partner" / check_m49(reporter, "reporter") / str(check_year(year))

    def land(
        self,
        reporter: str,
        partner: str,
        year: int,
        *,
        url: str,
        status: int,
        body: bytes,
        rows: int,
        source: str,
        datatype: str = "reported",
        fetched_at: str | None = None,
    ) -> PartnerLandedEntry:
        partner, datatype = check_m49(partner, "partner"), check_datatype(datatype)
        if status not in (200, 404):
            raise LandingError(f"WITS answers land with status 200 or 404, not {status}")
        folder = self._folder(self.year_dir(reporter, year))
        key = request_key(partner, datatype)
        digest, relative, file_digest = self._store(folder, key, body, SUFFIX) if status == 200 else (None,) * 3
        manifest = folder / MANIFEST
        previous = self._previous(manifest, PartnerLandedEntry, "key", key)
        if previous and (previous.status, previous.sha256) == (status, digest):
            return previous  # the same answer again: the first vintage stands
        if previous and previous.status == 200 and previous.rows and status == 404:
            # WITS answering "no records" for a year it served is more likely its hiccup than a
            # withdrawal: the rows already landed (and loaded) are kept
            log.warning(f"WITS answered no records for {key} {reporter} {year}, which landed with rows: kept them")
            return previous
        entry = PartnerLandedEntry(
            reporter=str(reporter),
            partner=partner,
            year=int(year),
            datatype=datatype,
            url=url,
            fetched_at=fetched_at or utc_now(),
            status=status,
            rows=rows,
            bytes=len(body),
            sha256=digest,
            file=relative,
            source=source,
            file_sha256=file_digest,
        )
        self._remember(manifest, "key", entry)
        return entry

    def entries(self, reporter: str, year: int) -> dict[str, PartnerLandedEntry]:
        """The latest entry per `{partner}-{datatype}` of a reporter-year (empty when none landed)."""
        return self._latest(self.year_dir(reporter, year) / MANIFEST, PartnerLandedEntry, "key")

    def years(self, reporter: str) -> list[int]:
        folder = self.root / "partner" / check_m49(reporter, "reporter")
        if not folder.exists():
            return []
        return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit() and (p / MANIFEST).exists())

    def verify(self, entry: PartnerLandedEntry) -> Path:
        if entry.file is None:
            raise LandingError(
                f"WITS reporter {entry.reporter} partner {entry.partner} {entry.year} had no records (HTTP 404), "
                "so no file"
            )
        return self.verify_file(entry.file, entry.sha256, "fetch the year again with refetch", entry.file_sha256)
