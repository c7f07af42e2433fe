"""geoaq.fires.evidence: a field check's evidence files, checked by content, limited in size and
number, stored once per content outside the database, written with their submission or not at
all, and read only by an account whose jurisdiction covers the event (service and CLI)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import events_of_county, make_accounts

from geoaq import config
from geoaq._errors import (
    AccessDeniedError,
    EvidenceEmptyError,
    EvidenceMissingError,
    EvidenceTooLargeError,
    EvidenceTypeError,
    VerificationError,
)
from geoaq.accounts import store
from geoaq.cli import main
from geoaq.db import connection as db
from geoaq.db.named import run
from geoaq.fires import evidence, workflow
from geoaq.fires.evidence import Upload

START, END = date(2025, 4, 22), date(2025, 4, 24)
LUOLONG = "410311"



def _image(kind: str, colour: str = "red") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format=kind)
    return buffer.getvalue()


JPEG, PNG = _image("JPEG"), _image("PNG")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def _office(*parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for part in parts:
            archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def con(demo_db):
    connection = db.connect(demo_db)
    other = _events(connection)[1]["county_adcode"].dropna().iloc[0]
    make_accounts(connection, city1=("city", []), county1=("county", [LUOLONG]), county2=("county", [other]))
    yield connection
    connection.close()


def actor(con, name):
    return store.actor_for(con, name, origin="test")


def _events(con):
    return events_of_county(con, LUOLONG, START, END)


def _stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _rows(con) -> int:
    return run(con, "fire_evidence_of", [None, None, None, None]).df().shape[0]


@pytest.mark.parametrize(("data", "kind"), [
    (JPEG, "jpeg"), (PNG, "png"), (PDF, "pdf"),
    (_office("word/document.xml"), "docx"), (_office("xl/workbook.xml"), "xlsx"),
    (_office("word/document.xml", "word/vbaProject.bin"), "docm"),
    (_office("xl/workbook.xml", "xl/vbaProject.bin"), "xlsm"),
    (_office("other.xml"), "zip"), (b"PK\x03\x04broken", "zip"),
    (HTML, "html"), (b"\xef\xbb\xbf  <html><p>x</p>", "html"), (b"<svg onload=alert(1)>", "svg"),
    (EXE, "exe"), (b"\x7fELF\x02\x01", "elf"), (b"#!/bin/sh\nrm -rf /", "script"),
    (b"GIF89a\x01\x00", "gif"), (b"just a note", "text"), (b"\x00\xff\xfe\x80\x81", "unknown"),
])
def test_the_type_is_read_from_the_content(data, kind):
    assert evidence.detect(data) == kind


def test_each_limit_names_the_file_and_what_was_expected(monkeypatch):
    with pytest.raises(EvidenceEmptyError, match=r"'empty\.jpg' is empty"):
        evidence.check([Upload("empty.jpg", b"")])
    monkeypatch.setenv("GEOAQ_EVIDENCE_MAX_MB", "0.001")  # 1,048 bytes
    with pytest.raises(EvidenceTooLargeError, match=r"'big\.pdf' is 0\.0 MB; at most 0\.0 MB"):
        evidence.check([Upload("big.pdf", PDF + b" " * 2000)])
    # a file too large on disk is refused without being read
    monkeypatch.setenv("GEOAQ_EVIDENCE_MAX_MB", "10")
    with pytest.raises(EvidenceTooLargeError, match="'huge.pdf' is 11.0 MB"):
        evidence.check([Upload("huge.pdf", b"", size=11 * 1024 * 1024)])
    with pytest.raises(EvidenceTypeError, match=r"'cut\.jpg': begins like a jpeg photo but is not a readable"):
        evidence.check([Upload("cut.jpg", JPEG[:40])])
    with pytest.raises(EvidenceTypeError, match=r"'a\.png': begins like a png photo"):
        evidence.check([Upload("a.png", PNG[:33] + HTML)])
    with pytest.raises(EvidenceTypeError, match=r"'photo\.jpg': its content is html, not an allowed type "
                                                r"\(expected jpeg, png, pdf, docx, xlsx"):
        evidence.check([Upload("photo.jpg", HTML)])
    monkeypatch.setenv("GEOAQ_EVIDENCE_MAX_FILES", "2")
    with pytest.raises(EvidenceTooLargeError, match="3 evidence files given; a submission carries at most 2"):
        evidence.check([Upload(f"{i}.jpg", _image("JPEG", c)) for i, c in enumerate(("red", "blue", "green"))])
    monkeypatch.setenv("GEOAQ_EVIDENCE_TYPES", "jpeg,png")
    with pytest.raises(EvidenceTypeError, match="its content is pdf.*expected jpeg, png"):
        evidence.check([Upload("report.pdf", PDF)])
    # every problem is named at once; the same content twice is kept once
    monkeypatch.delenv("GEOAQ_EVIDENCE_TYPES")
    with pytest.raises(EvidenceEmptyError, match=r"'a\.png' is empty.*'b\.jpg': its content is exe"):
        evidence.check([Upload("a.png", b""), Upload("b.jpg", EXE)])
    assert [c.name for c in evidence.check([Upload("1.jpg", JPEG), Upload("copy.jpg", JPEG)])] == ["1.jpg"]


def test_unusable_evidence_settings_are_named(monkeypatch):
    from geoaq._errors import ConfigError

    monkeypatch.setenv("GEOAQ_EVIDENCE_TYPES", "jpeg,exe")
    with pytest.raises(ConfigError, match="GEOAQ_EVIDENCE_TYPES=jpeg,exe"):
        config.evidence_settings()
    monkeypatch.setenv("GEOAQ_EVIDENCE_TYPES", "pdf")
    monkeypatch.setenv("GEOAQ_EVIDENCE_MAX_MB", "many")
    with pytest.raises(ConfigError, match="GEOAQ_EVIDENCE_MAX_MB=many"):
        config.evidence_settings()


def test_submitted_evidence_is_stored_by_checksum_outside_the_database(con, demo_db):
    event = _events(con)[0]["event_id"].iloc[0]
    county, city = actor(con, "county1"), actor(con, "city1")
    number = workflow.submit_check(con, event, "非火点", actor=county, note="现场为烧烤",
                                   files=[Upload("../../现场照片.jpg", JPEG), Upload("report.PDF", PDF)])
    folder = evidence.store_dir(con)
    assert folder == demo_db.with_name("demo_evidence")
    digest = hashlib.sha256(JPEG).hexdigest()
    assert _stored_files(folder) == sorted([folder / digest[:2] / digest,
                                            folder / hashlib.sha256(PDF).hexdigest()[:2] / hashlib.sha256(PDF).hexdigest()])
    rows = evidence.evidence_of(con, actor=city, submission_id=number)
    assert rows[["kind", "size_bytes", "original_name", "uploaded_by", "uploaded_by_role"]].values.tolist() == [
        ["jpeg", len(JPEG), "现场照片.jpg", "county1", "county"], ["pdf", len(PDF), "report.PDF", "county1", "county"]]
    assert rows["sha256"].iloc[0] == digest and set(rows["event_id"]) == {event}
    found, data = evidence.read(con, int(rows["evidence_id"].iloc[0]), actor=city)
    assert data == JPEG and found.mime == "image/jpeg"
    assert found.download_name == f"evidence-{found.evidence_id}-{digest[:12]}.jpg"  # never the user's name
    assert evidence.read(con, found.evidence_id, actor=county)[1] == JPEG  # its own county's


def test_another_countys_evidence_is_refused(con):
    event = _events(con)[0]["event_id"].iloc[0]
    number = workflow.submit_check(con, event, "not_a_fire", actor=actor(con, "county1"), files=[Upload("p.png", PNG)])
    evidence_id = int(evidence.evidence_of(con, actor=actor(con, "city1"), submission_id=number)["evidence_id"].iloc[0])
    other = actor(con, "county2")
    with pytest.raises(AccessDeniedError, match="outside its jurisdiction"):
        evidence.read(con, evidence_id, actor=other)
    with pytest.raises(AccessDeniedError, match="outside its jurisdiction"):
        evidence.evidence_of(con, actor=other, submission_id=number)
    with pytest.raises(AccessDeniedError, match="outside its jurisdiction"):
        evidence.evidence_of(con, actor=other, event_id=event)
    with pytest.raises(AccessDeniedError, match="outside its jurisdiction"):  # an unknown id: the same answer
        evidence.read(con, 999_999, actor=other)
    with pytest.raises(AccessDeniedError, match="needs a signed-in account"):
        evidence.read(con, evidence_id, actor=None)
    assert evidence.evidence_of(con, actor=other).empty  # its list holds none of them
    assert len(evidence.evidence_of(con, actor=actor(con, "county1"))) == 1
    with pytest.raises(EvidenceMissingError, match="no evidence file 999999"):
        evidence.read(con, 999_999, actor=actor(con, "city1"))


def test_the_same_content_is_stored_once(con):
    mine = _events(con)[0]["event_id"]
    county = actor(con, "county1")
    workflow.submit_check(con, mine.iloc[0], "not_a_fire", actor=county, files=[Upload("a.jpg", JPEG)])
    workflow.submit_check(con, mine.iloc[1], "not_a_fire", actor=county,
                          files=[Upload("again.jpg", JPEG), Upload("same-again.jpg", JPEG)])
    assert _rows(con) == 2  # one row per submission that carries it
    assert len(_stored_files(evidence.store_dir(con))) == 1


def test_a_failed_submission_leaves_no_row_and_no_file(con):
    mine, other = _events(con)
    county = actor(con, "county1")
    folder = evidence.store_dir(con)
    with pytest.raises(AccessDeniedError):  # another county's event: refused inside the transaction
        workflow.submit_check(con, other["event_id"].iloc[0], "not_a_fire", actor=county, files=[Upload("a.jpg", JPEG)])
    workflow.submit_check(con, mine["event_id"].iloc[0], "not_a_fire", actor=county, files=[Upload("a.png", PNG)])
    with pytest.raises(VerificationError, match="already has submission"):  # after the files were staged
        workflow.submit_check(con, mine["event_id"].iloc[0], "not_a_fire", actor=county,
                              files=[Upload("b.jpg", JPEG), Upload("c.pdf", PDF)])
    with pytest.raises(EvidenceTypeError):  # refused before anything is written
        workflow.submit_check(con, mine["event_id"].iloc[1], "not_a_fire", actor=county,
                              files=[Upload("photo.jpg", HTML), Upload("ok.pdf", PDF)])
    assert _stored_files(folder) == [folder / hashlib.sha256(PNG).hexdigest()[:2] / hashlib.sha256(PNG).hexdigest()]
    assert _rows(con) == 1
    assert len(workflow.submissions(con)) == 1
    # what a submission killed between its files and its commit left is removed a day later
    left = folder / ".incoming" / f"{'0' * 64}.dead.part"
    left.write_bytes(JPEG)
    os.utime(left, (time.time() - 2 * 86400,) * 2)
    workflow.submit_check(con, mine["event_id"].iloc[1], "not_a_fire", actor=county, files=[Upload("d.pdf", PDF)])
    assert not left.exists() and _rows(con) == 2


def test_a_changed_or_missing_stored_file_is_not_handed_out(con):
    event = _events(con)[0]["event_id"].iloc[0]
    number = workflow.submit_check(con, event, "not_a_fire", actor=actor(con, "county1"), files=[Upload("a.pdf", PDF)])
    city = actor(con, "city1")
    evidence_id = int(evidence.evidence_of(con, actor=city, submission_id=number)["evidence_id"].iloc[0])
    (stored,) = _stored_files(evidence.store_dir(con))
    stored.write_bytes(HTML)
    with pytest.raises(EvidenceMissingError, match="no longer matches its checksum"):
        evidence.read(con, evidence_id, actor=city)
    stored.unlink()
    with pytest.raises(EvidenceMissingError, match="is missing from the evidence directory"):
        evidence.read(con, evidence_id, actor=city)


def test_evidence_on_the_command_line(con, demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAQ_EVIDENCE_DIR", str(tmp_path / "store"))
    mine = _events(con)[0]["event_id"]
    (tmp_path / "photo.jpg").write_bytes(JPEG)
    (tmp_path / "doc.pdf").write_bytes(PDF)
    (tmp_path / "fake.jpg").write_bytes(HTML)
    (tmp_path / "tool.jpg").write_bytes(EXE)

    def cli(*args):
        return CliRunner().invoke(main, ["--lang", "en", *args, "--db", str(demo_db)])

    spoofed = cli("--as", "county1", "fires", "submit", mine.iloc[0], "非火点", "--evidence", str(tmp_path / "fake.jpg"),
                  "--evidence", str(tmp_path / "tool.jpg"))
    assert spoofed.exit_code == 1
    assert "'fake.jpg': its content is html" in spoofed.output and "'tool.jpg': its content is exe" in spoofed.output
    done = cli("--as", "county1", "fires", "submit", mine.iloc[0], "非火点", "--note", "现场为烧烤",
               "--evidence", str(tmp_path / "photo.jpg"), "--evidence", str(tmp_path / "doc.pdf"))
    assert done.exit_code == 0, done.output
    assert "Stored 2 evidence file(s)" in done.output
    number = workflow.submissions(con, mine.iloc[0])["submission_id"].iloc[-1]

    listed = cli("--as", "city1", "fires", "evidence", "--submission", str(number), "--format", "json",
                 "--out", str(tmp_path / "out"))
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["kind"] for r in rows] == ["jpeg", "pdf"]
    assert sorted(p.read_bytes() for p in (tmp_path / "out").iterdir()) == sorted([JPEG, PDF])
    refused = cli("--as", "county2", "fires", "evidence", "--submission", str(number), "--out", str(tmp_path / "x"))
    assert refused.exit_code == 1 and "outside its jurisdiction" in refused.output
    assert not (tmp_path / "x").exists()
    nobody = cli("fires", "evidence", "--event", mine.iloc[0])
    assert nobody.exit_code == 1 and "needs a signed-in account" in nobody.output


def test_the_evidence_directory_follows_the_database(tmp_path, monkeypatch):
    import duckdb

    from geoaq._errors import ConfigError
    from geoaq.db.connection import load_extension

    file = duckdb.connect(str(tmp_path / "site.duckdb"))
    assert evidence.store_dir(file) == tmp_path / "site_evidence"
    monkeypatch.setenv("GEOAQ_EVIDENCE_DIR", str(tmp_path / "shared"))
    assert evidence.store_dir(file) == tmp_path / "shared"
    monkeypatch.delenv("GEOAQ_EVIDENCE_DIR")
    with pytest.raises(ConfigError, match="GEOAQ_EVIDENCE_DIR is not set"):
        evidence.store_dir(duckdb.connect())  # in memory: nothing beside it
    lake = duckdb.connect()
    load_extension(lake, "ducklake")
    lake.execute(f"ATTACH 'ducklake:{tmp_path / 'catalog.ducklake'}' AS lake_test (DATA_PATH '{tmp_path / 'data'}/')")
    lake.execute("USE lake_test")
    monkeypatch.setenv("GEOAQ_DATA_PATH", str(tmp_path / "data"))
    assert evidence.store_dir(lake) == tmp_path / "data" / "evidence"  # not beside the catalog
    monkeypatch.setenv("GEOAQ_DATA_PATH", "s3://geoaq/lake/")
    with pytest.raises(ConfigError, match="every app process and host shares"):
        evidence.store_dir(lake)


@pytest.mark.parametrize(("text", "shown"), [
    ("photo.jpg", r"photo\.jpg"),
    ("[x](javascript:alert(1))", r"\[x\]\(javascript\:alert\(1\)\)"),
    ("![](http://t/p.png)", r"\!\[\]\(http\://t/p\.png\)"),
    ("**$x$** `c` <b>", r"\*\*\$x\$\*\* \`c\` \<b\>"),
    ("现场照片", "现场照片"),
])
def test_user_text_is_escaped_for_markdown(text, shown):
    from geoaq.web.views.text import markdown_plain

    assert markdown_plain(text) == shown
