"""Run tags the code location and the CLI share."""

# Set on every run the CLI starts in process: host, pid and pid start time of the process running it
# (app/runs.py reaps runs whose process is gone). The CLI publishes after its own refreshes.
CLI_PROCESS_TAG = "trade_warehouse/process"
