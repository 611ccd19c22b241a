"""Retries, Retry-After and timeouts against a real local HTTP server (urllib3's Retry at work)."""

import time
from datetime import date

import pytest
from census_server import CensusTestServer, Fault
from conftest import TEST_KEY

from orchestration.census.client import CensusClient
from orchestration.core.errors import CensusApiError, WarehouseError

JAN = date(2017, 1, 1)
PARAMS = [("get", "CTY_CODE,ALL_VAL_MO"), ("time", "2017-01")]


def test_503s_are_retried_until_data_arrives():
    faults = lambda i, seen: Fault(status=503, body=b"Service Unavailable") if i < 2 else None  # noqa: E731
    with CensusTestServer([JAN], key=TEST_KEY, faults=faults) as server:
        answer = CensusClient(server.base_url, TEST_KEY, backoff_factor=0.01).get("/exports/hs", PARAMS)
    assert answer.row_count > 40 and len(server.seen) == 3


def test_429_retry_after_is_honoured():
    faults = lambda i, seen: Fault(status=429, headers={"Retry-After": "1"}) if i == 0 else None  # noqa: E731
    with CensusTestServer([JAN], key=TEST_KEY, faults=faults) as server:
        started = time.monotonic()
        CensusClient(server.base_url, TEST_KEY, backoff_factor=0).get("/exports/hs", PARAMS)
        waited = time.monotonic() - started
    assert waited >= 0.9 and len(server.seen) == 2


def test_a_persistent_503_ends_in_one_clear_line():
    faults = lambda i, seen: Fault(status=503, body=b"down")  # noqa: E731
    with CensusTestServer([JAN], key=TEST_KEY, faults=faults) as server:
        with pytest.raises(CensusApiError) as error:
            CensusClient(server.base_url, TEST_KEY, backoff_factor=0, max_retries=2).get("/exports/hs", PARAMS)
    assert "HTTP 503" in str(error.value) and TEST_KEY not in str(error.value)
    assert len(server.seen) == 3


def test_a_stalled_answer_times_out_and_is_retried():
    faults = lambda i, seen: Fault(stall_seconds=1.5) if i == 0 else None  # noqa: E731
    with CensusTestServer([JAN], key=TEST_KEY, faults=faults) as server:
        answer = CensusClient(server.base_url, TEST_KEY, read_timeout=0.5, backoff_factor=0).get("/exports/hs", PARAMS)
    assert answer.row_count > 0 and len(server.seen) == 2


def test_an_unreachable_api_is_reported_without_the_key():
    with pytest.raises(WarehouseError) as error:
        CensusClient("http://127.0.0.1:9/data", TEST_KEY, max_retries=1, backoff_factor=0, connect_timeout=1).get(
            "/exports/hs", PARAMS
        )
    assert "cannot reach 127.0.0.1:9: Connection refused" in str(error.value) and TEST_KEY not in str(error.value)
