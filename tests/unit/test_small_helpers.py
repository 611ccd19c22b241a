"""Pure helpers around runs: dbt vars, release timing, alerts, dbt failure summaries, reports."""

from datetime import date, datetime

import pytest
import responses

from orchestration.census.calendar import due_date, months_to_request, scheduled_month
from orchestration.core.alerts import failure_message, post_alert
from orchestration.core.dbt_results import failure_summary
from orchestration.core.dbt_vars import batched_vars, period_vars
from orchestration.core.errors import InputError
from orchestration.core.settings import Settings, duckdb_config
from orchestration.publish.text import format_partner_year


def test_a_backfill_window_becomes_one_date_range():
    assert period_vars(datetime(2017, 1, 1), datetime(2018, 1, 1)) == {
        "period_start": "2017-01-01",
        "period_end": "2018-01-01",
    }


def test_windows_must_be_whole_months():
    with pytest.raises(ValueError, match="not the first day"):
        period_vars(datetime(2017, 1, 15), datetime(2017, 2, 1))
    with pytest.raises(ValueError, match="empty"):
        period_vars(datetime(2017, 2, 1), datetime(2017, 2, 1))


def test_a_backfill_window_is_built_in_batches_oldest_first():
    batches = batched_vars(datetime(2013, 1, 1), datetime(2026, 11, 1), 24)
    assert len(batches) == 7
    assert batches[0] == {"period_start": "2013-01-01", "period_end": "2015-01-01"}
    assert batches[-1] == {"period_start": "2025-01-01", "period_end": "2026-11-01"}
    assert all(a["period_end"] == b["period_start"] for a, b in zip(batches, batches[1:], strict=False))
    assert batched_vars(date(2026, 10, 1), date(2026, 11, 1), 24) == [period_vars(date(2026, 10, 1), date(2026, 11, 1))]
    with pytest.raises(ValueError, match="at least one month"):
        batched_vars(date(2026, 10, 1), date(2026, 11, 1), 0)


def test_memory_and_batch_settings_are_checked():
    assert duckdb_config({}) == {"memory_limit": "4GB"}
    assert duckdb_config({"WAREHOUSE_MEMORY_LIMIT": "512MB"}) == {"memory_limit": "512MB"}
    with pytest.raises(InputError, match="WAREHOUSE_MEMORY_LIMIT='lots' is not an amount of memory"):
        duckdb_config({"WAREHOUSE_MEMORY_LIMIT": "lots"})
    assert Settings.from_env({"DBT_BATCH_MONTHS": "12"}).dbt_batch_months == 12
    with pytest.raises(InputError, match="DBT_BATCH_MONTHS=0 must be at least 1"):
        Settings.from_env({"DBT_BATCH_MONTHS": "0"})


def test_report_partners_are_census_codes_once_each_in_order():
    assert Settings.from_env({}).report_partners == ("5880",)
    assert Settings.from_env({"REPORT_PARTNERS": " "}).report_partners == ("5880",)
    assert Settings.from_env({"REPORT_PARTNERS": "1220, 5880,1220,-,5XXX"}).report_partners == (
        "1220",
        "5880",
        "-",
        "5XXX",
    )
    for bad, culprit in (("5880;1220", "5880;1220"), ("5880,,1220", ""), ("Japan", "Japan"), ("58800", "58800")):
        with pytest.raises(InputError) as error:
            Settings.from_env({"REPORT_PARTNERS": bad})
        assert str(error.value) == (
            f"REPORT_PARTNERS={bad!r} is not a comma-separated list of Census partner codes such as 5880,1220 "
            f"({culprit!r} is not one)"
        )


def test_a_month_is_due_about_five_weeks_after_it_ends():
    assert due_date(date(2026, 9, 1)) == date(2026, 11, 4)
    assert scheduled_month(date(2026, 11, 10)) == date(2026, 9, 1)


def test_the_sensor_asks_for_published_months_in_order_and_stops_at_the_first_gap():
    published = {date(2026, 8, 1), date(2026, 9, 1), date(2026, 11, 1)}
    asked = []

    def is_published(month):
        asked.append(month)
        return month in published

    assert months_to_request(date(2026, 7, 1), date(2026, 11, 28), is_published) == [date(2026, 8, 1), date(2026, 9, 1)]
    assert asked == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]


def test_with_nothing_loaded_the_sensor_asks_for_the_newest_month_only():
    assert months_to_request(None, date(2026, 11, 28), lambda m: m <= date(2026, 9, 1)) == [date(2026, 9, 1)]


def test_alert_text_is_one_line_without_secrets():
    message = failure_message("census_monthly", "abcdef123456", "boom\nkey=SECRET happened", secrets=("SECRET",))
    assert message == "trade-warehouse: run abcdef12 of census_monthly failed: boom key=*** happened"


@responses.activate
def test_alerts_are_posted_as_slack_style_json():
    responses.post("https://hooks.example.test/x", status=200)
    post_alert("https://hooks.example.test/x", "hello")
    assert responses.calls[0].request.body == b'{"text": "hello"}'


def test_dbt_failures_are_summarised_in_one_line():
    results = {
        "results": [
            {"unique_id": "model.trade_warehouse.dim_country", "status": "success"},
            {
                "unique_id": "test.trade_warehouse.assert_hs2_detail_sums_to_country_total.abc",
                "status": "fail",
                "message": "Got 3 results, configured to fail if != 0",
            },
            {
                "unique_id": "unit_test.trade_warehouse.fct_product_flows.yoy",
                "status": "fail",
                "message": "actual differs",
            },
        ]
    }
    assert failure_summary(results) == (
        "dbt build failed: test assert_hs2_detail_sums_to_country_total: Got 3 results, configured to fail if != 0; "
        "unit_test fct_product_flows.yoy: actual differs"
    )


def test_the_partner_table_totals_the_year():
    rows = [(date(2017, m, 1), 1_000_000 * m, 2_000_000 * m, -1_000_000 * m, "sample") for m in range(1, 13)]
    text = format_partner_year("JAPAN", 2017, rows)
    assert "Japan, 2017" in text and text.splitlines()[-2].split() == ["2017", "78.0", "156.0", "-78.0"]


def test_a_dbt_run_that_failed_before_any_model_is_summarised_from_its_log(tmp_path):
    from orchestration.core.dbt_results import log_error

    log = tmp_path / "dbt.log"
    log.write_text(
        '{"info": {"level": "info", "msg": "Running with dbt=1.11"}}\n'
        '{"info": {"level": "error", "msg": "Encountered an error:"}}\n'
        '{"info": {"level": "error", "msg": "Runtime Error\\n  Parser Error: unterminated quoted identifier"}}\n'
    )
    assert log_error(log) == "dbt failed: Runtime Error Parser Error: unterminated quoted identifier"
    assert log_error(tmp_path / "absent.log") == "dbt failed before running any model"


def test_a_full_disk_in_dbt_names_the_whole_path_and_the_remedy():
    message = (
        'IO Error: Could not write file "/srv/trade/data/a very long folder name/warehouse.duckdb.wal": '
        "No space left on device"
    )
    summary = failure_summary(
        {"results": [{"unique_id": "model.trade_warehouse.fct_product_flows", "status": "error", "message": message}]}
    )
    assert summary == (
        "dbt build failed: model fct_product_flows: the disk is full writing "
        "/srv/trade/data/a very long folder name/warehouse.duckdb.wal: free space in "
        "/srv/trade/data/a very long folder name and run it again"
    )


def test_a_long_dbt_message_is_cut_at_a_word():
    message = "Binder Error: " + " ".join(f"word{n}" for n in range(200))
    summary = failure_summary({"results": [{"unique_id": "model.p.m", "status": "error", "message": message}]})
    detail = summary.split("model m: ", 1)[1]
    assert detail.endswith(" …") and detail[:-2].split(" ")[-1].startswith("word") and len(detail) <= 242


def test_an_unreadable_manifest_line_is_skipped_and_named(tmp_path, caplog):
    from orchestration.census.landing import LandingStore

    store = LandingStore(tmp_path)
    folder = store.month_dir("exports", "2017-01")
    folder.mkdir(parents=True)
    (folder / "manifest.jsonl").write_bytes(b"\xff\xfe\x00 not utf-8\n")
    assert store.entries("exports", "2017-01") == {}
    assert f"the manifest line 1 of {folder / 'manifest.jsonl'} is unreadable and was skipped" in caplog.text


def test_a_publish_waits_for_no_one_while_a_refresh_writes(isolated_env, capsys):
    from orchestration.app.cli import main
    from orchestration.core.lock import writer_lock

    with writer_lock(isolated_env / "warehouse.duckdb"):
        assert main(["publish"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: warehouse {isolated_env / 'warehouse.duckdb'} is busy: another refresh (process ")


def test_settings_are_resolved_once_while_the_environment_holds(monkeypatch, tmp_path):
    from orchestration.core.settings import current_settings

    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "a.duckdb"))
    first = current_settings()
    assert current_settings() is first  # not parsed again
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "b.duckdb"))
    second = current_settings()
    assert second is not first and second.warehouse_path == tmp_path / "b.duckdb"
    monkeypatch.setenv("CENSUS_API_MAX_RETRIES", "-1")
    with pytest.raises(InputError, match="CENSUS_API_MAX_RETRIES"):
        current_settings()
