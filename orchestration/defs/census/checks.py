"""Asset checks on the raw Census tables, evaluated by the ingest assets after each load."""

import dagster as dg

from orchestration.census.checks import CHECK_DESCRIPTIONS, CheckOutcome


def raw_check_specs(asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(name, asset=asset_key, description=text) for name, text in CHECK_DESCRIPTIONS.items()]


def to_check_result(asset_key: dg.AssetKey, outcome: CheckOutcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=outcome.metadata,
    )
