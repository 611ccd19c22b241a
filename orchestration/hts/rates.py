"""HTS rate texts turned into structure (pure; no Dagster, no database).

A rate is a list of components, each ad valorem (percent of value) or specific (dollars per
unit), optionally with a basis ("on the value of the rifle", "upon the value of the steel
content"), plus minimum/maximum clauses. Chapter 99 texts read "The duty provided in the
applicable subheading [+ N%]": the duty of the product's own line, plus an additional duty.
Whatever is not understood keeps its text with status `unparsed`; nothing becomes zero.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

# Spellings in the schedule -> one unit name.
UNITS = {
    "kg": "kg",
    "clean kg": "clean_kg",
    "liter": "liter",
    "l": "liter",
    "pf. liter": "proof_liter",
    "pf.liter": "proof_liter",
    "proof liter": "proof_liter",
    "bbl": "bbl",
    "each": "each",
    "no.": "each",
    "doz.": "dozen",
    "doz": "dozen",
    "dozen": "dozen",
    "dozen pr.": "dozen_pairs",
    "pr.": "pair",
    "pr": "pair",
    "m2": "m2",
    "m²": "m2",
    "m<sup>2</sup>": "m2",
    "m3": "m3",
    "head": "head",
    "gross": "gross",
    "t": "t",
    "1000": "thousand",
}
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_AD_VALOREM = re.compile(rf"^(?:a duty of )?(?P<n>{_NUMBER})%(?: (?P<basis>(?:on|upon) .+))?$", re.I)
_SPECIFIC = re.compile(
    rf"^(?P<dollar>\$)?(?P<n>{_NUMBER})(?P<cents>¢)?(?: ?/ ?| )(?P<unit>{_UNIT})(?: (?P<basis>(?:on|of) .+))?$",
    re.I,
)
_MFN = re.compile(
    r"^the duty provided (?:for )?in (?:the applicable subheading|subheadings? (?P<subs>[\d.,\s]+(?:or [\d.]+)?))"
    r"(?: ?\+ ?(?P<rest>.+))?$",
    re.I,
)
_LIMIT = re.compile(r",? but not (?P<which>less|more) than ", re.I)
_REFERENCE = re.compile(r"^see (?P<refs>[\d.\-–, ]+)$", re.I)
CH99_REFERENCE = re.compile(r"\b99\d\d\.\d\d\.\d\d(?:\s*[-–]\s*99\d\d\.\d\d\.\d\d)?")
_PROGRAM = re.compile(r"^[A-Za-z]{1,2}[+*]?$")
_SEGMENT = re.compile(r"(?P<rate>[^()]*?)\s*\((?P<codes>[^()]*)\)")


@dataclass(frozen=True)
class Component:
    kind: str  # ad_valorem | specific
    value: float  # percent for ad valorem, U.S. dollars per unit for specific
    unit: str | None = None
    basis: str | None = None


@dataclass(frozen=True)
class Rate:
    text: str
    status: str  # parsed | unparsed | empty
    kind: str | None = None  # free | ad_valorem | specific | compound | mfn | mfn_plus | no_change | reference
    components: tuple[Component, ...] = ()
    minimum: Component | None = None
    maximum: Component | None = None
    references: tuple[str, ...] = ()

    @property
    def ad_valorem_pct(self) -> float | None:
        """The percent of value charged on the whole good (0 when free); None when not known."""
        if self.kind == "free":
            return 0.0
        if self.status != "parsed" or self.kind in ("mfn", "no_change", "reference"):
            return None
        parts = [c.value for c in self.components if c.kind == "ad_valorem" and c.basis is None]
        return sum(parts) if parts else (0.0 if self._specific_only() else None)

    @property
    def specific(self) -> Component | None:
        """The single specific component on the whole good, if there is exactly one."""
        parts = [c for c in self.components if c.kind == "specific" and c.basis is None]
        return parts[0] if len(parts) == 1 else None

    def _specific_only(self) -> bool:
        return bool(self.components) and all(c.kind == "specific" for c in self.components)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Segment:
    programs: tuple[str, ...]  # empty: applies without a program (as in chapter 99 rows)
    rate: Rate


@dataclass(frozen=True)
class SpecialRates:
    text: str
    status: str
    segments: tuple[Segment, ...] = field(default_factory=tuple)

    def for_program(self, program: str) -> Rate | None:
        for segment in self.segments:
            if program in segment.programs:
                return segment.rate
        return None


def normalize(text: str | None) -> str:
    """Whitespace collapsed, a final period dropped, and the schedule's typos mended."""
    text = " ".join((text or "").split())
    text = text.rstrip(".").strip()
    text = re.sub(r"provided inthe", "provided in the", text, flags=re.I)
    text = re.sub(r"\s*\bplus\s+", " + ", text, flags=re.I)
    return re.sub(r"\s*\+\s*", " + ", text)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def parse_component(text: str) -> Component | None:
    text = text.strip().rstrip(",")
    match = _AD_VALOREM.match(text)
    if match:
        return Component("ad_valorem", _number(match["n"]), None, match["basis"])
    match = _SPECIFIC.match(text)
    if match and (match["dollar"] or match["cents"]):
        amount = _number(match["n"]) / (100 if match["cents"] else 1)
        return Component("specific", round(amount, 6), UNITS[match["unit"].lower()], match["basis"])
    return None


def _components(text: str) -> tuple[Component, ...] | None:
    parts = [parse_component(part) for part in text.split(" + ")]
    return None if any(p is None for p in parts) else tuple(parts)


def parse_rate(text: str | None) -> Rate:
    raw = text or ""
    clean = normalize(raw)
    if not clean:
        return Rate(raw, "empty")
    lower = clean.lower()
    if lower == "free":
        return Rate(raw, "parsed", "free")
    if lower == "no change":
        return Rate(raw, "parsed", "no_change")
    reference = _REFERENCE.match(clean)
    if reference:
        return Rate(raw, "parsed", "reference", references=tuple(CH99_REFERENCE.findall(clean) or [reference["refs"]]))
    mfn = _MFN.match(clean)
    if mfn:
        subs = tuple(re.findall(r"\d{4}\.\d\d\.\d\d", mfn["subs"] or ""))
        if mfn["rest"] is None:
            return Rate(raw, "parsed", "mfn", references=subs)
        added = _components(mfn["rest"])
        return Rate(raw, "parsed", "mfn_plus", added, references=subs) if added else Rate(raw, "unparsed")
    minimum = maximum = None
    pieces = _LIMIT.split(clean)
    clean = pieces[0]
    for which, limit_text in zip(pieces[1::2], pieces[2::2], strict=True):
        limit = parse_component(limit_text)
        if limit is None:
            return Rate(raw, "unparsed")
        minimum, maximum = (limit, maximum) if which.lower() == "less" else (minimum, limit)
    components = _components(clean)
    if not components:
        return Rate(raw, "unparsed")
    kinds = {c.kind for c in components}
    kind = "compound" if len(components) > 1 else kinds.pop()
    return Rate(raw, "parsed", kind, components, minimum, maximum)


def parse_special(text: str | None) -> SpecialRates:
    """`Free (A+,AU,BH) 1.7% (KR) See 9822.04.01-9822.04.03 (AU)` -> one segment per program list."""
    raw = text or ""
    clean = " ".join(raw.split())
    if not clean:
        return SpecialRates(raw, "empty")
    segments, consumed = [], 0
    for match in _SEGMENT.finditer(clean):
        codes = [c.strip() for c in match["codes"].split(",") if c.strip()]
        if not codes or not all(_PROGRAM.match(c) for c in codes):
            break
        segments.append(Segment(tuple(c.upper() for c in codes), parse_rate(match["rate"].strip())))
        consumed = match.end()
    rest = clean[consumed:].strip()
    if rest:
        if segments:
            return SpecialRates(raw, "unparsed", tuple(segments))
        segments.append(Segment((), parse_rate(rest)))
    status = "parsed" if all(s.rate.status == "parsed" for s in segments) else "unparsed"
    return SpecialRates(raw, status, tuple(segments))


def chapter99_references(
    footnotes: list[dict] | None, columns: tuple[str, ...] = ("general", "special", "other")
) -> list[str]:
    """Chapter 99 headings a line's footnotes point to (`See 9903.88.15.`), in order, once each."""
    found: list[str] = []
    for note in footnotes if isinstance(footnotes, list) else []:
        if not isinstance(note, dict):
            continue  # not an HTS footnote: it names no heading
        if columns and not set(note.get("columns") or ()) & set(columns):
            continue
        for reference in CH99_REFERENCE.findall(note.get("value") or ""):
            reference = re.sub(r"\s*[-–]\s*", "-", reference)
            if reference not in found:
                found.append(reference)
    return found
