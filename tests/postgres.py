"""A throwaway PostgreSQL server from Debian's packages, for the deployment tests.

`initdb` a cluster in a fresh folder, start it on 127.0.0.1 and a free port with trust
authentication, and remove it afterwards. PostgreSQL refuses to run as root, so when the tests run
as root (CI containers) the server runs as the `postgres` user the Debian package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers import free_port


def postgres_bin() -> Path | None:
    """The server's bin folder (Debian: /usr/lib/postgresql/<version>/bin, not on PATH)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    found = candidates[0] if candidates else shutil.which("initdb")
    return Path(found).resolve().parent if found else None


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    database: str

    def env(self) -> dict[str, str]:
        """The settings deploy/dagster.yaml reads."""
        return {
            "DAGSTER_POSTGRES_HOST": self.host,
            "DAGSTER_POSTGRES_PORT": str(self.port),
            "DAGSTER_POSTGRES_DB": self.database,
            "DAGSTER_POSTGRES_USER": self.user,
            "DAGSTER_POSTGRES_PASSWORD": "unused-with-trust-auth",
        }


@contextmanager
def running_postgres(database: str = "dagster") -> Iterator[Postgres]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    as_root = os.geteuid() == 0
    # Not under pytest's tmp folder: that one is private to root, and the server may run as postgres.
    root = Path(tempfile.mkdtemp(prefix="trade-warehouse-pg-"))
    data = root / "data"
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} -c fsync=off"
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-o", options, "-w"]
            + ["start"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database],
            check=True,
            capture_output=True,
        )
        yield Postgres("127.0.0.1", port, "postgres", database)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
            )
        shutil.rmtree(root, ignore_errors=True)
