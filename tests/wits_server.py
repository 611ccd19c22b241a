"""A local HTTP server that answers like the World Bank WITS API's TRAINS tariffs
(`/API/V1/SDMX/V21/datasource/TRN/reporter/../partner/../product/../year/../datatype/..`).

It serves SDMX 2.1 structure-specific XML built from the real rows of
../shared/fixtures/partner_tariffs/api_response_samples_comtrade_wits.json (Viet Nam 704 on Japan
392 and on all partners 000, coffee 090111, 2018) plus generated series for other products and
years. A reporter-partner-year it has no series for answers 404 "Not Found - NoRecordsFound", as
the live service does (live: Japan as reporter with a specific partner).

Live habits, each behind a switch (counts are of requests, from the first):
- `outage_pages`: that many answers are a 200 HTML maintenance page;
- `oversized_failures`: that many product/ALL requests answer 503 (the server overloaded);
- `oversized_stalls` / `stall_seconds`: that many product/ALL requests stall before answering;
- `drips` / `drip_delay`: that many data answers send their body 64 bytes at a time, with a pause.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from xml.sax.saxutils import quoteattr

from census_server import QuietServer

PREFIX = "/API/V1"
FIXTURE = "fixtures/partner_tariffs/api_response_samples_comtrade_wits.json"
PATH = re.compile(
    rf"^{PREFIX}/SDMX/V21/datasource/TRN/reporter/(\d{{3}})/partner/(\d{{3}})/product/([^/]+)"
    r"/year/(\d{4})/datatype/(reported|aveestimated)$"
)
NO_RECORDS = b"Not Found - NoRecordsFound"
OUTAGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>WITS - Service Unavailable</title></head>"
    b"<body><h1>World Integrated Trade Solution</h1><p>The site is under maintenance.</p></body></html>"
)
MESSAGE = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
HEADER = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    f'<message:StructureSpecificData xmlns:message="{MESSAGE}" '
    'xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" '
    'xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:ns1="urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=WBG_WITS:DF_WITS_Tariff_TRAINS(1.0):'
    'ObsLevelDim:TIME_PERIOD">\n'
    "<message:Header><message:ID>TRN</message:ID><message:Test>false</message:Test>"
    '<message:Prepared>2026-01-01T00:00:00</message:Prepared><message:Sender id="WBG_WITS"/>'
    "</message:Header>\n"
    '<message:DataSet ss:structureRef="WBG_WITS_DF_WITS_Tariff_TRAINS_1_0" xsi:type="ns1:DataSetType" '
    'ss:dataScope="DataStructure" action="Information">\n'
)
FOOTER = "</message:DataSet>\n</message:StructureSpecificData>\n"
PRODUCTS = ("020130", "020230", "090111", "090121", "271111", "870323")

Series = tuple[dict[str, str], list[dict[str, str]]]  # the Series' attributes, its Obs' attributes


def sdmx_body(series: list[Series]) -> bytes:
    def element(name: str, attributes: dict[str, str], inner: str = "") -> str:
        text = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items())
        return f"<{name} {text}>{inner}</{name}>" if inner else f"<{name} {text}/>"

    parts = [
        element("Series", attrs, "".join(element("Obs", obs) for obs in observations)) + "\n"
        for attrs, observations in series
    ]
    return (HEADER + "".join(parts) + FOOTER).encode()


def real_rows(shared: Path) -> dict[str, dict]:
    """The fixture's two real answers: `pref` (704 on 392) and `mfn` (704 on 000), each with url,
    series and obs attributes (the MFN sample gives no Series: it is the PREF one's, partner 000)."""
    sample = json.loads((shared / FIXTURE).read_text())
    pref, mfn = sample["wits_trains_pref_ok"], sample["wits_trains_mfn_ok"]
    return {
        "pref": {"url": pref["url"], "series": dict(pref["series"]), "obs": dict(pref["obs"])},
        "mfn": {"url": mfn["url"], "series": {**pref["series"], "PARTNER": "000"}, "obs": dict(mfn["obs"])},
    }


def generated(reporter: str, partner: str, year: int, products=PRODUCTS, kind: str | None = None) -> list[Series]:
    """Deterministic series in the real rows' shape, one per product."""
    kind = kind or ("MFN" if partner == "000" else "PREF")
    series = []
    for product in products:
        seed = int(hashlib.sha256(f"{reporter}{partner}{year}{product}".encode()).hexdigest()[:8], 16)
        lines, low = 1 + seed % 4, seed % 30
        high = low + seed % 3
        rates = [low] * (lines - 1) + [high]
        obs = {
            "TIME_PERIOD": str(year),
            "OBS_VALUE": f"{sum(rates) / lines:g}",
            "TARIFFTYPE": kind,
            "OBS_VALUE_MEASURE": "SimpleAverage",
            "TOTALNOOFLINES": str(lines),
            "NBR_PREF_LINES": str(lines if kind == "PREF" else 0),
            "NBR_MFN_LINES": str(lines if kind == "MFN" else 0),
            "NBR_NA_LINES": "0",
            "SUM_OF_RATES": f"{sum(rates):g}",
            "MIN_RATE": f"{low:g}",
            "MAX_RATE": f"{high:g}",
            "NOMENCODE": "H5",
        }
        attrs = {"FREQ": "A", "DATATYPE": "Reported", "PRODUCTCODE": product, "PARTNER": partner, "REPORTER": reporter}
        series.append((attrs, [obs]))
    return series


def sample_data(shared: Path) -> dict[tuple[str, str, int], list[Series]]:
    """Viet Nam's 2018 schedule with the real coffee rows, Viet Nam's 2017, and Japan's MFN rates
    (Japan on a specific partner has no records)."""
    real = real_rows(shared)
    others = tuple(p for p in PRODUCTS if p != "090111")
    return {
        ("704", "392", 2018): [(real["pref"]["series"], [real["pref"]["obs"]]), *generated("704", "392", 2018, others)],
        ("704", "000", 2018): [(real["mfn"]["series"], [real["mfn"]["obs"]]), *generated("704", "000", 2018, others)],
        ("704", "392", 2017): generated("704", "392", 2017),
        ("704", "000", 2017): generated("704", "000", 2017),
        ("392", "000", 2018): generated("392", "000", 2018),
    }


class WitsTestServer:
    def __init__(self, data: dict[tuple[str, str, int], list[Series]]):
        self.data = data
        self.seen: list[str] = []
        self.outage_pages = 0
        self.oversized_failures = 0
        self.oversized_stalls = 0
        self.stall_seconds = 0.0
        self.drips = 0
        self.drip_delay = 0.0
        self._lock = threading.Lock()
        self._server = QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PREFIX}"

    def __enter__(self) -> WitsTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _take(self, switch: str) -> bool:
        """Whether the habit `switch` answers this request (and one fewer remain)."""
        with self._lock:
            left = getattr(self, switch)
            if left > 0:
                setattr(self, switch, left - 1)
            return left > 0

    def answer(self, path: str) -> tuple[int, bytes, str, str]:
        """(status, body, content type, habit): what the service answers, before the body habits."""
        match = PATH.match(path)
        if not match:
            return 400, b"Bad Request - Invalid Query", "text/plain", ""
        reporter, partner, products, year, _ = match.groups()
        if self._take("outage_pages"):
            return 200, OUTAGE_PAGE, "text/html", ""
        if products == "ALL" and self._take("oversized_failures"):
            return 503, b"Service Unavailable", "text/plain", ""
        stall = "stall" if products == "ALL" and self._take("oversized_stalls") else ""
        series = self.data.get((reporter, partner, int(year)))
        wanted = None if products == "ALL" else set(products.split(";"))
        series = [s for s in series or [] if wanted is None or s[0]["PRODUCTCODE"] in wanted]
        if not series:
            return 404, NO_RECORDS, "text/plain", stall
        return 200, sdmx_body(series), "application/xml", stall

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                return None

            def do_GET(self) -> None:
                with server._lock:
                    server.seen.append(self.path)
                status, body, kind, habit = server.answer(self.path)
                if habit == "stall":
                    time.sleep(server.stall_seconds)
                drip = status == 200 and kind == "application/xml" and server._take("drips")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not drip:
                    self.wfile.write(body)
                    return
                for start in range(0, len(body), 64):
                    self.wfile.write(body[start : start + 64])
                    self.wfile.flush()
                    time.sleep(server.drip_delay)

        return Handler
