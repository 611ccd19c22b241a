"""One writing command at a time per warehouse, across processes.

DuckDB allows one writer, but a refresh opens and closes the file many times (a month at a
time, then dbt); a second refresh slipping in between would interleave with the first. The CLI
therefore holds an advisory lock beside the warehouse for the whole command, and a second one
fails at once, saying who holds it. (Dagster runs are serialized by the `warehouse` pool.)
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.core.errors import WarehouseBusy, WarehouseError, write_failed


@contextmanager
def writer_lock(warehouse_path: Path) -> Iterator[None]:
    lock_path = warehouse_path.with_name(warehouse_path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WarehouseError(f"cannot create the warehouse folder {lock_path.parent}: {error.strerror}") from None
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        # the folder exists but does not take files (read-only, not ours)
        raise write_failed("taking the writer lock", lock_path, error) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise WarehouseBusy(
                f"warehouse {warehouse_path} is busy: another refresh (process {holder}) is writing it; "
                "try again when it finishes"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
