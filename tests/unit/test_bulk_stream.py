"""The detail member unzipped in pieces: every piece ends after a whole line, the pieces put
together are the member, each is gone once the next is asked for, and none is left after."""

import threading
import zipfile

import pytest

from orchestration.census.bulk_stream import detail_pieces
from orchestration.core.errors import LandingError


def archive_with(tmp_path, body: bytes):
    path = tmp_path / "IMDB2512.ZIP"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("IMP_DETL.TXT", body)
    return path, zipfile.ZipFile(path).getinfo("IMP_DETL.TXT")


@pytest.mark.parametrize("piece_bytes", [1_000, 4_096, 10_000_000])
def test_pieces_are_whole_lines_and_add_up_to_the_member(tmp_path, piece_bytes):
    lines = [f"{n:010d}{'x' * (n % 37)}\r\n".encode() for n in range(3_000)]
    body = b"".join(lines)
    path, info = archive_with(tmp_path, body)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    seen, previous = [], None
    for piece in detail_pieces(path, info, scratch, piece_bytes=piece_bytes):
        if previous is not None:
            assert not previous.exists()  # handed back once the next one is asked for
        content = piece.read_bytes()
        assert content.endswith(b"\r\n")
        seen.append(content)
        previous = piece
    assert b"".join(seen) == body
    assert len(seen) >= len(body) // piece_bytes and all(len(piece) <= piece_bytes for piece in seen)
    assert list(scratch.iterdir()) == []


def test_a_caller_that_stops_early_leaves_nothing_behind(tmp_path):
    path, info = archive_with(tmp_path, b"".join(f"{n:020d}\r\n".encode() for n in range(5_000)))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    pieces = detail_pieces(path, info, scratch, piece_bytes=2_000)
    next(pieces)
    pieces.close()
    assert list(scratch.iterdir()) == []


def test_a_member_without_line_ends_is_one_line_of_error(tmp_path):
    path, info = archive_with(tmp_path, b"x" * 50_000)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(LandingError, match="no line end"):
        list(detail_pieces(path, info, scratch, piece_bytes=10_000))
    assert list(scratch.iterdir()) == []


def test_a_caller_that_fails_part_way_stops_the_thread_and_leaves_nothing(tmp_path):
    from contextlib import closing

    path, info = archive_with(tmp_path, b"".join(f"{n:020d}\r\n".encode() for n in range(20_000)))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(RuntimeError, match="insert failed"):
        with closing(detail_pieces(path, info, scratch, piece_bytes=5_000)) as pieces:
            for number, _piece in enumerate(pieces):
                if number == 3:
                    raise RuntimeError("insert failed")
    assert list(scratch.iterdir()) == []
    assert not any(thread.name == "bulk-unzip" and thread.is_alive() for thread in threading.enumerate())
