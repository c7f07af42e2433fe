"""Hourly station readings (监测站小时数据): read → validate → load into `readings`.

`load_readings()` is what `geoaq aq load`, uploads and the demo build call. The package reads
in this order, each module one concern:

* `spellings` — the pollutants and how headers and users spell them and their units;
* `times` — times, dates and hours from text (Beijing time, hourly);
* `formats` — recognising a file (national release, station file, year/month/day/hour file)
  and parsing it into candidate station-hours;
* `units` — declared and header units, conversion to µg/m³ (CO mg/m³) at the GB 3095-2012
  reference state of the hour, and the checks that refuse a file in the wrong unit;
* `load` — validating station-hours and values (rejects, duplicates, ceilings), merging them
  into `readings` in one transaction, and the `ReadingsReport`.

The CSV itself is read by `geoaq.ingest.csvtable`, as layers are. This module re-exports the
public names, so ``from geoaq.ingest.readings import load_readings`` is the usual import.
"""

from geoaq._errors import UnitError  # re-exported: readings callers catch it from here
from geoaq.ingest.readings.formats import FORMATS, STATION_CODE, detect_format
from geoaq.ingest.readings.load import CEILINGS, LAYER, Progress, ReadingsReport, load_readings
from geoaq.ingest.readings.spellings import (
    LABELS,
    POLLUTANTS,
    VALUE_COLUMNS,
    normalize_unit,
    pollutant_key,
)
from geoaq.ingest.readings.times import parse_times
from geoaq.ingest.readings.units import (
    CANONICAL_UNITS,
    MOLAR_MASS,
    MOLAR_VOLUME_BEFORE,
    MOLAR_VOLUME_FROM,
    REFERENCE_STATE_CHANGE,
    UNIT_DISPLAY,
    parse_units,
)

__all__ = [
    "CANONICAL_UNITS", "CEILINGS", "FORMATS", "LABELS", "LAYER", "MOLAR_MASS",
    "MOLAR_VOLUME_BEFORE", "MOLAR_VOLUME_FROM", "POLLUTANTS", "REFERENCE_STATE_CHANGE",
    "STATION_CODE", "UNIT_DISPLAY", "VALUE_COLUMNS", "Progress", "ReadingsReport", "UnitError",
    "detect_format", "load_readings", "normalize_unit", "parse_times", "parse_units",
    "pollutant_key",
]
