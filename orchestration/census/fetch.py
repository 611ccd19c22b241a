"""Land a Census month: its requests asked in parallel, the answers landed as they arrive, the
requests the server gives up on split into parts. Free of Dagster and of the warehouse."""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from orchestration.census.client import CensusClient
from orchestration.census.landing import LandedEntry, LandingStore, detail_level, known_parts, landed_answer
from orchestration.census.plan import FLOWS, CensusRequest, finest_level, plan_month
from orchestration.census.reconcile import chapter_values
from orchestration.core.errors import CensusIncomplete, CensusNoData, CensusQueryTooLarge
from orchestration.core.failpoints import failpoint
from orchestration.core.periods import add_months, month_key
from orchestration.core.stopping import StopRequested, check_stop

# What a stop or a failure while landing leaves: nothing of the month is in the warehouse yet.
LANDED_KEPT = "the responses landed so far are kept for the next refresh, and nothing of the month was loaded"


class Progress(Protocol):
    """What a tqdm bar offers; ingest and dbt report their steps through it."""

    def update(self, n: int = 1) -> object: ...

    def set_description(self, desc: str) -> object: ...


class NoProgress:
    def update(self, n: int = 1) -> None:
        return None

    def set_description(self, desc: str) -> None:
        return None


NO_PROGRESS = NoProgress()


@dataclass
class FetchStats:
    requests_made: int = 0
    requests_reused: int = 0
    requests_split: int = 0  # requests the server could not answer whole, asked for in parts
    bytes_landed: int = 0


# Totals first (a month without them is not published), then the names, whose HS2 world values
# say which chapters have trade, then the detail.
ORDER = {"totals": 0, "names": 1, "detail": 2}
EMPTY_CHAPTER_TRIES = 3  # a chapter with trade that answers 204 is asked this often in all


def land_month(
    client: CensusClient,
    store: LandingStore,
    flow: str,
    month: date,
    levels: tuple[str, ...],
    *,
    refetch: bool = False,
    progress: Progress = NO_PROGRESS,
    stats: FetchStats | None = None,
    concurrency: int = 1,
    fresh_since: datetime | None = None,
) -> None:
    """Fetch every planned request of the month that is not landed yet (with refetch, all of them
    except those fetched since `fresh_since`: a refetch that failed half-way resumes on a retry).

    The totals and the names are asked first, one at a time; the detail up to `concurrency`
    requests at once. Responses are landed by this thread, as they arrive. A detail request the
    server gives up on (a timeout or its query-error 500) is split into its parts, recorded in
    the manifest: a replay reads the parts, and the next month asks for them directly. A chapter
    with trade in the HS2 totals that answers 204 is asked again, then fails the month. On a
    failure the requests under way finish and are landed; then the first error is raised."""
    stats = stats if stats is not None else FetchStats()
    landed = store.entries(flow, month)
    before = store.entries(flow, add_months(month, -1))
    # a finer level landed since the month's totals already answers the coarser ones (not on a
    # refetch, which asks for the levels requested)
    level = finest_level(levels) if refetch else detail_level(landed, flow, month, levels)
    plan = sorted(plan_month(flow, month, (*levels, level)), key=lambda request: ORDER[request.kind])
    where = f"while fetching {flow} {month_key(month)}: {LANDED_KEPT}"
    fetch = _MonthFetch(client, store, landed, before, refetch, fresh_since, progress, stats, where)
    fetch.run([request for request in plan if request.kind != "detail"], {}, 1)
    chapters = chapter_values(store, store.entries(flow, month).get("names-hs2"))
    fetch.run([request for request in plan if request.kind == "detail"], chapters, max(1, concurrency))


@dataclass
class _MonthFetch:
    """The requests of one flow and month in flight, and what is done with their answers."""

    client: CensusClient
    store: LandingStore
    landed: dict[str, LandedEntry]  # the month's manifest
    before: dict[str, LandedEntry]  # the month before's (its splits are reused)
    refetch: bool
    fresh_since: datetime | None  # with refetch: what was fetched since then is not asked again
    progress: Progress
    stats: FetchStats
    where: str  # for a stop: "while fetching exports 2017-02: ..."

    def run(self, requests: list[CensusRequest], chapters: dict[str, int], workers: int) -> None:
        """Ask the requests, `workers` at a time; on a failure let those under way land, then raise."""
        pending = deque(requests)
        running: dict[Future, CensusRequest] = {}
        failure: BaseException | None = None
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="census-fetch") as pool:
            while running or (pending and failure is None):
                while pending and failure is None and len(running) < workers:
                    request = pending.popleft()
                    if self._answered_already(request, pending):
                        continue
                    try:
                        check_stop(self.where)
                    except StopRequested as stop:
                        failure = stop
                        break
                    running[pool.submit(_ask, self.client, request, chapters)] = request
                if running:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in sorted(done, key=lambda f: running[f].request_id):  # the same order every run
                        error = self._take(running.pop(future), future, pending)  # lands it, whatever came before
                        failure = failure or error
        if failure is not None:
            raise failure

    def _answered_already(self, request: CensusRequest, pending: deque) -> bool:
        """True when the request needs no call: it is known to be split (its parts are queued
        instead) or already landed."""
        entry = self.landed.get(request.request_id)
        parts = known_parts(request, entry, self.before.get(request.request_id))
        if parts:
            self._split(request, parts, "as before", pending)
            return True
        answer = landed_answer(self.landed, request)
        if not isinstance(answer, str) and (not self.refetch or self._fresh(answer)):
            self.stats.requests_reused += 1
            self.progress.update(1)
            return True
        return False

    def _fresh(self, entries: list[LandedEntry]) -> bool:
        since = self.fresh_since
        if since is None:
            return False
        asked = (max(entry.fetched_at, entry.confirmed_at or "") for entry in entries)
        return all(datetime.fromisoformat(when) >= since for when in asked)

    def _split(self, request: CensusRequest, parts: list[CensusRequest], reason: str, pending: deque) -> None:
        url = self.client.url_for(request.path, request.params())
        self.store.record_split(request, parts, url=url, reason=reason)
        pending.extendleft(reversed(parts))

    def _take(self, request: CensusRequest, future: Future, pending: deque) -> BaseException | None:
        """Land one answer, or queue the parts of a request the server gave up on; the error of a
        request that failed."""
        try:
            response = future.result()
        except CensusQueryTooLarge as error:
            self._split(request, request.parts(), str(error), pending)
            self.stats.requests_split += 1
            return None
        except BaseException as error:  # noqa: BLE001 - raised by run() once the others are in
            return error
        self.store.land(
            request,
            url=response.url,
            status=response.status,
            body=response.body,
            header=response.header,
            rows=response.row_count,
            source="census_api",
            seconds=response.seconds,
        )
        self.stats.requests_made += 1
        self.stats.bytes_landed += len(response.body)
        failpoint("fetch")
        self.progress.update(1)
        return None


def _ask(client: CensusClient, request: CensusRequest, chapters: dict[str, int]):
    """One request's answer (on a worker thread): a month without totals is not published; a
    detail 204 for a chapter with trade is asked again."""
    response = client.get(request.path, request.params(), splittable=request.splittable)
    if response.no_data and request.kind == "totals":
        raise CensusNoData(
            f"Census has no {request.flow} data for {month_key(request.month)} yet (HTTP 204): "
            "a month is published about five weeks after it ends"
        )
    if response.no_data and request.kind == "detail":
        response = _ask_again_if_traded(client, request, response, chapters)
    return response


def _ask_again_if_traded(client: CensusClient, request: CensusRequest, response, chapters: dict[str, int]):
    """A 204 for a chapter (or first digit) with trade in the HS2 totals is a dropped answer, as
    the live server gives while it updates: asked again, then the month fails naming it."""
    prefix = request.prefix or ""
    if len(prefix) > 2:  # within a chapter, the HS2 totals cannot tell an empty part from a dropped one
        return response
    traded = sum(value for code, value in chapters.items() if code.startswith(prefix))
    for attempt in range(1, EMPTY_CHAPTER_TRIES):
        if not traded or not response.no_data:
            return response
        time.sleep(min(client.backoff_factor * 2 ** (attempt - 1), 60))
        response = client.get(request.path, request.params(), splittable=request.splittable)
    if traded and response.no_data:
        what = {0: "all chapters", 1: f"chapters {prefix}0-{prefix}9"}.get(len(prefix), f"chapter {prefix}")
        raise CensusIncomplete(
            f"{request.flow} {month_key(request.month)}: {request.level} detail for {what} answered no rows "
            f"(HTTP 204, {EMPTY_CHAPTER_TRIES} tries) although Census's HS2 total for it is ${traded:,}; "
            f"try again later ({LANDED_KEPT})"
        )
    return response


def measured_latency(store: LandingStore) -> tuple[float, int] | None:
    """(median seconds per request, requests measured) of the newest landed month that has timings."""
    folders = sorted((store.root / "census").glob("*/????-??"), key=lambda folder: folder.name, reverse=True)
    for month in dict.fromkeys(folder.name for folder in folders):
        seconds = sorted(
            entry.seconds
            for flow in FLOWS
            for entry in store.entries(flow, month).values()
            if entry.seconds is not None
        )
        if seconds:
            return seconds[len(seconds) // 2], len(seconds)
    return None


def month_published(client: CensusClient, month: date) -> bool:
    """Whether Census serves the month yet: the smallest query answers 204 until it does."""
    return not client.get("/exports/hs", [("get", "ALL_VAL_MO"), ("time", month_key(month))]).no_data
