"""New HTS releases, from the service's release list."""

import dagster as dg

from orchestration.core.errors import InputError
from orchestration.defs.hts.jobs import hts_release_job
from orchestration.defs.partitions import hts_release_partitions
from orchestration.defs.resources import HtsApiResource
from orchestration.hts.landing import check_release_name
from orchestration.hts.releases import current_release


def _valid_release(name: str) -> bool:
    try:
        check_release_name(name)
    except InputError:
        return False
    return True


@dg.sensor(
    job=hts_release_job,
    minimum_interval_seconds=6 * 3600,
    description="Adds a partition per release in the HTS releaseList; loads the current one while it is current.",
)
def hts_release_sensor(context: dg.SensorEvaluationContext, hts: HtsApiResource):
    _, releases = hts.client().release_list()
    names = [r["name"] for r in releases if _valid_release(r.get("name", ""))]
    known = set(context.instance.get_dynamic_partitions(hts_release_partitions.name))
    new = [name for name in names if name not in known]
    current = current_release(releases)
    return dg.SensorResult(
        # run_key: the current release is loaded once, however often the sensor sees it
        run_requests=[dg.RunRequest(partition_key=current, run_key=f"hts-release-{current}")],
        dynamic_partitions_requests=[hts_release_partitions.build_add_request(new)] if new else [],
    )
