"""Client for the World Bank WITS API's TRAINS tariffs: HS6 simple averages of a reporter's
national tariff lines, by partner and year, as SDMX 2.1 structure-specific XML.

`reporter` is the country that applies the tariff, `partner` the exporter or `000` (all
partners: the MFN rate). Codes are UN M49 numbers, three digits with their leading zeros.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import requests

from orchestration.core.errors import InputError, WitsApiError, WitsRequestRefused
from orchestration.core.http import ApiClient, BadBody

DATATYPES = ("reported", "aveestimated")
ALL_PARTNERS = "000"
# A reporter-partner-year with no schedule answers 404 with this text (live: Japan as reporter
# with a specific partner): it is an answer, not a failure.
NO_RECORDS = "NoRecordsFound"
_M49 = re.compile(r"^\d{3}$")
_YEAR = re.compile(r"^\d{4}$")
_PRODUCTS = re.compile(r"^(ALL|\d{6}(;\d{6})*)$")

# column -> Obs attribute; numbers arrive as strings, and an empty one is unknown, not zero
DOUBLES = {
    "simple_average_pct": "OBS_VALUE",
    "min_rate_pct": "MIN_RATE",
    "max_rate_pct": "MAX_RATE",
    "sum_of_rates": "SUM_OF_RATES",
}
INTEGERS = {
    "total_lines": "TOTALNOOFLINES",
    "pref_lines": "NBR_PREF_LINES",
    "mfn_lines": "NBR_MFN_LINES",
    "na_lines": "NBR_NA_LINES",
}
# the columns an answer gives (the year is the request's: each Obs is checked against it)
COLUMNS = ("product_hs6", "tariff_type", *DOUBLES, *INTEGERS, "nomenclature")


def check_m49(code: str | int, what: str) -> str:
    text = str(code)
    if not _M49.match(text):
        raise InputError(f"{what} {code!r} is not a UN M49 country code of three digits such as 392 or 000")
    return text


def check_year(year: str | int) -> int:
    if not _YEAR.match(str(year)):
        raise InputError(f"year {year!r} is not a year of four digits such as 2018")
    return int(year)


def check_datatype(datatype: str) -> str:
    if datatype not in DATATYPES:
        raise InputError(f"datatype {datatype!r}: choose reported or aveestimated")
    return datatype


def tariffs_path(reporter: str, partner: str, year: int, products: str = "ALL", datatype: str = "reported") -> str:
    if not _PRODUCTS.match(products):
        raise InputError(f"products {products!r}: give ALL or HS6 codes joined by ';'")
    return (
        f"/SDMX/V21/datasource/TRN/reporter/{check_m49(reporter, 'reporter')}/partner/{check_m49(partner, 'partner')}"
        f"/product/{products}/year/{check_year(year)}/datatype/{check_datatype(datatype)}"
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _number(text: str | None, kind, name: str, product: str):
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadBody(f"{name}={text!r} of product {product} is not a number") from None
    if kind is int:
        if value != value.to_integral_value():
            raise BadBody(f"{name}={text!r} of product {product} is not a whole number")
        return int(value)
    return float(value)


def parse_sdmx(body: bytes) -> list[dict]:
    """One dict per Obs: the series' product and the observation's year, tariff type, rates and line
    counts, typed (empty -> None). Tags are matched by local name: SDMX prefixes vary by server.
    BadBody when the body is not such a message (an HTML page, a truncated answer)."""
    if body.lstrip()[:20].lower().startswith((b"<!doctype html", b"<html")):
        raise BadBody("the answer is an HTML page, not SDMX data (the service may be down)")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise BadBody(f"the answer is not SDMX XML ({error})") from None
    if _local(root.tag) != "StructureSpecificData":
        raise BadBody(f"the answer is not SDMX structure-specific data (its root is {_local(root.tag)})")
    rows = []
    for series in root.iter():
        if _local(series.tag) != "Series":
            continue
        product = series.get("PRODUCTCODE", "")
        for obs in series:
            if _local(obs.tag) != "Obs":
                continue
            measure = obs.get("OBS_VALUE_MEASURE", "SimpleAverage")
            if measure != "SimpleAverage":
                raise BadBody(f"OBS_VALUE of product {product} is a {measure}, not a SimpleAverage")
            row = {"product_hs6": product, "year": _number(obs.get("TIME_PERIOD"), int, "TIME_PERIOD", product)}
            row["tariff_type"] = obs.get("TARIFFTYPE") or None
            row.update({column: _number(obs.get(name), float, name, product) for column, name in DOUBLES.items()})
            row.update({column: _number(obs.get(name), int, name, product) for column, name in INTEGERS.items()})
            row["nomenclature"] = obs.get("NOMENCODE") or None
            rows.append(row)
    return rows


def as_columns(rows: list[dict]) -> dict[str, list]:
    """The rows as one list per column (for one insert of list parameters)."""
    return {column: [row[column] for row in rows] for column in COLUMNS}


@dataclass(frozen=True)
class WitsResponse:
    url: str
    status: int  # 200, or 404 for NoRecordsFound (no data)
    body: bytes = field(repr=False)
    rows: int = 0


class WitsClient(ApiClient):
    api_name = "the WITS service"
    error = WitsApiError
    base_url_setting = "WITS_API_BASE_URL"

    def __init__(self, base_url: str, *, read_timeout: float = 300.0, **kwargs):
        # product/ALL for one reporter-year is ~5,000 series: live answers take seconds to minutes
        super().__init__(base_url, read_timeout=read_timeout, **kwargs)

    def tariffs(
        self, reporter: str, partner: str, year: int, products: str = "ALL", datatype: str = "reported"
    ) -> WitsResponse:
        """The reporter's tariffs on the partner's goods in `year`; a 404 NoRecordsFound is an
        answer with no rows (status 404), anything else but SDMX data is an error."""
        url = self.base_url + tariffs_path(reporter, partner, year, products, datatype)

        def classify(response: requests.Response, shown: str) -> WitsResponse:
            status = response.status_code
            if status == 404 and NO_RECORDS in response.text:
                return WitsResponse(shown, 404, response.content, 0)
            if 300 <= status < 400:
                where = response.headers.get("Location", "nowhere")
                raise WitsRequestRefused(f"{self.api_name} redirected {shown} to {where}")
            if status != 200:
                snippet = " ".join(response.text.split())[:200]
                error = WitsRequestRefused if 400 <= status < 500 and status != 429 else WitsApiError
                raise error(f"{self.api_name} answered HTTP {status} for {shown}: {snippet}")
            # BadBody (an outage page, a cut answer) is asked again; _call names the request
            return WitsResponse(shown, 200, response.content, len(parse_sdmx(response.content)))

        return self._call(url, [], url, classify)
