"""Every exception geoaq raises on purpose, in one place.

Each derives from `GeoaqError` (so the command line and the app catch one type and show its
message in one line) and from the matching built-in (so callers can also catch broadly).
Messages name the file, row, column or key and say what was expected.
"""

from __future__ import annotations

import duckdb


class GeoaqError(Exception):
    """Base class of every error geoaq raises on purpose."""


# --- settings, rules and definitions -------------------------------------------------------

class ConfigError(GeoaqError, ValueError):
    """A setting (environment variable or site directory) is unusable; the message names it."""


class RulesError(GeoaqError, ValueError):
    """A rules file is missing or malformed: the message names the file, the key, what was
    found and what is allowed. Every problem of the file is listed, not only the first."""


class LayerDefinitionError(GeoaqError, ValueError):
    """A file in `layers/` is malformed: the message names the file and the key."""


class UnknownLayerError(GeoaqError, KeyError):
    """A layer name that is not in the registry; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class StandardError(RulesError):
    """A standards file is missing or malformed; the message names the file and key."""


class TargetsError(RulesError):
    """The targets file is malformed; the message names the file, the target and the key."""


class FireRulesError(RulesError):
    """The fire rules file is malformed; the message names the file and the key."""


class PenaltyRulesError(RulesError):
    """The penalty rules file is missing or malformed; the message names the file and key."""


class ClassMapError(RulesError):
    """The class-map TOML is missing or malformed: the message names the file and the key."""


class ComplianceRulesError(RulesError):
    """The compliance rules file is missing or malformed; the message names the file and key."""


class RouteRulesError(RulesError):
    """The route rules file is missing or malformed; the message names the file and key."""


class EmergencyRulesError(RulesError):
    """The heavy-pollution emergency rules file (emergency.toml) is missing or malformed; the
    message names the file and the key."""


class RankingRulesError(RulesError):
    """The rankings rules file (rankings.toml) is missing or malformed; the message names the
    file and the key."""


# --- database -------------------------------------------------------------------------------

class ExtensionError(GeoaqError, RuntimeError):
    """A DuckDB extension cannot be loaded from its wheel; the message names the wheel."""


class SpatialExtensionError(ExtensionError):
    """The DuckDB spatial extension cannot be loaded from its wheel."""


class LayerDataError(GeoaqError, ValueError):
    """A layer's stored data cannot serve a step: no table yet (load it first), a missing
    column, a key that is not unique."""


class DatabaseBusyError(GeoaqError, RuntimeError):
    """The database file is held by another process and was not released in time; the message
    names the process."""


class DatabaseUnavailableError(GeoaqError, RuntimeError):
    """The database cannot be opened (a DuckLake's catalog or data path unreachable); the
    message names it, never its password."""


class QueryError(GeoaqError, duckdb.Error):
    """A named query failed; the message carries the query's name and its parameters (also
    as ``name`` and ``params``), DuckDB's error is its cause. Also a ``duckdb.Error``, so code
    that catches DuckDB's errors keeps catching it."""

    def __init__(self, message: str, *, name: str | None = None, params: object = None) -> None:
        super().__init__(message)
        self.name = name
        self.params = params


class UnsafeIdentifierError(GeoaqError, ValueError):
    """A table or column name that is not a plain lower-case SQL identifier."""


# --- files in -------------------------------------------------------------------------------

class IngestError(GeoaqError, ValueError):
    """A whole file cannot be loaded (unreadable, empty, missing columns, CRS conflict).

    Nothing was written: the load runs in one transaction.
    """


class MissingColumnsError(IngestError):
    """Required columns are absent; the message names the file, the columns and those found."""


class CRSError(IngestError):
    """The coordinate reference system is unknown, conflicting or implausible for the data."""


class EncodingError(IngestError):
    """The file's bytes cannot be decoded with the detected or declared encoding."""


class UnitError(IngestError):
    """A file's values contradict the unit declared for them (or the default); nothing loaded."""


class UploadError(GeoaqError, ValueError):
    """An upload cannot be loaded as given (a shapefile part without its .shp, bad options)."""


class RasterError(GeoaqError):
    """A land-cover raster cannot be used; the message names the file."""


class RasterReadError(RasterError, OSError):
    """The raster file is missing or GDAL cannot read it."""


class RasterFormatError(RasterError, ValueError):
    """The raster is readable but not categorical: one band of integer codes, with a CRS."""


# --- accounts -------------------------------------------------------------------------------

class AccountError(GeoaqError, ValueError):
    """An account cannot be made or changed as asked (a name taken or malformed, an unknown
    role, a county user without a county, a password too weak); the message says which."""


class UnknownAccountError(AccountError, LookupError):
    """No account of that name or id."""


class SignInError(GeoaqError, PermissionError):
    """Signing in failed: a wrong name or password (never saying which), a locked or disabled
    account, or a session that ended or expired. `code` says which (wrong, locked, disabled,
    ended, expired) for the sign-in page's words; `until` is when a lock ends (UTC)."""

    def __init__(self, message: str, code: str = "wrong", until: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.until = until


class AccessDeniedError(GeoaqError, PermissionError):
    """The signed-in account may not do this (its role), or not here (its jurisdiction); the
    message names the account, its role and what was refused. Nothing was changed."""


# --- capabilities ---------------------------------------------------------------------------

class AqiInputError(GeoaqError, ValueError):
    """The frame lacks pollutant columns or names an unknown table; the message says which."""


class EvaluationError(GeoaqError, ValueError):
    """The input cannot be evaluated (missing columns, bad times, duplicates, bad arguments)."""


class FireInputError(GeoaqError, ValueError):
    """A fire query parameter (e.g. a confidence) is not understood; the message says why."""


class PenaltyInputError(GeoaqError, ValueError):
    """The events frame given to `assess`/`totals` lacks columns or holds unknown values."""


class VerificationError(GeoaqError, ValueError):
    """A status change was refused (bad status, reason, user or attribution); nothing was written."""


class UnknownFireEventError(VerificationError, LookupError):
    """The event id is not in `fire_events`."""


class EvidenceError(GeoaqError, ValueError):
    """An evidence file of a field check cannot be taken or read (the message names the file
    and what was expected); nothing was written."""


class EvidenceEmptyError(EvidenceError):
    """An evidence file holds no bytes."""


class EvidenceTooLargeError(EvidenceError):
    """An evidence file (or a submission's files) is larger than the limit
    (``GEOAQ_EVIDENCE_MAX_MB``, ``GEOAQ_EVIDENCE_MAX_FILES``)."""


class EvidenceTypeError(EvidenceError):
    """An evidence file's content is not of an allowed type (the type is detected from the
    bytes, never from the name or the browser); the message says what was detected."""


class EvidenceMissingError(EvidenceError, LookupError):
    """No evidence of that id, or its stored file is gone or no longer matches its checksum."""


class ComplianceInputError(GeoaqError, ValueError):
    """A compliance summary cannot be made as asked (unknown zone or district, bad period)."""


class RoutingInputError(GeoaqError, ValueError):
    """Input the route planner cannot use (no targets, bad matrix, zero hours, …)."""


class RouteFindingsError(GeoaqError, ValueError):
    """Route findings that cannot be recorded: an unknown plan or stop, a finding or check result
    that is not one of the allowed, a filled route sheet with bad rows (every problem named with
    its file, row and column, collected before reporting); nothing was written."""


class EmergencyInputError(GeoaqError, ValueError):
    """A heavy-pollution emergency step cannot be done as asked (a warning that ends before it
    starts, an unknown level or list version, a forecast with gaps); every problem is named and
    nothing was written."""


class UnknownWarningError(EmergencyInputError, LookupError):
    """The warning id is not in `emergency_warnings`."""


class RankingInputError(GeoaqError, ValueError):
    """A ranking, peer placement, progress or bulletin cannot be made as asked (a period that
    is not one of its kind, an unknown level, metric or peer table); the message says which
    and what is allowed."""


class UnknownPeerTableError(RankingInputError, LookupError):
    """No peer table of that name (and period) is loaded; the message lists those that are."""


# --- the app --------------------------------------------------------------------------------

class MissingAssetError(GeoaqError, FileNotFoundError):
    """``node_modules`` lacks a file the map needs (``npm ci`` has not run, or is stale)."""


class OfflineAssetError(GeoaqError, ValueError):
    """A map element wants a JS/CSS file that has no local copy, i.e. would hit a CDN."""


class UnknownBundle(GeoaqError, ValueError):
    """Streamlit's bundle is not laid out as geoaq expects (a Streamlit upgrade)."""


# --- scheduled feeds ------------------------------------------------------------------------

class FeedsRulesError(RulesError):
    """The feeds file (feeds.toml) is missing or malformed; the message names the file and key."""


class FeedError(GeoaqError, RuntimeError):
    """A feed cannot run or a request of it failed (no key, no area, a refused key, the rate
    limit, a truncated answer); the message says which, never the key itself."""


class FeedKeyError(FeedError):
    """The FIRMS MAP_KEY is missing or refused ("Invalid MAP_KEY"); nothing more is asked."""


class FeedRateLimitError(FeedError):
    """The FIRMS transaction budget of the window is spent; the rest waits for the next run."""


class FeedFetchError(FeedError):
    """One request failed: network, HTTP status, a slow or truncated answer, not the expected
    file. Nothing of it was loaded; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts
