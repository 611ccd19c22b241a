"""The detail member of a bulk ZIP in pieces, unzipped while DuckDB reads the pieces before.

Unzipping a December of imports (2.4 GB) takes one core as long as DuckDB's read of it takes
both; one after the other they were the month's load. Here a thread inflates the member into
files of about `piece_bytes`, each cut after a line's end, and hands each one over as soon as it
is complete, while the caller loads the piece before. At most `ahead` pieces wait, so the scratch
space used stays small. The thread works on blocks of bytes; no line is looked at in Python.
"""

from __future__ import annotations

import queue
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

from orchestration.core.errors import LandingError, write_failed

PIECE_BYTES = 256 * 1024 * 1024
_BLOCK = 4 * 1024 * 1024
_DONE = object()


def detail_pieces(
    archive_path: Path, info: zipfile.ZipInfo, into: Path, *, piece_bytes: int = PIECE_BYTES, ahead: int = 2
) -> Iterator[Path]:
    """Paths of the member's pieces, in order; each is deleted once the caller asks for the next."""
    handed: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handed.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def inflate() -> None:
        number, carry = 0, b""
        try:
            with zipfile.ZipFile(archive_path) as archive, archive.open(info) as source:
                while not stop.is_set():
                    piece = into / f"{info.filename.rsplit('/', 1)[-1]}.{number:04d}"
                    written = 0
                    with open(piece, "wb") as out:
                        out.write(carry)
                        written, carry = len(carry), b""
                        while written < piece_bytes:
                            block = source.read(max(1, min(_BLOCK, piece_bytes - written)))
                            if not block:
                                break
                            out.write(block)
                            written += len(block)
                        if written >= piece_bytes:
                            # end the piece after its last whole line; the rest opens the next
                            out.flush()
                            end = _last_line_end(piece)
                            carry = _tail(piece, end)
                            out.truncate(end)
                    if written or carry:
                        if not put(piece):
                            return
                        number += 1
                    if written < piece_bytes and not carry:
                        break
        except OSError as error:
            put(write_failed(f"unzipping {info.filename} of {archive_path.name}", into, error))
            return
        except (zipfile.BadZipFile, EOFError, ValueError) as error:
            put(LandingError(f"{archive_path.name} cannot be read as a ZIP archive ({error}); download it again"))
            return
        except Exception as error:  # noqa: BLE001 - whatever stops the thread must reach the caller
            put(error)
            return
        put(_DONE)

    worker = threading.Thread(target=inflate, name="bulk-unzip", daemon=True)
    worker.start()
    previous: Path | None = None
    try:
        while True:
            item = handed.get()
            if previous is not None:
                previous.unlink(missing_ok=True)
                previous = None
            if item is _DONE:
                return
            if isinstance(item, Exception):
                raise item
            previous = item
            yield item
    finally:
        stop.set()
        worker.join()
        if previous is not None:
            previous.unlink(missing_ok=True)
        for left in into.glob(f"{info.filename.rsplit('/', 1)[-1]}.*"):
            left.unlink(missing_ok=True)


def _last_line_end(piece: Path) -> int:
    """The offset just after the piece's last newline (a line is far shorter than a block)."""
    size = piece.stat().st_size
    with open(piece, "rb") as handle:
        handle.seek(max(0, size - _BLOCK))
        tail = handle.read()
    cut = tail.rfind(b"\n")
    if cut < 0:
        raise LandingError(f"{piece.name}: no line end in its last {_BLOCK:,} bytes; not a Census detail file")
    return size - len(tail) + cut + 1


def _tail(piece: Path, end: int) -> bytes:
    with open(piece, "rb") as handle:
        handle.seek(end)
        return handle.read()
