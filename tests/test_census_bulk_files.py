"""Landing the Census bulk ZIPs from a server that behaves like www.census.gov/trade/downloads
(tests/bulk_server.py): HEAD first, downloads resumed where they broke off, a file fetched again
only when the server's copy changed, and one line for what is not a ZIP."""

import hashlib
import json
import zipfile

import pytest
from bulk_server import BulkServer

from orchestration.census.bulk_files import BulkFileClient, BulkFileError, BulkStore, land_zip
from orchestration.core.errors import InputError
from orchestration.devdata.bulk_files import sample_bulk_zip

MONTH = "2017-01"
PATH = "2017/Merch/im_m/IMDB1701.ZIP"


@pytest.fixture(scope="module")
def zip_bytes() -> bytes:
    return sample_bulk_zip("imports", MONTH)


def client(server: BulkServer) -> BulkFileClient:
    return BulkFileClient(server.base_url, timeout=10, max_retries=2, backoff=0.05)


def manifest_lines(store: BulkStore) -> list[dict]:
    return [json.loads(line) for line in store.manifest.read_text().splitlines()]


def test_a_zip_lands_under_its_sha256_and_is_not_downloaded_twice(tmp_path, zip_bytes):
    store = BulkStore(tmp_path / "landing")
    with BulkServer() as server:
        server.put(PATH, zip_bytes)
        entry, new = land_zip(store, client(server), "imports", MONTH)
        again, new_again = land_zip(store, client(server), "imports", MONTH)
    digest = hashlib.sha256(zip_bytes).hexdigest()
    assert new and not new_again and again == entry
    assert (entry.sha256, entry.size, entry.url) == (digest, len(zip_bytes), f"{server.base_url}/{PATH}")
    assert entry.file == f"census_bulk/2017-01/IMDB1701-{digest[:12]}.ZIP"
    assert (store.root / entry.file).read_bytes() == zip_bytes
    assert [line["sha256"] for line in manifest_lines(store)] == [digest]
    # the second time, HEAD said the server's copy is the one landed: no GET
    assert [s.method for s in server.seen] == ["HEAD", "GET", "HEAD"]


def test_a_download_cut_off_resumes_where_it_broke(tmp_path, zip_bytes):
    store = BulkStore(tmp_path / "landing")
    with BulkServer(cut_after=200_000, cuts=2) as server:
        server.put(PATH, zip_bytes)
        entry, new = land_zip(store, client(server), "imports", MONTH)
    assert new and entry.sha256 == hashlib.sha256(zip_bytes).hexdigest()
    assert [s.range for s in server.gets("IMDB1701.ZIP")] == [None, "bytes=200000-", "bytes=400000-"]
    assert not list(store.folder.glob("2017-01/.*.part"))


def test_a_download_left_by_a_stopped_run_is_resumed_by_the_next(tmp_path, zip_bytes):
    store = BulkStore(tmp_path / "landing")
    with BulkServer() as server:
        server.put(PATH, zip_bytes)
        # what a run stopped mid-download leaves: the part, and the version it began with
        probe = client(server).probe("imports", MONTH)
        part = store.part_path("imports", MONTH)
        part.write_bytes(zip_bytes[:123_456])
        part.with_name(part.name + ".json").write_text(
            json.dumps({"url": probe.url, "size": probe.size, "etag": probe.etag, "last_modified": probe.last_modified})
        )
        server.seen.clear()
        entry, _ = land_zip(store, client(server), "imports", MONTH)
    assert [s.range for s in server.gets("IMDB1701.ZIP")] == ["bytes=123456-"]
    assert (store.root / entry.file).read_bytes() == zip_bytes


def test_a_replaced_file_is_fetched_again_and_the_older_one_kept(tmp_path, zip_bytes):
    store = BulkStore(tmp_path / "landing")
    revised = sample_bulk_zip("imports", MONTH, control_offset=0, names={"5880": "JAPAN (REVISED)"})
    with BulkServer() as server:
        server.put(PATH, zip_bytes)
        first, _ = land_zip(store, client(server), "imports", MONTH)
        server.put(PATH, revised)  # the June revision replaces the file in place
        second, new = land_zip(store, client(server), "imports", MONTH)
    assert new and second.sha256 != first.sha256
    assert store.entry("imports", MONTH) == second
    assert (store.root / first.file).read_bytes() == zip_bytes  # the older print stays


def test_an_outage_page_is_one_line_and_lands_nothing(tmp_path, zip_bytes):
    store = BulkStore(tmp_path / "landing")
    with BulkServer(outage=True) as server:
        server.put(PATH, zip_bytes)
        with pytest.raises(BulkFileError) as failure:
            land_zip(store, client(server), "imports", MONTH)
    assert "HTML page" in str(failure.value) and "\n" not in str(failure.value)
    assert store.entry("imports", MONTH) is None
    assert not list(store.folder.rglob("*.ZIP")) and not list(store.folder.rglob(".*.part"))


def test_a_month_the_server_does_not_have_is_absent(tmp_path):
    store = BulkStore(tmp_path / "landing")
    with BulkServer() as server:
        entry, new = land_zip(store, client(server), "imports", MONTH)
    assert (entry, new) == (None, False)
    assert [s.method for s in server.seen] == ["HEAD"]


def test_a_folder_of_zips_is_read_whatever_the_case_of_their_names(tmp_path, zip_bytes):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "imdb1701.zip").write_bytes(zip_bytes)
    store = BulkStore(tmp_path / "landing")
    entry, new = land_zip(store, None, "imports", MONTH, from_dir=folder)
    assert new and entry.url == "from-dir:imdb1701.zip"
    members = zipfile.ZipFile(store.root / entry.file).namelist()
    assert members == [
        "IMP_DETL.TXT",
        "IMP_COMM.TXT",
        "IMP_CTY.TXT",
        "IMP_DE.TXT",
        "CONCORD.TXT",
        "COUNTRY.TXT",
        "DISTRICT.TXT",
        "HSDESC.TXT",
        "NAICS.TXT",
        "SITC.TXT",
        "ENDUSE.TXT",
        "HITECH.TXT",
    ]
    assert land_zip(store, None, "exports", MONTH, from_dir=folder) == (None, False)
    with pytest.raises(InputError, match="no such folder"):
        land_zip(store, None, "imports", MONTH, from_dir=tmp_path / "missing")


def test_a_part_of_an_older_version_is_not_glued_to_the_revised_file(tmp_path, zip_bytes):
    """A download stopped before the June revision replaced the file: its part is dropped, not
    resumed against the new file (which would splice two versions together)."""
    store = BulkStore(tmp_path / "landing")
    revised = sample_bulk_zip("imports", MONTH, names={"5880": "JAPAN (REVISED)"})
    with BulkServer(cut_after=200_000) as server:
        server.put(PATH, zip_bytes)
        with pytest.raises(BulkFileError, match="kept breaking off"):
            BulkFileClient(server.base_url, timeout=10, max_retries=0).download(
                client(server).probe("imports", MONTH), store.part_path("imports", MONTH)
            )
        assert store.part_path("imports", MONTH).stat().st_size == 200_000
        server.put(PATH, revised)
        entry, new = land_zip(store, client(server), "imports", MONTH)
    assert new and (store.root / entry.file).read_bytes() == revised
    assert server.gets("IMDB1701.ZIP")[-1].range is None  # the revised file from its first byte


def test_a_part_longer_than_the_file_starts_over(tmp_path, zip_bytes):
    store = BulkStore(tmp_path / "landing")
    with BulkServer() as server:
        server.put(PATH, zip_bytes)
        probe = client(server).probe("imports", MONTH)
        part = store.part_path("imports", MONTH)
        part.write_bytes(b"x" * (len(zip_bytes) + 10))
        part.with_name(part.name + ".json").write_text(
            json.dumps({"url": probe.url, "size": probe.size, "etag": probe.etag, "last_modified": probe.last_modified})
        )
        entry, _ = land_zip(store, client(server), "imports", MONTH)
    assert (store.root / entry.file).read_bytes() == zip_bytes


def test_refetch_downloads_a_landed_zip_again(tmp_path, zip_bytes):
    store = BulkStore(tmp_path / "landing")
    with BulkServer() as server:
        server.put(PATH, zip_bytes)
        land_zip(store, client(server), "imports", MONTH)
        entry, new = land_zip(store, client(server), "imports", MONTH, refetch=True)
    assert len(server.gets("IMDB1701.ZIP")) == 2 and not new  # same bytes: nothing new to load
    assert (store.root / entry.file).read_bytes() == zip_bytes
