import dagster as dg

# The Census API serves monthly HS data from January 2010. No end offset: a month becomes a
# partition when it ends, and is fetched once Census publishes it (about five weeks later).
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2010-01-01")

# One partition per HTS release (e.g. 2025HTSRev7), added by the release sensor or the CLI.
hts_release_partitions = dg.DynamicPartitionsDefinition(name="hts_releases")
