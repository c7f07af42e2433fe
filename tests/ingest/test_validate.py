"""geoaq.ingest.validate: column matching, value coercion, coordinate and geometry checks, keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import DATA

from geoaq._errors import IngestError, MissingColumnsError
from geoaq.geo.crs import SourceCRS, parse_crs
from geoaq.ingest.readers import read_source
from geoaq.ingest.validate import (
    china_reasons,
    coerce_column,
    coordinate_reasons,
    duplicate_key_reasons,
    geometry_checks,
    match_columns,
    validate,
)
from geoaq.layers import ColumnSpec

WGS84 = SourceCRS("EPSG:4326", parse_crs("EPSG:4326")[1], "layer default")


def text(*values) -> pd.Series:
    return pd.Series(list(values), dtype="string")


def reasons_of(values, column: ColumnSpec) -> list[str | None]:
    _, reasons = coerce_column(text(*values), column)
    return [None if pd.isna(r) else r for r in reasons]


# --- matching columns ----------------------------------------------------------------------


def test_match_columns_by_name_and_alias(registry) -> None:
    columns = ["监测点编码", "监测点名称", "城市", "经度", "纬度", "对照点", "省级行政区", "地级行政区"]
    mapping = match_columns(registry["stations"], columns, "f.csv")
    assert mapping == {"code": "监测点编码", "name": "监测点名称", "city": "城市",
                       "reference_station": "对照点", "province": "省级行政区",
                       "prefecture": "地级行政区"}


def test_match_columns_ignores_case_width_and_spaces(registry) -> None:
    mapping = match_columns(registry["stations"], ["ＣＯＤＥ", " Station_Name ", "lon", "lat"], "f")
    assert mapping == {"code": "ＣＯＤＥ", "name": " Station_Name "}


def test_missing_required_columns_are_all_named(registry) -> None:
    with pytest.raises(MissingColumnsError) as caught:
        match_columns(registry["mines"], ["编号x", "lat", "lng"], "mines.csv")
    message = str(caught.value)
    assert message.startswith("mines.csv: required column(s) missing for layer 'mines': ")
    assert "mine_id (矿山编号; accepted names: mine_id, id, 矿山编号" in message
    assert "name (矿山名称; accepted names: name, project, 矿山名称" in message
    assert "Columns found: ['编号x', 'lat', 'lng']" in message
    assert message.endswith("(--map mine_id=<column>).")


def test_column_map_and_constants(registry) -> None:
    spec = registry["enterprises"]
    columns = ["phase_id", "id", "project_other", "status", "lat", "lng"]
    mapping = match_columns(spec, columns, "f", {"enterprise_id": "phase_id", "name": "project_other"},
                            {"industry": "钢铁"})
    assert mapping == {"enterprise_id": "phase_id", "name": "project_other", "status": "status"}
    assert "id" not in mapping.values()  # the map wins over the alias


def test_column_map_errors(registry) -> None:
    spec = registry["admin_units"]
    columns = ["adcode", "名称", "级别"]
    with pytest.raises(MissingColumnsError, match=r"^f: mapped column\(s\) \['区县名'\] not in the "
                                                  r"file; columns found: \['adcode', '名称', '级别'\]"):
        match_columns(spec, columns, "f", {"name": "区县名"})
    with pytest.raises(IngestError, match=r"^f: layer 'admin_units' has no column 'nome'; its "
                                          r"columns: \['adcode', 'name'"):
        match_columns(spec, columns, "f", {"nome": "名称"})
    with pytest.raises(IngestError, match=r"^f: layer 'admin_units' has no column 'grade'"):
        match_columns(spec, columns, "f", constants={"grade": "A"})
    with pytest.raises(IngestError, match=r"^f: the file already has \[\"level \(from '级别'\)\"\]; "
                                          r"a constant value \(--set\) would hide it"):
        match_columns(spec, columns, "f", constants={"level": "县"})


# --- coercion ------------------------------------------------------------------------------


def test_numbers() -> None:
    column = ColumnSpec("capacity", "double", minimum=0, maximum=100)
    typed, reasons = coerce_column(text("1.5", "１２", "1,234", "-1", "about 2", None, "101"), column)
    assert typed.tolist()[:3] == [1.5, 12.0, 1234.0]
    assert [None if pd.isna(r) else r for r in reasons] == [
        None, None, "above the maximum 100", "below the minimum 0", "not a number", None,
        "above the maximum 100"]


def test_integers() -> None:
    assert reasons_of(["3", "3.0", "3.5", "x"], ColumnSpec("n", "integer")) == [
        None, None, "not a whole number", "not a number"]


def test_required_value() -> None:
    column = ColumnSpec("name", "text", required=True)
    assert reasons_of(["a", None], column) == [None, "required value is empty"]


def test_allowed_values_and_synonyms(registry) -> None:
    status = registry["mines"].column("status")
    typed, reasons = coerce_column(text("operating", "Operating", "生产", "停产", "flooded", None),
                                   status)
    assert typed.tolist()[:4] == ["生产", "生产", "生产", "停产整治"]
    assert pd.isna(typed.iloc[5])
    assert reasons.iloc[4].startswith("not an allowed value; expected one of: 生产、在建")
    assert reasons.iloc[[0, 1, 2, 3, 5]].isna().all()


def test_pattern(registry) -> None:
    code = registry["stations"].column("code")
    assert reasons_of(["1811A", "1812 A"], code) == [
        None, "does not match the expected form ^[0-9A-Za-z_-]{1,20}$"]


def test_booleans() -> None:
    column = ColumnSpec("flag", "boolean")
    typed, reasons = coerce_column(text("是", "否", "Y", "n", "TRUE", "0", "maybe"), column)
    assert typed.tolist()[:6] == [True, False, True, False, True, False]
    assert reasons.iloc[6] == "not a yes/no value (expected 是/否, Y/N, true/false, 1/0)"


def test_dates() -> None:
    column = ColumnSpec("day", "date")
    values = ["2024-05-20", "2024/5/20", "20240520", "2024年5月20日", "2024.5.20",
              "2024-02-29", "2024-05-20 00:00:00"]
    typed, reasons = coerce_column(text(*values), column)
    assert reasons.isna().all()
    assert set(typed.dt.strftime("%Y-%m-%d")) == {"2024-05-20", "2024-02-29"}


@pytest.mark.parametrize("value", ["2024-02-30", "2023-02-29", "2024-04-31", "2024-13-01",
                                   "2024-00-10", "2024/2/30", "20240230", "May 2024", "2024-05-20 10:30"])
def test_impossible_or_unparsable_dates_are_rejected(value) -> None:
    """No day is invented: 2024-02-30 is not silently 2024-03-01."""
    typed, reasons = coerce_column(text(value), ColumnSpec("day", "date"))
    assert pd.isna(typed.iloc[0])
    assert reasons.iloc[0] == "not a valid date (expected YYYY-MM-DD)"


def test_timestamps() -> None:
    column = ColumnSpec("at", "timestamp")
    typed, reasons = coerce_column(
        text("2025-04-22 01:47:00", "2025-04-22 01:47", "2025/4/22 1:47", "2025-02-30 01:00:00",
             "2025-04-22 23:59:60"), column)
    assert typed.iloc[0] == typed.iloc[1] == typed.iloc[2] == pd.Timestamp("2025-04-22 01:47")
    assert reasons.iloc[:3].isna().all()
    assert reasons.iloc[3] == reasons.iloc[4] == (
        "not a valid timestamp (expected YYYY-MM-DD HH:MM[:SS])")


# --- coordinates ---------------------------------------------------------------------------


def test_coordinate_reasons() -> None:
    lon = np.array([112.36, 34.67, 190.0, 2.35, np.nan, 112.36])
    lat = np.array([34.67, 112.36, 95.0, 48.86, 34.6, 34.67])
    reasons = coordinate_reasons(lon, lat, geographic=True)
    assert list(reasons) == [
        "", "longitude and latitude look swapped (the reversed pair lies in China)",
        "outside the valid range (longitude -180..180, latitude -90..90)", "",
        "coordinate missing or not a number", ""]
    assert china_reasons(lon[[0, 3]], lat[[0, 3]])[1].startswith("far outside China")
    assert list(coordinate_reasons(np.array([349936.0]), np.array([3839114.0]), False)) == [""]


# --- geometry ------------------------------------------------------------------------------

POLYGONAL = ("Polygon", "MultiPolygon")


def test_bow_tie_is_repaired_and_flagged() -> None:
    bow_tie = shapely.from_wkt("POLYGON ((112.4 34.6, 112.45 34.65, 112.45 34.6, 112.4 34.65, 112.4 34.6))")
    geoms, repaired, notes, reasons = geometry_checks(np.array([bow_tie]), POLYGONAL)
    assert repaired.tolist() == [True] and reasons.tolist() == [""]
    assert notes[0].startswith("repaired with make_valid: Self-intersection")
    assert geoms[0].geom_type == "MultiPolygon" and geoms[0].is_valid
    assert geoms[0].area == pytest.approx(bow_tie.buffer(0).area + shapely.from_wkt(
        "POLYGON ((112.45 34.65, 112.45 34.6, 112.425 34.625, 112.45 34.65))").area)


def test_geometry_reasons() -> None:
    geoms = np.array([
        shapely.from_wkt("POLYGON ((112 34, 112.25 34.25, 112.5 34.5, 112 34))"),  # collapsed
        shapely.from_wkt("LINESTRING (112.4 34.6, 112.45 34.65)"),
        shapely.from_wkt("POLYGON EMPTY"),
        None,
        shapely.from_wkt("POLYGON Z ((112.4 34.6 10, 112.5 34.6 10, 112.5 34.7 10, 112.4 34.6 10))"),
    ], dtype=object)
    out, repaired, _, reasons = geometry_checks(geoms, POLYGONAL)
    assert reasons[0].startswith("invalid geometry that cannot be repaired (Self-intersection")
    assert reasons[1] == "geometry type LineString is not allowed (expected Polygon or MultiPolygon)"
    assert reasons[2] == reasons[3] == "empty geometry"
    assert reasons[4] == "" and not shapely.has_z(out[4])  # Z dropped
    assert not repaired.any()


def test_unparsable_wkt_is_one_reject_not_two(registry) -> None:
    table = read_source(DATA / "control_zones_rejects.csv")
    spec = registry["control_zones"]
    mapping = match_columns(spec, list(table.attributes.columns), str(table.path))
    rows = validate(table, spec, WGS84, mapping)
    row3 = rows.rejects[rows.rejects["row_number"] == 3]
    assert row3[["column_name", "value", "reason"]].values.tolist() == [
        ["wkt", "POLYGON ((112.36 34.64, 112.42", "not valid WKT geometry text"]]


# --- natural keys --------------------------------------------------------------------------


def test_duplicate_key_reasons() -> None:
    keys = pd.DataFrame({"a": ["x", "y", "x", "x", "z"], "b": [1, 1, 1, 2, 1]})
    rows = np.array([2, 3, 4, 5, 6])
    keep = np.array([True, True, True, True, False])
    reasons = duplicate_key_reasons(keys, rows, keep)
    assert [None if pd.isna(r) else r for r in reasons] == [
        None, None, "duplicate of row 2 (same a, b)", None, None]


def test_a_rejected_row_does_not_make_its_twin_a_duplicate() -> None:
    keys = pd.DataFrame({"id": ["M1", "M1"]})
    reasons = duplicate_key_reasons(keys, np.array([2, 3]), np.array([False, True]))
    assert reasons.isna().all()


def test_one_part_multipolygon_is_stored_as_polygon():
    """GPKG (GDAL) writes every polygon as MultiPolygon; the same shape must compare equal."""
    from geoaq.ingest.validate import geometry_checks

    square = shapely.box(112.0, 34.0, 112.1, 34.1)
    two = shapely.MultiPolygon([square, shapely.box(112.2, 34.0, 112.3, 34.1)])
    geoms, repaired, _, reasons = geometry_checks(
        np.array([shapely.MultiPolygon([square]), two], dtype=object), ("Polygon", "MultiPolygon"))
    assert geoms[0].geom_type == "Polygon" and geoms[0].equals(square)
    assert geoms[1].geom_type == "MultiPolygon"
    assert not repaired.any() and list(reasons) == ["", ""]
