"""How the steps of a run start, for the runs the UI, schedules, sensors and the daemon launch (the
CLI runs its jobs in process).

Each step is a process of its own (multiprocess executor). Spawned fresh, a step spends about 4 s
of CPU importing the code location, most of it dbt-core through dagster-dbt, before it does
anything; a monthly refresh has several steps. Forked from a server that imported these modules
once per run, a step starts in a fraction of that.
"""

import dagster as dg

PRELOAD_MODULES = [
    "orchestration.definitions",
    "orchestration.defs.census.assets",
    "orchestration.defs.census.checks",
    "orchestration.defs.dbt.assets",
    "orchestration.defs.hts.assets",
    "orchestration.defs.partners.assets",
    "orchestration.defs.publish.assets",
]

step_executor = dg.multiprocess_executor.configured(
    {"start_method": {"forkserver": {"preload_modules": PRELOAD_MODULES}}}, name="forkserver_multiprocess"
)


@dg.definitions
def executor() -> dg.Definitions:
    return dg.Definitions(executor=step_executor)
