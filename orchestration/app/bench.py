"""The benchmark: synthetic Census-shaped landing data at scale, and what the pipeline makes of it.

Measured in one run (see BENCHMARKS.md):
- ingest: landing -> raw for one month, both flows, against the floor (one DuckDB read_json of the
  same files with the cells cast, into a scratch table);
- monthly refresh (ingest + dbt + publish of the newest month) with 1 year and with N years of
  history: the first after the history was built, then a warm-up, then the median of three in the
  steady state (the second refresh on makes publish's spare copy, updated in place from the third);
- backfill: every generated month from landing into the marts, wall time and peak memory;
- queries: the analyst cookbook on the full-history marts, warm, median of 5.

The data is synthetic and deterministic (numpy, fixed seed): every partner of the sample catalog
trades a fixed set of codes at the chosen level, values follow a heavy-tailed distribution, and
every total is the exact sum of its detail, as in Census data.
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import time
from datetime import date
from pathlib import Path

import duckdb

from orchestration.census.landing import LandingStore
from orchestration.census.plan import FLOWS
from orchestration.core.errors import InputError
from orchestration.core.periods import add_months, month_range
from orchestration.devdata.bench_data import BenchShape, rows_per_flow_month, write_bench_landing
from orchestration.publish.serving import can_publish

SEED = 20_261_128
# Codes per chapter in the synthetic classification, by level; partners trade a share of them.
CODES_PER_CHAPTER = {"HS6": 40, "HS10": 110}
CHAPTERS = tuple(f"{c:02d}" for c in range(1, 98) if c != 77)


def _landing_marker(landing: Path) -> Path:
    return landing / "bench-landing.json"


def _landing_spec(months: list[date], shape: BenchShape, generated: dict | None = None) -> dict:
    spec = {"seed": SEED, "level": shape.level, "traded_share": shape.traded_share}
    spec |= {"first": months[0].isoformat(), "last": months[-1].isoformat()}
    return spec | {"generated": generated} if generated else spec


def _reusable_landing(landing: Path, months: list[date], shape: BenchShape) -> dict | None:
    """The counts of a landing zone an earlier run generated with the same shape and months."""
    try:
        recorded = json.loads(_landing_marker(landing).read_text())
    except (OSError, ValueError):
        return None
    generated = recorded.pop("generated", None)
    return generated if recorded == _landing_spec(months, shape) else None


BENCH_OUTPUTS = ("landing", "ingest.duckdb", "floor.duckdb", "short", "long", "bulk", "bulk-load", "bulk-floor.duckdb")
KEPT = ("landing", "bulk")  # generated data, reused by the next run


def prepare_workdir(workdir: Path) -> None:
    """An empty folder, or one an earlier run left (its generated data is kept for reuse, the
    warehouses it built are removed); anything else is refused."""
    import shutil

    if not workdir.exists() or not any(workdir.iterdir()):
        return
    names = {p.name.removesuffix(".wal") for p in workdir.iterdir()}
    ours = "landing" not in names or _landing_marker(workdir / "landing").exists()
    if not ours or not names <= set(BENCH_OUTPUTS):
        raise InputError(f"--workdir {workdir} is not empty: the benchmark needs a fresh folder or one of its own")
    for path in workdir.iterdir():
        if path.name not in KEPT:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def _rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # ru_maxrss is in KiB on Linux


def ingest_floor(store: LandingStore, month: date, levels: tuple[str, ...], scratch: Path) -> float:
    """One read_json over the month's detail files of both flows, cells cast by position: the
    fastest native read (the row type declared, so DuckDB samples nothing). Timed from the open
    of the file to its close, as a load is."""
    from orchestration.census.ingest import entries_to_load

    started = time.perf_counter()
    con = duckdb.connect(str(scratch))
    for flow in FLOWS:
        entries = [e for e in entries_to_load(store, flow, month, levels) if e.kind == "detail" and e.file]
        header = entries[0].header
        casts = [
            f"cast(nullif(json[{i + 1}], '') as bigint) as c{i}" if name.endswith("_MO") else f"json[{i + 1}] as c{i}"
            for i, name in enumerate(header)
        ]
        con.execute(
            f"create or replace table floor_{flow} as select {', '.join(casts)} "
            "from read_json($files, format='array', records=false, columns={'json': 'VARCHAR[]'}) "
            "where json is distinct from $header",
            {"files": [str(store.root / e.file) for e in entries], "header": header},
        )
    con.close()  # written to disk, as a load is
    return time.perf_counter() - started


def run_bench(
    workdir: Path, *, level: str, traded_share: float, short_months: int, long_months: int,
    warmups: int = 1, steady: int = 3, log=print,
) -> dict:  # fmt: skip
    """Generate, then measure everything; returns the JSON-ready result."""
    from orchestration.app.runner import RefreshRequest, refresh
    from orchestration.census.ingest import ingest_flow

    shape = BenchShape(level, traded_share)
    levels = (level,)
    last = date(2026, 10, 1)
    all_months = month_range(add_months(last, -long_months), last)
    landing = workdir / "landing"
    started = time.perf_counter()
    generated = _reusable_landing(landing, all_months, shape)
    if generated:
        log(f"reusing the landing zone of an earlier run: {len(all_months)} months, {generated['rows']:,} rows")
    else:
        generated = write_bench_landing(landing, all_months, shape)
        _landing_marker(landing).write_text(json.dumps(_landing_spec(all_months, shape, generated), indent=2))
        log(f"generated {len(all_months)} months, {generated['rows']:,} rows in {time.perf_counter() - started:.0f} s")
    store = LandingStore(landing)
    result: dict = {"level": level, "rows_per_flow_month": rows_per_flow_month(shape), "generated": generated}

    # ingest vs floor, on the newest month, each into a fresh file: alternated, median of 3 (one
    # month takes a second or two, so the first call's warm-up would otherwise weigh in)
    ingests, floors = [], []
    for _ in range(3):
        wh = workdir / "ingest.duckdb"
        for path in (wh, workdir / "floor.duckdb"):
            path.unlink(missing_ok=True)
        t = time.perf_counter()
        for flow in FLOWS:
            ingest_flow(flow, [last], source="replay", levels=levels, store=store, warehouse_path=wh)
        ingests.append(time.perf_counter() - t)
        floors.append(ingest_floor(store, last, levels, workdir / "floor.duckdb"))
    result["ingest_s"], result["ingest_floor_s"] = statistics.median(ingests), statistics.median(floors)
    result["ingest_runs_s"], result["ingest_floor_runs_s"] = ingests, floors
    result["ingest_vs_floor"] = result["ingest_s"] / result["ingest_floor_s"]
    log(f"ingest {result['ingest_s']:.2f} s, floor {result['ingest_floor_s']:.2f} s")

    monthly_published: list[bool] = []  # whether each monthly refresh published incrementally
    # DuckDB 1.5.5 (the DuckLake venv) cannot write the serving copy: there the refreshes stop
    # after dbt and the queries read the warehouse, so its figures lack publish's part
    publishes = can_publish()
    result["duckdb"], result["published"] = duckdb.__version__, publishes

    def timed_refresh(path: Path, span: list[date], published: list[bool] | None = None) -> float:
        gc.collect()
        t = time.perf_counter()
        run = refresh(
            RefreshRequest(months=span, source="replay", levels=levels, landing_dir=landing, warehouse_path=path),
            show_progress=False,
            publish=publishes,
        )
        elapsed = time.perf_counter() - t
        if published is not None and publishes:
            copy = run.publish.asset_materializations_for_node("serving__warehouse_copy")[0].metadata
            published.append(copy["incremental"].value)
        return elapsed

    def monthly_refreshes(path: Path, key: str) -> None:
        """The first refresh of the newest month after a history was built, then what a user lives
        with: `warmups` more (publish keeps a spare copy from the second on), then the median of
        `steady` steady-state refreshes."""
        result[f"{key}_first_s"] = timed_refresh(path, [last], monthly_published)
        runs = [timed_refresh(path, [last], monthly_published) for _ in range(warmups + steady)]
        result[f"{key}_runs_s"] = runs[warmups:]
        # steady = 0 (--quick): the first refresh stands for them
        result[f"{key}_s"] = statistics.median(runs[warmups:] or [result[f"{key}_first_s"]])

    # monthly refreshes with 1 year of history
    short = all_months[-(short_months + 1) : -1]
    timed_refresh(workdir / "short" / "warehouse.duckdb", short)
    monthly_refreshes(workdir / "short" / "warehouse.duckdb", "refresh_1y")
    log(f"refresh with {short_months} months of history: {result['refresh_1y_s']:.1f} s")

    # backfill of the whole history but the last month, then the monthly refreshes on top of it
    long_path = workdir / "long" / "warehouse.duckdb"
    history = all_months[:-1]
    result["backfill_s"] = timed_refresh(long_path, history)
    result["backfill_months"] = len(history)
    result["backfill_peak_rss_mb"] = _rss_mb()
    rss = result["backfill_peak_rss_mb"]
    log(f"backfill of {len(history)} months: {result['backfill_s']:.0f} s, peak RSS {rss:.0f} MB")
    monthly_refreshes(long_path, "refresh_10y")
    result["history_years"] = round(long_months / 12, 2)
    result["short_history_months"] = short_months
    result["refresh_10y_vs_1y"] = result["refresh_10y_s"] / result["refresh_1y_s"]
    result["refresh_first_10y_vs_1y"] = result["refresh_10y_first_s"] / result["refresh_1y_first_s"]
    log(f"refresh with {long_months} months of history: {result['refresh_10y_s']:.1f} s")

    result["publish_incremental"] = all(monthly_published) if publishes else None
    serving = long_path.parent / "serving.duckdb" if publishes else long_path
    result["query_ms"] = cookbook_timings(serving)
    result["target_query_ms"] = target_query_timings(serving, level, all_months[0], last)
    matches = fingerprints(serving) == fingerprints(long_path) if publishes else None
    result["marts"] = mart_facts(long_path) | {"serving_matches_warehouse": matches}
    return result


# The two queries the targets name, written for any data set: the partner x month balance over the
# whole history, and the top-20 HS4 products of one partner-year with their YoY change, rolled up
# from the level loaded (the benchmark loads HS10 only; with HS4 loaded, hs_level = 4 reads less).
TARGET_QUERIES = {
    "balance_history_one_partner": """
        select period, exports_usd, imports_usd, balance_usd, balance_12m_usd
        from marts.fct_bilateral_balance_monthly
        where partner_code = $partner
        order by period""",
    "top20_hs4_yoy_one_partner_year": """
        select left(commodity_code, 4) as hs4,
            sum(value_usd) as value_usd,
            sum(prior_year_value_usd) as prior_year_value_usd,
            sum(value_usd) - sum(prior_year_value_usd) as yoy_change_usd,
            100.0 * (sum(value_usd) - sum(prior_year_value_usd)) / nullif(sum(prior_year_value_usd), 0) as yoy_pct
        from marts.fct_product_flows
        where partner_code = $partner and flow = 'exports' and hs_level = $level
            and period >= $start and period < $end
        group by hs4
        order by value_usd desc
        limit 20""",
}


def target_query_timings(serving: Path, level: str, first: date, last: date, repeat: int = 5) -> dict[str, float]:
    """The target queries for Japan and the last whole year of the data (the last year when no year
    is whole, as in the quick run), warm, median of `repeat`."""
    whole = [y for y in range(first.year, last.year + 1) if first <= date(y, 1, 1) and date(y, 12, 1) <= last]
    year = whole[-1] if whole else last.year
    parameters = {
        "balance_history_one_partner": {"partner": "5880"},
        "top20_hs4_yoy_one_partner_year": {
            "partner": "5880", "level": int(level.removeprefix("HS")),
            "start": date(year, 1, 1), "end": date(year + 1, 1, 1),
        },
    }  # fmt: skip
    con = duckdb.connect(str(serving), read_only=True)
    timings = {}
    try:
        for name, sql in TARGET_QUERIES.items():
            rows = con.execute(sql, parameters[name]).fetchall()
            runs = []
            for _ in range(repeat):
                t = time.perf_counter()
                con.execute(sql, parameters[name]).fetchall()
                runs.append((time.perf_counter() - t) * 1000)
            timings[name] = round(statistics.median(runs), 2)
            timings[f"{name}_rows"] = len(rows)
    finally:
        con.close()
    return timings


def fingerprints(database: Path) -> dict[str, tuple]:
    """Rows and a hash of the content of every mart: equal in the warehouse and its serving copy."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute("select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()
        return {
            table: con.execute(f'select count(*), sum(hash(t)) from marts."{table}" as t').fetchone()
            for (table,) in tables
        }


def cookbook_timings(serving: Path, repeat: int = 5) -> dict[str, float]:
    """Each cookbook recipe on the serving copy: one warm-up, then the median of `repeat` runs (ms)."""
    from orchestration.publish.cookbook import recipes

    con = duckdb.connect(str(serving), read_only=True)
    timings = {}
    try:
        for name, sql in recipes().items():
            try:
                con.execute(sql).fetchall()
            except duckdb.CatalogException:
                continue  # the tariff recipes: the benchmark loads no tariff schedule
            runs = []
            for _ in range(repeat):
                t = time.perf_counter()
                con.execute(sql).fetchall()
                runs.append((time.perf_counter() - t) * 1000)
            timings[name] = round(statistics.median(runs), 2)
    finally:
        con.close()
    return timings


def mart_facts(warehouse: Path) -> dict:
    """What the backfill built, for the test: months, and the world total checked against raw."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        months = con.execute("select count(distinct period) from marts.fct_bilateral_balance_monthly").fetchone()[0]
        mart = con.execute(
            "select sum(exports_usd) from marts.fct_bilateral_balance_monthly where partner_code = '-'"
        ).fetchone()[0]
        raw = con.execute(
            "select sum(all_val_mo) from raw.census_exports where cty_code = '-' and comm_lvl = '-'"
        ).fetchone()[0]
        rows = con.execute("select count(*) from marts.fct_trade_monthly").fetchone()[0]
    return {"months": months, "world_exports_usd": int(mart), "raw_world_exports_usd": int(raw), "trade_rows": rows}


def format_result(result: dict) -> str:
    short = f"monthly refresh, {result['short_history_months']} months history"
    long = f"monthly refresh, {result['backfill_months']} months history"
    runs = len(result["refresh_1y_runs_s"])
    steady = {0: "the first (--quick)", 1: "steady"}.get(runs, f"steady, median of {runs}")
    rows = [
        ("ingest, one month both flows (s)", result["ingest_s"], 2),
        ("ingest floor: read_json + casts (s)", result["ingest_floor_s"], 2),
        ("ingest / floor", result["ingest_vs_floor"], 2),
        (f"{short}, first (s)", result["refresh_1y_first_s"], 1),
        (f"{long}, first (s)", result["refresh_10y_first_s"], 1),
        ("first refresh, long / 1 year", result["refresh_first_10y_vs_1y"], 2),
        (f"{short}, {steady} (s)", result["refresh_1y_s"], 1),
        (f"{long}, {steady} (s)", result["refresh_10y_s"], 1),
        ("refresh long / 1 year (steady)", result["refresh_10y_vs_1y"], 2),
        (f"backfill, {result['backfill_months']} months (s)", result["backfill_s"], 0),
        ("backfill peak RSS (MB)", result["backfill_peak_rss_mb"], 0),
    ]
    rows += [(f"query {name} (ms)", ms, 1) for name, ms in result["query_ms"].items()]
    targets = {k: v for k, v in result["target_query_ms"].items() if not k.endswith("_rows")}
    rows += [(f"target {name} (ms)", ms, 1) for name, ms in targets.items()]
    lines = [f"{'measure':<62}{'value':>12}"] + [f"{name:<62}{value:>12.{digits}f}" for name, value, digits in rows]
    if result.get("published") is False:
        lines.append(
            f"(DuckDB {result['duckdb']} cannot write the serving copy: each refresh is ingest + dbt, without "
            "publish, and the queries read the warehouse)"
        )
    return "\n".join(lines)


def write_json(result: dict, path: Path) -> None:
    path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
