"""Which Dagster instance the CLI records its runs in: `DAGSTER_HOME` when set, else the
checkout's `.dagster/` (the instance `make dev` shows), so that a cron refresh leaves run history
in the UI without anyone exporting a variable."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from orchestration.core.errors import InputError

CHECKOUT = Path(__file__).resolve().parents[2]
SHIPPED_INSTANCE = CHECKOUT / "deploy" / "local" / "dagster.yaml"  # pools included
PROJECT_HOME = CHECKOUT / ".dagster"


def use_dagster_home() -> str:
    """Point this process's runs at the instance, given the shipped config (pools included) when
    its folder is new or empty; returns the line that says where the runs are recorded."""
    given = os.environ.get("DAGSTER_HOME")
    if given:
        home = Path(given).expanduser().resolve()
    elif SHIPPED_INSTANCE.exists():
        home = PROJECT_HOME
    else:  # installed from a wheel, outside a checkout: nowhere obvious to keep history
        return "Dagster runs: not recorded (set DAGSTER_HOME to an instance folder to keep them)"
    if home.exists() and not home.is_dir():
        raise InputError(f"DAGSTER_HOME={home} is a file, not a folder")
    try:
        home.mkdir(parents=True, exist_ok=True)
        # a folder of the user's own (anything in it) keeps its config; a new one gets ours, written
        # whole and renamed by each CLI that finds it missing, so that none goes on without it
        others = [path for path in home.iterdir() if not path.name.startswith(".dagster.yaml.")]
        if SHIPPED_INSTANCE.exists() and not others:
            handle, partial = tempfile.mkstemp(prefix=".dagster.yaml.", dir=home)
            with os.fdopen(handle, "wb") as out:
                out.write(SHIPPED_INSTANCE.read_bytes())
            os.replace(partial, home / "dagster.yaml")
    except OSError as error:
        raise InputError(f"cannot make the Dagster instance folder {home}: {error.strerror}") from None
    os.environ["DAGSTER_HOME"] = str(home)  # Dagster wants it absolute
    return f"Dagster runs: recorded in {home} (`make dev` shows them)"
