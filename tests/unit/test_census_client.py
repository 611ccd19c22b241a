"""The client's classification of what Census sends back (HTTP doubles with `responses`)."""

import pytest
import responses

from orchestration.census.client import CensusClient
from orchestration.core.errors import CensusApiError, CensusKeyError, CensusQueryError

BASE = "https://api.example.test/data/timeseries/intltrade"
KEY = "secret-key-that-must-not-leak"
PARAMS = [("get", "CTY_CODE,ALL_VAL_MO"), ("time", "2017-01")]


def client(**kwargs) -> CensusClient:
    return CensusClient(BASE, KEY, backoff_factor=0, **kwargs)


@responses.activate
def test_a_table_comes_back_with_its_header_and_row_count():
    responses.get(
        f"{BASE}/exports/hs", body='[["CTY_CODE","ALL_VAL_MO","time"],\n["-","1","2017-01"],\n["1220","1","2017-01"]]'
    )
    answer = client().get("/exports/hs", PARAMS)
    assert (answer.status, answer.header, answer.row_count) == (200, ["CTY_CODE", "ALL_VAL_MO", "time"], 2)
    assert KEY not in answer.url and "time=2017-01" in answer.url
    assert responses.calls[0].request.params["key"] == KEY


@responses.activate
def test_204_means_no_data_not_an_error():
    responses.get(f"{BASE}/exports/hs", status=204)
    assert client().get("/exports/hs", PARAMS).no_data


@responses.activate
def test_a_redirect_is_a_key_problem_and_is_not_followed():
    responses.get(
        f"{BASE}/exports/hs",
        status=302,
        headers={"Location": f"https://api.census.gov/data/missing_key.html?key={KEY}"},
    )
    with pytest.raises(CensusKeyError) as error:
        client().get("/exports/hs", PARAMS)
    assert "api.census.gov/data/missing_key.html" in str(error.value)
    assert "CENSUS_API_KEY" in str(error.value) and KEY not in str(error.value)
    assert len(responses.calls) == 1


@responses.activate
def test_an_html_page_is_a_key_problem():
    responses.get(f"{BASE}/exports/hs", body="<html><body>Invalid Key</body></html>", content_type="text/html")
    with pytest.raises(CensusKeyError, match="HTML page instead of data: the API key is missing or invalid"):
        client().get("/exports/hs", PARAMS)


@responses.activate
def test_error_text_is_quoted_without_the_key():
    responses.get(f"{BASE}/exports/hs", status=400, body=f"error: error: unknown variable 'GEN_VAL_MO' key={KEY}")
    with pytest.raises(CensusQueryError) as error:
        client().get("/exports/hs", PARAMS)
    message = str(error.value)
    assert "unknown variable 'GEN_VAL_MO'" in message and KEY not in message and "\n" not in message


@responses.activate
def test_invalid_json_is_retried_then_reported():
    responses.get(f"{BASE}/exports/hs", body='[["CTY_CODE","ALL_VAL_MO","time"],["-","12')
    with pytest.raises(CensusApiError, match="invalid or truncated JSON .* after 3 attempts"):
        client().get("/exports/hs", PARAMS)
    assert len(responses.calls) == 3


@responses.activate
def test_a_truncated_body_followed_by_a_good_one_succeeds():
    responses.get(f"{BASE}/exports/hs", body='[["CTY_CODE","time"],["-","2017')
    responses.get(f"{BASE}/exports/hs", body='[["CTY_CODE","time"],["-","2017-01"]]')
    assert client().get("/exports/hs", PARAMS).row_count == 1


@responses.activate
def test_an_empty_200_is_not_mistaken_for_no_data():
    responses.get(f"{BASE}/exports/hs", body="")
    with pytest.raises(CensusApiError, match="empty body"):
        client(body_attempts=2).get("/exports/hs", PARAMS)


@responses.activate
def test_rows_of_the_wrong_width_are_refused():
    responses.get(f"{BASE}/exports/hs", body='[["A","B"],["1"]]')
    with pytest.raises(CensusApiError, match="width differs"):
        client(body_attempts=1).get("/exports/hs", PARAMS)


def test_the_key_never_shows_in_repr():
    assert KEY not in repr(client())
