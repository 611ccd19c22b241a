"""Tariff schedules: real HTS fixture rows parsed, and the tariff pipeline end to end against a
local server that serves fixture revisions like the USITC service (slow ones marked)."""

import json
from pathlib import Path

import duckdb
import pytest
from hts_server import HtsTestServer

from orchestration.app.cli import main
from orchestration.hts.rates import parse_rate, parse_special

FIXTURES = "fixtures/tariffs/usitc_hts"
FILES = {
    "2025HTSBasic": "hts_2025_basic_ch02_27_87_93_9903_9904.json",
    "2025HTSRev7": "hts_2025_rev_7_ch02_27_87_93_9903_9904.json",
    "2025HTSRev18": "hts_2025_rev_18_ch02_27_87_93_9903_9904.json",
}
RELEASE_DATES = {"2025HTSBasic": "01/01/2025", "2025HTSRev7": "04/02/2025", "2025HTSRev18": "08/07/2025"}


def fixture_rows(shared: Path) -> list[dict]:
    rows = []
    for path in sorted((shared / FIXTURES).glob("hts_*.json")):
        rows.extend(json.loads(path.read_text()))
    return rows


def test_at_least_99_percent_of_fixture_rates_parse(shared):
    rows = fixture_rows(shared)
    general = [r["general"] for r in rows if r["general"].strip()]
    other = [r["other"] for r in rows if r["other"].strip()]
    special = [r["special"] for r in rows if r["special"].strip()]
    rates = {
        "general": sum(parse_rate(t).status == "parsed" for t in general) / len(general),
        "other": sum(parse_rate(t).status == "parsed" for t in other) / len(other),
        "special": sum(parse_special(t).status == "parsed" for t in special) / len(special),
    }
    print(f"parse rate over {len(rows)} fixture rows: " + ", ".join(f"{k} {v:.2%}" for k, v in rates.items()))
    assert len(general) > 6000 and rates["general"] >= 0.99
    assert rates["other"] >= 0.99 and rates["special"] >= 0.99


def line(shared: Path, release: str, htsno: str) -> dict:
    return next(r for r in json.loads((shared / FIXTURES / FILES[release]).read_text()) if r["htsno"] == htsno)


def test_fixture_lines_parse_as_the_schedule_means(shared):
    beef = parse_rate(line(shared, "2025HTSBasic", "0201.10.05")["general"])
    assert beef.kind == "specific" and beef.specific.value == pytest.approx(0.044) and beef.specific.unit == "kg"
    car = parse_rate(line(shared, "2025HTSBasic", "8703.23.01")["general"])
    assert (car.kind, car.ad_valorem_pct) == ("ad_valorem", 2.5)
    tar = parse_rate(line(shared, "2025HTSBasic", "2707.99.51.00")["general"])
    assert tar.kind == "compound" and tar.specific.value == pytest.approx(0.029) and tar.ad_valorem_pct == 12.5
    japan = parse_rate(line(shared, "2025HTSRev18", "9903.02.30")["general"])
    assert (japan.kind, japan.ad_valorem_pct) == ("mfn_plus", 15.0)


def snapshot(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            table: con.execute(
                f"select count(*), sum(hash(*columns(* exclude (_loaded_at)))) from raw.{table}"
            ).fetchone()
            for table in ("hts_lines", "hts_releases")
        } | {
            "marts": con.execute(
                "select count(*), sum(hash(htsno, valid_from, valid_to, general_text)) from marts.fct_tariff_rates"
            ).fetchone()
        }


@pytest.mark.slow
def test_tariff_refresh_from_the_service_and_a_file_builds_rate_history(shared, isolated_env, monkeypatch, capsys):
    files = {name: shared / FIXTURES / file for name, file in FILES.items()}
    warehouse = isolated_env / "warehouse.duckdb"
    with HtsTestServer(files, RELEASE_DATES, current="2025HTSRev7") as server:
        monkeypatch.setenv("HTS_API_BASE_URL", server.base_url)
        assert main(["tariffs", "refresh", "--no-progress"]) == 0
        assert (
            "loaded HTS release 2025HTSRev7: 2,411 rows (hts_api); general rates parsed: 100.0%"
            in capsys.readouterr().out
        )
        assert sum("/exportList" in s for s in server.seen) == 5  # the chapter ranges

        server.current = "2025HTSRev18"  # time passes: a new release is current
        assert main(["tariffs", "refresh", "--no-progress"]) == 0
        assert main(["tariffs", "refresh", "--file", str(files["2025HTSBasic"]), "--no-progress"]) == 0
        assert "loaded HTS release 2025HTSBasic: 2,333 rows (hts_file)" in capsys.readouterr().out

        before, asked = snapshot(warehouse), len(server.seen)
        assert main(["tariffs", "refresh", "--no-progress"]) == 0  # Rev 18 again: landed already
        assert snapshot(warehouse) == before
        assert not any("/exportList" in s for s in server.seen[asked:])

        assert main(["tariffs", "refresh", "--release", "2025HTSRev23", "--no-progress"]) == 1
        assert "HTS release 2025HTSRev23 is not in the service's release list" in capsys.readouterr().err

    with duckdb.connect(str(warehouse), read_only=True) as con:
        canada = con.execute(
            "select valid_from::varchar, valid_to::varchar, general_ad_valorem_pct from marts.fct_tariff_rates "
            "where htsno = '9903.01.10' order by valid_from"
        ).fetchall()
        beef = con.execute(
            "select valid_from::varchar, valid_to, general_kind, general_specific_usd, general_specific_unit, "
            "chapter99_refs from marts.fct_tariff_rates where htsno = '0201.10.05'"
        ).fetchall()
        veal = con.execute(
            "select rate_inherited_from, general_text from marts.fct_tariff_rates where htsno = '0201.10.05.10'"
        ).fetchone()
        measure = con.execute(
            "select duty_type, additional_duty_pct, legal_family, status from marts.fct_chapter99_measures "
            "where heading = '9903.02.30'"
        ).fetchall()
    # Canada fentanyl duty: +25% from Rev 7 (policy date 2025-04-05), +35% from Rev 18 (2025-08-07)
    assert canada == [("2025-04-05", "2025-08-07", 25.0), ("2025-08-07", None, 35.0)]
    assert beef == [("2025-01-01", None, "specific", 0.044, "kg", ["9903.88.15"])]
    assert veal == ("0201.10.05", "4.4¢/kg")
    assert measure == [("additional", 15.0, "ieepa_reciprocal", "in_schedule")]  # terminated only at Rev 23


@pytest.mark.slow
def test_an_archived_release_needs_its_file_which_may_be_a_url(shared, isolated_env, monkeypatch, capsys):
    files = {name: shared / FIXTURES / file for name, file in FILES.items()}
    with HtsTestServer(files, RELEASE_DATES, current="2025HTSRev18") as server:
        monkeypatch.setenv("HTS_API_BASE_URL", server.base_url)
        assert main(["tariffs", "refresh", "--release", "2025HTSRev7", "--no-progress"]) == 1
        err = capsys.readouterr().err
        assert "2025HTSRev7 is archived and exportList serves only the current release (2025HTSRev18)" in err
        assert "--file PATH" in err and err.count("\n") == 1
        url = server.base_url.replace("/reststop", f"/files/{files['2025HTSRev7'].name}")
        assert main(["tariffs", "refresh", "--file", url, "--no-progress"]) == 0
    assert "loaded HTS release 2025HTSRev7: 2,411 rows (hts_file)" in capsys.readouterr().out


def test_a_file_of_an_unknown_release_needs_its_date(isolated_env, capsys):
    path = isolated_env / "my_schedule.json"
    path.write_text(json.dumps([{"htsno": "0201", "indent": "0", "description": "Beef", "general": ""}]))
    assert main(["tariffs", "refresh", "--file", str(path), "--source", "replay", "--no-progress"]) == 1
    assert "cannot tell the HTS release from the file name" in capsys.readouterr().err
    code = main(["tariffs", "refresh", "--file", str(path), "--release", "MyRelease", "--source", "replay"])
    assert code == 1 and "the date of HTS release MyRelease is unknown: pass --release-date" in capsys.readouterr().err


@pytest.mark.slow
def test_a_footnote_range_reaches_fct_tariff_rates_as_one_reference(isolated_env, capsys):
    """Chapter 99 references are read by one parser (hts.rates): a range stays a range. Loaded
    from a local file with the HTS service unreachable (isolated_env)."""
    note = "See 9903.88.15 and headings 9904.02.01 - 9904.02.37."
    path = isolated_env / "schedule.json"
    path.write_text(
        json.dumps(
            [
                {"htsno": "0201", "indent": "0", "description": "Meat of bovine animals, fresh or chilled:"},
                {
                    "htsno": "0201.10.05",
                    "indent": "1",
                    "description": "Carcasses and half-carcasses",
                    "general": "4.4¢/kg",
                    "special": "Free (A+,AU,JP)",
                    "other": "30%",
                    "footnotes": [
                        {"columns": ["general"], "value": note, "type": "endnote"},
                        {"columns": ["desc"], "value": "See 9903.01.10.", "type": "endnote"},
                    ],
                },
            ]
        )
    )
    args = ["tariffs", "refresh", "--file", str(path), "--release", "2025HTSTest", "--release-date", "2025-01-01"]
    # the default source (api), with the HTS service unreachable: a file on this machine needs no network
    assert main([*args, "--no-progress"]) == 0, capsys.readouterr().err
    with duckdb.connect(str(isolated_env / "warehouse.duckdb"), read_only=True) as con:
        refs = con.execute("select chapter99_refs from marts.fct_tariff_rates where htsno = '0201.10.05'").fetchall()
    # the description column's note is not a rate reference; the range is not cut into endpoints
    assert refs == [(["9903.88.15", "9904.02.01-9904.02.37"],)]
