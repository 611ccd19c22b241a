"""The HTS part of the landing zone: `hts/{release}/{part}-{sha12}.json.gz` + manifest.jsonl.

A release lands either as the chapter ranges of exportList (while it is current) or as one
revision file (`part = file`); the release list lands under `hts/_release_list/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from orchestration.core.errors import InputError, LandingError
from orchestration.hts.client import CHAPTER_RANGES, part_name
from orchestration.store.landing import MANIFEST, ContentStore, utc_now

RELEASE_LIST = "_release_list"
FILE_PART = "file"
_RELEASE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class HtsLandedEntry:
    release: str
    part: str  # a chapter range such as 0101-2499, "file", or "releases"
    url: str
    fetched_at: str
    rows: int
    bytes: int
    sha256: str
    file: str
    source: str  # hts_api | hts_file | sample
    release_date: str | None = None  # given with a file whose release the release list may not know


def check_release_name(name: str) -> str:
    if not isinstance(name, str) or not _RELEASE_NAME.match(name) or name == RELEASE_LIST:
        raise InputError(f"release {name!r} is not a release name such as 2025HTSRev7")
    return name


class HtsLandingStore(ContentStore):
    def release_dir(self, release: str) -> Path:
        return self.root / "hts" / release

    def land(
        self,
        release: str,
        part: str,
        *,
        url: str,
        body: bytes,
        rows: int,
        source: str,
        release_date: str | None = None,
        fetched_at: str | None = None,
    ) -> HtsLandedEntry:
        if release != RELEASE_LIST:
            check_release_name(release)
        folder = self._folder(self.release_dir(release))
        digest, relative, _ = self._store(folder, part, body)
        manifest = folder / MANIFEST
        previous = self._previous(manifest, HtsLandedEntry, "part", part)
        if previous and previous.sha256 == digest:
            return previous  # the same content again: the first vintage stands
        entry = HtsLandedEntry(
            release, part, url, fetched_at or utc_now(), rows, len(body), digest, relative, source, release_date
        )
        self._remember(manifest, "part", entry)
        return entry

    def entries(self, release: str) -> dict[str, HtsLandedEntry]:
        return self._latest(self.release_dir(release) / MANIFEST, HtsLandedEntry, "part")

    def releases(self) -> list[str]:
        folder = self.root / "hts"
        if not folder.exists():
            return []
        return sorted(p.name for p in folder.iterdir() if p.name != RELEASE_LIST and (p / MANIFEST).exists())

    def latest_release_list(self) -> HtsLandedEntry | None:
        return self.entries(RELEASE_LIST).get("releases")

    def entries_to_load(self, release: str) -> list[HtsLandedEntry]:
        """The newest complete landing of a release: all its chapter ranges, or its file."""
        landed = self.entries(check_release_name(release))
        ranges = [landed.get(part_name(*bounds)) for bounds in CHAPTER_RANGES]
        candidates = []
        if all(ranges):
            candidates.append((max(e.fetched_at for e in ranges), ranges))
        if FILE_PART in landed:
            candidates.append((landed[FILE_PART].fetched_at, [landed[FILE_PART]]))
        if not candidates:
            raise LandingError(
                f"HTS release {release} is not landed under {self.root}: fetch it while it is current "
                "(tariffs refresh) or load its revision file (tariffs refresh --file PATH)"
            )
        return max(candidates, key=lambda candidate: candidate[0])[1]

    def verify(self, entry: HtsLandedEntry) -> Path:
        return self.verify_file(entry.file, entry.sha256, "load the release again")
