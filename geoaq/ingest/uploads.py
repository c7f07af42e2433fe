"""Files uploaded on the app's 数据管理 (data) page → the loaders the CLI uses.

The page hands over what the browser sent (a name and bytes per file); this module checks the
size, groups a shapefile's parts, writes each file under its own name into a fresh temporary
folder (the name matters: readers go by the suffix, a readings file may carry its station
code in its name, a shapefile needs its .shx/.dbf beside it), and calls
`geoaq.ingest.layer.ingest` for a layer or `geoaq.ingest.readings.load_readings` for hourly readings, in
one transaction each. The temporary folder is removed afterwards. A file that fails is
reported with its error; nothing of it was written, and the other files still load.

No Streamlit here: the page only lays out widgets, this is what the tests call.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from geoaq._errors import GeoaqError, UploadError
from geoaq.accounts.roles import MANAGE_DATA, Actor
from geoaq.ingest.readers import CSV_SUFFIXES, PARQUET_SUFFIXES, VECTOR_SUFFIXES

#: The target name of hourly readings (not a registry layer: `geoaq.ingest.readings`).
READINGS = "readings"
MB = 1024 * 1024  # Streamlit's upload limit counts MB of 1,048,576 bytes
#: Files that belong beside a .shp and are uploaded with it (same name, another suffix).
SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".fix")
#: What the uploader accepts for a layer (as the readers do) and for readings.
LAYER_SUFFIXES = tuple(sorted({*CSV_SUFFIXES, *VECTOR_SUFFIXES, *PARQUET_SUFFIXES, ".zip",
                               *SHAPEFILE_PARTS}))
READINGS_SUFFIXES = (".csv", ".txt", ".tsv", ".gz")
#: progress(stage, done, total), as ingest and load_readings call it.
Progress = Callable[[str, int, int], None]


class Uploaded(Protocol):
    """What Streamlit's UploadedFile offers (and what tests pass instead)."""

    name: str

    def getvalue(self) -> bytes: ...


@dataclass(frozen=True)
class UploadedBytes:
    """An uploaded file outside Streamlit: a name and its bytes."""

    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Outcome:
    """What became of one uploaded file (or one shapefile with its parts)."""

    name: str
    target: str
    ok: bool
    summary: str = ""
    error: str = ""
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows_read: int = 0
    loaded: int = 0
    rejected: int = 0
    parts: list[str] = field(default_factory=list)
    seconds: float = 0.0
    too_large: bool = False
    size_mb: float = 0.0


def safe_name(name: str) -> str:
    """The file name alone (no folders, whatever separator the browser used)."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base if base not in {"", ".", ".."} else "upload"


def size_of(upload: Uploaded) -> int:
    size = getattr(upload, "size", None)
    return int(size) if size is not None else len(upload.getvalue())


def oversize(uploads: Iterable[Uploaded], limit_mb: int) -> list[tuple[str, float]]:
    """(name, size in MB) of each file above `limit_mb` megabytes."""
    return [(safe_name(u.name), size_of(u) / MB) for u in uploads if size_of(u) > limit_mb * MB]


def group_files(names: Sequence[str]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Group a shapefile's parts with its .shp: ([(main name, [part names])], orphans).

    Every other file is a group of its own; a part (.shx, .dbf, .prj …) whose .shp was not
    uploaded with it is an orphan.
    """
    names = [safe_name(n) for n in names]
    stems = {n.lower().removesuffix(".shp"): n for n in names if n.lower().endswith(".shp")}
    groups: dict[str, list[str]] = {n: [] for n in names if not _is_part(n)}
    orphans = []
    for name in names:
        if not _is_part(name):
            continue
        main = stems.get(_part_stem(name))
        if main is None:
            orphans.append(name)
        else:
            groups[main].append(name)
    return list(groups.items()), orphans


def _is_part(name: str) -> bool:
    return Path(name.lower()).suffix in SHAPEFILE_PARTS


def _part_stem(name: str) -> str:
    return name.lower().rsplit(".", 1)[0]


def parse_pairs(text: str, what: str) -> dict[str, str]:
    """"a=b" pairs, one a line or separated by commas/；, as the CLI's --map/--set/--unit."""
    pairs = {}
    for item in text.replace("，", ",").replace("；", ",").replace(";", ",").replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.replace("＝", "=").partition("=")
        if not sep or not key.strip():
            raise UploadError(f"{what}: expected NAME=VALUE, got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def stage_fraction(stage: str, done: int, total: int) -> float:
    """How far one file's load is (0–1) from a progress call."""
    if stage == "reading":
        return 0.02
    if stage == "validating":
        return 0.05 + 0.75 * (done / total if total else 0.0)
    if stage == "writing":
        return 0.85
    return 1.0 if stage == "done" else 0.0


def load_uploads(target: str, uploads: Sequence[Uploaded], *, db: str | Path,
                 options: Mapping[str, object] | None = None, limit_mb: int | None = None,
                 progress: Callable[[str, float], None] | None = None,
                 actor: Actor | None = None) -> list[Outcome]:
    """Load every uploaded file into `target` (a registry layer or READINGS), one by one.

    `actor` (the app's signed-in account) must manage data (系统管理员): otherwise
    AccessDeniedError before any file is read or anything written.

    A file above `limit_mb` megabytes is not loaded (Outcome.too_large; a shapefile whose
    part is too large is left out whole).

    `options` are the loader's keyword arguments: for a layer crs, encoding, lon_col, lat_col,
    column_map, constants, source_layer; for readings fmt, station, units, encoding, hour_label.
    `progress(file name, overall fraction 0–1)` follows the loaders' progress callbacks.
    """
    if actor is not None:
        actor.require(MANAGE_DATA, "load files into the database")
    by_name = {}
    for upload in uploads:
        by_name.setdefault(safe_name(upload.name), upload)
    groups, orphans = group_files(list(by_name))
    outcomes = [Outcome(name=o, target=target, ok=False,
                        error=f"{o}: a shapefile part without its .shp; upload the .shp with its "
                              ".shx and .dbf (and .prj, .cpg) together, or all of them as one .zip")
                for o in orphans]
    if limit_mb is not None:
        large = dict(oversize(by_name.values(), limit_mb))
        for main, parts in [g for g in groups if large.keys() & {g[0], *g[1]}]:
            name = next(n for n in (main, *parts) if n in large)
            outcomes.append(Outcome(
                name=main, target=target, ok=False, too_large=True, size_mb=large[name], parts=parts,
                error=f"{name}: {large[name]:.1f} MB is above the upload limit of {limit_mb} MB; "
                      "not loaded (load larger files with geoaq ingest / geoaq aq load)"))
        groups = [g for g in groups if not large.keys() & {g[0], *g[1]}]
    report = progress or (lambda name, fraction: None)
    for index, (main, parts) in enumerate(groups):
        def notify(stage: str, done: int, total: int, _i: int = index, _name: str = main) -> None:
            report(_name, (_i + stage_fraction(stage, done, total)) / len(groups))

        outcomes.append(load_one(target, main, {n: by_name[n] for n in (main, *parts)}, db=db,
                                 options=options or {}, progress=notify))
        report(main, (index + 1) / len(groups))  # also after a file that failed early
    return outcomes


def load_one(target: str, main: str, files: Mapping[str, Uploaded], *, db: str | Path,
             options: Mapping[str, object], progress: Progress | None = None) -> Outcome:
    """Write `files` (main file + shapefile parts) into a temporary folder under their own
    names and load the main one; errors become a failed Outcome (nothing was written)."""
    t0 = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="geoaq-upload-"))
    path = folder / main
    try:
        for name, upload in files.items():
            (folder / name).write_bytes(upload.getvalue())
        report = _load(target, path, db=db, options=options, progress=progress)
    except GeoaqError as exc:
        return Outcome(name=main, target=target, ok=False, error=_shown(str(exc), folder),
                       parts=sorted(set(files) - {main}), seconds=time.perf_counter() - t0)
    except Exception as exc:  # an unforeseen reader error: still nothing written (one transaction)
        return Outcome(name=main, target=target, ok=False,
                       error=_shown(f"{type(exc).__name__}: {exc}", folder),
                       parts=sorted(set(files) - {main}), seconds=time.perf_counter() - t0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rejects = report.rejects.copy()
    rejects.insert(0, "file", main)
    return Outcome(name=main, target=target, ok=True, summary=_shown(report.summary(max_rejects=20), folder),
                   rejects=rejects, rows_read=int(report.rows_read), loaded=int(report.loaded),
                   rejected=int(report.rejected_rows), parts=sorted(set(files) - {main}),
                   seconds=time.perf_counter() - t0)


def _shown(text: str, folder: Path) -> str:
    """Messages name the uploaded file, not the temporary folder it was written to."""
    return text.replace(str(folder) + "/", "").replace(str(folder), "")


def _load(target: str, path: Path, *, db: str | Path, options: Mapping[str, object],
          progress: Progress | None):
    if target == READINGS:
        from geoaq.ingest.readings import load_readings

        allowed = {"fmt", "station", "units", "encoding", "hour_label"}
        return load_readings(path, db=db, progress=progress, source_name=path.name, **_only(options, allowed))
    from geoaq.ingest.layer import ingest

    allowed = {"crs", "encoding", "lon_col", "lat_col", "column_map", "constants", "source_layer"}
    return ingest(target, path, db=db, progress=progress, source_name=path.name, **_only(options, allowed))


def _only(options: Mapping[str, object], allowed: set[str]) -> dict[str, object]:
    unknown = set(options) - allowed
    if unknown:
        raise UploadError(f"unknown option(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
    return {k: v for k, v in options.items() if v not in (None, "", {})}


def rejects_table(rejects: pd.DataFrame) -> pd.DataFrame:
    """Stored rejects (`store.list_rejects`) with the file's name in front of its full path
    (uploads were loaded from a temporary folder that no longer exists)."""
    table = rejects.copy()
    if "source_file" in table.columns:
        table.insert(1 if "layer" in table.columns else 0, "file",
                     table["source_file"].map(lambda p: Path(str(p).split("!")[0]).name if pd.notna(p) else ""))
    return table
