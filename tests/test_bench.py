"""The benchmark harness: the quick run writes every key, and the marts it built are right."""

from __future__ import annotations

import gzip
import json
from datetime import date

import numpy as np
import pytest

from orchestration.app.bench import _reusable_landing, prepare_workdir
from orchestration.census.landing import LandingStore
from orchestration.devdata.bench_data import BenchShape, _flow_month, write_bench_landing

KEYS = {
    "ingest_s", "ingest_floor_s", "ingest_vs_floor", "refresh_1y_s", "refresh_10y_s", "refresh_10y_vs_1y",
    "refresh_1y_first_s", "refresh_10y_first_s", "refresh_first_10y_vs_1y", "backfill_s", "backfill_months",
    "backfill_peak_rss_mb", "query_ms",
}  # fmt: skip


def test_generated_totals_are_the_sum_of_their_detail(tmp_path):
    month = date(2026, 10, 1)
    shape = BenchShape("HS6", 0.25)
    write_bench_landing(tmp_path, [month], shape)
    store = LandingStore(tmp_path)
    entries = store.entries("exports", month)

    def table(request_id):
        return json.loads(gzip.open(store.root / entries[request_id].file).read())

    totals = {row[0]: int(row[3]) for row in table("totals")[1:]}
    detail: dict[str, int] = {}
    for request_id, entry in entries.items():
        if request_id.startswith("detail") and entry.file:
            for row in table(request_id)[1:]:
                detail[row[0]] = detail.get(row[0], 0) + int(row[4])
    world = totals.pop("-")
    assert world == sum(totals.values()) and detail.pop("-") == world  # the world's detail rows, too
    assert detail == totals
    expected = _flow_month(shape, "exports", month, len(shape.codes()))["measures"]["ALL_VAL_MO"]
    assert sum(totals.values()) == int(np.sum(expected))


@pytest.mark.slow
def test_the_quick_bench_reports_every_measure_and_builds_correct_marts(isolated_env, capsys):
    from orchestration.app.cli import main

    out = isolated_env / "bench.json"
    assert main(["bench", "--quick", "--json", str(out), "--workdir", str(isolated_env / "bench")]) == 0
    result = json.loads(out.read_text())
    assert KEYS <= set(result)
    assert all(result[k] > 0 for k in KEYS - {"query_ms"})
    assert {"japan_balance", "japan_top_exports", "largest_deficits"} <= set(result["query_ms"])
    # the quick run times the first refresh after each history only: it stands for the steady ones
    assert result["refresh_1y_runs_s"] == result["refresh_10y_runs_s"] == []
    assert result["refresh_1y_s"] == result["refresh_1y_first_s"]
    assert result["refresh_10y_s"] == result["refresh_10y_first_s"]
    marts = result["marts"]
    assert marts["months"] == result["backfill_months"] + 1 == 4
    assert marts["world_exports_usd"] == marts["raw_world_exports_usd"]
    shape, months = BenchShape("HS6", 0.25), [date(2026, m, 1) for m in (7, 8, 9, 10)]
    generated = sum(
        int(_flow_month(shape, "exports", m, len(shape.codes()))["measures"]["ALL_VAL_MO"].sum()) for m in months
    )
    assert marts["world_exports_usd"] == generated
    # every monthly refresh published incrementally, and the copy is the warehouse's marts exactly
    assert result["publish_incremental"] is True and marts["serving_matches_warehouse"] is True
    targets = result["target_query_ms"]
    assert targets["balance_history_one_partner_rows"] == 4  # Japan, every month
    assert targets["top20_hs4_yoy_one_partner_year_rows"] == 20
    printed = capsys.readouterr().out
    assert "ingest / floor" in printed and "backfill peak RSS (MB)" in printed
    assert "monthly refresh, 3 months history, first (s)" in printed
    assert "monthly refresh, 3 months history, the first (--quick) (s)" in printed
    # A second run in the same folder keeps the generated landing zone, removes the warehouses it
    # built, and finds the landing zone reusable for the same shape and months only. (Checked
    # directly: a second run would spend two minutes rebuilding what the first one checked.)
    workdir = isolated_env / "bench"
    prepare_workdir(workdir)
    assert sorted(p.name for p in workdir.iterdir()) == ["landing"]
    assert _reusable_landing(workdir / "landing", months, shape) == result["generated"]
    assert _reusable_landing(workdir / "landing", months, BenchShape("HS10", 0.25)) is None
    assert _reusable_landing(workdir / "landing", months[1:], shape) is None


def test_bench_refuses_a_workdir_in_use(isolated_env, capsys):
    from orchestration.app.cli import main

    (isolated_env / "busy").mkdir()
    (isolated_env / "busy" / "keep.txt").write_text("mine")
    assert main(["bench", "--quick", "--workdir", str(isolated_env / "busy")]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert (isolated_env / "busy" / "keep.txt").read_text() == "mine"
    # a folder holding a landing zone the benchmark did not generate is refused too
    (isolated_env / "busy" / "keep.txt").unlink()
    (isolated_env / "busy" / "landing").mkdir()
    assert main(["bench", "--quick", "--workdir", str(isolated_env / "busy")]) == 1
    assert "is not empty" in capsys.readouterr().err and (isolated_env / "busy" / "landing").is_dir()
