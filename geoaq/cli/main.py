"""The `geoaq` command line: ingest files, list rejects, build the demo, list layers.

Every command takes `--db PATH` (default `$GEOAQ_DB`, else `data/geoaq.duckdb`). Errors are
one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from geoaq import config
from geoaq._errors import GeoaqError
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.layers import load_registry

DB_OPTION = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="DuckDB file (default: $GEOAQ_DB, else data/geoaq.duckdb).",
)


def _friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn geoaq's deliberate errors into `error: …` and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except GeoaqError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected COLUMN=VALUE, got {item!r}", param_hint=option)
        pairs[key.strip()] = value.strip()
    return pairs


class _ProgressBar:
    """A tqdm bar on stderr fed by ingest's progress callback (hidden when not a terminal)."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None and stage != "reading":
            self.bar = tqdm(total=total, unit=" rows", unit_scale=True, file=sys.stderr,
                            disable=None, leave=False)
        if self.bar is not None:
            self.bar.set_description(stage)
            self.bar.update(done - self.bar.n)
            if stage == "done":
                self.bar.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """geoaq: air-pollution governance on a map (stations, mines, control zones,
    enterprises, satellite fire points) in one DuckDB file."""


@main.command()
@click.argument("layer")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--crs", default=None, help="Source CRS: EPSG:xxxx, gcj02 or bd09 (default: the file's own, else the layer's).")
@click.option("--encoding", default="auto", show_default=True, help="auto, utf-8 or gbk.")
@click.option("--lon-col", default=None, help="Longitude column (when not recognised by name).")
@click.option("--lat-col", default=None, help="Latitude column (when not recognised by name).")
@click.option("--map", "mappings", multiple=True, metavar="COLUMN=FILE_COLUMN",
              help="Take a layer column from a differently named file column (repeatable).")
@click.option("--set", "constants", multiple=True, metavar="COLUMN=VALUE",
              help="Give a column the file lacks one value for every row (repeatable).")
@click.option("--source-layer", default=None, help="Layer inside a multi-layer GeoPackage.")
@DB_OPTION
@_friendly_errors
def ingest(layer: str, path: str, crs: str | None, encoding: str, lon_col: str | None,
           lat_col: str | None, mappings: tuple[str, ...], constants: tuple[str, ...],
           source_layer: str | None, db_path: str | None) -> None:
    """Load PATH into LAYER; bad rows go to the rejects table with the reason."""
    from geoaq.ingest.layer import ingest as run_ingest

    report = run_ingest(
        layer, path, db=db_path, crs=crs, encoding=encoding, lon_col=lon_col, lat_col=lat_col,
        column_map=_pairs(mappings, "--map") or None, constants=_pairs(constants, "--set") or None,
        source_layer=source_layer, progress=_ProgressBar(),
    )
    click.echo(report.summary())


@main.command()
@click.option("--layer", default=None, help="Only this layer's rejects.")
@click.option("--format", "output", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@DB_OPTION
@_friendly_errors
def rejects(layer: str | None, output: str, db_path: str | None) -> None:
    """List rejected rows: file, row, column, value and reason (newest load first)."""
    con = db.connect(db_path)
    try:
        frame = store.list_rejects(con, layer)
    finally:
        con.close()
    if output == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif frame.empty:
        click.echo("no rejects" + (f" for layer {layer}" if layer else ""))
    else:
        click.echo(frame.drop(columns=["rejected_at"]).to_string(index=False))


@main.command()
@DB_OPTION
@_friendly_errors
def demo(db_path: str | None) -> None:
    """(Re)build the 洛阳市 demo database from data/demo/ (real files + 演示数据)."""
    from geoaq.demo.build import build_demo

    target = config.db_path(db_path)
    click.echo(f"building the demo database {target} …")

    def _show(load, report) -> None:
        tag = " [演示数据]" if load.synthetic else ""
        click.echo(f"  {report.layer:<14} {load.file.name}{tag}: loaded {report.loaded:,}, "
                   f"rejected {report.rejected_rows:,} ({report.seconds:.1f} s)")

    reports = build_demo(db_path, on_report=_show, progress=_ProgressBar())
    click.echo(f"done: {len(reports)} files, {sum(r.loaded for r in reports):,} rows → {target}")


@main.command()
@DB_OPTION
@_friendly_errors
def layers(db_path: str | None) -> None:
    """List the registered layers with their row counts."""
    registry = load_registry()
    path = config.db_path(db_path)
    counts: dict[str, tuple[int, int]] = {}
    if path.exists():
        con = db.connect(path, read_only=True)
        try:
            counts = store.layer_counts(con, list(registry.values()))
        finally:
            con.close()
    for name, spec in registry.items():
        rows, synthetic = counts.get(name, (0, 0))
        extra = f" (演示数据 {synthetic:,})" if synthetic else ""
        click.echo(f"{name:<14} {spec.title_zh} / {spec.title_en}: {rows:,} rows{extra}  "
                   f"[{', '.join(spec.geometry_types)}; key {'+'.join(spec.natural_key)}]")


def _date(value: str, option: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=option) from None


def _emit(frame, output: str) -> None:
    """Print a result table as an aligned table, CSV or JSON (lists kept as JSON arrays)."""
    if output == "csv":
        flat = frame.copy()
        for column in flat.columns:
            if flat[column].map(lambda v: isinstance(v, list)).any():
                flat[column] = flat[column].map(lambda v: "、".join(map(str, v)) if isinstance(v, list) else v)
        click.echo(flat.to_csv(index=False), nl=False)
    elif output == "json":
        click.echo(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
    elif frame.empty:
        click.echo("(none)")
    else:
        click.echo(frame.to_string(index=False, na_rep="—"))


PERIOD_OPTIONS = [
    click.option("--start", required=True, help="First Beijing day, YYYY-MM-DD."),
    click.option("--end", required=True, help="Last Beijing day, YYYY-MM-DD (inclusive)."),
]


def _period(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(PERIOD_OPTIONS):
        command = option(command)
    return command


@main.group()
def fires() -> None:
    """Satellite fire events: check, penalties, verification, township notice."""


@fires.command("check")
@_period
@click.option("--min-confidence", default=None, help="low|nominal|high, l|n|h, or a MODIS 0-100 value.")
@click.option("--figures", type=click.Choice(["suspected", "verified"]), default="suspected",
              show_default=True, help="Penalise all not-dismissed events, or verified ones only.")
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@DB_OPTION
@_friendly_errors
def fires_check(start: str, end: str, min_confidence: str | None, figures: str, output: str,
                db_path: str | None) -> None:
    """Every fire event of the period: county, township, zones, nearest enterprise/mine,
    category, status, penalty (times in Beijing time)."""
    from geoaq.fires.check import check_fires

    first, last = _date(start, "--start"), _date(end, "--end")
    con = db.connect(db_path)
    try:
        checked = check_fires(con, first, last, min_confidence=min_confidence, figures=figures)
    finally:
        con.close()
    if output == "table":
        shown = checked[["event_id", "first_detected_bjt", "lon", "lat", "detections", "satellites",
                         "county_name", "township_name", "zone_types", "nearest_enterprise_name",
                         "nearest_enterprise_m", "category", "status", "penalty_yuan"]].copy()
        shown["lon"], shown["lat"] = shown["lon"].round(5), shown["lat"].round(5)
        shown["nearest_enterprise_m"] = shown["nearest_enterprise_m"].round(0)
        shown["zone_types"] = shown["zone_types"].map("、".join)
        click.echo(f"fire events {first} – {last} (Beijing time): {len(checked)}; "
                   f"penalties ({figures} figures): {int(checked['penalty_yuan'].sum()):,} 元")
        _emit(shown, output)
    else:
        _emit(checked, output)


@fires.command("penalties")
@_period
@click.option("--figures", type=click.Choice(["suspected", "verified"]), default="suspected", show_default=True)
@click.option("--by", type=click.Choice(["county", "township"]), default="township", show_default=True)
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@DB_OPTION
@_friendly_errors
def fires_penalties(start: str, end: str, figures: str, by: str, output: str, db_path: str | None) -> None:
    """Penalty totals (扣减财力, 元) per county or township with the events behind each amount."""
    from geoaq.fires import penalties
    from geoaq.fires.check import check_fires

    first, last = _date(start, "--start"), _date(end, "--end")
    con = db.connect(db_path)
    try:
        checked = check_fires(con, first, last, figures=figures)
    finally:
        con.close()
    levels = ("county",) if by == "county" else ("county", "township")
    totals = penalties.totals(checked, by=levels)
    if output == "table":
        click.echo(f"penalties {first} – {last} (Beijing time), {figures} figures, 元:")
    _emit(totals, output)


@fires.command("density")
@_period
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@DB_OPTION
@_friendly_errors
def fires_density(start: str, end: str, output: str, db_path: str | None) -> None:
    """Straw-burning events per 1,000 ha of cropland per county (land-cover raster)."""
    from geoaq.fires.check import check_fires, fires_per_cropland

    first, last = _date(start, "--start"), _date(end, "--end")
    con = db.connect(db_path)
    try:
        table = fires_per_cropland(con, check_fires(con, first, last))
    finally:
        con.close()
    if output == "table":
        click.echo(f"straw-burning events per 1,000 ha of cropland, {first} – {last} (Beijing time):")
    _emit(table, output)


@fires.command("set-status")
@click.argument("event_id")
@click.argument("status")
@click.option("--by", "changed_by", required=True, help="Who decides (name or account).")
@click.option("--reason", default=None, help="For dismissed: industrial_heat_source, not_a_fire, duplicate, outside_jurisdiction (or 工业热源/非火点/重复/非本辖区).")
@click.option("--note", default=None)
@click.option("--county", default=None, help="Corrected county adcode.")
@click.option("--township", default=None, help="Corrected township adcode.")
@DB_OPTION
@_friendly_errors
def fires_set_status(event_id: str, status: str, changed_by: str, reason: str | None, note: str | None,
                     county: str | None, township: str | None, db_path: str | None) -> None:
    """Mark EVENT_ID suspected|verified|dismissed (疑似/核定/排除); history is kept."""
    from geoaq.fires import verification

    con = db.connect(db_path)
    try:
        change = verification.set_status(con, event_id, status, changed_by=changed_by, reason=reason,
                                         note=note, county_adcode=county, township_adcode=township)
        current = verification.current_status(con, [event_id]).iloc[0]
    finally:
        con.close()
    click.echo(f"{event_id}: {current['status']} (change #{change} by {changed_by})")


@fires.command("history")
@click.argument("event_id")
@DB_OPTION
@_friendly_errors
def fires_history(event_id: str, db_path: str | None) -> None:
    """Every status change of EVENT_ID, oldest first."""
    from geoaq.fires import verification

    con = db.connect(db_path)
    try:
        _emit(verification.history(con, event_id), "table")
    finally:
        con.close()


@fires.command("notice")
@_period
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="Output file: .xlsx or .csv.")
@click.option("--county", default=None, help="Only this county (adcode).")
@click.option("--figures", type=click.Choice(["suspected", "verified"]), default="suspected", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@DB_OPTION
@_friendly_errors
def fires_notice(start: str, end: str, out_path: str, county: str | None, figures: str, lang: str,
                 db_path: str | None) -> None:
    """Write the township notice (county, township, lon, lat, Beijing time, satellite, zone,
    category, status) as Excel or CSV."""
    from pathlib import Path

    from geoaq.fires.check import check_fires
    from geoaq.fires.notice import notice_table, notice_title, write_notice

    first, last = _date(start, "--start"), _date(end, "--end")
    con = db.connect(db_path)
    try:
        checked = check_fires(con, first, last, figures=figures)
    finally:
        con.close()
    if county:
        checked = checked[checked["county_adcode"] == county]
    table = notice_table(checked, lang)
    written = write_notice(table, Path(out_path), notice_title(first, last, lang))
    click.echo(f"{len(table)} events → {written}")


@main.group()
def aq() -> None:
    """Air quality: hourly station readings (load), and what is computed from them."""


@aq.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["auto", "national", "station", "ymdh"]),
              default="auto", show_default=True,
              help="national: CNEMC china_sites_YYYYMMDD.csv; station: a time column and pollutant "
                   "columns; ymdh: year/month/day/hour columns (UCI Beijing).")
@click.option("--station", default=None, metavar="CODE",
              help="Station code for files without a station code column (e.g. 1003A).")
@click.option("--unit", "units", multiple=True, metavar="POLLUTANT=UNIT",
              help="The file's unit of a pollutant: ug/m3, mg/m3, ppm or ppb (repeatable), e.g. "
                   "--unit co=ug/m3. Stored as µg/m³, CO mg/m³.")
@click.option("--encoding", type=click.Choice(["auto", "utf-8", "gbk"], case_sensitive=False),
              default="auto", show_default=True)
@DB_OPTION
@_friendly_errors
def aq_load(paths: tuple[str, ...], fmt: str, station: str | None, units: tuple[str, ...],
            encoding: str, db_path: str | None) -> None:
    """Load hourly readings files (PATH...) into the readings table, each in its own
    transaction; bad rows and values go to the rejects table (geoaq rejects --layer readings)."""
    from geoaq.ingest.readings import load_readings, parse_units

    declared = _pairs(units, "--unit") or None
    parse_units(declared)  # a misspelt unit fails before any file is read
    options = {"fmt": fmt, "station": station, "units": declared, "encoding": encoding}
    failed: list[str] = []

    def _load_one(path: str, **target: Any) -> None:
        try:
            report = load_readings(path, **target, **options, progress=_ProgressBar())
        except GeoaqError as exc:
            if len(paths) == 1:
                raise
            failed.append(path)
            click.echo(f"error: {exc}", err=True)
            return
        click.echo(report.summary())

    if len(paths) == 1:  # the database is opened only once the file has been read
        _load_one(paths[0], db=db_path)
        return
    con = db.connect(db_path)
    try:
        for path in paths:
            _load_one(path, con=con)
    finally:
        con.close()
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(paths)} files were not loaded "
                                   f"(nothing of them was written): {', '.join(failed)}")


def _codes(value: str | None) -> list[str] | None:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None


@aq.command("hourly")
@_period
@click.option("--stations", default=None, help="Comma-separated station codes (default: all).")
@click.option("--standard", default="2012", show_default=True, help="Standards version (data/standards/).")
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@DB_OPTION
@_friendly_errors
def aq_hourly(start: str, end: str, stations: str | None, standard: str, output: str, db_path: str | None) -> None:
    """Hourly AQI (HJ 633 real-time rule) per station: AQI, primary pollutant, level, IAQIs."""
    from geoaq.aq import readings as airquality

    first, last = _date(start, "--start"), _date(end, "--end")
    con = db.connect(db_path, read_only=True)
    try:
        table = airquality.hourly_table(con, first, last, _codes(stations), standard)
    finally:
        con.close()
    if output == "table":
        click.echo(f"hourly AQI {first} – {last} (Beijing time), standard {standard}: {len(table):,} station-hours")
    _emit(table, output)


@aq.command("evaluate")
@_period
@click.option("--by", type=click.Choice(["station", "city", "district"]), default="station", show_default=True)
@click.option("--standard", default="2012", show_default=True)
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@DB_OPTION
@_friendly_errors
def aq_evaluate(start: str, end: str, by: str, standard: str, output: str, db_path: str | None) -> None:
    """HJ 663 evaluation of the period per station, city or district (数据不足 where data are short)."""
    from geoaq.aq import readings as airquality

    first, last = _date(start, "--start"), _date(end, "--end")
    con = db.connect(db_path, read_only=True)
    try:
        table = airquality.evaluate_period(con, first, last, by=by, standard=standard)
    finally:
        con.close()
    if output == "table":
        click.echo(f"HJ 663 evaluation {first} – {last} (Beijing time) by {by}, standard {standard} "
                   "(µg/m³; CO mg/m³; ratios in %):")
        shown = ["station_code" if by == "station" else by, "pm25_mean", "pm10_mean", "so2_mean", "no2_mean",
                 "co_p95", "o3_8h_p90", "good_day_ratio", "heavy_days", "composite_index", "attainment", "status"]
        table = table[[c for c in shown if c in table.columns]].round(2)
    _emit(table, output)


@main.command()
@_period
@click.option("--zone", "zone_id", default=None, help="Only this control zone (zone_id).")
@click.option("--district", default=None, help="Only this county (adcode).")
@click.option("--standard", default="2012", show_default=True)
@click.option("--format", "output", type=click.Choice(["table", "csv", "xlsx"]), default="table", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="File for csv/xlsx (default: compliance_START_END.<format>).")
@DB_OPTION
@_friendly_errors
def report(start: str, end: str, zone_id: str | None, district: str | None, standard: str, output: str,
           out_path: str | None, db_path: str | None) -> None:
    """Zone compliance summary (达标评估): each city, county, control zone and enterprise cluster
    against the plans' targets, with every reason."""
    from pathlib import Path

    from geoaq.compliance import summary as compliance
    from geoaq.tables import write_table

    first, last = _date(start, "--start"), _date(end, "--end")
    con = db.connect(db_path)
    try:
        summary = compliance.summarize(con, first, last, zone_id=zone_id, district=district, standard=standard)
    finally:
        con.close()
    if summary.empty:
        raise click.ClickException(f"nothing to report: no zone {zone_id!r} / district {district!r}"
                                   if zone_id or district else "nothing to report: no zones, counties or cities")
    flat = compliance.flatten(summary)
    title = f"达标评估 {first} 至 {last}（北京时间，标准 {standard}）"
    if output == "table":
        click.echo(title)
        for row in summary.itertuples():
            click.echo(f"\n[{row.status}] {row.scope_name} ({row.scope_type} {row.scope_id}, {row.scope_kind})")
            click.echo(f"  fire events {row.fire_events} (verified {row.fire_events_verified}), penalties "
                       f"{row.penalty_yuan:,} 元; enterprises {row.enterprises}; coal users in ban zones "
                       f"{len(row.coal_users)}; mines {row.mines}; stations {', '.join(row.stations) or '—'}")
            for reason in row.reasons:
                click.echo(f"  - {reason}")
            for line in row.sensitive_areas:
                click.echo(f"  · 敏感区 {line}")
        return
    path = Path(out_path or f"compliance_{first}_{last}.{output}")
    written = write_table(flat, path, title, "达标评估")
    click.echo(f"{len(flat)} scopes → {written}")


# --- geoaq route: inspection routes (巡查路线) -----------------------------------------------


@main.command("route")
@click.option("--teams", "team_count", type=int, default=1, show_default=True, help="Number of inspection teams.")
@click.option("--start", default=None, metavar="LON,LAT",
              help="Where every team starts (WGS-84; default: the depot of data/rules/routes.toml).")
@click.option("--end", default=None, metavar="LON,LAT", help="Where every team ends (default: its start).")
@click.option("--hours", type=float, default=None, help="Working hours per team (default: routes.toml).")
@click.option("--speed", type=float, default=None, help="Driving speed, km/h (default: routes.toml).")
@click.option("--matrix", "matrix_path", type=click.Path(dir_okay=False), default=None,
              help="Square CSV distance/time matrix in the order of the targets (N x N, or N+K with the "
                   "K depots after the targets).")
@click.option("--matrix-unit", type=click.Choice(["m", "km", "s", "min"]), default="m", show_default=True,
              help="Unit of --matrix: distances (m, km) are driven at the team speed; times (s, min) are used as given.")
@click.option("--road-graph", type=click.Path(dir_okay=False), default=None,
              help="Local road graph: GraphML, or GeoJSON/GeoPackage lines with speed_kmh.")
@click.option("--targets", "targets_path", type=click.Path(dir_okay=False), default=None,
              help="Targets file: CSV with lon/lat (经度/纬度) or GeoJSON/GeoPackage points.")
@click.option("--from-findings", "findings_day", default=None, metavar="DATE",
              help="Collect the targets of this Beijing day (YYYY-MM-DD) from the database: unverified "
                   "fire events, flagged enterprises, mines under rectification.")
@click.option("--pick", "picks", multiple=True, metavar="LON,LAT[,NAME]", help="Add a point (repeatable).")
@click.option("--draw", "draws", multiple=True, metavar="CATEGORY=N",
              help="双随机 draw: enterprises=N, enterprises:<industry>=N, mines=N (repeatable).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the 双随机 draw.")
@click.option("--date", "day_text", default=None, help="Date of the routes (default: --from-findings or today).")
@click.option("--format", "output", type=click.Choice(["table", "csv", "gpx", "kml", "html"]), default="table",
              show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="File for csv/gpx/kml/html (default: standard output).")
@click.option("--coords", type=click.Choice(["wgs84", "gcj02", "bd09"]), default="wgs84", show_default=True,
              help="Coordinates written to files (gcj02 for AMap/Tencent-based phone apps, bd09 for Baidu).")
@click.option("--work-limit", type=int, default=None, help="Search steps (deterministic stop; default routes.toml).")
@click.option("--time-limit", type=float, default=None, help="Safety cap on search seconds (default routes.toml).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@DB_OPTION
@_friendly_errors
def route(team_count: int, start: str | None, end: str | None, hours: float | None, speed: float | None,
          matrix_path: str | None, matrix_unit: str, road_graph: str | None, targets_path: str | None,
          findings_day: str | None, picks: tuple[str, ...], draws: tuple[str, ...], seed: int,
          day_text: str | None, output: str, out_path: str | None, coords: str, work_limit: int | None,
          time_limit: float | None, lang: str, db_path: str | None) -> None:
    """Inspection routes: order the day's targets into one route per team within the working day
    (OR-Tools), and print or export them (table, CSV, GPX, KML, printable HTML)."""
    from datetime import date as _date_type
    from pathlib import Path

    from geoaq.routes import export as route_export
    from geoaq.routes import targets as route_targets
    from geoaq.routes.inputs import parse_lonlat
    from geoaq.routes.plan import plan_routes
    from geoaq.routes.rules import load_route_rules, make_teams

    if targets_path and findings_day:
        raise click.UsageError("give --targets or --from-findings, not both")
    rules = load_route_rules()
    day = _date(day_text, "--date") if day_text else (_date(findings_day, "--from-findings") if findings_day
                                                      else _date_type.today())
    picked = route_targets.parse_picked("\n".join(picks)) if picks else []
    quotas = route_targets.parse_quotas(list(draws))
    frames = []
    if targets_path:
        frames.append(route_targets.read_targets_file(targets_path))
    if findings_day or quotas:
        if not config.db_path(db_path).exists():
            raise click.ClickException(f"database {config.db_path(db_path)} not found (run `geoaq demo`)")
        con = db.connect(db_path)
        try:
            found = route_targets.collect_targets(
                con, day, rules=rules, fires=bool(findings_day), enterprises=bool(findings_day),
                mines=bool(findings_day), draw=quotas or None, seed=seed,
                picked=None) if findings_day or quotas else None
        finally:
            con.close()
        if found is not None and len(found):
            frames.append(found)
    if picked:
        frames.append(route_targets.picked_targets(picked, rules))
    if not targets_path and not findings_day and not picked and not quotas:
        raise click.UsageError("no targets: give --targets FILE, --from-findings DATE, --pick or --draw")
    import pandas as pd

    targets = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
    teams = make_teams(
        team_count, start=parse_lonlat(start, "--start") if start else None,
        end=parse_lonlat(end, "--end") if end else None, hours=hours, speed_kmh=speed, rules=rules,
        lang=lang)
    plan = plan_routes(targets, teams, rules=rules, day=day, matrix=matrix_path, matrix_unit=matrix_unit,
                       road_graph=road_graph, work_limit=work_limit, time_limit_s=time_limit)
    for line in plan.warnings:
        click.echo(f"warning: {line}", err=True)
    if output != "table":
        data = route_export.export(plan, output, lang=lang, coords=coords, rules=rules)
        if out_path:
            Path(out_path).write_bytes(data)
            click.echo(f"{plan.visited} stops in {len(plan.teams)} route(s) → {out_path}", err=True)
        else:
            click.echo(data.decode("utf-8-sig"), nl=False)
        return
    click.echo(plan.summary())
    for _, totals in plan.teams.iterrows():
        km = "—" if pd.isna(totals["distance_km"]) else f"{totals['distance_km']:,.1f} km"
        click.echo(f"\n{totals['team']}: {totals['stops']} stops, {km}, driving {totals['travel_min']:.0f} min, "
                   f"inspecting {totals['service_min']:.0f} min, waiting {totals['wait_min']:.0f} min; "
                   f"{totals['depart']:%H:%M} → {totals['return']:%H:%M} (limit {totals['hours_limit']:g} h)")
        table = route_export.stop_table(plan, totals["team"], lang=lang, rules=rules)
        click.echo(table.drop(columns=table.columns[[0]]).to_string(index=False, na_rep="—"))
    if len(plan.dropped):
        click.echo(f"\nleft out ({len(plan.dropped)}):")
        shown = plan.dropped[["target_id", "name", "kind", "priority", "drop_reason_text"]]
        click.echo(shown.to_string(index=False))


if __name__ == "__main__":  # pragma: no cover
    main()
