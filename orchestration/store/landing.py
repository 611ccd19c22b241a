"""What every landing zone does: content-addressed gzip files and append-only manifests whose
latest line per key wins, written so that a crash never leaves a line without its file."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from orchestration.core.errors import LandingError, write_failed

MANIFEST = "manifest.jsonl"
log = logging.getLogger(__name__)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ContentStore:
    """What every landing zone does: content-addressed gzip files, append-only manifests whose
    latest line per key wins, and verification against the recorded sha256."""

    def __init__(self, root: Path):
        self.root = Path(root)
        # latest entry per key of the manifests this store has appended to: lets land() see an
        # identical answer without rereading a growing manifest for every response
        self._seen: dict[Path, dict] = {}

    def _previous(self, manifest: Path, factory, key: str, value: str):
        if manifest not in self._seen:
            self._seen[manifest] = self._latest(manifest, factory, key)
        return self._seen[manifest].get(value)

    def _remember(self, manifest: Path, key: str, entry) -> None:
        self._append(manifest, entry)
        self._seen.setdefault(manifest, {})[getattr(entry, key)] = entry

    def _folder(self, folder: Path) -> Path:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LandingError(f"cannot create landing folder {folder}: {error.strerror}") from None
        return folder

    def _store(self, folder: Path, stem: str, body: bytes, suffix: str = ".json.gz") -> tuple[str, str, str]:
        """(sha256 of the body, file relative to the root, sha256 of the file), the file written
        once per distinct content."""
        digest = hashlib.sha256(body).hexdigest()
        target = folder / f"{stem}-{digest[:12]}{suffix}"
        if target.exists():
            stored = target.read_bytes()
        else:
            # mtime=0: the same body always gives the same bytes on disk. Level 6, not gzip's 9: a
            # fifth of the time for files 3 % larger (an HS10 month is ~400 responses).
            stored = gzip.compress(body, compresslevel=6, mtime=0)
            self._write_atomic(target, stored)
        return digest, target.relative_to(self.root).as_posix(), hashlib.sha256(stored).hexdigest()

    @staticmethod
    def _latest(manifest: Path, factory, key: str) -> dict:
        latest: dict = {}
        if not manifest.exists():
            return latest
        with manifest.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    entry = factory(**json.loads(line.decode("utf-8")))
                except (ValueError, TypeError):
                    # a line torn by a crash mid-append (or damaged): that response never landed
                    log.warning(f"the manifest line {number} of {manifest} is unreadable and was skipped")
                    continue
                latest[getattr(entry, key)] = entry
        return latest

    def verify_file(self, file: str, sha256: str, remedy: str, file_sha256: str | None = None) -> Path:
        """The file, after checking it still holds what the manifest recorded: its bytes when their
        hash is recorded (no decompression), else its decompressed body."""
        path = self.root / file
        if file_sha256:
            sha256 = file_sha256
        try:
            if file_sha256:
                with open(path, "rb") as handle:
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()
            else:
                with gzip.open(path, "rb") as handle:
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except FileNotFoundError:
            raise LandingError(f"landing file {file} listed in the manifest is missing") from None
        except (OSError, EOFError) as error:
            raise LandingError(f"landing file {file} is unreadable ({error})") from None
        if digest != sha256:
            raise LandingError(
                f"landing file {file} does not match its manifest (sha256 {digest[:12]}…, "
                f"expected {sha256[:12]}…); {remedy}"
            )
        return path

    @staticmethod
    def _write_atomic(target: Path, stored: bytes) -> None:
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with open(temporary, "wb") as raw:
                raw.write(stored)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(temporary, target)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise write_failed("landing a response", target, error) from None

    @staticmethod
    def _append(manifest: Path, entry) -> None:
        line = json.dumps(asdict(entry), separators=(",", ":")) + "\n"
        try:
            with manifest.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            _fsync_dir(manifest.parent)
        except OSError as error:
            # the line may be torn: the next read skips it, and that response is fetched again
            raise write_failed("recording a landed response", manifest, error) from None
