"""Resources shared by the assets. Settings come from the environment when a run uses them
(DESIGN.md: WAREHOUSE_PATH, LANDING_DIR, CENSUS_API_BASE_URL, CENSUS_API_KEY); a field set
here overrides the environment, which is how the tests and the CLI point a run elsewhere."""

from pathlib import Path

import dagster as dg

from orchestration.census.bulk_files import BulkFileClient
from orchestration.census.client import CensusClient, require_key
from orchestration.census.fetch import NoProgress
from orchestration.census.landing import LandingStore
from orchestration.core.settings import current_settings
from orchestration.defs.dbt.project import TradeDbtCliResource, dbt_executable, dbt_project
from orchestration.hts.client import HtsClient
from orchestration.hts.landing import HtsLandingStore
from orchestration.partners.landing import PartnerLandingStore
from orchestration.partners.wits import WitsClient


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file (default: $WAREHOUSE_PATH or data/warehouse.duckdb)."""

    path: str = ""

    def resolved_path(self) -> Path:
        return Path(self.path).expanduser().resolve() if self.path else current_settings().warehouse_path


class ServingResource(dg.ConfigurableResource):
    """Where the serving copy and the report go (default: $SERVING_PATH, $REPORTS_DIR)."""

    path: str = ""
    reports_dir: str = ""
    # publish over a copy made from another warehouse (refused otherwise)
    replace_other: bool = False

    def resolved_path(self) -> Path:
        return Path(self.path).expanduser().resolve() if self.path else current_settings().serving_path

    def resolved_reports_dir(self) -> Path:
        return Path(self.reports_dir).expanduser().resolve() if self.reports_dir else current_settings().reports_dir


class LandingResource(dg.ConfigurableResource):
    """The landing zone (default: $LANDING_DIR or data/landing)."""

    dir: str = ""

    def root(self) -> Path:
        return Path(self.dir).expanduser().resolve() if self.dir else current_settings().landing_dir

    def store(self) -> LandingStore:
        return LandingStore(self.root())

    def hts_store(self) -> HtsLandingStore:
        return HtsLandingStore(self.root())

    def partner_store(self) -> PartnerLandingStore:
        return PartnerLandingStore(self.root())


class CensusApiResource(dg.ConfigurableResource):
    """The Census international trade API; the key is read from CENSUS_API_KEY at run time and
    is never stored in run configuration."""

    base_url: str = ""
    connect_timeout: float = 10.0
    # unset: CENSUS_API_READ_TIMEOUT / CENSUS_API_MAX_RETRIES / CENSUS_API_BACKOFF, or 180 s, 5, 2.0
    read_timeout: float | None = None
    max_retries: int | None = None
    backoff_factor: float | None = None

    def client(self) -> CensusClient:
        """A client with the key from CENSUS_API_KEY; CensusKeyError at once when it is not set."""
        settings = current_settings()
        return self._client(
            read_timeout=self.read_timeout if self.read_timeout is not None else settings.census_read_timeout,
            max_retries=self.max_retries if self.max_retries is not None else settings.census_max_retries,
            backoff_factor=self.backoff_factor if self.backoff_factor is not None else settings.census_backoff,
            deadline=settings.census_request_deadline,
        )

    def probe_client(self) -> CensusClient:
        """For a schedule's or sensor's quick question (is a month out?): one retry, 30 s, so that
        an outage gives an error inside Dagster's tick time limit instead of waiting minutes."""
        backoff = self.backoff_factor if self.backoff_factor is not None else 1.0
        return self._client(read_timeout=30.0, max_retries=1, backoff_factor=backoff)

    def _client(self, **patience) -> CensusClient:
        settings = current_settings()
        return CensusClient(
            self.base_url or settings.census_api_base_url,
            require_key(settings.census_api_key),
            connect_timeout=self.connect_timeout,
            **patience,
        )


class CensusBulkResource(dg.ConfigurableResource):
    """The Census bulk files site (default: $CENSUS_BULK_BASE_URL or
    https://www.census.gov/trade/downloads); no key is needed."""

    base_url: str = ""
    read_timeout: float = 120.0
    max_retries: int = 5
    backoff_factor: float = 2.0

    def client(self) -> BulkFileClient:
        return BulkFileClient(
            self.base_url or current_settings().census_bulk_base_url,
            timeout=self.read_timeout,
            max_retries=self.max_retries,
            backoff=self.backoff_factor,
        )


class HtsApiResource(dg.ConfigurableResource):
    """The USITC HTS REST service (default: $HTS_API_BASE_URL or https://hts.usitc.gov/reststop)."""

    base_url: str = ""
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    max_retries: int = 5
    backoff_factor: float = 2.0

    def client(self) -> HtsClient:
        return HtsClient(
            self.base_url or current_settings().hts_api_base_url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_retries=self.max_retries,
            backoff_factor=self.backoff_factor,
        )


class WitsApiResource(dg.ConfigurableResource):
    """The World Bank WITS API, TRAINS tariffs (default: $WITS_API_BASE_URL or
    https://wits.worldbank.org/API/V1); no key is needed."""

    base_url: str = ""
    connect_timeout: float = 10.0
    # a product/ALL answer for one reporter-year takes seconds to minutes live
    read_timeout: float = 300.0
    max_retries: int = 5
    backoff_factor: float = 2.0

    def client(self) -> WitsClient:
        return WitsClient(
            self.base_url or current_settings().wits_api_base_url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_retries=self.max_retries,
            backoff_factor=self.backoff_factor,
        )


class ProgressResource(dg.ConfigurableResource):
    """Where ingest reports its steps. Silent in Dagster (the UI shows the run); the CLI swaps
    in a progress bar."""

    def reporter(self):
        return NoProgress()


def default_resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(),
        "serving": ServingResource(),
        "landing": LandingResource(),
        "census": CensusApiResource(),
        "census_bulk": CensusBulkResource(),
        "hts": HtsApiResource(),
        "wits": WitsApiResource(),
        "progress": ProgressResource(),
        "dbt": TradeDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=default_resources())
