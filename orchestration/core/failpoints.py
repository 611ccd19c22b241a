"""Crash points for the crash-safety tests: nothing happens unless TRADE_WAREHOUSE_FAILPOINT
names a point (`load`, or `fetch:5` for the fifth time the point is passed). Then the whole
process group is killed with SIGKILL at that instant - no cleanup, no finally blocks, the way a
power cut or an OOM kill ends a run - so the tests can show the next run recovers."""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "TRADE_WAREHOUSE_FAILPOINT"
_passed: Counter[str] = Counter()


def failpoint(name: str) -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, times = wanted.partition(":")
    if point != name:
        return
    _passed[name] += 1
    if _passed[name] >= int(times or 1):
        # the group, so that a dbt child dies too; never the group of a process that did not
        # start its own (it would be the caller's, e.g. a test runner's)
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
