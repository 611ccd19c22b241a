import dataclasses
import gzip
import hashlib
import json
from datetime import date

import pytest

from orchestration.census.landing import LandingStore
from orchestration.census.plan import CensusRequest
from orchestration.core.errors import LandingError

BODY = b'[["CTY_CODE","ALL_VAL_MO","time"],\n["-","5","2017-01"]]'
REQUEST = CensusRequest("exports", date(2017, 1, 1), "totals")


def land(store, body=BODY, status=200):
    return store.land(
        REQUEST,
        url="http://x/exports/hs?time=2017-01",
        status=status,
        body=body,
        header=["CTY_CODE", "ALL_VAL_MO", "time"],
        rows=1,
        source="census_api",
    )


def test_a_response_is_stored_gzipped_with_a_manifest_line(tmp_path):
    store = LandingStore(tmp_path)
    entry = land(store)
    path = store.path_of(entry)
    assert path.name.startswith("totals-") and path.name.endswith(".json.gz")
    assert gzip.decompress(path.read_bytes()) == BODY
    line = json.loads((tmp_path / "census/exports/2017-01/manifest.jsonl").read_text())
    assert line["sha256"] == entry.sha256 and line["rows"] == 1 and line["status"] == 200
    assert line["params"][0] == ["get", "CTY_CODE,CTY_NAME,SUMMARY_LVL,ALL_VAL_MO,VES_VAL_MO,AIR_VAL_MO"]


def test_identical_content_lands_once_and_keeps_its_first_vintage(tmp_path):
    store = LandingStore(tmp_path)
    first, second = land(store), land(store)
    assert len(list(store.month_dir("exports", "2017-01").glob("*.gz"))) == 1
    # the same file and the first fetch time; a line says when the answer was confirmed (so that
    # a refetch resumed after a failure does not ask it again)
    assert (second.file, second.sha256, second.fetched_at) == (first.file, first.sha256, first.fetched_at)
    assert first.confirmed_at is None and second.confirmed_at >= first.fetched_at
    assert store.entries("exports", "2017-01")["totals"] == second


def test_changed_content_is_a_new_line_and_the_latest_wins(tmp_path):
    store = LandingStore(tmp_path)
    land(store)
    changed = land(store, body=BODY.replace(b'"5"', b'"7"'))
    assert store.entries("exports", date(2017, 1, 1))["totals"] == changed
    assert len(list(store.month_dir("exports", "2017-01").glob("*.gz"))) == 2


def test_a_204_is_recorded_without_a_file(tmp_path):
    entry = land(LandingStore(tmp_path), body=b"", status=204)
    assert entry.file is None and entry.sha256 is None


def test_a_tampered_file_is_detected(tmp_path):
    store = LandingStore(tmp_path)
    entry = land(store)
    store.path_of(entry).write_bytes(gzip.compress(BODY.replace(b'"5"', b'"6"')))
    with pytest.raises(LandingError, match="does not match its manifest"):
        store.verify(entry)


def test_the_file_hash_is_recorded_and_checked_without_decompressing(tmp_path):
    store = LandingStore(tmp_path)
    entry = land(store)
    stored = store.path_of(entry).read_bytes()
    assert entry.file_sha256 == hashlib.sha256(stored).hexdigest() != entry.sha256
    # the same body compressed otherwise is another file: the manifest no longer vouches for it
    store.path_of(entry).write_bytes(gzip.compress(BODY, compresslevel=1, mtime=1))
    with pytest.raises(LandingError, match="does not match its manifest"):
        store.verify(entry)


def test_entries_landed_before_the_file_hash_are_checked_by_their_body(tmp_path):
    store = LandingStore(tmp_path)
    entry = dataclasses.replace(land(store), file_sha256=None)
    store.path_of(entry).write_bytes(gzip.compress(BODY, compresslevel=1, mtime=1))
    assert store.verify(entry) == store.path_of(entry)  # same body: still what was landed
    store.path_of(entry).write_bytes(gzip.compress(BODY.replace(b'"5"', b'"6"')))
    with pytest.raises(LandingError, match="does not match its manifest"):
        store.verify(entry)


def test_a_missing_file_is_detected(tmp_path):
    store = LandingStore(tmp_path)
    entry = land(store)
    store.path_of(entry).unlink()
    with pytest.raises(LandingError, match="is missing"):
        store.verify(entry)


def test_a_line_torn_by_a_crash_is_ignored(tmp_path):
    store = LandingStore(tmp_path)
    land(store)
    manifest = tmp_path / "census/exports/2017-01/manifest.jsonl"
    manifest.write_text(manifest.read_text() + '{"request_id": "detail-hs2", "flo')
    assert list(store.entries("exports", date(2017, 1, 1))) == ["totals"]
