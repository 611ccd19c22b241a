"""One-line failure alerts to a webhook (Slack-compatible `{"text": ...}` body)."""

from __future__ import annotations

import requests


def failure_message(job_name: str, run_id: str, error: str | None, *, secrets: tuple[str, ...] = ()) -> str:
    first_line = " ".join((error or "no error message").split())[:300]
    for secret in secrets:
        if secret:
            first_line = first_line.replace(secret, "***")
    return f"trade-warehouse: run {run_id[:8]} of {job_name} failed: {first_line}"


def post_alert(url: str, message: str, *, timeout: float = 10.0) -> None:
    response = requests.post(url, json={"text": message}, timeout=timeout)
    response.raise_for_status()
