"""Run tags the code location and the CLI share."""

# Set on every run the CLI starts in process: host, pid and pid start time of the process running it
# (app/runs.py reaps runs whose process is gone). The CLI publishes after its own refreshes.
CLI_PROCESS_TAG = "trade_warehouse/process"

# Set on every job that writes the warehouse (census_monthly, hts_release_job, partner_tariffs_job,
# publish). The deployment's run queue starts one such run at a time (deploy/dagster.yaml): a run
# that waited inside Dagster for the `warehouse` pool would keep a core busy meanwhile.
WRITES_WAREHOUSE = "trade_warehouse/writes_warehouse"
WRITES_WAREHOUSE_TAG = {WRITES_WAREHOUSE: "true"}
