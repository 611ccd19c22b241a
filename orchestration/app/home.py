"""Which Dagster instance the CLI records its runs in: `DAGSTER_HOME` when set, else the
checkout's `.dagster/` (the instance `make dev` shows), so that a cron refresh leaves run history
and failure alerts without anyone exporting a variable."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from orchestration.core.errors import InputError

CHECKOUT = Path(__file__).resolve().parents[2]
SHIPPED_INSTANCE = CHECKOUT / "deploy" / "local" / "dagster.yaml"  # pools included
PROJECT_HOME = CHECKOUT / ".dagster"


def use_dagster_home() -> str:
    """Point this process's runs at the instance, made from the shipped config when its folder is
    new; returns the line that says where the runs are recorded."""
    given = os.environ.get("DAGSTER_HOME")
    if given:
        home = Path(given).expanduser().resolve()
    elif SHIPPED_INSTANCE.exists():
        home = PROJECT_HOME
    else:  # installed from a wheel, outside a checkout: nowhere obvious to keep history
        return "Dagster runs: not recorded (set DAGSTER_HOME to an instance folder to keep them)"
    if home.exists() and not home.is_dir():
        raise InputError(f"DAGSTER_HOME={home} is a file, not a folder")
    if not home.exists():
        home.mkdir(parents=True)
        if SHIPPED_INSTANCE.exists():
            shutil.copyfile(SHIPPED_INSTANCE, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)  # Dagster wants it absolute
    return f"Dagster runs: recorded in {home} (`make dev` shows them)"
