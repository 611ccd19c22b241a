"""Errors a user can act on. Every message is one line and never contains the API key."""

import errno
from pathlib import Path


class WarehouseError(Exception):
    """Base class: the CLI prints `error: <message>` and exits non-zero."""


class WarehouseMissing(WarehouseError):
    """Nothing to read yet: the warehouse file, or the DuckLake's catalog, was never created."""


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


class CensusQueryTooLarge(CensusApiError):
    """The server gave up on a query (it timed out, or answered its query-error 500): ask for less."""


class CensusIncomplete(CensusApiError):
    """A month whose detail does not add up to its totals: something the server dropped."""


class LandingError(WarehouseError):
    """The landing zone is incomplete or a landed file does not match its manifest."""


class ParseError(WarehouseError):
    """A response's header or cells cannot be turned into typed rows."""


class WarehouseBusy(WarehouseError):
    """Another process holds the DuckDB warehouse file."""


class HtsApiError(WarehouseError):
    """The USITC HTS service failed or answered something unusable."""


class WitsApiError(WarehouseError):
    """The World Bank WITS service failed or answered something unusable."""


class WitsRequestRefused(WitsApiError):
    """WITS refused the request itself (4xx other than "no records", a redirect): asking again
    the same way cannot help."""


class StorageError(WarehouseError):
    """A write the disk refused (full, read-only): retrying at once cannot help."""


def first_line(error: BaseException) -> str:
    """An exception's first line, for one-line messages."""
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def is_disk_full(error: BaseException) -> bool:
    """ENOSPC from Python, or DuckDB's wording of it."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    return "no space left on device" in str(error).lower()


def write_failed(stage: str, path: Path, error: BaseException) -> StorageError:
    """One line naming the stage, the path and what to do, for a write that failed."""
    folder = Path(path).parent
    if is_disk_full(error):
        return StorageError(f"{stage}: the disk is full writing {path}: free space in {folder} and run it again")
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error).splitlines()[0]
    if isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"{stage}: cannot write {path}: {reason}: make {folder} writable")
    return StorageError(f"{stage}: cannot write {path}: {reason}")
