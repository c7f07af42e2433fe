"""The shipped 洛阳市 demo: `data/demo/manifest.toml` lists the loads that build it.

Every layer load (`[[load]]`) goes through the same `ingest()` a user's file does, every
readings load (`[[readings]]`, after the layers) through the same `load_readings()`, and the
emergency data (`[[emergency_list]]`, `[[emergency_warnings]]`, `[[emergency_inspections]]`,
last) through the loaders of `geoaq.emergency`. An embedded database is built in a temporary
file and moved into place only when every load succeeded, so a failed rebuild leaves the
previous demo database untouched. A DuckLake (a shared service's catalog) is built in place,
and only when it holds no data yet: a demo never mixes with a bureau's own loads.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from geoaq import config
from geoaq._errors import ConfigError, IngestError
from geoaq.db import backend, store
from geoaq.db import connection as db
from geoaq.db.named import run
from geoaq.demo.accounts import add_demo_accounts
from geoaq.ingest.layer import Progress, ingest
from geoaq.ingest.readings import load_readings

_LOAD_KEYS = {"layer", "file", "crs", "encoding", "map", "set", "synthetic", "source_layer"}
_READINGS_KEYS = {"file", "format", "station", "units", "encoding", "synthetic"}
_EMERGENCY_KEYS = {"file", "synthetic", "recorded_by"}
#: the emergency tables of the manifest, in the order they load (warnings before their findings)
EMERGENCY_KINDS = ("emergency_list", "emergency_warnings", "emergency_inspections")


@dataclass(frozen=True)
class DemoLoad:
    """One entry of the demo manifest."""

    layer: str
    file: Path
    crs: str | None = None
    encoding: str = "auto"
    column_map: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False
    source_layer: str | None = None


def read_manifest(demo_dir: Path | None = None) -> list[DemoLoad]:
    """The loads listed in `demo_dir/manifest.toml` (default: the shipped demo data,
    `config.demo_dir`), files resolved against `demo_dir`."""
    demo_dir = demo_dir or config.demo_dir()
    path = demo_dir / "manifest.toml"
    raw = tomllib.loads(path.read_text("utf-8"))
    loads = []
    for index, entry in enumerate(raw.get("load", [])):
        unknown = sorted(set(entry) - _LOAD_KEYS)
        if unknown or "layer" not in entry or "file" not in entry:
            raise IngestError(f"{path}: load #{index + 1} needs layer and file; unknown keys: {unknown}")
        loads.append(DemoLoad(
            layer=entry["layer"], file=demo_dir / entry["file"], crs=entry.get("crs"),
            encoding=entry.get("encoding", "auto"),
            column_map={k: str(v) for k, v in entry.get("map", {}).items()},
            constants={k: str(v) for k, v in entry.get("set", {}).items()},
            synthetic=bool(entry.get("synthetic", False)), source_layer=entry.get("source_layer"),
        ))
    return loads


@dataclass(frozen=True)
class DemoReadings:
    """One `[[readings]]` entry of the demo manifest (hourly station readings)."""

    file: Path
    format: str = "auto"
    station: str | None = None
    units: dict[str, str] = field(default_factory=dict)
    encoding: str = "auto"
    synthetic: bool = False
    layer: str = "readings"


def read_readings_manifest(demo_dir: Path | None = None) -> list[DemoReadings]:
    """The readings loads listed in `demo_dir/manifest.toml` (default `config.demo_dir`), files
    resolved against `demo_dir`."""
    demo_dir = demo_dir or config.demo_dir()
    path = demo_dir / "manifest.toml"
    raw = tomllib.loads(path.read_text("utf-8"))
    loads = []
    for index, entry in enumerate(raw.get("readings", [])):
        unknown = sorted(set(entry) - _READINGS_KEYS)
        if unknown or "file" not in entry:
            raise IngestError(f"{path}: readings #{index + 1} needs file; unknown keys: {unknown}")
        loads.append(DemoReadings(
            file=demo_dir / entry["file"], format=entry.get("format", "auto"),
            station=entry.get("station"), units={k: str(v) for k, v in entry.get("units", {}).items()},
            encoding=entry.get("encoding", "auto"), synthetic=bool(entry.get("synthetic", False)),
        ))
    return loads


@dataclass(frozen=True)
class DemoEmergency:
    """One emergency entry of the demo manifest: its kind (`EMERGENCY_KINDS`) and file."""

    kind: str
    file: Path
    synthetic: bool = False
    recorded_by: str = "geoaq demo"

    @property
    def layer(self) -> str:
        return self.kind


def read_emergency_manifest(demo_dir: Path | None = None) -> list[DemoEmergency]:
    """The emergency loads listed in `demo_dir/manifest.toml`, in `EMERGENCY_KINDS` order."""
    demo_dir = demo_dir or config.demo_dir()
    path = demo_dir / "manifest.toml"
    raw = tomllib.loads(path.read_text("utf-8"))
    loads = []
    for kind in EMERGENCY_KINDS:
        for index, entry in enumerate(raw.get(kind, [])):
            unknown = sorted(set(entry) - _EMERGENCY_KEYS)
            if unknown or "file" not in entry:
                raise IngestError(f"{path}: {kind} #{index + 1} needs file; unknown keys: {unknown}")
            loads.append(DemoEmergency(kind, demo_dir / entry["file"], bool(entry.get("synthetic", False)),
                                       str(entry.get("recorded_by", "geoaq demo"))))
    return loads


def _load_emergency(entry: DemoEmergency, con: db.Connection):
    """Load one emergency entry through its loader; a synthetic entry must load synthetic rows only."""
    from geoaq.emergency.alerts import load_warnings
    from geoaq.emergency.inspections import load_inspections
    from geoaq.emergency.reduction_list import load_list

    if entry.kind == "emergency_list":
        report = load_list(entry.file, con=con)
        if entry.synthetic and report.synthetic != report.loaded:
            raise IngestError(f"{entry.file}: the manifest marks it synthetic, but only {report.synthetic:,} of "
                              f"{report.loaded:,} rows carry synthetic = true")
        return report
    loader = load_warnings if entry.kind == "emergency_warnings" else load_inspections
    return loader(entry.file, con=con, recorded_by=entry.recorded_by)


def build_demo(
    db_path: str | Path | None = None,
    demo_dir: Path | None = None,
    *,
    on_report: Callable[[DemoLoad | DemoReadings | DemoEmergency, object], None] | None = None,
    progress: Progress | None = None,
    accounts_password: str | None = None,
) -> list:
    """(Re)build the demo database at `db_path` (default: the configured database) from
    `demo_dir` (default: the shipped demo data, `config.demo_dir()`): an embedded file is
    replaced, an empty DuckLake filled (`ConfigError` when it holds data).

    A `[[readings]]` entry marked synthetic must load only rows its file flags as synthetic.
    With `accounts_password`, the demo's accounts (`geoaq.demo.accounts`) get that password;
    without, the database has no account (make the first with `geoaq users add`).
    """
    if not backend.database(db_path).embedded:
        con = db.connect(db_path)
        try:
            refuse_if_loaded(con, backend.database(db_path).describe())
            reports = _load_all(con, demo_dir, on_report, progress)
            if accounts_password is not None:
                add_demo_accounts(con, accounts_password)
            return reports
        finally:
            con.close()
    target = config.db_path(db_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(target.name + ".building")
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = db.connect(building)
    try:
        reports = _load_all(con, demo_dir, on_report, progress)
        if accounts_password is not None:
            add_demo_accounts(con, accounts_password)
        run(con, "checkpoint")
    except BaseException:
        con.close()
        building.unlink(missing_ok=True)
        raise
    con.close()
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    os.replace(building, target)
    return reports


def refuse_if_loaded(con: db.Connection, shown: str) -> None:
    """Raise `ConfigError` when the database at `con` has recorded any load."""
    if store.table_exists(con, "ingest_runs") and run(con, "ingest_runs_count").fetchone()[0]:
        raise ConfigError(f"{shown} already holds data: the demo is only built into an empty "
                          "DuckLake (or an embedded file, which it replaces)")


def _load_all(con: db.Connection, demo_dir: Path | None,
              on_report: Callable[[DemoLoad | DemoReadings | DemoEmergency, object], None] | None,
              progress: Progress | None) -> list:
    """Every load of the manifest into `con`, in order; their reports."""
    reports: list = []
    for load in read_manifest(demo_dir):
        report = ingest(load.layer, load.file, con=con, crs=load.crs, encoding=load.encoding,
                        column_map=load.column_map or None, constants=load.constants or None,
                        source_layer=load.source_layer, progress=progress)
        reports.append(report)
        if on_report:
            on_report(load, report)
    for entry in read_readings_manifest(demo_dir):
        readings = load_readings(entry.file, con=con, fmt=entry.format, station=entry.station,
                                 units=entry.units or None, encoding=entry.encoding,
                                 progress=progress)
        if entry.synthetic and readings.synthetic != readings.loaded:
            raise IngestError(f"{entry.file}: the manifest marks it synthetic, but only "
                              f"{readings.synthetic:,} of {readings.loaded:,} station-hours "
                              "carry synthetic = true")
        reports.append(readings)
        if on_report:
            on_report(entry, readings)
    for item in read_emergency_manifest(demo_dir):
        report = _load_emergency(item, con)
        reports.append(report)
        if on_report:
            on_report(item, report)
    return reports
