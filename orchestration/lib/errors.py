"""Errors a user can act on. Every message is one line and never contains the API key."""


class WarehouseError(Exception):
    """Base class: the CLI prints `error: <message>` and exits non-zero."""


class InputError(WarehouseError):
    """A bad argument or setting given by the user."""


class Unreachable(WarehouseError):
    """The host refuses connections or its name does not resolve: trying again at once cannot help."""


class CensusApiError(WarehouseError):
    """The Census API failed or answered something unusable."""


class CensusNoData(CensusApiError):
    """HTTP 204: Census has no rows for the request (for a whole month: not published yet)."""


class CensusKeyError(CensusApiError):
    """A redirect or an HTML page instead of data: the API key is missing or invalid."""


class CensusQueryError(CensusApiError):
    """Census rejected the query with an `error: ...` text."""


class LandingError(WarehouseError):
    """The landing zone is incomplete or a landed file does not match its manifest."""


class ParseError(WarehouseError):
    """A response's header or cells cannot be turned into typed rows."""


class WarehouseBusy(WarehouseError):
    """Another process holds the DuckDB warehouse file."""


class HtsApiError(WarehouseError):
    """The USITC HTS service failed or answered something unusable."""
