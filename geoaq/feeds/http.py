"""HTTP for the feeds: one `requests.Session` with timeouts and retries, a download into a
file that refuses a short answer, and the masking of secrets in every message and log line.

Retries are urllib3's `Retry` (exponential back-off, ``Retry-After`` respected) on connection
errors, read timeouts and HTTP 500/502/503/504; nothing here sleeps in a loop of its own. An
answer shorter than its ``Content-Length`` (or a chunked answer cut off) is an error, so a
half-downloaded file is never loaded; the callers check the file's own shape as well
(`geoaq.feeds.files`).

Secrets (the FIRMS key) sit in request paths, so they would reach urllib3's debug and warning
lines ("Retrying … /api/area/csv/KEY/…") and exception texts: `hide` registers a secret with a
log filter on urllib3's loggers, and `mask` takes it (and anything shaped like a key in a FIRMS
URL) out of a text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from geoaq._errors import FeedFetchError
from geoaq.feeds.config import HttpSettings

MASK = "****"
#: HTTP statuses retried with back-off (a server or gateway that may recover)
RETRY_STATUSES = (500, 502, 503, 504)
#: the loggers that may write a request's URL
URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.response", "requests")
_KEY_IN_URL = (re.compile(r"(/api/[a-z_]+/csv/)[^/\s]+", re.IGNORECASE),
               re.compile(r"(MAP_KEY=)[^&\s'\"]+", re.IGNORECASE))
_SHOWN_BODY = 300
_SECRETS: set[str] = set()


def mask(text: object, secrets: Iterable[str] = ()) -> str:
    """`text` without any of `secrets` or of the registered ones (`hide`), and without
    whatever stands where FIRMS URLs carry a key."""
    shown = str(text)
    for secret in sorted({*_SECRETS, *secrets}, key=len, reverse=True):
        if secret:
            shown = shown.replace(secret, MASK)
    for pattern in _KEY_IN_URL:
        shown = pattern.sub(lambda m: m.group(1) + MASK, shown)
    return shown


class MaskingFilter(logging.Filter):
    """Rewrites a log record's message with `mask` (its arguments folded in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_FILTER = MaskingFilter()


def hide(secret: str | None) -> None:
    """Mask `secret` from now on in `mask` and in every line urllib3 and requests log."""
    if secret:
        _SECRETS.add(secret)
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def retry_policy(settings: HttpSettings) -> Retry:
    """`settings.retries` more tries after a network error or a retried status, waiting
    backoff_s × 2ⁿ between them."""
    n = settings.retries
    return Retry(total=n, connect=n, read=n, status=n, other=0, redirect=3,
                 backoff_factor=settings.backoff_s, status_forcelist=RETRY_STATUSES,
                 allowed_methods=frozenset({"GET"}), raise_on_status=False,
                 respect_retry_after_header=True)


def session(settings: HttpSettings) -> requests.Session:
    """A session whose every request is retried by `retry_policy`."""
    adapter = HTTPAdapter(max_retries=retry_policy(settings))
    client = requests.Session()
    client.mount("http://", adapter)
    client.mount("https://", adapter)
    client.headers["User-Agent"] = "geoaq-feeds"
    return client


@dataclass(frozen=True)
class Fetched:
    """A complete answer written to `path`."""

    path: Path
    size: int
    attempts: int


def _attempts(response: requests.Response) -> int:
    """How many tries the answer took (urllib3 keeps the history of retries)."""
    retries = getattr(response.raw, "retries", None)
    return 1 + len(getattr(retries, "history", ()) or ())


def _reason(exc: BaseException, settings: HttpSettings) -> str:
    """A network failure in words (masked)."""
    inner = exc.args[0] if exc.args else None
    reason = getattr(inner, "reason", inner)
    if isinstance(reason, urllib3.exceptions.NewConnectionError):  # a ConnectTimeoutError too
        return f"cannot connect ({mask(reason)})"
    if isinstance(exc, requests.Timeout) or isinstance(
            reason, urllib3.exceptions.TimeoutError | TimeoutError) or "timed out" in str(exc):
        return (f"no answer in time (connect {settings.connect_timeout_s:g} s, read "
                f"{settings.read_timeout_s:g} s)")
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect or the connection broke ({mask(reason or exc)})"
    return f"{type(exc).__name__}: {mask(exc)}"


def fetch(client: requests.Session, url: str, dest: Path, settings: HttpSettings) -> Fetched:
    """GET `url` into the file `dest` (overwritten). Raises `FeedFetchError` (masked) on a
    network error after the retries, an HTTP status other than 200 (its body's start in the
    message), or an answer shorter than its Content-Length or cut off."""
    shown = mask(url)
    tries = settings.retries + 1
    try:
        response = client.get(url, timeout=settings.timeout, stream=True)
    except requests.RequestException as exc:
        raise FeedFetchError(f"{shown}: {_reason(exc, settings)} after {tries} tries",
                             attempts=tries) from None
    with response:
        attempts = _attempts(response)
        if response.status_code != 200:
            body = _start_of(response)
            raise FeedFetchError(f"{shown}: HTTP {response.status_code} {response.reason or ''}"
                                 f"{': ' + body if body else ''}".rstrip(),
                                 status=response.status_code, attempts=attempts)
        declared = _content_length(response)
        size = 0
        try:
            with dest.open("wb") as out:
                for block in response.iter_content(1 << 16):
                    out.write(block)
                    size += len(block)
        except requests.RequestException as exc:
            raise FeedFetchError(f"{shown}: truncated answer (the connection broke off): "
                                 f"{_reason(exc, settings)}", status=200, attempts=attempts) from None
    if declared is not None and size != declared:
        raise FeedFetchError(f"{shown}: truncated answer: {size:,} of {declared:,} bytes "
                             "(Content-Length)", status=200, attempts=attempts)
    return Fetched(path=dest, size=size, attempts=attempts)


def get_json(client: requests.Session, url: str, settings: HttpSettings) -> object:
    """GET `url` and parse it as JSON; `FeedFetchError` (masked) when it is not."""
    shown = mask(url)
    try:
        response = client.get(url, timeout=settings.timeout)
    except requests.RequestException as exc:
        raise FeedFetchError(f"{shown}: {_reason(exc, settings)}") from None
    if response.status_code != 200:
        raise FeedFetchError(f"{shown}: HTTP {response.status_code}: {_start_of(response)}",
                             status=response.status_code, attempts=_attempts(response))
    try:
        return response.json()
    except ValueError:
        raise FeedFetchError(f"{shown}: not JSON: {_start_of(response)}", status=200,
                             attempts=_attempts(response)) from None


def _content_length(response: requests.Response) -> int | None:
    """The declared length of the body as it arrives (None when compressed or absent)."""
    if response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
        return None
    value = response.headers.get("Content-Length")
    return int(value) if value and value.strip().isdigit() else None


def _start_of(response: requests.Response) -> str:
    """The first characters of an error page, on one line, masked."""
    try:
        text = response.text
    except requests.RequestException:
        return ""
    return mask(" ".join(text.split()))[:_SHOWN_BODY]
