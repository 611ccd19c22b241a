import re
from datetime import date

import dagster as dg

from orchestration.core.errors import InputError
from orchestration.partners.seeds import followed_partners

# The Census API serves monthly HS data from January 2010. No end offset: a month becomes a
# partition when it ends, and is fetched once Census publishes it (about five weeks later).
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2010-01-01")

# One partition per HTS release (e.g. 2025HTSRev7), added by the release sensor or the CLI.
hts_release_partitions = dg.DynamicPartitionsDefinition(name="hts_releases")

# Partner tariffs (WITS TRAINS): one partition per country applying the tariff and year. "partner"
# is the trading partner of the U.S. whose schedule is loaded (the WITS *reporter*), as a UN M49
# code present in dbt_project/seeds/partners/partner_codes.csv; WITS's own partner is fixed
# (000 for the MFN rate, 840 for U.S. goods). Years run to the current one: WITS lags 1-3 years,
# so the newest answer "no records" until the partner notifies its schedule.
PARTNER_REPORTERS = followed_partners()
FIRST_PARTNER_YEAR = 2010
partner_years = tuple(str(year) for year in range(FIRST_PARTNER_YEAR, date.today().year + 1))
partner_year_partitions = dg.MultiPartitionsDefinition(
    {
        "partner": dg.StaticPartitionsDefinition(list(PARTNER_REPORTERS)),
        "year": dg.StaticPartitionsDefinition(list(partner_years)),
    }
)


def partner_year_key(reporter: str, year: int | str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"partner": str(reporter), "year": str(year)})


def partner_year_range(reporter: str, start: str, end: str) -> list[int]:
    """Check a user's --reporter/--start-year/--end-year against the partitions; the years in between."""
    if not re.fullmatch(r"\d{3}", reporter):
        raise InputError(f"--reporter {reporter!r} is not a UN M49 country code of three digits such as 392")
    if reporter not in PARTNER_REPORTERS:
        known = ", ".join(f"{code} {name}" for code, name in PARTNER_REPORTERS.items())
        raise InputError(f"--reporter {reporter} is not one of the partners loaded from WITS: {known}")
    for flag, text in (("--start-year", start), ("--end-year", end)):
        if not re.fullmatch(r"\d{4}", text):
            raise InputError(f"{flag} {text!r} is not a year of four digits such as 2018")
    first, last = int(start), int(end)
    if last < first:
        raise InputError(f"--end-year {last} is before --start-year {first}")
    if first < FIRST_PARTNER_YEAR:
        raise InputError(f"--start-year {first} is before {FIRST_PARTNER_YEAR}, the first year of the partner tariffs")
    if last > int(partner_years[-1]):
        raise InputError(f"--end-year {last} is after {partner_years[-1]}, the current year")
    return list(range(first, last + 1))
