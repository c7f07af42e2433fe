"""geoaq.ingest.firms and FIRMS files through ingest: VIIRS and MODIS exactly as downloaded."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from helpers import DATA, table_rows

from geoaq.db import store
from geoaq.ingest import firms
from geoaq.ingest import layer as ingest_module
from geoaq.ingest.layer import ingest
from geoaq.ingest.readers import read_source

VIIRS = DATA / "firms_viirs_snpp_china.csv"
MODIS = DATA / "firms_modis_c61_china.csv"
DUPLICATES = DATA / "firms_viirs_duplicates.csv"
KEY = "latitude, longitude, acq_date, acq_time, satellite"


def raw_rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def modis_class(confidence: int) -> str:
    return "low" if confidence < 30 else "nominal" if confidence < 80 else "high"


def fire_points(con) -> pd.DataFrame:
    return con.execute(
        "SELECT latitude, longitude, acq_date, acq_time, satellite, instrument, confidence, "
        "confidence_class, acquired_at_utc, brightness, brightness_2, frp, daynight, version, "
        "source_row, ST_X(geom) AS x, ST_Y(geom) AS y FROM fire_points ORDER BY source_row"
    ).df()


# --- recognition and normalisation ---------------------------------------------------------


def test_detect_instrument_from_the_exact_headers() -> None:
    viirs = VIIRS.read_text("utf-8").splitlines()[0].split(",")
    modis = MODIS.read_text("utf-8").splitlines()[0].split(",")
    assert firms.detect_instrument(viirs) == "VIIRS"
    assert firms.detect_instrument(modis) == "MODIS"
    assert firms.detect_instrument([c.upper() for c in modis]) == "MODIS"
    core = ["latitude", "longitude", "acq_date", "acq_time", "satellite", "confidence"]
    assert firms.detect_instrument(core) is None  # neither instrument's brightness columns
    assert firms.detect_instrument(["latitude", "longitude", "bright_ti4"]) is None


@pytest.mark.parametrize("value,expected", [
    ("l", "low"), ("n", "nominal"), ("h", "high"), ("H", "high"), (" low ", "low"),
    ("nominal", "nominal"), ("High", "high"),
    ("0", "low"), ("29", "low"), ("30", "nominal"), ("79", "nominal"), ("80", "high"),
    ("100", "high"),
    ("150", None), ("-1", None), ("x", None), (None, None),
])
def test_confidence_class(value, expected) -> None:
    got = firms.confidence_class(pd.Series([value], dtype="string")).iloc[0]
    assert (None if pd.isna(got) else got) == expected


@pytest.mark.parametrize("value,expected", [
    ("0601", "0601"), ("601", "0601"), ("13", "0013"), ("5", "0005"), ("130.0", "0130"),
    ("1945", "1945"), ("19:45", "19:45"), (None, None),
])
def test_normalize_acq_time(value, expected) -> None:
    got = firms.normalize_acq_time(pd.Series([value], dtype="string")).iloc[0]
    assert (None if pd.isna(got) else got) == expected


def test_acquired_at_utc() -> None:
    stamps = firms.acquired_at_utc(pd.Series(["2025-06-26", "2025-04-22", "2025-04-22"]),
                                   pd.Series(["0601", "0013", "25:00"]))
    assert stamps.iloc[0] == pd.Timestamp("2025-06-26 06:01")
    assert stamps.iloc[1] == pd.Timestamp("2025-04-22 00:13")
    assert pd.isna(stamps.iloc[2])


def test_reader_adds_the_derived_columns() -> None:
    table = read_source(MODIS)
    assert (table.file_format, table.instrument) == ("firms-modis", "MODIS")
    assert {"instrument", "confidence_class", "acquired_at_utc"} <= set(table.attributes.columns)
    assert table.coordinate_columns == ("longitude", "latitude")


# --- through ingest ----------------------------------------------------------------------


def test_viirs_as_downloaded(con) -> None:
    report = ingest("fire_points", VIIRS, con=con)
    assert (report.file_format, report.rows_read, report.inserted, report.rejected_rows) == (
        "firms-viirs", 20, 20, 0)
    stored = fire_points(con)
    raw = raw_rows(VIIRS)
    assert list(stored["source_row"]) == list(range(2, 22))
    assert set(stored["instrument"]) == {"VIIRS"}
    assert list(stored["confidence"]) == [r["confidence"] for r in raw]
    assert list(stored["confidence_class"]) == [r["confidence"] for r in raw]  # words kept
    assert list(stored["acq_time"]) == [r["acq_time"] for r in raw]
    assert list(stored["acquired_at_utc"]) == [
        pd.Timestamp(f"{r['acq_date']} {r['acq_time'][:2]}:{r['acq_time'][2:]}") for r in raw]
    assert list(stored["brightness"]) == [float(r["bright_ti4"]) for r in raw]
    assert list(stored["brightness_2"]) == [float(r["bright_ti5"]) for r in raw]
    assert list(stored["x"]) == [float(r["longitude"]) for r in raw]
    assert list(stored["y"]) == [float(r["latitude"]) for r in raw]
    assert set(stored["version"]) == {"2.0NRT"}


def test_modis_as_downloaded(con) -> None:
    report = ingest("fire_points", MODIS, con=con)
    assert (report.file_format, report.inserted, report.rejected_rows) == ("firms-modis", 20, 0)
    stored = fire_points(con)
    raw = raw_rows(MODIS)
    assert set(stored["instrument"]) == {"MODIS"}
    assert list(stored["confidence"]) == [r["confidence"] for r in raw]
    assert list(stored["confidence_class"]) == [modis_class(int(r["confidence"])) for r in raw]
    assert set(stored["confidence_class"]) == {"low", "nominal", "high"}
    assert list(stored["brightness_2"]) == [float(r["bright_t31"]) for r in raw]
    assert set(stored["satellite"]) == {"T", "A"} and set(stored["daynight"]) == {"D", "N"}
    first = raw[0]
    assert stored["acquired_at_utc"].iloc[0] == pd.Timestamp(
        f"{first['acq_date']} {first['acq_time'][:2]}:{first['acq_time'][2:]}")


def test_viirs_letters(con) -> None:
    ingest("fire_points", DATA / "firms_viirs_letters.csv", con=con)
    stored = fire_points(con)
    assert list(stored["confidence"]) == ["n", "l", "h"]
    assert list(stored["confidence_class"]) == ["nominal", "low", "high"]


def test_viirs_and_modis_share_the_layer(con, registry) -> None:
    ingest("fire_points", VIIRS, con=con)
    ingest("fire_points", MODIS, con=con)
    assert store.layer_counts(con, [registry["fire_points"]]) == {"fire_points": (40, 0)}
    assert dict(con.execute(
        "SELECT instrument, count(*) FROM fire_points GROUP BY 1").fetchall()) == {
        "VIIRS": 20, "MODIS": 20}


def test_reingest_adds_no_duplicates(con) -> None:
    first = ingest("fire_points", MODIS, con=con)
    second = ingest("fire_points", MODIS, con=con)
    assert (first.inserted, first.unchanged) == (20, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 20)
    assert table_rows(con, "fire_points") == 20
    assert con.execute("SELECT DISTINCT ingest_id FROM fire_points").fetchall() == [
        (first.ingest_id,)]  # unchanged rows keep the load that brought them


EXPECTED_DUPLICATES = [
    (6, "latitude+longitude+acq_date+acq_time+satellite",
     "25.70847, 101.86681, 2025-06-26, 0601, N", f"duplicate of row 3 (same {KEY})"),
    (7, "latitude+longitude+acq_date+acq_time+satellite",
     "26.48675, 101.81809, 2025-06-26, 0601, N", f"duplicate of row 4 (same {KEY})"),
]


@pytest.mark.parametrize("chunk_rows", [ingest_module.CHUNK_ROWS, 2], ids=["one-chunk", "chunks-of-2"])
def test_duplicate_fire_records_within_a_file(con, monkeypatch, chunk_rows) -> None:
    """Row 6 repeats row 3; row 7 repeats row 4 with acq_time '601' (a spreadsheet's doing)."""
    monkeypatch.setattr(ingest_module, "CHUNK_ROWS", chunk_rows)
    report = ingest("fire_points", DUPLICATES, con=con)
    assert (report.rows_read, report.inserted, report.rejected_rows) == (6, 4, 2)
    rejects = store.list_rejects(con, "fire_points")
    assert table_rows(con, "fire_points") == 4
    assert set(rejects["source_file"]) == {str(DUPLICATES)}
    assert list(rejects[["row_number", "column_name", "value", "reason"]].itertuples(
        index=False, name=None)) == EXPECTED_DUPLICATES


def test_unclassifiable_confidence_is_rejected(tmp_path, con) -> None:
    """A MODIS confidence outside 0-100 (or a VIIRS word that is not l/n/h) is not loaded
    with an empty class: the row is rejected, quoting the value."""
    lines = MODIS.read_text("utf-8").splitlines()
    header, rows = lines[0], lines[1:4]
    fields = [r.split(",") for r in rows]
    fields[1][8] = "150"
    fields[2][8] = "sure"
    path = tmp_path / "modis_bad_confidence.csv"
    path.write_text("\n".join([header, *(",".join(f) for f in fields)]) + "\n", "utf-8")
    report = ingest("fire_points", path, con=con)
    assert (report.inserted, report.rejected_rows) == (1, 2)
    assert list(report.rejects.itertuples(index=False, name=None)) == [
        (3, "confidence_class", "150", "not an allowed value; expected one of: low、nominal、high"),
        (4, "confidence_class", "sure", "not an allowed value; expected one of: low、nominal、high"),
    ]


def test_file_resaved_by_a_spreadsheet(tmp_path, con) -> None:
    """Excel turns 2025-04-22 into 2025/4/22 and 0147 into 147: the same fires, same times."""
    original = MODIS.read_text("utf-8").splitlines()
    header, rows = original[0], [r.split(",") for r in original[1:]]
    for fields in rows:
        fields[5] = fields[5].replace("2025-04-", "2025/4/")
        fields[6] = str(int(fields[6]))
    resaved = tmp_path / "modis_resaved.csv"
    resaved.write_text("\n".join([header, *(",".join(f) for f in rows)]) + "\n", "utf-8")
    assert "2025/4/22,147," in resaved.read_text("utf-8")

    report = ingest("fire_points", resaved, con=con)
    assert (report.inserted, report.rejected_rows) == (20, 0)
    stored = fire_points(con)
    raw = raw_rows(MODIS)
    assert list(stored["acq_time"]) == [r["acq_time"] for r in raw]
    assert list(stored["acquired_at_utc"]) == [
        pd.Timestamp(f"{r['acq_date']} {r['acq_time'][:2]}:{r['acq_time'][2:]}") for r in raw]
    again = ingest("fire_points", MODIS, con=con)  # the download itself: nothing new
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 20)
