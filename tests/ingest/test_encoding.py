"""geoaq.ingest.encoding and the readers' use of it: UTF-8, UTF-8 with BOM, GBK (CSV, Shapefile)."""

from __future__ import annotations

import codecs

import pytest
from helpers import COUNTY_NAMES, DATA

from geoaq._errors import EncodingError, IngestError
from geoaq.ingest import encoding as enc
from geoaq.ingest.readers import read_source

GBK_CSV = DATA / "cnemc_stations_luoyang_gbk.csv"
BOM_CSV = DATA / "cnemc_stations_zhengzhou_bom.csv"
CNEMC_HEADER = ["监测点编码", "监测点名称", "城市", "经度", "纬度", "对照点", "省级行政区", "地级行政区"]


@pytest.mark.parametrize("declared,codec", [
    ("auto", "auto"), ("UTF-8", "utf-8"), ("utf8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
    ("GBK", "gb18030"), ("gb2312", "gb18030"), ("CP936", "gb18030"), (" 936 ", "gb18030"),
    ("ANSI 936", "gb18030"), ("GB18030", "gb18030"), ("latin-1", "iso8859-1"), ("big5", "big5"),
])
def test_normalize_encoding(declared, codec) -> None:
    assert enc.normalize_encoding(declared) == codec


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(EncodingError, match=r"unknown encoding 'klingon'; use auto, utf-8 or gbk"):
        enc.normalize_encoding("klingon")


def test_detect_encoding() -> None:
    text = "监测点编码,监测点名称\n1811A,中信二小\n"
    assert enc.detect_encoding(text.encode("utf-8")) == "utf-8"
    assert enc.detect_encoding(codecs.BOM_UTF8 + text.encode("utf-8")) == "utf-8-sig"
    assert enc.detect_encoding(text.encode("gbk")) == "gb18030"
    assert enc.detect_encoding(b"code,name\n1,a\n") == "utf-8"
    assert enc.detect_encoding(GBK_CSV.read_bytes()) == "gb18030"


def test_display_name() -> None:
    assert enc.display_name("gb18030") == "GBK/GB18030"
    assert enc.display_name("utf-8-sig") == "UTF-8 (BOM)"
    assert enc.display_name("big5") == "big5"


def test_decode_bytes_reports_file_line_and_byte() -> None:
    raw = "code,name\n1,ok\n2,洛阳\n".encode("gbk")
    with pytest.raises(EncodingError,
                       match=r"^stations\.csv: line 3 \(byte 17\) is not valid utf-8: .*"
                             r"try --encoding auto$"):
        enc.decode_bytes(raw, "utf-8", "stations.csv")
    text, codec = enc.decode_bytes(raw, "auto", "stations.csv")
    assert (text.splitlines()[2], codec) == ("2,洛阳", "gb18030")


def test_declared_utf8_on_a_bom_file_keeps_the_bom_out() -> None:
    text, codec = enc.decode_bytes(BOM_CSV.read_bytes(), "utf-8", BOM_CSV)
    assert codec == "utf-8-sig" and text.startswith("监测点编码")


# --- CSV --------------------------------------------------------------------------------


@pytest.mark.parametrize("declared", ["auto", "gbk", "GB18030", "cp936"])
def test_gbk_csv_with_chinese_headers(declared) -> None:
    table = read_source(GBK_CSV, encoding=declared)
    assert table.encoding == "gb18030"
    assert list(table.attributes.columns) == CNEMC_HEADER
    assert table.coordinate_columns == ("经度", "纬度")
    assert table.attributes["监测点名称"].iloc[0] == "中信二小"
    assert list(table.row_numbers) == list(range(2, 12))


def test_utf8_bom_csv() -> None:
    table = read_source(BOM_CSV)
    assert table.encoding == "utf-8-sig"
    assert list(table.attributes.columns) == CNEMC_HEADER  # no "\ufeff监测点编码"
    assert table.attributes["监测点编码"].iloc[0] == "1316A"
    assert table.attributes["监测点名称"].iloc[-1] == "岗李水库(对照点)"


def test_plain_utf8_csv() -> None:
    table = read_source(DATA / "gem_steel_plants_henan.csv")
    assert table.encoding == "utf-8"
    assert table.attributes["project_other"].iloc[0] == "安阳钢铁股份有限公司"


def test_gbk_csv_declared_utf8_names_file_and_line() -> None:
    with pytest.raises(EncodingError,
                       match=rf"^{GBK_CSV}: line 1 \(byte 0\) is not valid utf-8: invalid start "
                             r"byte; try --encoding auto$"):
        read_source(GBK_CSV, encoding="utf-8")


def test_wrong_encoding_found_on_a_later_line(tmp_path) -> None:
    path = tmp_path / "stations.csv"
    path.write_bytes(b"code,name,lon,lat\n1811A,Zhongxin,112.3628,34.6692\n"
                     + "1812A,市委党校,112.3931,34.6516\n".encode("gbk"))
    with pytest.raises(EncodingError, match=rf"^{path}: line 3 \(byte 56\) is not valid utf-8"):
        read_source(path, encoding="utf-8")
    assert read_source(path).attributes["name"].tolist() == ["Zhongxin", "市委党校"]


def test_gbk_geojson_is_detected_and_refused_when_declared_utf8(tmp_path) -> None:
    path = tmp_path / "counties_gbk.geojson"
    path.write_bytes((DATA / "luoyang_counties.geojson").read_text("utf-8").encode("gbk"))
    table = read_source(path)
    assert table.encoding == "gb18030"
    assert dict(zip(table.attributes["adcode"], table.attributes["名称"], strict=True)) == COUNTY_NAMES
    with pytest.raises(EncodingError, match=rf"^{path}: line 2 \(byte \d+\) is not valid utf-8"):
        read_source(path, encoding="utf-8")


# --- Shapefile ----------------------------------------------------------------------------


@pytest.mark.parametrize("stem,codec", [
    ("luoyang_counties_utf8", "utf-8"),          # .cpg says UTF-8
    ("luoyang_counties_gbk", "gb18030"),         # .cpg says GBK
    ("luoyang_counties_gbk_nocpg", "gb18030"),   # no .cpg, no DBF language id: detected
])
def test_shapefile_attribute_encoding(stem, codec) -> None:
    table = read_source(DATA / f"{stem}.shp")
    assert table.encoding == codec
    assert list(table.attributes.columns) == ["adcode", "名称", "级别", "parent", "省份", "城市"]
    assert dict(zip(table.attributes["adcode"], table.attributes["名称"], strict=True)) == COUNTY_NAMES
    assert set(table.attributes["省份"]) == {"河南省"}


def test_shapefile_declared_encoding_overrides_detection() -> None:
    table = read_source(DATA / "luoyang_counties_gbk_nocpg.shp", encoding="gbk")
    assert table.encoding == "gb18030"
    assert table.attributes["名称"].iloc[0] == "老城区"


def test_gbk_shapefile_declared_utf8_is_an_encoding_error() -> None:
    path = DATA / "luoyang_counties_gbk.shp"
    with pytest.raises(EncodingError, match=rf"^{path}: .*not valid utf-8"):
        read_source(path, encoding="utf-8")


def test_encoding_error_is_an_ingest_error() -> None:
    assert issubclass(EncodingError, IngestError)


def test_undecodable_shapefile_feature_is_named(tmp_path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame({"code": ["1811A", "1812A", "1813A"],
                            "name": ["Zhongxin", "Dangxiao", "市监测站"]},
                           geometry=[Point(112.36, 34.67), Point(112.39, 34.65), Point(112.43, 34.67)],
                           crs=4326)
    path = tmp_path / "stations_gbk.shp"
    gdf.to_file(path, encoding="GBK")
    assert read_source(path).attributes["name"].tolist() == ["Zhongxin", "Dangxiao", "市监测站"]
    with pytest.raises(EncodingError, match=rf"^{path}: feature 3 in the attribute table \(\.dbf\) "
                                            r"is not valid utf-8"):
        read_source(path, encoding="utf-8")


def test_windows_code_page_65001_means_utf8():
    assert enc.normalize_encoding("65001") == "utf-8"
