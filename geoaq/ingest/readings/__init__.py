"""Hourly station readings (监测站小时数据): read → validate → load into `readings` (see `load`)."""

from geoaq._errors import UnitError  # re-exported: readings callers catch it from here
from geoaq.ingest.readings.load import (
    CANONICAL_UNITS,
    CEILINGS,
    FORMATS,
    LABELS,
    LAYER,
    MOLAR_MASS,
    MOLAR_VOLUME_BEFORE,
    MOLAR_VOLUME_FROM,
    POLLUTANTS,
    REFERENCE_STATE_CHANGE,
    STATION_CODE,
    UNIT_DISPLAY,
    VALUE_COLUMNS,
    Progress,
    ReadingsReport,
    detect_format,
    load_readings,
    normalize_unit,
    parse_times,
    parse_units,
    pollutant_key,
)

__all__ = [
    "CANONICAL_UNITS", "CEILINGS", "FORMATS", "LABELS", "LAYER", "MOLAR_MASS",
    "MOLAR_VOLUME_BEFORE", "MOLAR_VOLUME_FROM", "POLLUTANTS", "REFERENCE_STATE_CHANGE",
    "STATION_CODE", "UNIT_DISPLAY", "VALUE_COLUMNS", "Progress", "ReadingsReport", "UnitError",
    "detect_format", "load_readings", "normalize_unit", "parse_times", "parse_units",
    "pollutant_key",
]
