"""One HTTP discipline for every API we call: a requests Session whose transport retries
(429/5xx, honouring Retry-After; read failures) are urllib3's `Retry`, an overall deadline per
request, and a host that cannot be reached reported at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from orchestration.core.errors import Unreachable, WarehouseError
from orchestration.core.settings import current_settings

T = TypeVar("T")

RETRY_STATUSES = (429, 500, 502, 503, 504)
# For a query that may be too large to answer, a timeout or a 500 is the server giving up on it:
# sending the same query again only waits as long again (Census: ~150-180 s each time).
SPLIT_RETRY_STATUSES = (429, 502, 503, 504)


def user_agent() -> str:
    """HTTP_USER_AGENT, or one naming the project (and its homepage when the package declares
    one). Never a library's default: the HTS host rejects those."""
    configured = current_settings().http_user_agent
    if configured:
        return configured
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("trade-warehouse")
    except PackageNotFoundError:
        return "trade-warehouse (U.S. trade and tariff warehouse)"
    urls = dict(entry.split(", ", 1) for entry in meta.get_all("Project-URL") or [] if ", " in entry)
    home = urls.get("Homepage") or urls.get("homepage")
    return f"trade-warehouse/{meta['Version']} (U.S. trade and tariff warehouse{f'; +{home}' if home else ''})"


class _Retry(Retry):
    """urllib3's Retry, except that a refused connection or a name that does not resolve is not
    tried again: offline, five backed-off retries per request only delay the one-line answer."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, NewConnectionError):
            raise MaxRetryError(_pool, url, error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)


class _SplitRetry(_Retry):
    """For a query that may be too large: a read timeout is the server giving up on it, so it is
    not sent again (the caller asks for its parts); a dropped connection is still retried."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, ReadTimeoutError):
            raise MaxRetryError(_pool, url, error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)


def retrying_session(
    max_retries: int,
    backoff_factor: float,
    *,
    statuses=RETRY_STATUSES,
    retry_timeouts: bool = True,
    methods: tuple[str, ...] = ("GET",),
) -> requests.Session:
    retry = (_Retry if retry_timeouts else _SplitRetry)(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        redirect=0,
        status_forcelist=statuses,
        allowed_methods=frozenset(methods),
        backoff_factor=backoff_factor,
        backoff_max=120,
        respect_retry_after_header=True,
        retry_after_max=600,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    session = requests.Session()
    session.headers["User-Agent"] = user_agent()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


class BadBody(Exception):
    """A 200 whose body is not what the API promises (truncated, not JSON): worth another attempt."""


class TooSlow(Exception):
    """No answer within the read timeout to a request sent with `splittable`: the caller asks for less."""


class ApiClient:
    """Transport retries from urllib3, plus a few more attempts when a body arrives broken.
    Every error is one line in our own words: requests' messages carry full URLs (and keys)."""

    api_name = "the API"
    error: type[WarehouseError] = WarehouseError
    base_url_setting = "the base URL"  # the setting to check when the host cannot be reached

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 180.0,
        max_retries: int = 5,
        backoff_factor: float = 2.0,
        body_attempts: int = 3,
        deadline: float = 300.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.deadline = deadline
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.body_attempts = body_attempts
        self.session = retrying_session(max_retries, backoff_factor)
        self.split_session = retrying_session(
            max_retries, backoff_factor, statuses=SPLIT_RETRY_STATUSES, retry_timeouts=False
        )

    def _call(
        self,
        url: str,
        params: list[tuple[str, str]] | str,
        shown: str,
        classify: Callable[..., T],
        *,
        splittable: bool = False,
    ) -> T:
        """`classify(response, shown)`, with a few more attempts for a broken body. A `splittable`
        request is not sent again after a read timeout or a 500: TooSlow, or classify decides."""
        last_problem = ""
        for attempt in range(1, self.body_attempts + 1):
            try:
                return classify(self._send(url, params, shown, splittable=splittable), shown)
            except BadBody as problem:
                last_problem = str(problem)
                if attempt < self.body_attempts:
                    time.sleep(min(self.backoff_factor * 2 ** (attempt - 1), 30))
        raise self.error(f"{last_problem} for {shown} after {self.body_attempts} attempts")

    def _send(
        self, url: str, params: list[tuple[str, str]] | str, shown: str, *, splittable: bool = False
    ) -> requests.Response:
        session = self.split_session if splittable else self.session
        try:
            response = session.get(url, params=params, timeout=self.timeout, allow_redirects=False, stream=True)
        except requests.exceptions.RetryError:
            raise self.error(f"{self.api_name} kept failing for {shown} after {self.max_retries} retries") from None
        except requests.exceptions.ConnectTimeout:
            raise self.error(f"could not connect to {self.api_name} for {shown} (timed out)") from None
        except (requests.exceptions.ReadTimeout, requests.exceptions.ChunkedEncodingError):
            raise BadBody(f"{self.api_name} stopped answering within {self.timeout[1]:g} s") from None
        except requests.exceptions.ConnectionError as error:
            reason = error.args[0] if error.args else None
            if not isinstance(reason, MaxRetryError):
                # The connection broke while the body was being read: another attempt may do.
                raise BadBody(f"{self.api_name} connection broke while sending the body") from None
            if isinstance(reason.reason, ReadTimeoutError):
                if splittable:
                    raise TooSlow(f"no answer within {self.timeout[1]:g} s") from None
                raise self.error(
                    f"{self.api_name} did not answer within {self.timeout[1]:g} s for {shown} "
                    f"after {self.max_retries} retries"
                ) from None
            if isinstance(reason.reason, NewConnectionError):
                raise Unreachable(
                    f"cannot reach {urlsplit(url).netloc}: {_why(reason.reason)} "
                    f"(check the network, a proxy, or {self.base_url_setting})"
                ) from None
            raise self.error(f"could not connect to {self.api_name} for {shown}") from None
        # from the headers on: urllib3's retries and Retry-After waits before them are not the body's
        response._content = self._read_body(response, time.monotonic() + self.deadline)
        return response

    def _read_body(self, response: requests.Response, deadline: float) -> bytes:
        """The body, chunk by chunk as it arrives, within the request's overall deadline: the read
        timeout alone never trips on a body that drips a byte at a time."""
        chunks = []
        try:
            while chunk := response.raw.read1(65536, decode_content=True):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise BadBody(
                        f"{self.api_name} sent its answer too slowly: not complete within the "
                        f"{self.deadline:g} s deadline per request"
                    )
        except ReadTimeoutError:
            raise BadBody(f"{self.api_name} stopped answering within {self.timeout[1]:g} s") from None
        except Urllib3Error:
            raise BadBody(f"{self.api_name} connection broke while sending the body") from None
        finally:
            response.close()
        return b"".join(chunks)


def _why(error: NewConnectionError) -> str:
    """'Connection refused', 'the name does not resolve', ... from urllib3's long message."""
    if type(error).__name__ == "NameResolutionError":
        return "the host name does not resolve"
    text = str(error).rsplit("Failed to establish a new connection: ", 1)[-1]
    return text.split("] ", 1)[-1] if text.startswith("[Errno") else text
