import dagster as dg

# The Census API serves monthly HS data from January 2010. No end offset: a month becomes a
# partition when it ends, and is fetched once Census publishes it (about five weeks later).
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2010-01-01")
