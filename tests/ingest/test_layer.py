"""geoaq.ingest.layer end to end: every format into its layer, rejects, atomicity, idempotence."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil

import pandas as pd
import pytest
import shapely
from helpers import COUNTY_NAMES, DATA, table_rows

from geoaq._errors import (
    CRSError,
    EncodingError,
    IngestError,
    MissingColumnsError,
    UnknownLayerError,
)
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.ingest import layer as ingest_module
from geoaq.ingest.layer import ingest
from geoaq.layers import ColumnSpec

REJECT_FIELDS = ["row_number", "column_name", "value", "reason"]


def rows_of(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def rejects_list(con, layer: str) -> list[tuple]:
    frame = store.list_rejects(con, layer)
    frame = frame.astype(object).where(frame.notna(), None)
    return list(frame[REJECT_FIELDS].itertuples(index=False, name=None))


def snapshot(con) -> dict[str, object]:
    """Everything a load may touch: tables, their columns and their rows."""
    tables = [t for (t,) in rows_of(
        con, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
             "ORDER BY table_name")]
    state: dict[str, object] = {"tables": tables}
    for table in tables:
        state[f"{table} columns"] = rows_of(
            con, f"SELECT column_name, data_type FROM information_schema.columns "  # noqa: S608
                 f"WHERE table_name = '{table}' ORDER BY ordinal_position")
        state[table] = rows_of(con, f'SELECT * FROM "{table}" ORDER BY ALL')  # noqa: S608
    return state


@pytest.fixture(scope="module")
def _loaded_template(tmp_path_factory, _migrated_template):
    path = tmp_path_factory.mktemp("loaded") / "loaded.duckdb"
    shutil.copyfile(_migrated_template, path)
    con = db.connect(path)
    try:
        ingest("stations", DATA / "cnemc_stations_luoyang_gbk.csv", con=con)
        ingest("mines", DATA / "mines_rejects.csv", con=con)
        ingest("admin_units", DATA / "luoyang_counties.geojson", con=con)
    finally:
        con.close()
    return path


@pytest.fixture
def loaded(db_path, _loaded_template):
    """A database that already holds a few layers, rejects and runs (copied for each test)."""
    shutil.copyfile(_loaded_template, db_path)
    con = db.connect(db_path)
    try:
        yield con
    finally:
        con.close()


# --- every format into its layer ---------------------------------------------------------

COUNTY_FILES = {
    "geojson": ("luoyang_counties.geojson", {}, "geojson", "EPSG:4326 (layer default)"),
    "gpkg": ("luoyang_counties.gpkg", {}, "gpkg", "EPSG:4326 (file)"),
    "gpkg, one of two layers": ("luoyang_multi.gpkg", {"source_layer": "counties"}, "gpkg",
                                "EPSG:4326 (file)"),
    "gpkg in UTM 49N": ("luoyang_counties_utm49n.gpkg", {}, "gpkg", "EPSG:32649 (file)"),
    "shapefile": ("luoyang_counties_utf8.shp", {}, "shapefile", "EPSG:4326 (file)"),
    "shapefile GBK + .cpg": ("luoyang_counties_gbk.shp", {}, "shapefile", "EPSG:4326 (file)"),
    "shapefile GBK, no .cpg": ("luoyang_counties_gbk_nocpg.shp", {}, "shapefile",
                               "EPSG:4326 (file)"),
    "zipped shapefile": ("luoyang_counties_shp.zip", {}, "shapefile (zip)", "EPSG:4326 (file)"),
    "zip with GBK names": ("luoyang_counties_gbk_names.zip", {}, "shapefile (zip)",
                           "EPSG:4326 (file)"),
    "geoparquet": ("luoyang_counties.parquet", {}, "geoparquet", "EPSG:4326 (file)"),
}


@pytest.mark.parametrize("name,options,file_format,source_crs", COUNTY_FILES.values(),
                         ids=list(COUNTY_FILES))
def test_county_boundaries_in_every_format(con, registry, name, options, file_format,
                                           source_crs) -> None:
    report = ingest("admin_units", DATA / name, con=con, **options)
    assert (report.file_format, report.source_crs) == (file_format, source_crs)
    assert (report.rows_read, report.inserted, report.rejected_rows) == (4, 4, 0)
    assert report.column_mapping == {"adcode": "adcode", "name": "名称", "level": "级别",
                                     "parent_adcode": "parent", "province": "省份", "city": "城市"}
    assert report.extra_columns == []
    gdf = store.read_layer(con, registry["admin_units"]).set_index("adcode")
    assert gdf["name"].to_dict() == COUNTY_NAMES
    assert set(gdf["level"]) == {"县"}  # 区县 is a synonym of 县
    assert set(gdf["parent_adcode"]) == {"410300"} and set(gdf["city"]) == {"洛阳市"}
    assert gdf.geometry.is_valid.all() and set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert gdf.geometry["410323"].representative_point().within(
        shapely.box(111.8, 34.5, 112.3, 35.1))  # 新安县, west of the city
    run = rows_of(con, "SELECT layer, source_file, file_format, inserted FROM ingest_runs")
    assert run == [("admin_units", report.source_file, file_format, 4)]


STATION_FILES = {
    "GBK CSV, detected": ("cnemc_stations_luoyang_gbk.csv", {}, 10, "gb18030"),
    "GBK CSV, declared": ("cnemc_stations_luoyang_gbk.csv", {"encoding": "gbk"}, 10, "gb18030"),
    "UTF-8 CSV with BOM": ("cnemc_stations_zhengzhou_bom.csv", {}, 6, "utf-8-sig"),
    "Parquet with lon/lat": ("cnemc_stations_lonlat.parquet", {}, 10, None),
    "GeoPackage layer": ("luoyang_multi.gpkg", {"source_layer": "stations"}, 10, "utf-8"),
}


@pytest.mark.parametrize("name,options,count,codec", STATION_FILES.values(), ids=list(STATION_FILES))
def test_stations_in_every_format(con, registry, name, options, count, codec) -> None:
    report = ingest("stations", DATA / name, con=con, **options)
    assert (report.inserted, report.rejected_rows, report.encoding) == (count, 0, codec)
    gdf = store.read_layer(con, registry["stations"]).set_index("code")
    assert len(gdf) == count
    first = "1316A" if "zhengzhou" in name else "1811A"
    expected = {"1811A": ("中信二小", "洛阳", 112.3628, 34.6692),
                "1316A": ("烟厂", "郑州", 113.69031, 34.76122)}[first]
    assert (gdf.loc[first, "name"], gdf.loc[first, "city"]) == expected[:2]
    assert (gdf.geometry[first].x, gdf.geometry[first].y) == pytest.approx(expected[2:])
    assert gdf["reference_station"].sum() == (1 if first == "1316A" else 0)


def test_background_station_flag(con, registry) -> None:
    ingest("stations", DATA / "cnemc_stations_zhengzhou_bom.csv", con=con)
    gdf = store.read_layer(con, registry["stations"]).set_index("code")
    assert gdf["reference_station"].to_dict() == {
        "1316A": False, "1317A": False, "1318A": False, "1319A": False, "1320A": False,
        "1324A": True}  # 岗李水库(对照点): 对照点 = Y


def test_gem_mines_with_synonyms_and_extra(con, registry) -> None:
    report = ingest("mines", DATA / "gem_coal_mines_henan.csv", con=con)
    assert (report.inserted, report.rejected_rows) == (6, 0)
    assert report.column_mapping == {"mine_id": "id", "name": "project", "mine_type": "mine-type",
                                     "status": "status", "capacity_mtpa": "capacity",
                                     "owner": "owner", "url": "url"}
    assert report.extra_columns[:3] == ["country", "parent", "production"]
    stored = con.execute("SELECT mine_id, name, status, mine_type, capacity_mtpa, extra "
                         "FROM mines ORDER BY mine_id").df().set_index("mine_id")
    assert stored.loc["M0207", "status"] == "拟建"  # proposed
    assert set(stored.drop(index="M0207")["status"]) == {"生产"}  # operating
    assert set(stored["mine_type"]) == {"井工"}  # underground
    assert stored.loc["M1124", ["name", "capacity_mtpa"]].tolist() == ["Gengcun Coal Mine", 4.0]
    extra = json.loads(stored.loc["M1124", "extra"])
    assert extra["coal_type"] == "Bituminous" and extra["workforce"] == "3293"
    assert extra["closing_year"] is None  # empty cell kept as null
    assert "lat" not in extra and "project" not in extra  # used columns are not repeated


def test_column_map_and_constants(con, registry) -> None:
    report = ingest("enterprises", DATA / "gem_steel_plants_henan.csv", con=con,
                    column_map={"enterprise_id": "phase_id", "name": "project_other"},
                    constants={"industry": "钢铁"})
    assert (report.inserted, report.rejected_rows) == (5, 0)
    stored = con.execute("SELECT enterprise_id, name, industry, status, extra FROM enterprises "
                         "ORDER BY enterprise_id").df().set_index("enterprise_id")
    assert set(stored["industry"]) == {"钢铁"}
    assert stored.loc["S100000130224", "name"] == "安阳钢铁股份有限公司"
    assert stored.loc["S100000130228", "status"] == "在建"  # construction
    assert stored.loc["S100000131598", "status"] == "关停"  # retired
    assert json.loads(stored.loc["S100000131598", "extra"])["id"] == "P100000120163"
    options = json.loads(rows_of(con, "SELECT options FROM ingest_runs")[0][0])
    assert options == {"encoding": "auto", "column_map": {"enterprise_id": "phase_id",
                                                          "name": "project_other"},
                       "constants": {"industry": "钢铁"}}


def test_without_the_map_the_plant_id_repeats(con) -> None:
    """Unmapped, `id` (one per plant, not per phase) is the key: repeats are rejected."""
    report = ingest("enterprises", DATA / "gem_steel_plants_henan.csv", con=con,
                    column_map={"name": "project_other"}, constants={"industry": "钢铁"})
    assert (report.inserted, report.rejected_rows) == (4, 1)
    assert report.rejects[REJECT_FIELDS].values.tolist() == [
        [6, "id", "P100000120163", "duplicate of row 5 (same enterprise_id)"]]


def test_constant_that_would_hide_a_column(con) -> None:
    path = DATA / "luoyang_counties.geojson"
    with pytest.raises(IngestError, match=rf"^{path}: the file already has \[\"level \(from "
                                          r"'级别'\)\"\]; a constant value \(--set\) would hide it"):
        ingest("admin_units", path, con=con, constants={"level": "县"})


def test_mapped_column_absent(con) -> None:
    path = DATA / "luoyang_counties.geojson"
    with pytest.raises(MissingColumnsError, match=rf"^{path}: mapped column\(s\) \['区县名'\] not "
                                                  r"in the file; columns found: \['adcode', '名称'"):
        ingest("admin_units", path, con=con, column_map={"name": "区县名"})


def test_control_zones_from_wkt(con, registry) -> None:
    report = ingest("control_zones", DATA / "control_zones_wkt.csv", con=con)
    assert (report.inserted, report.rejected_rows) == (3, 0)
    gdf = store.read_layer(con, registry["control_zones"]).set_index("zone_id")
    assert gdf["zone_type"].to_dict() == {"CZ-001": "高污染燃料禁燃区", "CZ-002": "秸秆禁烧区",
                                          "CZ-003": "禁煤区"}
    assert [str(d)[:10] for d in gdf["effective_date"]] == ["2019-10-01", "2024-05-20",
                                                            "2018-11-01"]
    assert gdf.geometry["CZ-002"].geom_type == "MultiPolygon"
    assert store.layer_period(con, registry["control_zones"])[0].isoformat() == "2018-11-01"


def test_synthetic_rows_are_counted(tmp_path, con, registry) -> None:
    path = tmp_path / "demo_stations.csv"
    path.write_text("code,name,lon,lat,synthetic\nD1,演示站一,112.40,34.62,是\n"
                    "D2,演示站二,112.41,34.63,否\n", "utf-8")
    ingest("stations", path, con=con)
    assert store.layer_counts(con, [registry["stations"]]) == {"stations": (2, 1)}


# --- every reject reason ---------------------------------------------------------------------


def test_mine_rejects(con) -> None:
    path = DATA / "mines_rejects.csv"
    report = ingest("mines", path, con=con)
    assert (report.rows_read, report.inserted, report.rejected_rows) == (12, 2, 10)
    rejects = rejects_list(con, "mines")
    assert [r[:3] for r in rejects] == [
        (3, "project", None),
        (4, "status", "flooded"),
        (5, "capacity", "about 2"),
        (6, "capacity", "-1"),
        (7, "lng/lat", "34.736678, 111.763781"),
        (8, "lng/lat", "190.0, 95.0"),
        (9, "lng/lat", "2.3522, 48.8566"),
        (10, "id", "M9001"),  # the key column as the file names it
        (11, None, None),
        (12, "lng/lat", ", "),
    ]
    reasons = [r[3] for r in rejects]
    assert reasons[0] == "required value is empty"
    assert reasons[1].startswith("not an allowed value; expected one of: 生产、在建、拟建")
    assert reasons[2:4] == ["not a number", "below the minimum 0"]
    assert reasons[4] == "longitude and latitude look swapped (the reversed pair lies in China)"
    assert reasons[5] == "outside the valid range (longitude -180..180, latitude -90..90)"
    assert reasons[6] == "far outside China (expected longitude 72..137, latitude 3..55)"
    assert reasons[7] == "duplicate of row 2 (same mine_id)"
    assert reasons[8] == "expected 7 fields, found 8"
    assert reasons[9] == "coordinate missing or not a number"
    full = store.list_rejects(con, "mines")
    assert set(full["source_file"]) == {str(path)} and set(full["ingest_id"]) == {report.ingest_id}
    assert full["rejected_at"].notna().all()
    stored = rows_of(con, "SELECT mine_id, status, mine_type, source_row FROM mines ORDER BY 1")
    assert stored == [("M9001", "生产", "井工", 2), ("M9011", "关闭", "露天", 13)]


def test_station_rejects(con) -> None:
    report = ingest("stations", DATA / "stations_rejects.csv", con=con)
    assert (report.inserted, report.rejected_rows) == (2, 3)
    assert rejects_list(con, "stations") == [
        (3, "监测点编码", "1812 A", "does not match the expected form ^[0-9A-Za-z_-]{1,20}$"),
        (4, "对照点", "maybe", "not a yes/no value (expected 是/否, Y/N, true/false, 1/0)"),
        (6, "经度/纬度", "east, 34.6886", "coordinate missing or not a number"),
    ]
    assert rows_of(con, "SELECT code, level FROM stations ORDER BY 1") == [
        ("1811A", "国控"), ("1814A", "国控")]  # national -> 国控


def test_control_zone_rejects(con) -> None:
    report = ingest("control_zones", DATA / "control_zones_rejects.csv", con=con)
    assert (report.rows_read, report.inserted, report.rejected_rows) == (6, 1, 5)
    rejects = rejects_list(con, "control_zones")
    assert [r[:3] for r in rejects] == [
        (3, "wkt", "POLYGON ((112.36 34.64, 112.42"),
        (4, "effective_date", "2024-02-30"),
        (5, "zone_type", "散煤禁售区"),
        (6, "wkt", None),
        (7, "wkt", None),
    ]
    assert [r[3] for r in rejects][:2] == ["not valid WKT geometry text",
                                           "not a valid date (expected YYYY-MM-DD)"]
    assert rejects[2][3].startswith("not an allowed value; expected one of: 禁煤区、")
    assert [r[3] for r in rejects][3:] == ["empty geometry", "empty geometry"]


def test_geometry_rejects_and_repair(con, registry) -> None:
    path = DATA / "control_zones_bad_geometry.geojson"
    report = ingest("control_zones", path, con=con)
    assert (report.rows_read, report.inserted, report.repaired, report.rejected_rows) == (
        8, 2, 1, 6)
    rejects = rejects_list(con, "control_zones")
    assert [(r[0], r[1]) for r in rejects] == [(n, "geometry") for n in (2, 4, 5, 6, 7, 8)]
    reasons = {r[0]: r[3] for r in rejects}
    assert reasons[2] == "empty geometry"
    assert reasons[4].startswith("invalid geometry that cannot be repaired (Self-intersection")
    assert reasons[5] == "geometry type LineString is not allowed (expected Polygon or MultiPolygon)"
    assert reasons[6] == "outside the valid range (longitude -180..180, latitude -90..90)"
    assert reasons[7] == "longitude and latitude look swapped (the reversed pair lies in China)"
    assert reasons[8] == "far outside China (expected longitude 72..137, latitude 3..55)"
    assert {r[0]: r[2] for r in rejects}[8] == "bbox 2.33,48.85,2.37,48.87"

    stored = con.execute("SELECT zone_id, geom_repaired, repair_note, ST_IsValid(geom), "
                         "ST_GeometryType(geom)::TEXT FROM control_zones ORDER BY 1").fetchall()
    assert stored[0] == ("G-1", False, None, True, "POLYGON")
    zone, repaired, note, valid, kind = stored[1]
    assert (zone, repaired, valid, kind) == ("G-3", True, True, "MULTIPOLYGON")
    assert note.startswith("repaired with make_valid: Self-intersection")
    assert "repaired 1" in report.summary()


def test_rows_with_several_problems_count_once(tmp_path, con) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("code,name,lon,lat\n18 11,,east,34.6\n1812A,ok,112.39,34.65\n", "utf-8")
    report = ingest("stations", path, con=con)
    assert report.rejected_rows == 1 and len(report.rejects) == 3
    assert report.rejects["row_number"].tolist() == [2, 2, 2]


def test_list_rejects_filters_by_layer_newest_first(loaded) -> None:
    ingest("stations", DATA / "stations_rejects.csv", con=loaded)
    assert len(store.list_rejects(loaded, "mines")) == 10
    assert len(store.list_rejects(loaded, "stations")) == 3
    everything = store.list_rejects(loaded)
    assert len(everything) == 13 and everything["layer"].iloc[0] == "stations"


def test_list_rejects_before_any_migration() -> None:
    import duckdb

    bare = duckdb.connect()
    try:
        assert store.list_rejects(bare).empty
    finally:
        bare.close()


def test_summary_text(con) -> None:
    report = ingest("mines", DATA / "mines_rejects.csv", con=con)
    text = report.summary(max_rejects=2)
    assert text.splitlines()[0] == f"mines ← {DATA / 'mines_rejects.csv'}"
    assert "format csv, encoding UTF-8, source CRS EPSG:4326 (layer default)" in text
    assert "rows read 12 · loaded 2 (new 2, changed 0, unchanged 0) · repaired 0 · rejected 10" in text
    assert "    row 3 [project]: required value is empty" in text
    assert "row 5" not in text  # only the first two
    assert f"(ingest #{report.ingest_id})" in text


# --- file-level errors change nothing ------------------------------------------------------

FILE_ERRORS = {
    "missing required column": (
        "stations", "gem_coal_mines_henan.csv", {}, MissingColumnsError,
        r"{path}: required column\(s\) missing for layer 'stations': code .*Columns found: "
        r"\['id', 'country', 'project'"),
    "empty file": ("stations", "EMPTY.csv", {}, IngestError, r"{path}: the file is empty"),
    "header only": ("stations", "HEADER.csv", {}, IngestError,
                    r"{path}: the file has a header but no data rows"),
    "unsupported extension": ("admin_units", "luoyang_counties_gbk.dbf", {}, IngestError,
                              r"{path}: unsupported file type \.dbf"),
    "missing file": ("stations", "no_such_file.csv", {}, IngestError, r"{path}: no such file"),
    "CRS conflict": ("admin_units", "luoyang_counties_utm49n.gpkg", {"crs": "EPSG:4547"},
                     CRSError, r"{path}: the file declares EPSG:32649 but --crs says EPSG:4547"),
    "wrong encoding": ("stations", "cnemc_stations_luoyang_gbk.csv", {"encoding": "utf-8"},
                       EncodingError, r"{path}: line 1 \(byte 0\) is not valid utf-8"),
    "points into a polygon layer": (
        "control_zones", "cnemc_stations_luoyang_gbk.csv",
        {"column_map": {"zone_id": "监测点编码", "name": "监测点名称"},
         "constants": {"zone_type": "禁煤区"}}, IngestError,
        r"{path}: layer 'control_zones' needs Polygon/MultiPolygon geometry; coordinate columns "
        r"only give points"),
    "several GeoPackage layers": ("admin_units", "luoyang_multi.gpkg", {}, IngestError,
                                  r"{path}: the GeoPackage holds several layers"),
    "unknown layer": ("noise", "cnemc_stations_luoyang_gbk.csv", {}, UnknownLayerError,
                      r"unknown layer 'noise'"),
}


@pytest.mark.parametrize("layer,name,options,error,message", FILE_ERRORS.values(),
                         ids=list(FILE_ERRORS))
def test_file_level_errors_change_nothing(tmp_path, loaded, layer, name, options, error,
                                          message) -> None:
    path = DATA / name
    if name == "EMPTY.csv":
        path = tmp_path / name
        path.write_bytes(b"")
    elif name == "HEADER.csv":
        path = tmp_path / name
        path.write_text("监测点编码,监测点名称,经度,纬度\n", "utf-8")
    before = snapshot(loaded)
    with pytest.raises(error, match="^" + message.format(path=path)):
        ingest(layer, path, con=loaded, **options)
    assert snapshot(loaded) == before


def test_a_failed_first_load_leaves_no_database_behind(db_path) -> None:
    with pytest.raises(MissingColumnsError):
        ingest("stations", DATA / "gem_coal_mines_henan.csv", db=db_path)
    assert not db_path.exists()  # the file was refused before the database was opened


@pytest.mark.parametrize("failing", ["record_rejects", "record_run"])
def test_failure_after_rows_were_written_rolls_everything_back(loaded, monkeypatch, failing) -> None:
    """The load fails after the layer rows went in: table, rejects and runs are as before."""
    real_load_rows = store.load_rows
    written = {}

    def load_rows_and_look(con, spec, rows, source_file, ingest_id):
        counts = real_load_rows(con, spec, rows, source_file, ingest_id)
        written["rows"] = table_rows(con, spec.name)
        return counts

    def fail(*args, **kwargs):
        raise RuntimeError(f"disk full in {failing}")

    monkeypatch.setattr(store, "load_rows", load_rows_and_look)
    monkeypatch.setattr(store, failing, fail)
    before = snapshot(loaded)
    with pytest.raises(RuntimeError, match=f"disk full in {failing}"):
        ingest("mines", DATA / "gem_coal_mines_henan.csv", con=loaded)
    assert written["rows"] == 2 + 6  # the rows had been written inside the transaction
    assert snapshot(loaded) == before
    with pytest.raises(RuntimeError):  # a first load into a new table: the table goes too
        ingest("fire_points", DATA / "firms_modis_c61_china.csv", con=loaded)
    assert snapshot(loaded) == before
    assert not store.table_exists(loaded, "fire_points")


def test_rollback_also_undoes_a_forward_migration(loaded, registry, monkeypatch) -> None:
    spec = registry["stations"]
    grown = dataclasses.replace(spec, columns=(*spec.columns, ColumnSpec("operator", "text")))
    monkeypatch.setattr(store, "record_run", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("interrupted")))
    before = snapshot(loaded)
    with pytest.raises(RuntimeError, match="interrupted"):
        ingest("stations", DATA / "cnemc_stations_zhengzhou_bom.csv", con=loaded,
               registry={**registry, "stations": grown})
    assert snapshot(loaded) == before
    assert "operator" not in dict(rows_of(
        loaded, "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'stations'"))


def test_the_connection_stays_usable_after_a_failed_load(loaded, monkeypatch) -> None:
    monkeypatch.setattr(store, "record_rejects", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        ingest("mines", DATA / "mines_rejects.csv", con=loaded)
    monkeypatch.undo()
    report = ingest("stations", DATA / "cnemc_stations_zhengzhou_bom.csv", con=loaded)
    assert report.inserted == 6


# --- idempotence -----------------------------------------------------------------------------


def test_same_file_twice_adds_nothing(migrated_db) -> None:
    path = DATA / "cnemc_stations_luoyang_gbk.csv"
    first = ingest("stations", path, db=migrated_db)
    second = ingest("stations", path, db=migrated_db)
    assert (first.inserted, first.updated, first.unchanged) == (10, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 10)
    assert second.loaded == 10
    con = db.connect(migrated_db, read_only=True)
    try:
        assert table_rows(con, "stations") == 10
        assert rows_of(con, "SELECT DISTINCT ingest_id FROM stations") == [(first.ingest_id,)]
        runs = rows_of(con, "SELECT ingest_id, inserted, updated, unchanged, file_sha256 "
                            "FROM ingest_runs ORDER BY ingest_id")
    finally:
        con.close()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert runs == [(first.ingest_id, 10, 0, 0, sha), (second.ingest_id, 0, 0, 10, sha)]


def test_same_rows_from_another_file_and_format_are_unchanged(con) -> None:
    ingest("stations", DATA / "cnemc_stations_luoyang_gbk.csv", con=con)
    again = ingest("stations", DATA / "cnemc_stations_lonlat.parquet", con=con)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 10)


def test_changed_attribute_updates_and_replaces_the_row(tmp_path, con) -> None:
    first = ingest("stations", DATA / "cnemc_stations_luoyang_gbk.csv", con=con)
    edited = tmp_path / "stations_edited.csv"
    text = (DATA / "cnemc_stations_luoyang_gbk.csv").read_bytes().decode("gbk")
    assert "1813A,市监测站,洛阳,112.4333,34.67" in text
    text = text.replace("1813A,市监测站,洛阳,112.4333,34.67", "1813A,洛阳市监测站,洛阳,112.4340,34.67")
    edited.write_bytes(text.encode("gbk"))
    second = ingest("stations", edited, con=con)
    assert (second.inserted, second.updated, second.unchanged) == (0, 1, 9)
    assert table_rows(con, "stations") == 10
    assert rows_of(con, "SELECT name, ST_X(geom), ingest_id, source_file FROM stations "
                        "WHERE code = '1813A'") == [
        ("洛阳市监测站", 112.434, second.ingest_id, str(edited))]
    unchanged = con.execute("SELECT count(*) FROM stations WHERE ingest_id = ?",
                            [first.ingest_id]).fetchone()[0]
    assert unchanged == 9


def test_changed_extra_column_is_a_change(tmp_path, con) -> None:
    ingest("mines", DATA / "gem_coal_mines_henan.csv", con=con)
    edited = tmp_path / "mines.csv"
    edited.write_text((DATA / "gem_coal_mines_henan.csv").read_text("utf-8").replace(
        ",3293,", ",3300,"), "utf-8")
    report = ingest("mines", edited, con=con)
    assert (report.updated, report.unchanged) == (1, 5)
    extra = rows_of(con, "SELECT extra->>'workforce' FROM mines WHERE mine_id = 'M1124'")
    assert extra == [("3300",)]


# --- progress and connections ----------------------------------------------------------------


def test_progress_callback(con) -> None:
    calls = []
    ingest("mines", DATA / "mines_rejects.csv", con=con,
           progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert calls == [("reading", 0, 1), ("validating", 0, 11), ("writing", 11, 11),
                     ("done", 11, 11)]


def test_progress_counts_rows_validated_chunk_by_chunk(con, monkeypatch) -> None:
    monkeypatch.setattr(ingest_module, "CHUNK_ROWS", 3)
    calls = []
    report = ingest("mines", DATA / "mines_rejects.csv", con=con,
                    progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert [c for c in calls if c[0] == "validating"] == [
        ("validating", 0, 11), ("validating", 3, 11), ("validating", 6, 11),
        ("validating", 9, 11)]
    assert (report.inserted, report.rejected_rows) == (2, 10)  # same result as one chunk
    assert rejects_list(con, "mines")[7][:3] == (10, "id", "M9001")  # across chunks


def test_ingest_with_a_path_closes_its_connection(migrated_db) -> None:
    ingest("stations", DATA / "cnemc_stations_zhengzhou_bom.csv", db=migrated_db)
    con = db.connect(migrated_db, read_only=True)  # would fail if a writer still held the file
    try:
        assert table_rows(con, "stations") == 6
    finally:
        con.close()


def test_ingest_with_a_connection_leaves_it_open(con) -> None:
    ingest("stations", DATA / "cnemc_stations_zhengzhou_bom.csv", con=con)
    assert table_rows(con, "stations") == 6


def test_geoaq_db_environment_is_the_default_database(tmp_path, monkeypatch) -> None:
    target = tmp_path / "env.duckdb"
    monkeypatch.setenv("GEOAQ_DB", str(target))
    ingest("stations", DATA / "cnemc_stations_zhengzhou_bom.csv")
    con = db.connect(target, read_only=True)
    try:
        assert table_rows(con, "stations") == 6
    finally:
        con.close()


def test_report_dataframe_of_rejects(con) -> None:
    report = ingest("stations", DATA / "stations_rejects.csv", con=con)
    assert isinstance(report.rejects, pd.DataFrame)
    assert list(report.rejects.columns) == REJECT_FIELDS


def test_copied_file_in_a_new_folder_keeps_its_name_in_rejects(tmp_path, con) -> None:
    copy = tmp_path / "上报" / "矿山.csv"
    copy.parent.mkdir()
    shutil.copy(DATA / "mines_rejects.csv", copy)
    ingest("mines", copy, con=con)
    assert set(store.list_rejects(con, "mines")["source_file"]) == {str(copy)}


def test_source_name_is_recorded_instead_of_the_temporary_path(tmp_path):
    from geoaq.db import connection as geoaq_db
    from geoaq.db import store
    from geoaq.ingest.layer import ingest

    upload = tmp_path / "upload-123" / "站点.csv"
    upload.parent.mkdir()
    upload.write_text("code,name,lon,lat\nA1,甲站,112.4,34.6\nA2,乙站,34.6,112.4\n", "utf-8")
    con = geoaq_db.connect(tmp_path / "n.duckdb")
    try:
        report = ingest("stations", upload, con=con, source_name="站点.csv")
        assert report.source_file == "站点.csv"
        assert set(store.list_rejects(con, "stations")["source_file"]) == {"站点.csv"}
        assert con.execute("SELECT DISTINCT source_file FROM stations").fetchall() == [("站点.csv",)]
    finally:
        con.close()
