"""A stop asked for by a signal, honoured at safe points (between requests, before a month's
load transaction, before dbt starts): never in the middle of a write.

The CLI's signal handlers call `request_stop`; the ingest, dbt and publish steps call `check_stop`.
Nothing here imports Dagster: the steps run inside it, the handlers outside it.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from orchestration.core.errors import WarehouseError


class Stopped(WarehouseError):
    """A run ended by a signal; the CLI exits with 128 + the signal's number."""

    def __init__(self, signum: int, message: str):
        self.signum = signum
        super().__init__(message)


class StopRequested(Stopped):
    """A signal asked the run to stop; raised at the next safe point."""

    def __init__(self, signum: int, where: str):
        super().__init__(signum, f"stopped by {signal.Signals(signum).name} {where}")


_requested: dict[str, int | None] = {"signum": None}


def request_stop(signum: int) -> None:
    _requested["signum"] = signum


def stop_requested() -> int | None:
    return _requested["signum"]


def reset() -> None:
    _requested["signum"] = None


def check_stop(where: str) -> None:
    """Raise StopRequested if a stop was asked for; `where` completes "stopped by SIGTERM ..."."""
    signum = _requested["signum"]
    if signum is not None:
        raise StopRequested(signum, where)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def kill_descendants() -> None:
    """SIGKILL every process this one started (dbt), as if the whole group had been killed: an
    abort must not leave a writer behind that holds the warehouse (Linux; elsewhere nothing)."""
    if not Path("/proc").is_dir():
        return
    tree, pending, found = _children(), [os.getpid()], []
    while pending:
        for child in tree.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    for pid in found:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
