"""Japan's applied tariff rate texts turned into structure (pure; no Dagster, no database).

The schedule prints one text per rate column: `38.5%`, `(50%)` (in brackets: printed but not
applied, a lower rate applies), `Free`, `--` (no rate), `361 yen/kg`, `10% or 11 yen/kg whichever
is the greater`, the pork gate-price formulas (`(535.53 yen/kg- the value for customs duty/kg) or
2.2% whichever is the greater`), rates within a quota (`For the Pooled Quota 30.8%`) and
references to another column (`same as JP-US`). Whatever is not understood keeps its text with
kind `unparsed` and no number; nothing becomes zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

# The schedule's rate columns, in the order the schedule prints them.
RATE_COLUMNS = (
    "general",
    "temporary",
    "wto",
    "gsp",
    "ldc",
    "jp_us_trade_agreement",
    "australia_epa",
    "tpp11_cptpp",
    "eu_epa",
    "uk_epa",
    "mexico_epa",
    "chile_epa",
)
# Names a `same as ...` text uses for a column (lower case) -> the column.
_COLUMN_NAMES = {
    **{column: column for column in RATE_COLUMNS},
    "jp-us": "jp_us_trade_agreement",
    "jp-us trade agreement": "jp_us_trade_agreement",
    "australia": "australia_epa",
    "tpp11": "tpp11_cptpp",
    "cptpp": "tpp11_cptpp",
    "eu": "eu_epa",
    "uk": "uk_epa",
    "mexico": "mexico_epa",
    "chile": "chile_epa",
}
_NONE = {"", "-", "--", "---", "—", "–"}
_N = r"\d+(?:,\d{3})*(?:\.\d+)?"
_KG = r"\s*/\s*kg"
_AD_VALOREM = re.compile(rf"^(?P<n>{_N})\s*%$")
_SPECIFIC = re.compile(rf"^(?P<n>{_N})\s*yen{_KG}$", re.I)
# `(535.53 yen/kg- the value for customs duty/kg)` and `(393 yen x 1.007 - the value for customs duty)/kg`:
# the duty is the gate price less the customs value, so the gate price is what to keep.
_GATE = re.compile(
    rf"^\(\s*(?P<base>{_N})\s*yen(?P<kg1>{_KG})?(?:\s*[x×]\s*(?P<factor>{_N}))?"
    rf"\s*[-−–]\s*the value for customs duty(?P<kg2>{_KG})?\s*\)(?P<kg3>{_KG})?$",
    re.I,
)
_EITHER = re.compile(r"^(?P<a>.+?)\s+or\s+(?P<b>.+?),?\s+whichever is (?:the )?(?P<combine>less|greater)$", re.I)
# A note in brackets without digits (`(excluding quarter)`); a bracket with digits is a gate-price formula.
_POOLED = re.compile(r"^for the pooled quota(?:\s*\((?P<note>[^()\d]+)\))?\s*(?P<rest>.+)$", re.I)
_REFERENCE = re.compile(r"^same as (?P<name>.+)$", re.I)


@dataclass(frozen=True)
class JapanRate:
    text: str  # verbatim as printed
    parsed: bool
    kind: str  # none | free | ad_valorem | specific | compound | gate_price | reference | unparsed
    # False when printed in brackets (a lower rate applies), and when there is no rate or it is not understood
    applied: bool = False
    pooled_quota: bool = False  # the rate applies only within the pooled quota
    quota_note: str | None = None  # e.g. "excluding quarter"
    ad_valorem_pct: float | None = None
    specific_jpy_per_kg: float | None = None
    combine: str | None = None  # less | greater: which of the two parts is charged
    gate_price_jpy_per_kg: float | None = None  # duty = gate price - customs value per kg
    gate_base_jpy: float | None = None  # 393 in `393 yen x 1.007`
    gate_factor: float | None = None  # 1.007 in `393 yen x 1.007`
    reference_column: str | None = None  # the column a `same as ...` text points to
    # the rate as a percent of value when it is one (Free = 0); a specific rate needs a price to convert
    ad_valorem_equivalent_pct: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _unbracket(text: str) -> tuple[str, bool]:
    """`(50%)` -> ("50%", True); `(393 yen x 1.007 - ...)/kg or ...` is not wrapped as a whole."""
    if not (text.startswith("(") and text.endswith(")")):
        return text, False
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(text) - 1:
            return text, False  # the first bracket closes before the end
    return text[1:-1].strip(), True


def _part(text: str) -> dict | None:
    """One ad valorem, specific or gate-price part, as the fields it fills."""
    if match := _AD_VALOREM.match(text):
        return {"ad_valorem_pct": _number(match["n"])}
    if match := _SPECIFIC.match(text):
        return {"specific_jpy_per_kg": _number(match["n"])}
    match = _GATE.match(text)
    if not match or not (match["kg1"] or match["kg2"] or match["kg3"]):
        return None  # a gate price per something other than kg is not one we know
    base = _number(match["base"])
    factor = _number(match["factor"]) if match["factor"] else None
    gate = round(base * (factor or 1.0), 6)  # 393 x 1.007 = 395.751, without float noise
    return {"gate_price_jpy_per_kg": gate, "gate_base_jpy": base, "gate_factor": factor}


def _body(text: str) -> dict | None:
    """The rate proper (brackets and quota prefix removed), as kind and fields."""
    either = _EITHER.match(text)
    if either:
        first, second = _part(either["a"]), _part(either["b"])
        if first is None or second is None or first.keys() & second.keys():
            return None  # two parts of one kind have no field each
        fields = {**first, **second, "combine": either["combine"].lower()}
        return {"kind": "gate_price" if "gate_price_jpy_per_kg" in fields else "compound", **fields}
    part = _part(text)
    if part is None:
        return None
    kind = "ad_valorem" if "ad_valorem_pct" in part else "specific" if "specific_jpy_per_kg" in part else "gate_price"
    return {"kind": kind, **part}


def parse_japan_rate(text: str | None) -> JapanRate:
    raw = text or ""
    clean = " ".join(raw.split())  # the HTML copies carry no-break spaces and line breaks
    if clean in _NONE:
        return JapanRate(raw, True, "none")
    unparsed = JapanRate(raw, False, "unparsed")
    clean, bracketed = _unbracket(clean)
    quota = _POOLED.match(clean)
    note = " ".join((quota["note"] or "").split()) if quota else ""
    pooled = {"pooled_quota": True, "quota_note": note or None} if quota else {}
    clean = quota["rest"] if quota else clean
    common = {"applied": not bracketed, **pooled}
    if clean.lower() == "free":
        return JapanRate(raw, True, "free", **common, ad_valorem_pct=0.0, ad_valorem_equivalent_pct=0.0)
    reference = _REFERENCE.match(clean)
    if reference:
        name = reference["name"].strip().rstrip(".")
        column = _COLUMN_NAMES.get(name.lower(), name)  # an unknown name is kept as printed
        return JapanRate(raw, True, "reference", **common, reference_column=column)
    body = _body(clean)
    if body is None:
        return unparsed
    equivalent = body.get("ad_valorem_pct") if body["kind"] == "ad_valorem" else None
    return JapanRate(raw, True, **body, **common, ad_valorem_equivalent_pct=equivalent)


def parse_texts(texts: Iterable[str | None]) -> list[JapanRate]:
    """Each distinct text parsed once, in the order first seen."""
    return [parse_japan_rate(text) for text in dict.fromkeys(texts)]
