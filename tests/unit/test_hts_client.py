"""The HTS client's classification of answers, and revision files on disk."""

import gzip
import json

import pytest
import responses

from orchestration.core.errors import HtsApiError, InputError
from orchestration.hts.client import HtsClient, read_file, release_from_filename

BASE = "https://hts.example.test/reststop"
ROWS = [{"htsno": "0201", "general": ""}, {"htsno": "0201.10.05", "general": "4.4¢/kg"}]


def client(**kwargs) -> HtsClient:
    return HtsClient(BASE, backoff_factor=0, **kwargs)


@responses.activate
def test_release_list_names_releases_and_status():
    responses.get(
        f"{BASE}/releaseList", json=[{"name": "2026HTSRev10", "status": "current", "releaseStartDate": "06/08/2026"}]
    )
    answer, releases = client().release_list()
    assert releases[0]["name"] == "2026HTSRev10" and answer.rows == 1


@responses.activate
def test_export_list_asks_a_chapter_range_as_json():
    responses.get(f"{BASE}/exportList", json=ROWS)
    answer = client().export_list("0101", "2499")
    assert answer.rows == 2
    assert responses.calls[0].request.params == {"from": "0101", "to": "2499", "format": "JSON", "styles": "false"}


@responses.activate
def test_an_html_page_is_retried_then_reported():
    responses.get(f"{BASE}/exportList", body="<html>Access Denied</html>", content_type="text/html")
    with pytest.raises(HtsApiError, match="HTML page, not HTS JSON .* after 2 attempts"):
        client(body_attempts=2).export_list("0101", "2499")
    assert len(responses.calls) == 2


@responses.activate
def test_a_400_is_reported_with_its_text():
    responses.get(f"{BASE}/exportList", status=400, body="styles parameter required")
    with pytest.raises(HtsApiError, match="HTTP 400 .* styles parameter required"):
        client().export_list("0101", "2499")


@responses.activate
def test_rows_without_htsno_are_not_hts_rows():
    responses.get(f"{BASE}/exportList", json=[{"code": "0201"}])
    with pytest.raises(HtsApiError, match="not an array of HTS rows"):
        client(body_attempts=1).export_list("0101", "2499")


def test_release_names_come_from_archive_file_names():
    assert release_from_filename("hts_2025_rev_32_json.json") == "2025HTSRev32"
    assert release_from_filename("hts_2026_basic_edition_json.json") == "2026HTSBasic"
    assert release_from_filename("tariffs.json") is None


def test_files_may_be_gzipped(tmp_path):
    path = tmp_path / "hts_2025_rev_7_json.json.gz"
    path.write_bytes(gzip.compress(json.dumps(ROWS).encode()))
    body, rows = read_file(path)
    assert rows == 2 and json.loads(body) == ROWS


def test_a_missing_or_broken_file_is_a_clear_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_file(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('[{"htsno": "0201"')
    with pytest.raises(InputError, match="invalid or truncated JSON"):
        read_file(broken)
