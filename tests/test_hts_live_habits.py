"""The HTS client against a local service with the live host's habits switched on
(../shared/reference/live_api_evidence.md): library User-Agents refused, plain bounds refused,
same-host redirects, a release published while one is being fetched."""

import json
from pathlib import Path

import pytest
import responses
from hts_server import HtsTestServer

from orchestration.core.errors import HtsApiError
from orchestration.hts.client import CHAPTER_RANGES, HtsClient
from orchestration.hts.landing import HtsLandingStore
from orchestration.hts.releases import ingest_release

FIXTURES = "fixtures/tariffs/usitc_hts"
FILES = {
    "2025HTSRev7": "hts_2025_rev_7_ch02_27_87_93_9903_9904.json",
    "2025HTSRev18": "hts_2025_rev_18_ch02_27_87_93_9903_9904.json",
}
DATES = {"2025HTSRev7": "04/02/2025", "2025HTSRev18": "08/07/2025"}


def serve(shared: Path) -> HtsTestServer:
    return HtsTestServer({name: shared / FIXTURES / file for name, file in FILES.items()}, DATES, "2025HTSRev7")


def ingest(server: HtsTestServer, root: Path, release: str = "2025HTSRev7"):
    return ingest_release(
        release,
        source="api",
        store=HtsLandingStore(root / "landing"),
        warehouse_path=root / "warehouse.duckdb",
        client=HtsClient(server.base_url, backoff_factor=0),
    )


def test_a_picky_service_is_answered_with_dotted_bounds_our_own_agent_and_its_redirects(shared, tmp_path):
    with serve(shared) as server:
        server.dotted_only = server.reject_library_agents = server.redirect_first = True
        stats = ingest(server, tmp_path)
    rows = json.loads((shared / FIXTURES / FILES["2025HTSRev7"]).read_text())
    assert stats.rows == len(rows) == 2_411
    exports = [path for path in server.seen if "/exportList" in path]
    dotted = [path for path in exports if "from=0101.00.00&to=2499.99.99" in path and "styles=true" in path]
    # the redirect is followed, each plain-bounds 400 asked again with dotted bounds and styles=true
    assert len(dotted) == 1 and len(exports) == 1 + 2 * len(CHAPTER_RANGES)
    assert any("moved=1" in path for path in exports)
    assert set(server.agents) == {server.agents[0]} and server.agents[0].startswith("trade-warehouse/0.1.0 (")


def test_the_user_agent_can_be_set(shared, tmp_path, monkeypatch):
    monkeypatch.setenv("HTTP_USER_AGENT", "acme-trade-desk/2 (ops@acme.example)")
    with serve(shared) as server:
        ingest(server, tmp_path)
    assert set(server.agents) == {"acme-trade-desk/2 (ops@acme.example)"}


def test_a_release_published_mid_fetch_lands_nothing_under_the_old_name(shared, tmp_path):
    with serve(shared) as server:
        server.publish_after, server.upcoming = 2, "2025HTSRev18"
        with pytest.raises(HtsApiError) as failure:
            ingest(server, tmp_path)
    assert str(failure.value) == (
        "the current HTS release changed from 2025HTSRev7 to 2025HTSRev18 while it was being fetched; "
        "nothing was landed; refresh again to load 2025HTSRev18"
    )
    assert HtsLandingStore(tmp_path / "landing").entries("2025HTSRev7") == {}
    assert not (tmp_path / "warehouse.duckdb").exists()


@responses.activate
def test_a_redirect_to_another_host_is_not_followed():
    base = "https://hts.example.test/reststop"
    responses.get(f"{base}/exportList", status=302, headers={"Location": "https://login.example.gov/sso?next=x"})
    with pytest.raises(HtsApiError, match=r"redirected .*/exportList\?from=0101.* to login.example.gov/sso$"):
        HtsClient(base, backoff_factor=0).export_list("0101", "2499")
    assert len(responses.calls) == 1
