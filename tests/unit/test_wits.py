"""The WITS client's reading of SDMX answers and HTTP statuses, and the partner landing store."""

import gzip

import pytest
import responses
from wits_server import NO_RECORDS, OUTAGE_PAGE, real_rows, sdmx_body

from orchestration.core.errors import InputError, LandingError, WitsApiError, WitsRequestRefused
from orchestration.core.http import BadBody
from orchestration.core.settings import Settings
from orchestration.partners.landing import PartnerLandingStore
from orchestration.partners.wits import WitsClient, parse_sdmx, tariffs_path

BASE = "https://wits.example.test/API/V1"
PATH = "/SDMX/V21/datasource/TRN/reporter/704/partner/392/product/090111/year/2018/datatype/reported"
OBS = {"TIME_PERIOD": "2018", "OBS_VALUE": "8", "TARIFFTYPE": "PREF", "TOTALNOOFLINES": "2", "NOMENCODE": "H5"}
BODY = sdmx_body([({"PRODUCTCODE": "090111", "PARTNER": "392", "REPORTER": "704"}, [OBS])])


def client(**kwargs) -> WitsClient:
    return WitsClient(BASE, backoff_factor=0, **kwargs)


def test_the_real_pref_and_mfn_observations_parse_to_their_values(shared):
    real = real_rows(shared)
    pref, mfn = (parse_sdmx(sdmx_body([(real[k]["series"], [real[k]["obs"]])]))[0] for k in ("pref", "mfn"))
    assert pref == {
        "product_hs6": "090111",
        "year": 2018,
        "tariff_type": "PREF",
        "simple_average_pct": 8.0,
        "min_rate_pct": 8.0,
        "max_rate_pct": 8.0,
        "sum_of_rates": 16.0,
        "total_lines": 2,
        "pref_lines": 2,
        "mfn_lines": 0,
        "na_lines": 0,
        "nomenclature": "H5",
    }
    assert (mfn["tariff_type"], mfn["simple_average_pct"], mfn["sum_of_rates"], mfn["mfn_lines"]) == ("MFN", 15, 30, 2)
    assert real["pref"]["url"].endswith(PATH)


def test_series_and_obs_are_found_whatever_their_namespace():
    body = (
        b'<m:StructureSpecificData xmlns:m="urn:m" xmlns:d="urn:d"><m:DataSet>'
        b'<d:Series PRODUCTCODE="020130"><d:Obs TIME_PERIOD="2018" OBS_VALUE="38.5" TARIFFTYPE="MFN"/></d:Series>'
        b"</m:DataSet></m:StructureSpecificData>"
    )
    [row] = parse_sdmx(body)
    assert (row["product_hs6"], row["simple_average_pct"], row["tariff_type"]) == ("020130", 38.5, "MFN")


def test_an_empty_number_is_unknown_not_zero():
    [row] = parse_sdmx(BODY.replace(b'OBS_VALUE="8"', b'OBS_VALUE=""'))
    assert row["simple_average_pct"] is None and row["min_rate_pct"] is None and row["total_lines"] == 2


@pytest.mark.parametrize(
    "body, problem",
    [
        (OUTAGE_PAGE, "an HTML page"),
        (BODY[: len(BODY) // 2], "not SDMX XML"),
        (b"<Error><Text>bad</Text></Error>", "its root is Error"),
        (BODY.replace(b'OBS_VALUE="8"', b'OBS_VALUE="n/a"'), "OBS_VALUE='n/a' of product 090111 is not a number"),
        (BODY.replace(b'TOTALNOOFLINES="2"', b'TOTALNOOFLINES="2.5"'), "not a whole number"),
    ],
)
def test_what_is_not_sdmx_data_is_a_bad_body(body, problem):
    with pytest.raises(BadBody, match=problem):
        parse_sdmx(body)


def test_codes_keep_their_leading_zeros_and_bad_input_is_one_line():
    assert tariffs_path("704", "000", 2018).endswith("/partner/000/product/ALL/year/2018/datatype/reported")
    assert "/product/020130;020230/" in tariffs_path("392", "840", "2018", "020130;020230")
    for args, problem in [
        (("40", "000", 2018), "reporter '40'"),
        (("704", 0, 2018), "partner 0"),
        (("704", "000", 18), "year 18"),
        (("704", "000", 2018, "0201"), "products '0201'"),
    ]:
        with pytest.raises(InputError, match=problem) as failure:
            tariffs_path(*args)
        assert "\n" not in str(failure.value)


@responses.activate
def test_the_xml_answer_is_counted():
    responses.get(BASE + PATH, body=BODY, content_type="application/xml")
    answer = client().tariffs("704", "392", 2018, "090111")
    assert (answer.status, answer.rows, answer.body, answer.url) == (200, 1, BODY, BASE + PATH)


@responses.activate
def test_no_records_is_an_answer_without_rows():
    responses.get(BASE + PATH, status=404, body=NO_RECORDS)
    answer = client().tariffs("704", "392", 2018, "090111")
    assert (answer.status, answer.rows) == (404, 0)


@responses.activate
@pytest.mark.parametrize("status, body", [(404, "Not Found"), (400, "Bad Request - Invalid Query")])
def test_another_404_or_a_400_is_one_line_naming_the_request(status, body):
    responses.get(BASE + PATH, status=status, body=body)
    # refused for good: the Dagster asset does not retry it
    with pytest.raises(WitsRequestRefused) as failure:
        client().tariffs("704", "392", 2018, "090111")
    assert str(failure.value) == f"the WITS service answered HTTP {status} for {BASE + PATH}: {body}"
    assert len(responses.calls) == 1


@responses.activate
def test_an_outage_page_is_asked_again_then_reported():
    responses.get(BASE + PATH, body=OUTAGE_PAGE, content_type="text/html")
    with pytest.raises(WitsApiError, match=rf"an HTML page, not SDMX data .* for {BASE + PATH} after 2 attempts$"):
        client(body_attempts=2).tariffs("704", "392", 2018, "090111")
    assert len(responses.calls) == 2


def test_the_base_url_setting_defaults_to_the_world_bank():
    assert Settings.from_env({}).wits_api_base_url == "https://wits.worldbank.org/API/V1"
    assert Settings.from_env({"WITS_API_BASE_URL": "http://127.0.0.1:8/API/V1/"}).wits_api_base_url.endswith("/V1")


def land(store, body=BODY, status=200, partner="392", year=2018):
    return store.land("704", partner, year, url=BASE + PATH, status=status, body=body, rows=1, source="wits_api")


def test_an_answer_lands_gzipped_under_reporter_and_year(tmp_path):
    store = PartnerLandingStore(tmp_path)
    entry = land(store)
    assert entry.file.startswith("partner/704/2018/392-reported-") and entry.file.endswith(".xml.gz")
    assert gzip.decompress(store.verify(entry).read_bytes()) == BODY
    assert store.entries("704", 2018) == {"392-reported": entry} and store.years("704") == [2018]


def test_the_same_answer_twice_keeps_the_first_entry_and_one_file(tmp_path):
    store = PartnerLandingStore(tmp_path)
    first = land(store)
    assert land(PartnerLandingStore(tmp_path)) == first
    assert len(list((tmp_path / "partner/704/2018").glob("*.xml.gz"))) == 1
    changed = land(store, BODY.replace(b'"8"', b'"6"'))
    assert store.entries("704", 2018)["392-reported"] == changed != first


def test_no_records_lands_a_line_without_a_file(tmp_path):
    store = PartnerLandingStore(tmp_path)
    entry = land(store, NO_RECORDS, status=404, partner="840")
    assert (entry.status, entry.file, entry.sha256) == (404, None, None)
    assert store.entries("704", "2018")["840-reported"] == entry
    with pytest.raises(LandingError, match="had no records"):
        store.verify(entry)


def test_no_records_for_a_year_that_landed_rows_keeps_the_rows(tmp_path):
    store = PartnerLandingStore(tmp_path)
    served = land(store)
    assert land(store, NO_RECORDS, status=404) == served
    assert store.entries("704", 2018)["392-reported"] == served


def test_a_tampered_file_is_detected(tmp_path):
    store = PartnerLandingStore(tmp_path)
    entry = land(store)
    (tmp_path / entry.file).write_bytes(gzip.compress(BODY.replace(b'"8"', b'"9"')))
    with pytest.raises(LandingError, match="does not match its manifest"):
        store.verify(entry)


@pytest.mark.parametrize("reporter, partner, year", [("JPN", "840", 2018), ("392", "84", 2018), ("392", "840", "18")])
def test_bad_codes_are_refused_before_anything_lands(tmp_path, reporter, partner, year):
    with pytest.raises(InputError):
        PartnerLandingStore(tmp_path).land(reporter, partner, year, url="x", status=200, body=BODY, rows=1, source="x")
    assert not (tmp_path / "partner").exists()
