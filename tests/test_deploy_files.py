"""docker-compose.yml, the Dockerfile and deploy/, checked structurally (no Docker engine here)."""

import re

import yaml
from conftest import ROOT

from orchestration.defs.tags import WRITES_WAREHOUSE

SERVICES = {"postgres", "user_code", "webserver", "daemon"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def env_example() -> set[str]:
    return {
        line.split("=")[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }


def test_postgres_user_code_webserver_and_daemon_with_health_checks():
    services = compose()["services"]
    assert set(services) == SERVICES
    assert services["postgres"]["image"].startswith("postgres:")
    # the image is built once (by user_code) and used by every Dagster service and every run
    assert services["user_code"]["build"] == "."
    for name in ("user_code", "webserver", "daemon"):
        assert services[name]["image"] == "trade-warehouse:latest", name
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    assert services["user_code"]["command"][:3] == ["dagster", "api", "grpc"]
    assert "orchestration.definitions" in services["user_code"]["command"]
    for name in ("webserver", "daemon"):
        assert "/opt/dagster/workspace.yaml" in services[name]["command"], name
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_only_the_webserver_publishes_a_port_and_only_on_localhost():
    services = compose()["services"]
    assert [name for name, service in services.items() if "ports" in service] == ["webserver"]
    for port in services["webserver"]["ports"]:
        assert port.startswith("127.0.0.1:") and "0.0.0.0" not in port


def test_named_volumes_hold_the_warehouse_landing_serving_and_postgres():
    spec = compose()
    names = {key: value["name"] for key, value in spec["volumes"].items()}
    assert names == {
        "warehouse": "trade_warehouse",
        "landing": "trade_landing",
        "serving": "trade_serving",
        "dagster_postgres": "trade_dagster_postgres",
    }
    user_code = spec["services"]["user_code"]
    env = user_code["environment"]
    mounts = dict(volume.split(":") for volume in user_code["volumes"])
    assert env["WAREHOUSE_PATH"].startswith(mounts["warehouse"] + "/")
    assert env["LANDING_DIR"] == mounts["landing"]
    assert env["SERVING_PATH"].startswith(mounts["serving"] + "/")
    # run containers (deploy/dagster.yaml) mount the same volumes at the same places
    launcher = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())["run_launcher"]["config"]
    run_mounts = dict(volume.split(":") for volume in launcher["container_kwargs"]["volumes"])
    assert run_mounts == {names[key]: path for key, path in mounts.items()}
    assert launcher["network"] == {"env": "DAGSTER_DOCKER_NETWORK"}
    assert env["DAGSTER_DOCKER_NETWORK"] in {n["name"] for n in spec["networks"].values()}


def test_every_setting_the_compose_file_reads_is_in_env_example_without_secrets():
    text = (ROOT / "docker-compose.yml").read_text()
    names = set(re.findall(r"(?<!\$)\$\{(\w+)", text))  # $${X} is the container's own variable
    assert {"DAGSTER_POSTGRES_PASSWORD", "DAGSTER_PORT"} <= names <= env_example()
    for line in (ROOT / ".env.example").read_text().splitlines():
        if re.match(r"^(\w*(KEY|TOKEN|PASSWORD))=", line):
            assert line.split("=", 1)[1] == "", f"a secret has a value in .env.example: {line}"


def test_run_containers_get_every_setting_a_run_reads():
    launcher = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())["run_launcher"]["config"]
    passed = set(launcher["env_vars"])
    needed = {"CENSUS_API_KEY", "WAREHOUSE_TARGET", "WAREHOUSE_PATH", "LANDING_DIR", "SERVING_PATH"}
    needed |= {f"DAGSTER_POSTGRES_{part}" for part in ("HOST", "PORT", "DB", "USER", "PASSWORD")}
    assert needed <= passed


def test_the_workspace_points_at_the_user_code_server():
    server = yaml.safe_load((ROOT / "deploy" / "workspace.yaml").read_text())["load_from"][0]["grpc_server"]
    command = compose()["services"]["user_code"]["command"]
    assert server["host"] == "user_code" and str(server["port"]) == command[command.index("-p") + 1]


def test_the_dockerfile_installs_the_lock_and_prepares_the_dbt_manifest():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c constraints.txt" in dockerfile and "dbt parse" in dockerfile
    for source in re.findall(r"^COPY (\S+)", dockerfile, flags=re.M):
        assert (ROOT / source).exists(), source
    copied = dict(re.findall(r"^COPY (\S+) (\S+)$", dockerfile, flags=re.M))
    assert copied["deploy/dagster.yaml"] == "/opt/dagster/home/dagster.yaml"
    assert copied["deploy/workspace.yaml"] == "/opt/dagster/workspace.yaml"


def test_the_kubernetes_values_use_the_k8s_run_launcher_and_the_code_image():
    values = yaml.safe_load((ROOT / "deploy" / "k8s" / "values.yaml").read_text())
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "orchestration.definitions"]
    assert values["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"
    assert values["postgresql"]["enabled"] is False
    queue = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert queue["tagConcurrencyLimits"] == [{"key": WRITES_WAREHOUSE, "limit": 1}]


def test_every_job_that_writes_the_warehouse_queues_behind_the_others():
    """The deployments start one run at a time of the jobs carrying the tag; a job with a step in
    the `warehouse` pool but without the tag would start beside them and wait on the pool."""
    from orchestration.definitions import defs

    compose_instance = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    assert {"key": WRITES_WAREHOUSE, "limit": 1} in compose_instance["concurrency"]["runs"]["tag_concurrency_limits"]
    repository = defs().get_repository_def()
    writers = set()
    for job in repository.get_all_jobs():
        if job.name.startswith("__"):
            continue  # Dagster's implicit job for hand-picked assets
        pools = {node.definition.pool for node in job.graph.node_dict.values()}
        if "warehouse" in pools:
            writers.add(job.name)
            assert job.tags.get(WRITES_WAREHOUSE) == "true", job.name
    assert writers == {"census_monthly", "census_bulk_backfill", "hts_release_job", "partner_tariffs_job", "publish"}
