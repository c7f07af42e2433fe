"""geoaq.ingest.csvtable: the one CSV reader of layers and readings (text, header, rows, cells)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from geoaq._errors import EncodingError, IngestError
from geoaq.ingest import csvtable
from geoaq.ingest.readers import read_source
from geoaq.ingest.readings import load_readings


def rows_of(text: bytes, header: list[str], **options) -> tuple[list[list], list[int], list]:
    rows = csvtable.read_table(text, header, "t.csv", **options)
    return [list(r.values()) for r in rows.table.to_pylist()], rows.row_numbers.tolist(), rows.ragged


# --- bytes to text ---------------------------------------------------------------------------


def test_decode_text_utf8_bom_and_gbk():
    plain = csvtable.decode_text(b"a,b\r\n1,2\r\n", "auto", "t.csv")
    assert (plain.body, plain.codec, plain.first_line) == (b"a,b\r\n1,2\r\n", "utf-8", "a,b")
    bom = csvtable.decode_text(b"\xef\xbb\xbfa,b\n1,2\n", "auto", "t.csv")
    assert (bom.body, bom.codec, bom.first_line) == (b"a,b\n1,2\n", "utf-8-sig", "a,b")
    gbk = csvtable.decode_text("名称,经度\n站,112\n".encode("gbk"), "auto", "t.csv")
    assert (gbk.body, gbk.codec) == ("名称,经度\n站,112\n".encode(), "gb18030")


@pytest.mark.parametrize("body", [b"", b"\r\n  \n"])
def test_decode_text_refuses_an_empty_file(body):
    with pytest.raises(IngestError, match=r"^t\.csv: the file is empty \(no header, no rows\)$"):
        csvtable.decode_text(body, "auto", "t.csv")


def test_bom_file_with_bad_bytes_is_an_encoding_error():
    """A BOM makes detection say UTF-8 without looking further; the text is still checked."""
    with pytest.raises(EncodingError, match=r"^t\.csv: line \d+ \(byte \d+\) is not valid utf-8-sig"):
        csvtable.decode_text(b"\xef\xbb\xbfa,b\n1,\xff\n", "auto", "t.csv")


# --- the header ------------------------------------------------------------------------------


@pytest.mark.parametrize("line, fields", [
    ("date,hour,type,1001A", ["date", "hour", "type", "1001A"]),
    ('"datetime","PM2.5"', ["datetime", "PM2.5"]),
    ('code,"na,me", lon ', ["code", "na,me", "lon"]),   # quotes honoured, spaces trimmed
    ('code, "name"', ["code", "name"]),                  # quoted after a space
    ("\ufeffcode,name", ["code", "name"]),
    ("", [""]),                                           # an empty first line: one empty name
])
def test_header_fields(line, fields):
    assert csvtable.header_fields(line) == fields


@pytest.mark.parametrize("line, suffix, delimiter", [
    ("a,b,c", ".csv", ","), ("a;b;c", ".csv", ";"), ("a\tb", ".txt", "\t"), ("a|b", ".csv", "|"),
    ("a", ".csv", ","), ("a,b", ".tsv", "\t"),
])
def test_sniff_delimiter(line, suffix, delimiter):
    assert csvtable.sniff_delimiter(line, suffix) == delimiter


# --- the rows --------------------------------------------------------------------------------


def test_row_numbers_blank_lines_and_ragged_rows():
    text = b"a,b,c\n1,2,3\n\n   \n,,\n-,NA,\n4,5\n6,7,8,9\n10,11,12\n"
    values, row_numbers, ragged = rows_of(text, ["a", "b", "c"])
    assert values == [["1", "2", "3"], ["10", "11", "12"]]
    assert row_numbers == [2, 9]
    # blank lines, a line of spaces and rows of empty cells or null tokens are skipped unreported
    assert ragged == [(7, "expected 3 fields, found 2"), (8, "expected 3 fields, found 4")]


def test_quoted_newlines_keep_a_value_in_one_row():
    text = b'a,b\n"x\ny",1\n2\n3,4\n'
    assert rows_of(text, ["a", "b"], quoted_newlines=True) == (
        [["x\ny", "1"], ["3", "4"]], [2, 4], [(3, "expected 2 fields, found 1")])


def test_typed_columns_and_their_fallback():
    table = csvtable.read_table(b"a,b\nx,1.5\ny,\n", ["a", "b"], "t.csv", {"b": pa.float64()}).table
    assert table.column("c1").to_pylist() == [1.5, None]
    with pytest.raises(pa.ArrowInvalid):  # the caller reads the file as text instead
        csvtable.read_table(b"a,b\nx,abc\n", ["a", "b"], "t.csv", {"b": pa.float64()})


def test_other_delimiters():
    assert rows_of(b"a;b\n1;2\n", ["a", "b"], delimiter=";")[0] == [["1", "2"]]


# --- cells -----------------------------------------------------------------------------------


def test_clean_and_numbers():
    column = pa.chunked_array([[" 1811A ", "NA", "—", "  ", None], ["12"]])
    assert csvtable.clean(column).to_pylist() == ["1811A", None, None, None, None, "12"]
    values, bad = csvtable.numbers(pa.array(["1,234", "１２", " 5 ", "abc", "-", None]))
    assert values[:3].tolist() == [1234.0, 12.0, 5.0]
    assert bad.tolist() == [False, False, False, True, False, False]
    assert csvtable.text_at(pa.array(["a", None, "c"]), [2, 1]) == ["c", None]


# --- one rule for layers and readings ---------------------------------------------------------


def test_a_line_of_spaces_is_blank_for_layers_and_readings(tmp_path, con):
    layer = tmp_path / "stations.csv"
    layer.write_text("code,name,lon,lat\n1811A,a,112.36,34.67\n   \n1812A,b,112.39,34.65\n", "utf-8")
    table = read_source(layer)
    assert list(table.row_numbers) == [2, 4] and table.ragged_rows == []
    readings = tmp_path / "readings.csv"
    readings.write_text("station_code,datetime,PM2.5\n1001A,2019-01-01 00:00,5\n   \n"
                        "1001A,2019-01-01 01:00,6\n", "utf-8")
    report = load_readings(readings, con=con)
    assert (report.rows_read, report.loaded) == (2, 2) and report.rejects.empty
    assert con.execute("SELECT list(source_row ORDER BY source_row) FROM readings").fetchone()[0] == [2, 4]


def test_null_token_rows_are_blank_whether_or_not_a_row_is_ragged(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text('code,name,lon,lat\n1811A,"a\nb",112.36,34.67\n-,-,-,-\n1812A,b\n'
                    "1813A,c,112.43,34.67\n", "utf-8")
    table = read_source(path)
    assert table.attributes["code"].tolist() == ["1811A", "1813A"]
    assert list(table.row_numbers) == [2, 5]
    assert table.ragged_rows == [(4, "expected 4 fields, found 2")]


def test_a_quoted_comma_in_a_readings_header(tmp_path, con):
    path = tmp_path / "readings.csv"
    path.write_text('station_code,datetime,PM2.5,"note, free text"\n'
                    '1001A,2019-01-01 00:00,5,"a, b"\n', "utf-8")
    report = load_readings(path, con=con)
    assert report.loaded == 1 and report.ignored_columns == ["note, free text"]
