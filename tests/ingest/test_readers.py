"""geoaq.ingest.readers: every supported format read into one shape, and file-level errors."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import shapely
from helpers import COUNTY_NAMES, DATA

from geoaq._errors import IngestError, MissingColumnsError
from geoaq.ingest.readers import header_key, read_source

COUNTY_COLUMNS = ["adcode", "名称", "级别", "parent", "省份", "城市"]


def assert_counties(table, file_format: str) -> None:
    assert table.file_format == file_format
    assert list(table.attributes.columns) == COUNTY_COLUMNS
    assert dict(zip(table.attributes["adcode"], table.attributes["名称"], strict=True)) == COUNTY_NAMES
    assert list(table.row_numbers) == [1, 2, 3, 4]
    assert table.row_label == "feature"
    assert table.geometry is not None and len(table.geometry) == 4
    assert set(shapely.get_type_id(table.geometry)) <= {3, 6}  # (Multi)Polygon
    x, y = shapely.get_coordinates(table.geometry).T
    assert x.min() > 111.5 and y.min() > 34.4 and x.max() < 112.6 and y.max() < 35.1


# --- formats -------------------------------------------------------------------------------


def test_geojson() -> None:
    table = read_source(DATA / "luoyang_counties.geojson")
    assert_counties(table, "geojson")
    assert table.crs is None  # no crs member: the layer default decides
    assert table.encoding == "utf-8"


def test_geopackage() -> None:
    table = read_source(DATA / "luoyang_counties.gpkg")
    assert_counties(table, "gpkg")
    assert table.crs.to_epsg() == 4326


def test_multi_layer_geopackage_needs_source_layer() -> None:
    path = DATA / "luoyang_multi.gpkg"
    with pytest.raises(IngestError, match=rf"^{path}: the GeoPackage holds several layers "
                                          r"\['counties', 'stations'\]; choose one with --source-layer"):
        read_source(path)
    assert_counties(read_source(path, source_layer="counties"), "gpkg")
    stations = read_source(path, source_layer="stations")
    assert len(stations.attributes) == 10
    assert set(shapely.get_type_id(stations.geometry)) == {0}
    with pytest.raises(IngestError, match=rf"^{path}: cannot read as gpkg: .*noise"):
        read_source(path, source_layer="noise")


def test_shapefile() -> None:
    table = read_source(DATA / "luoyang_counties_utf8.shp")
    assert_counties(table, "shapefile")
    assert table.crs.to_epsg() == 4326  # from the .prj


def test_zipped_shapefile() -> None:
    path = DATA / "luoyang_counties_shp.zip"
    table = read_source(path)
    assert_counties(table, "shapefile (zip)")
    assert str(table.path) == f"{path}!counties.shp"


def test_zip_with_gbk_member_names() -> None:
    """Member names are GBK bytes without the UTF-8 flag, as zips made on Chinese Windows."""
    path = DATA / "luoyang_counties_gbk_names.zip"
    infos = zipfile.ZipFile(path).infolist()
    assert all(not info.flag_bits & 0x800 for info in infos)
    table = read_source(path)
    assert str(table.path) == f"{path}!洛阳市区县.shp"
    assert table.encoding == "gb18030"
    assert_counties(table, "shapefile (zip)")


def test_geoparquet() -> None:
    table = read_source(DATA / "luoyang_counties.parquet")
    assert_counties(table, "geoparquet")
    assert table.crs.to_epsg() == 4326


def test_plain_parquet_with_lon_lat_columns() -> None:
    table = read_source(DATA / "cnemc_stations_lonlat.parquet")
    assert table.file_format == "parquet" and table.row_label == "row"
    assert table.coordinate_columns == ("lon", "lat")
    assert table.geometry is None
    assert table.attributes["lon"].iloc[0] == "112.3628"  # numbers arrive as text
    assert table.attributes["监测点名称"].iloc[0] == "中信二小"


def test_plain_parquet_without_coordinates(tmp_path) -> None:
    import pandas as pd

    path = tmp_path / "no_coordinates.parquet"
    pd.DataFrame({"code": ["1811A"], "name": ["中信二小"]}).to_parquet(path)
    with pytest.raises(MissingColumnsError, match=rf"^{path}: Parquet without GeoParquet metadata "
                                                  r"needs longitude/latitude columns.*columns found: "
                                                  r"\['code', 'name'\]"):
        read_source(path)


def test_csv_with_chinese_coordinate_headers() -> None:
    table = read_source(DATA / "cnemc_stations_luoyang_gbk.csv")
    assert table.file_format == "csv"
    assert table.coordinate_columns == ("经度", "纬度")
    assert table.attributes["经度"].iloc[0] == "112.3628"


def test_csv_with_wkt_column() -> None:
    table = read_source(DATA / "control_zones_wkt.csv")
    assert table.coordinate_columns is None
    assert table.wkt_column == "wkt"
    assert table.attributes["wkt"].iloc[1].startswith("MULTIPOLYGON")


def test_firms_csv() -> None:
    table = read_source(DATA / "firms_viirs_snpp_china.csv")
    assert (table.file_format, table.instrument) == ("firms-viirs", "VIIRS")
    assert table.coordinate_columns == ("longitude", "latitude")


def test_coordinate_columns_given_explicitly(tmp_path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("code,name,E,N\n1811A,中信二小,112.3628,34.6692\n", "utf-8")
    with pytest.raises(MissingColumnsError, match=rf"^{path}: no coordinates: expected "
                                                  r"longitude/latitude columns .*columns found: "
                                                  r"\['code', 'name', 'E', 'N'\]"):
        read_source(path)
    assert read_source(path, lon_col="E", lat_col="N").coordinate_columns == ("E", "N")
    with pytest.raises(IngestError, match=r"give both --lon-col and --lat-col, not just one"):
        read_source(path, lon_col="E")
    with pytest.raises(MissingColumnsError, match=r"coordinate column\(s\) \['North'\] not found; "
                                                  r"columns found: \['code', 'name', 'E', 'N'\]"):
        read_source(path, lon_col="E", lat_col="North")


def test_header_key() -> None:
    assert header_key("\ufeff Longitude ") == "longitude"
    assert header_key("ＬＯＮ") == "lon"  # full-width
    assert header_key("经度(°)") == "经度(°)"


# --- CSV details ---------------------------------------------------------------------------


def test_values_are_trimmed_and_null_tokens_become_null(tmp_path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("code,name,lon,lat,level\n 1811A ,中信二小,112.36,34.67,-\n"
                    "1812A,市委党校,112.39,34.65,N/A\n1813A,市监测站,112.43,34.67,  \n", "utf-8")
    table = read_source(path)
    assert table.attributes["code"].tolist() == ["1811A", "1812A", "1813A"]
    assert table.attributes["level"].isna().all()


@pytest.mark.parametrize("delimiter,suffix", [(";", ".csv"), ("\t", ".tsv"), ("\t", ".txt"),
                                              ("|", ".csv")])
def test_delimiters(tmp_path, delimiter, suffix) -> None:
    path = tmp_path / f"stations{suffix}"
    rows = [["code", "name", "lon", "lat"], ["1811A", "中信二小", "112.3628", "34.6692"]]
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", "utf-8")
    table = read_source(path)
    assert table.attributes.iloc[0].tolist() == rows[1]


def test_ragged_rows_are_reported_with_their_row_numbers(tmp_path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("code,name,lon,lat\n1811A,a,112.36,34.67\n1812A,b,112.39\n"
                    "1813A,c,112.43,34.67\n1814A,d,112.46,34.68,extra\n", "utf-8")
    table = read_source(path)
    assert table.attributes["code"].tolist() == ["1811A", "1813A"]
    assert list(table.row_numbers) == [2, 4]
    assert table.ragged_rows == [(3, "expected 4 fields, found 3"), (5, "expected 4 fields, found 5")]


# Spreadsheet rows: header = row 1; a blank line is a (blank) row; a quoted value that spans
# two lines is still one row. The numbering must not depend on which parser ran.
ROW_NUMBER_CASES = {
    "blank line": ("code,name,lon,lat\n1811A,a,112.36,34.67\n\n1812A,b,112.39,34.65\n",
                   ["1811A", "1812A"], [2, 4], []),
    "blank line and a ragged row": (
        "code,name,lon,lat\n1811A,a,112.36,34.67\n\n1812A,b,112.39,34.65\n1813A,c\n",
        ["1811A", "1812A"], [2, 4], [(5, "expected 4 fields, found 2")]),
    "two-line value": ('code,name,lon,lat\n1811A,"a\nb",112.36,34.67\n1812A,b,112.39,34.65\n',
                       ["1811A", "1812A"], [2, 3], []),
    "two-line value and a ragged row": (
        'code,name,lon,lat\n1811A,"a\nb",112.36,34.67\n1812A,b,112.39,34.65\n1813A,c\n',
        ["1811A", "1812A"], [2, 3], [(4, "expected 4 fields, found 2")]),
    "CRLF and trailing blank lines": (
        "code,name,lon,lat\r\n1811A,a,112.36,34.67\r\n1812A,b,112.39,34.65\r\n\r\n\r\n",
        ["1811A", "1812A"], [2, 3], []),
}


@pytest.mark.parametrize("text,codes,rows,ragged", ROW_NUMBER_CASES.values(),
                         ids=list(ROW_NUMBER_CASES))
def test_csv_row_numbers_are_spreadsheet_rows(tmp_path, text, codes, rows, ragged) -> None:
    path = tmp_path / "stations.csv"
    path.write_bytes(text.encode("utf-8"))
    table = read_source(path)
    assert table.attributes["code"].tolist() == codes
    assert list(table.row_numbers) == rows
    assert table.ragged_rows == ragged


def test_duplicate_and_empty_header_names(tmp_path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("code,name,Name ,lon,lat\n1,a,b,112.3,34.6\n", "utf-8")
    with pytest.raises(IngestError, match=rf"^{path}: column names appear more than once: "
                                          r"\['Name', 'name'\]"):
        read_source(path)
    path.write_text("code,,lon,lat\n1,a,112.3,34.6\n", "utf-8")
    with pytest.raises(IngestError, match=rf"^{path}: the header has an empty column name"):
        read_source(path)


# --- file-level errors -----------------------------------------------------------------------


def test_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(IngestError, match=rf"^{tmp_path / 'nope.csv'}: no such file$"):
        read_source(tmp_path / "nope.csv")
    with pytest.raises(IngestError, match=rf"^{tmp_path}: is a directory; give a file$"):
        read_source(tmp_path)


def test_unsupported_extension() -> None:
    path = DATA / "luoyang_counties_gbk.dbf"  # a real file, not one we read on its own
    with pytest.raises(IngestError, match=rf"^{path}: unsupported file type \.dbf; expected "
                                          r"\.geojson/\.json, \.gpkg, \.shp, \.zip"):
        read_source(path)


@pytest.mark.parametrize("name,content,message", [
    ("empty.csv", b"", r"the file is empty \(no header, no rows\)"),
    ("blank.csv", b"\r\n  \n", r"the file is empty \(no header, no rows\)"),
    ("empty.geojson", b"", r"the file is empty \(0 bytes\)"),
    ("empty.gpkg", b"", r"the file is empty \(0 bytes\)"),
    ("empty.shp", b"", r"the file is empty \(0 bytes\)"),
    ("header_only.csv", "监测点编码,监测点名称,经度,纬度\n".encode(),
     r"the file has a header but no data rows \(header: \['监测点编码', '监测点名称', '经度', '纬度'\]\)"),
    ("no_features.geojson", b'{"type": "FeatureCollection", "features": []}',
     r"the file has no features"),
    ("broken.geojson", b'{"type": "FeatureCollection", "features": [',
     r"cannot read as geojson"),
    ("not_a.gpkg", b"this is not a GeoPackage", r"cannot read as gpkg"),
    ("not_a.zip", b"PK this is not a zip", r"not a valid zip file"),
    ("not_a.parquet", b"PAR1 nope", r"cannot read as GeoParquet"),
])
def test_unreadable_files_name_the_file(tmp_path, name, content, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError, match=rf"^{path}: {message}"):
        read_source(path)


def test_zip_needs_exactly_one_readable_member(tmp_path) -> None:
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        for stem in ("a", "b"):
            for suffix in (".shp", ".shx", ".dbf"):
                archive.write(DATA / f"luoyang_counties_utf8{suffix}", f"{stem}{suffix}")
    with pytest.raises(IngestError, match=rf"^{two}: expected exactly one shapefile .* found "
                                          r"\['a\.shp', 'b\.shp'\]"):
        read_source(two)

    no_dbf = tmp_path / "no_dbf.zip"
    with zipfile.ZipFile(no_dbf, "w") as archive:
        for suffix in (".shp", ".shx"):
            archive.write(DATA / f"luoyang_counties_utf8{suffix}", f"counties{suffix}")
    with pytest.raises(IngestError, match=rf"^{no_dbf}: counties\.shp comes without \['\.dbf'\]"):
        read_source(no_dbf)

    readme = tmp_path / "readme_only.zip"
    with zipfile.ZipFile(readme, "w") as archive:
        archive.writestr("README.txt.md", "nothing to read")
    with pytest.raises(IngestError, match=r"found none among \['README\.txt\.md'\]"):
        read_source(readme)


def test_zipped_csv_in_a_folder_with_a_utf8_flagged_name(tmp_path) -> None:
    path = tmp_path / "stations.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("数据/", "")
        archive.write(DATA / "cnemc_stations_luoyang_gbk.csv", "数据/洛阳站点.csv")
    assert zipfile.ZipFile(path).getinfo("数据/洛阳站点.csv").flag_bits & 0x800
    table = read_source(path)
    assert table.file_format == "csv (zip)" and str(table.path) == f"{path}!数据/洛阳站点.csv"
    assert table.encoding == "gb18030" and len(table.attributes) == 10


def test_typed_attributes_arrive_as_text(tmp_path) -> None:
    """GIS formats keep types; the reader gives the text a user would have typed."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    path = tmp_path / "zones.gpkg"
    gpd.GeoDataFrame({
        "zone_id": ["CZ-1", "CZ-2"], "effective_date": pd.to_datetime(["2019-10-01", "2020-01-01"]),
        "count": [1, 2], "area_km2": [1.5, 2.0], "enforced": [True, False],
        "note": ["a", None]}, geometry=[box(112.4, 34.6, 112.5, 34.7)] * 2, crs=4326,
    ).to_file(path, driver="GPKG")
    frame = read_source(path).attributes
    assert frame.drop(columns="note").values.tolist() == [
        ["CZ-1", "2019-10-01", "1", "1.5", "true"], ["CZ-2", "2020-01-01", "2", "2", "false"]]
    assert pd.isna(frame["note"].iloc[1])


def test_geometry_arrays_are_not_shared_between_reads() -> None:
    first = read_source(DATA / "luoyang_counties.geojson")
    second = read_source(DATA / "luoyang_counties.geojson")
    assert first.geometry is not second.geometry
    assert np.all(shapely.equals(first.geometry, second.geometry))
