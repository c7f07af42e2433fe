"""geoaq.layers: the registry read from layers/*.toml, its checks, and adding a layer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import DATA, LAYERS_DIR, table_rows

from geoaq import config, layers
from geoaq._errors import LayerDefinitionError, UnknownLayerError
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.ingest.layer import ingest

SIX = {"admin_units", "control_zones", "mines", "enterprises", "stations", "fire_points"}

VALID = """\
name = "{name}"
title = {{ zh = "测试", en = "Test" }}
geometry = "Point"
natural_key = ["code"]
popup = ["code", "level"]

[style]
kind = "circle"
label_column = "code"

[[columns]]
name = "code"
type = "text"
required = true

[[columns]]
name = "level"
type = "text"
allowed = ["国控", "省控"]
synonyms = {{ national = "国控" }}

[[columns]]
name = "opened"
type = "date"
"""


def write_layer(folder: Path, text: str, name: str = "probe") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text.format(name=name) if "{name}" in text else text, "utf-8")
    return path


# --- the project's layers --------------------------------------------------------------


def test_the_six_layers_load(registry) -> None:
    assert set(registry) == SIX
    orders = [spec.order for spec in registry.values()]
    assert orders == sorted(orders)  # drawing order
    for name, spec in registry.items():
        assert spec.source == LAYERS_DIR / f"{name}.toml"
        assert spec.natural_key and all(spec.column(k).required for k in spec.natural_key)
        assert len(spec.definition_hash) == 16
        table = spec.table_columns()
        assert list(table)[-1] == "geom" and table["extra"] == "JSON"
    assert registry["fire_points"].natural_key == (
        "latitude", "longitude", "acq_date", "acq_time", "satellite")
    assert registry["stations"].is_point_layer
    assert not registry["admin_units"].is_point_layer
    assert registry["mines"].column("status").synonyms["operating"] == "生产"


def test_load_registry_uses_geoaq_layers_dir(tmp_path, monkeypatch) -> None:
    write_layer(tmp_path, VALID)
    monkeypatch.setenv("GEOAQ_LAYERS_DIR", str(tmp_path))
    assert config.layers_dir() == tmp_path
    assert list(layers.load_registry()) == ["probe"]


def test_unknown_layer_lists_the_known_ones(registry) -> None:
    with pytest.raises(UnknownLayerError, match=r"unknown layer 'noise'; the registry has: .*stations"):
        layers.get_layer("noise", registry)


def test_empty_layers_folder_is_an_error(tmp_path) -> None:
    with pytest.raises(LayerDefinitionError, match=r"no layer definitions \(\*\.toml\) in .*"):
        layers.load_registry(tmp_path)


def test_valid_probe_definition_parses(tmp_path) -> None:
    spec = layers.parse_layer_file(write_layer(tmp_path, VALID))
    assert spec.name == "probe" and spec.title("en") == "Test"
    assert spec.column("level").allowed == ("国控", "省控")
    assert spec.default_crs == "EPSG:4326"


# --- malformed definitions: the error names the file and the key -----------------------

MALFORMED = {
    "unknown layer key": (
        ("natural_key", 'colour = "red"\nnatural_key'),
        r"unknown key\(s\) \['colour'\] in the layer",
    ),
    "unknown column key": (
        ('type = "text"\nrequired = true', 'type = "text"\nrequird = true\nrequired = true'),
        r"unknown key\(s\) \['requird'\] in columns\[0\]",
    ),
    "bad column type": (
        ('name = "opened"\ntype = "date"', 'name = "opened"\ntype = "datetime"'),
        r"columns\[2\] \(opened\)\.type 'datetime' is not one of",
    ),
    "synonym outside allowed": (
        ('national = "国控"', 'national = "国家级"'),
        r"columns\[1\] \(level\)\.synonyms map to \['国家级'\], not in allowed",
    ),
    "natural key not declared": (
        ('natural_key = ["code"]', 'natural_key = ["station_code"]'),
        r"natural_key columns \['station_code'\] are not declared columns",
    ),
    "natural key not required": (
        ('natural_key = ["code"]', 'natural_key = ["code", "level"]'),
        r"natural_key columns \['level'\] must be required = true",
    ),
    "natural key missing": (
        ('natural_key = ["code"]\n', ""),
        r"natural_key is required",
    ),
    "style column unknown": (
        ('label_column = "code"', 'label_column = "station_name"'),
        r"style\.label_column 'station_name' is not a declared column",
    ),
    "style colour-by column unknown": (
        ('label_column = "code"', 'color_by = "grade"'),
        r"style\.color_by 'grade' is not a declared column",
    ),
    "unknown style key": (
        ('kind = "circle"', 'kind = "circle"\nopacity = 0.5'),
        r"unknown key\(s\) \['opacity'\] in style",
    ),
    "bad style kind": (
        ('kind = "circle"', 'kind = "marker"'),
        r"style\.kind must be 'circle' or 'area', got 'marker'",
    ),
    "unknown geometry": (
        ('geometry = "Point"', 'geometry = "Circle"'),
        r"geometry must be one or more of .*got 'Circle'",
    ),
    "popup column unknown": (
        ('popup = ["code", "level"]', 'popup = ["code", "grade"]'),
        r"popup columns \['grade'\] are not declared columns",
    ),
    "reserved column name": (
        ('name = "opened"', 'name = "synthetic"'),
        r"columns\[2\]\.name 'synthetic' is reserved",
    ),
    "column declared twice": (
        ('name = "opened"', 'name = "level"'),
        r"columns declared twice: \['level'\]",
    ),
    "column name not an identifier": (
        ('name = "opened"', 'name = "Opened On"'),
        r"columns\[2\]\.name must be a lower-case identifier, got 'Opened On'",
    ),
    "invalid pattern": (
        ('name = "code"\ntype = "text"', 'name = "code"\ntype = "text"\npattern = "^[0-9"'),
        r"columns\[0\] \(code\)\.pattern is not a valid regex",
    ),
    "name differs from the file name": (
        ('name = "probe"', 'name = "other"'),
        r"name 'other' must equal the file name 'probe'",
    ),
    "not TOML": (
        ('geometry = "Point"', "geometry = Point"),
        r"not valid UTF-8 TOML",
    ),
}


@pytest.mark.parametrize("change,expected", MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_definition_names_file_and_key(tmp_path, change, expected) -> None:
    old, new = change
    text = VALID.format(name="probe")
    assert old in text, old
    path = write_layer(tmp_path, text.replace(old, new, 1))
    with pytest.raises(LayerDefinitionError, match=rf"^{path}: .*{expected}"):
        layers.parse_layer_file(path)
    with pytest.raises(LayerDefinitionError, match=str(path)):
        layers.load_registry(tmp_path)  # one bad file stops the registry, naming the file


def test_definition_that_is_not_utf8_is_refused(tmp_path) -> None:
    path = tmp_path / "probe.toml"
    path.write_bytes(VALID.format(name="probe").encode("gbk"))
    with pytest.raises(LayerDefinitionError, match=rf"^{path}: not valid UTF-8 TOML"):
        layers.parse_layer_file(path)


# --- adding a layer is one new file -------------------------------------------------------


@pytest.fixture
def layers_copy(tmp_path, monkeypatch) -> Path:
    """layers/ copied to a temporary folder that GEOAQ_LAYERS_DIR points to."""
    folder = tmp_path / "layers"
    shutil.copytree(LAYERS_DIR, folder)
    monkeypatch.setenv("GEOAQ_LAYERS_DIR", str(folder))
    return folder


def test_new_layer_is_one_new_file(layers_copy, migrated_db) -> None:
    shutil.copy(DATA / "noise_sensors.toml", layers_copy / "noise_sensors.toml")
    registry = layers.load_registry()  # from GEOAQ_LAYERS_DIR
    assert set(registry) == SIX | {"noise_sensors"}

    report = ingest("noise_sensors", DATA / "noise_sensors.csv", db=migrated_db)  # no registry passed
    assert (report.inserted, report.rejected_rows) == (3, 0)
    assert report.column_mapping == {"sensor_id": "传感器编号", "name": "名称",
                                     "zone_class": "声功能区", "installed_on": "安装日期"}

    con = db.connect(migrated_db, read_only=True)
    try:
        spec = registry["noise_sensors"]
        assert store.layer_counts(con, list(registry.values()))["noise_sensors"] == (3, 0)
        assert store.layer_counts(con, [registry["mines"]]) == {"mines": (0, 0)}
        gdf = store.read_layer(con, spec).sort_values("sensor_id").reset_index(drop=True)
        tables = con.execute("SELECT layer FROM layer_tables").fetchall()
    finally:
        con.close()
    assert list(gdf["sensor_id"]) == ["NS-001", "NS-002", "NS-003"]
    assert list(gdf["zone_class"]) == ["1类", "4a类", "2类"]
    assert str(gdf["installed_on"].iloc[2])[:10] == "2023-04-02"  # from 2023/4/2
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.iloc[0].x == pytest.approx(112.4386)
    assert gdf.geometry.iloc[0].y == pytest.approx(34.6731)
    assert tables == [("noise_sensors",)]


def test_read_layer_with_bbox_and_before_any_load(layers_copy, migrated_db) -> None:
    shutil.copy(DATA / "noise_sensors.toml", layers_copy / "noise_sensors.toml")
    spec = layers.load_registry()["noise_sensors"]
    con = db.connect(migrated_db)
    try:
        empty = store.read_layer(con, spec)
        assert len(empty) == 0 and "sensor_id" in empty.columns
        ingest("noise_sensors", DATA / "noise_sensors.csv", con=con)
        south = store.read_layer(con, spec, bbox=(112.40, 34.60, 112.50, 34.65))
    finally:
        con.close()
    assert list(south["sensor_id"]) == ["NS-003"]


def test_column_added_later_is_added_to_the_table(layers_copy, migrated_db) -> None:
    definition = layers_copy / "noise_sensors.toml"
    shutil.copy(DATA / "noise_sensors.toml", definition)
    ingest("noise_sensors", DATA / "noise_sensors.csv", db=migrated_db)

    definition.write_text(definition.read_text("utf-8") + (
        '\n[[columns]]\nname = "operator"\ntype = "text"\naliases = ["运维单位"]\n'), "utf-8")
    csv = layers_copy.parent / "noise_sensors_v2.csv"
    lines = (DATA / "noise_sensors.csv").read_text("utf-8").splitlines()
    csv.write_text("\n".join([lines[0] + ",运维单位"] + [f"{line},洛阳市生态环境监测中心"
                                                         for line in lines[1:]]) + "\n", "utf-8")
    spec = layers.load_registry()["noise_sensors"]

    con = db.connect(migrated_db)
    try:
        before_hash = con.execute(
            "SELECT definition_hash FROM layer_tables WHERE layer = 'noise_sensors'").fetchone()[0]
        report = ingest("noise_sensors", csv, con=con)
        columns = dict(con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'noise_sensors'").fetchall())
        operators = con.execute(
            "SELECT DISTINCT operator FROM noise_sensors").fetchall()
        after_hash = con.execute(
            "SELECT definition_hash FROM layer_tables WHERE layer = 'noise_sensors'").fetchone()[0]
        assert table_rows(con, "noise_sensors") == 3
        assert store.ensure_layer_table(con, spec) == []  # nothing more to add
    finally:
        con.close()
    assert columns["operator"] == "VARCHAR"
    assert report.updated == 3 and report.inserted == 0  # the new value changes every row
    assert operators == [("洛阳市生态环境监测中心",)]
    assert before_hash != after_hash == spec.definition_hash


def test_type_change_is_refused_and_changes_nothing(layers_copy, migrated_db) -> None:
    definition = layers_copy / "noise_sensors.toml"
    shutil.copy(DATA / "noise_sensors.toml", definition)
    ingest("noise_sensors", DATA / "noise_sensors.csv", db=migrated_db)

    text = definition.read_text("utf-8")
    old = 'name = "installed_on"\ntype = "date"'
    assert old in text
    definition.write_text(text.replace(old, 'name = "installed_on"\ntype = "timestamp"'),
                          "utf-8")
    with pytest.raises(LayerDefinitionError,
                       match=rf"{definition}: column 'installed_on' is declared TIMESTAMP but the "
                             r"table 'noise_sensors' stores it as DATE; migrate the table"):
        ingest("noise_sensors", DATA / "noise_sensors.csv", db=migrated_db)

    con = db.connect(migrated_db, read_only=True)
    try:
        assert table_rows(con, "ingest_runs") == 1
        assert table_rows(con, "noise_sensors") == 3
        assert con.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'noise_sensors' "
            "AND column_name = 'installed_on'").fetchone()[0] == "DATE"
    finally:
        con.close()
