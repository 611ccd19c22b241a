"""docker-compose.yml and the Dockerfile, checked structurally (no Docker engine here)."""

import re

import yaml
from conftest import ROOT


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_webserver_and_daemon_run_the_code_location_from_one_image():
    services = compose()["services"]
    assert set(services) == {"webserver", "daemon"}
    for name, service in services.items():
        assert service["build"] == "." and "orchestration.definitions" in service["command"], name
        assert {"warehouse:/data", "dagster_home:/opt/dagster/home"} <= set(service["volumes"])
        assert service["environment"]["WAREHOUSE_PATH"].startswith("/data/")
    assert set(compose()["volumes"]) == {"warehouse", "dagster_home"}


def test_only_the_webserver_publishes_a_port_and_only_on_localhost():
    services = compose()["services"]
    assert "ports" not in services["daemon"]
    assert all(port.startswith("127.0.0.1:") for port in services["webserver"]["ports"])


def test_the_dockerfile_installs_the_lock_and_prepares_the_dbt_manifest():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c constraints.txt" in dockerfile and "dbt parse" in dockerfile
    for source in re.findall(r"^COPY (\S+)", dockerfile, flags=re.M):
        assert (ROOT / source).exists(), source


def test_every_setting_the_compose_file_reads_is_in_env_example():
    names = set(re.findall(r"\$\{(\w+)", (ROOT / "docker-compose.yml").read_text()))
    example = {
        line.split("=")[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert names and names <= example
