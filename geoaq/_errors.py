"""Exception types. Each subclasses the matching built-in so callers can catch broadly."""

from __future__ import annotations


class GeoaqError(Exception):
    """Base class of every error geoaq raises on purpose."""


class SpatialExtensionError(GeoaqError, RuntimeError):
    """The DuckDB spatial extension could be neither loaded from the wheel nor installed."""


class LayerDefinitionError(GeoaqError, ValueError):
    """A file in `layers/` is malformed: the message names the file and the key."""


class UnknownLayerError(GeoaqError, KeyError):
    """A layer name that is not in the registry; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


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
