"""WITS partner tariffs end to end against a local service with the live one's habits: the real
coffee rows land and load, no-records answers, outage pages, slow and dripping answers, replay."""

from pathlib import Path

import duckdb
import pytest
from wits_server import WitsTestServer, generated, sample_data

from orchestration.core.errors import LandingError, ParseError, WitsApiError
from orchestration.partners.landing import PartnerLandingStore
from orchestration.partners.load import ingest_partner_year
from orchestration.partners.wits import WitsClient

VIET_NAM, JAPAN = "704", "392"


def ingest(root: Path, reporter=VIET_NAM, year=2018, *, server=None, source="api", partners=("000", JAPAN), **kw):
    client_options = {"backoff_factor": 0, **kw.pop("client", {})}
    return ingest_partner_year(
        reporter,
        year,
        source=source,
        store=PartnerLandingStore(root / "landing"),
        warehouse_path=root / "warehouse.duckdb",
        client=WitsClient(server.base_url, **client_options) if server else None,
        partners=partners,
        **kw,
    )


def query(root: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def coffee(root: Path, year=2018) -> list[tuple]:
    return query(
        root,
        "select partner_m49, tariff_type, simple_average_pct, min_rate_pct, max_rate_pct, sum_of_rates, total_lines,"
        " pref_lines, mfn_lines, na_lines, nomenclature, source from raw.partner_wits_tariffs"
        " where reporter_m49 = '704' and product_hs6 = '090111' and year = ? order by partner_m49",
        [year],
    )


def test_the_real_pref_and_mfn_coffee_rows_land_and_load_with_their_values(shared, tmp_path):
    with WitsTestServer(sample_data(shared)) as server:
        stats = ingest(tmp_path, server=server)
    assert coffee(tmp_path) == [
        ("000", "MFN", 15.0, 15.0, 15.0, 30.0, 2, 0, 2, 0, "H5", "wits_api"),
        ("392", "PREF", 8.0, 8.0, 8.0, 16.0, 2, 2, 0, 0, "H5", "wits_api"),
    ]
    assert stats.rows == 12 and stats.requests_made == 2 and stats.no_records == []
    files = sorted(p.name for p in (tmp_path / "landing/partner/704/2018").glob("*.xml.gz"))
    assert [name[: -len("-0123456789ab.xml.gz")] for name in files] == ["000-reported", "392-reported"]
    assert server.seen[0].endswith("/reporter/704/partner/000/product/ALL/year/2018/datatype/reported")


def test_no_records_lands_as_no_data_and_replay_does_not_ask_again(shared, tmp_path):
    with WitsTestServer(sample_data(shared)) as server:
        first = ingest(tmp_path, JAPAN, server=server, partners=("000", "840"))
        again = ingest(tmp_path, JAPAN, server=server, partners=("000", "840"))
        asked = list(server.seen)
    replayed = ingest(tmp_path, JAPAN, source="replay", partners=("000", "840"))
    assert first.no_records == again.no_records == replayed.no_records == ["840-reported"]
    assert first.rows == replayed.rows == 6 and again.requests_made == 0 and len(asked) == 2
    assert query(tmp_path, "select count(*) from raw.partner_wits_tariffs where partner_m49 = '840'") == [(0,)]
    assert query(tmp_path, "select partner_m49, status, rows from raw.partner_wits_requests order by 1") == [
        ("000", 200, 6),
        ("840", 404, 0),
    ]


def test_an_outage_page_is_retried_then_fails_in_one_line_and_loses_no_rows(shared, tmp_path):
    with WitsTestServer(sample_data(shared)) as server:
        ingest(tmp_path, year=2017, server=server)
        server.outage_pages = 10
        with pytest.raises(WitsApiError) as failure:
            ingest(tmp_path, server=server, client={"body_attempts": 3})
    message = str(failure.value)
    assert "\n" not in message and message.startswith("the answer is an HTML page, not SDMX data")
    assert message.endswith("/reporter/704/partner/000/product/ALL/year/2018/datatype/reported after 3 attempts")
    assert len(server.seen) == 2 + 3
    assert query(tmp_path, "select year, count(*) from raw.partner_wits_tariffs group by year") == [(2017, 12)]


def test_an_outage_page_that_passes_is_only_a_retry(shared, tmp_path):
    with WitsTestServer(sample_data(shared)) as server:
        server.outage_pages = 2
        stats = ingest(tmp_path, server=server)
    assert stats.rows == 12 and len(server.seen) == 4


def test_a_slow_or_overloaded_oversized_request_is_asked_again(shared, tmp_path):
    with WitsTestServer(sample_data(shared)) as server:
        server.oversized_stalls, server.stall_seconds = 1, 1.5
        server.oversized_failures = 2
        stats = ingest(tmp_path, server=server, client={"read_timeout": 0.5})
    assert stats.rows == 12
    # the first request: two 503s, then a stall past the read timeout, then the answer
    assert len(server.seen) == 5 and len(set(server.seen[:4])) == 1


def test_a_dripping_answer_is_cut_at_the_deadline_and_asked_again(shared, tmp_path):
    with WitsTestServer(sample_data(shared)) as server:
        server.drips, server.drip_delay = 1, 0.05
        stats = ingest(tmp_path, server=server, client={"deadline": 0.3})
    assert stats.rows == 12 and len(server.seen) == 3


def test_replay_without_landing_fails_in_one_line(tmp_path):
    with pytest.raises(LandingError) as failure:
        ingest(tmp_path, source="replay")
    assert str(failure.value) == (
        f"WITS tariffs of reporter 704 on partner 000 for 2018 (reported) are not landed under {tmp_path / 'landing'}: "
        "fetch them with --source api"
    )
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_the_same_answer_fetched_twice_lands_once(shared, tmp_path):
    with WitsTestServer(sample_data(shared)) as server:
        ingest(tmp_path, server=server)
        again = ingest(tmp_path, server=server, refetch=True)
    folder = tmp_path / "landing/partner/704/2018"
    assert again.requests_made == 2 and len(list(folder.glob("*.xml.gz"))) == 2
    assert len((folder / "manifest.jsonl").read_text().splitlines()) == 2


def test_a_changed_answer_replaces_the_years_rows_and_a_bad_one_changes_nothing(shared, tmp_path):
    data = sample_data(shared)
    with WitsTestServer(data) as server:
        ingest(tmp_path, year=2017, server=server)
        ingest(tmp_path, server=server)
        # WITS revised Viet Nam's 2018 preferences: coffee at 6 %, and three products only
        data[(VIET_NAM, JAPAN, 2018)] = generated(VIET_NAM, JAPAN, 2018, ("020130", "271111"))
        coffee_series = generated(VIET_NAM, JAPAN, 2018, ("090111",))[0]
        coffee_series[1][0].update(OBS_VALUE="6", MIN_RATE="6", MAX_RATE="6", SUM_OF_RATES="", NOMENCODE="H5")
        data[(VIET_NAM, JAPAN, 2018)].append(coffee_series)
        stats = ingest(tmp_path, server=server, refetch=True)
    assert stats.rows == 6 + 3
    assert coffee(tmp_path)[1][:6] == ("392", "PREF", 6.0, 6.0, 6.0, None)
    before = query(tmp_path, "select * from raw.partner_wits_tariffs order by all")
    assert {row[3] for row in before} == {2017, 2018}

    # an answer naming coffee twice fails inside the load's transaction: the delete is rolled back
    data[(VIET_NAM, JAPAN, 2018)].append(coffee_series)
    with WitsTestServer(data) as server, pytest.raises(ParseError, match=r"^landing file partner/704/2018/392-"):
        ingest(tmp_path, server=server, refetch=True)
    assert query(tmp_path, "select * from raw.partner_wits_tariffs order by all") == before
