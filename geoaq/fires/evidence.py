"""Evidence files of a county's field check (现场核查佐证材料): photos and documents.

* **Checked by content.** `detect` reads the type from the bytes (magic numbers; for an Office
  file the parts inside its ZIP), never from the file's name or what a browser says: a ``.jpg``
  that holds HTML or a program is refused as what it is. Accepted: JPEG and PNG photos, PDF,
  Word (docx) and Excel (xlsx) documents without macros (``GEOAQ_EVIDENCE_TYPES`` narrows the
  list), each at most ``GEOAQ_EVIDENCE_MAX_MB`` (10) and not empty, at most
  ``GEOAQ_EVIDENCE_MAX_FILES`` (10) a submission. `check` names every file refused and why,
  then raises once (`EvidenceEmptyError`, `EvidenceTooLargeError`, `EvidenceTypeError`).
* **Stored outside the database** in the evidence directory (`store_dir`: ``GEOAQ_EVIDENCE_DIR``,
  else beside the database), under ``<sha256[:2]>/<sha256>``: a name made from the content
  only, never from user text, so the same content is stored once however often it comes. A row
  of ``fire_event_evidence`` (migration 0014) per file of a submission records the checksum,
  size, detected type, the uploader's own name for it (data only, shown as text), the account
  and when.
* **No orphans.** `staged` writes the files under temporary names before the submission's
  transaction and moves them to their names only after it committed; a failed submission
  removes them, so it leaves no row and no file.
* **Read only within the jurisdiction.** `evidence_of`, `read` and `export` take the signed-in
  `Actor` and refuse (`AccessDeniedError`) an event whose county it does not cover, in the
  service function itself (the page and the command line only call it). `read` checks the
  stored bytes against the checksum. The page hands the bytes to ``st.download_button`` /
  ``st.image``; no file is ever served by a URL, nor as HTML.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import time
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from geoaq import config
from geoaq._errors import (
    AccessDeniedError,
    ConfigError,
    EvidenceEmptyError,
    EvidenceError,
    EvidenceMissingError,
    EvidenceTooLargeError,
    EvidenceTypeError,
)
from geoaq.accounts.roles import VIEW, Actor
from geoaq.db.connection import Connection, in_transaction, next_ids
from geoaq.db.named import run
from geoaq.fires import verification

#: allowed type -> the MIME type its bytes are handed out as (the page's download, never HTML)
MIME = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: allowed type -> the suffix of an exported or downloaded copy
SUFFIX = {"jpeg": ".jpg", "png": ".png", "pdf": ".pdf", "docx": ".docx", "xlsx": ".xlsx"}
IMAGES = frozenset({"jpeg", "png"})
COLUMNS = ("evidence_id", "submission_id", "event_id", "kind", "size_bytes", "sha256", "original_name",
           "uploaded_by", "uploaded_by_role", "uploaded_from", "uploaded_at")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_INCOMING = ".incoming"
_NAME_CHARS = 200  # of the uploader's file name kept (as data)
_STALE_S = 24 * 3600  # a temporary file older than this was left by a submission that died


@dataclass(frozen=True)
class Upload:
    """An evidence file as it came: the uploader's name for it (data only) and its bytes."""

    name: str
    data: bytes
    size: int | None = None  # the file's size when `data` was not read (too large to take)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str],
                  settings: config.EvidenceSettings | None = None) -> Upload:
        """A file on disk as an upload (the command line's ``--evidence``): a file larger than
        the limit is not read, only its size kept for `check` to refuse."""
        rules = settings or config.evidence_settings()
        file = Path(path)
        size = file.stat().st_size
        if size > rules.max_bytes:
            return cls(name=file.name, data=b"", size=size)
        return cls(name=file.name, data=file.read_bytes())


@dataclass(frozen=True)
class Checked:
    """An upload that passed `check`: its checksum, size and the type its content shows."""

    name: str
    data: bytes
    sha256: str
    size: int
    kind: str


@dataclass(frozen=True)
class Evidence:
    """One stored evidence file's row."""

    evidence_id: int
    submission_id: int
    event_id: str
    kind: str
    size_bytes: int
    sha256: str
    original_name: str | None
    uploaded_by: str
    uploaded_by_role: str
    uploaded_from: str | None
    uploaded_at: datetime

    @property
    def mime(self) -> str:
        return MIME.get(self.kind, "application/octet-stream")

    @property
    def download_name(self) -> str:
        """The name a copy is handed out or exported under: made from the id, the checksum and
        the detected type, never from the uploader's name."""
        return f"evidence-{self.evidence_id}-{self.sha256[:12]}{SUFFIX.get(self.kind, '.bin')}"


# --- what the bytes are ----------------------------------------------------------------------

_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg", b"<?xml",
           b"<meta", b"<a ", b"<img", b"<div", b"<!--")


def detect(data: bytes) -> str:
    """The type of `data` by its content: one of the allowed types (jpeg, png, pdf, docx, xlsx)
    or what else it is (html, svg, exe, elf, script, zip, docm, xlsm, doc/xls (ole), gif, webp,
    text, unknown). The name and a browser's MIME type are never asked."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "png"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(b"MZ"):
        return "exe"
    if data.startswith(b"\x7fELF"):
        return "elf"
    if data.startswith(b"#!"):
        return "script"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:1024].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
    if b"<svg" in head:
        return "svg"
    if head.startswith(_MARKUP) or b"<script" in head or b"<html" in head:
        return "html"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "unknown"
    return "text"


def _zip_kind(data: bytes) -> str:
    """docx / xlsx (or docm / xlsm: with macros) by the parts a ZIP holds, else zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "zip"
    if "[Content_Types].xml" not in names:
        return "zip"
    if "word/document.xml" in names:
        return "docm" if "word/vbaProject.bin" in names else "docx"
    if "xl/workbook.xml" in names:
        return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
    return "zip"


def readable_image(data: bytes, kind: str) -> bool:
    """Whether Pillow reads `data` as a whole image of `kind` (its structure verified; an image
    of more pixels than Pillow's decompression-bomb limit is not)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                found = (image.format or "").lower()
                image.verify()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return False
    return found == kind


def _shown_name(name: object) -> str:
    """The uploader's name for a file, for messages and the row: its last part, no control
    characters, cut to a readable length. Only ever data."""
    text = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    return text[:_NAME_CHARS] or "(no name)"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check(uploads: Iterable[Upload], settings: config.EvidenceSettings | None = None) -> list[Checked]:
    """The uploads checked (type by content, size, count); the same content twice is kept once.
    Every refused file is named with why, then one `EvidenceError` of the first problem's kind
    is raised."""
    rules = settings or config.evidence_settings()
    items = list(uploads)
    problems: list[tuple[type[EvidenceError], str]] = []
    if len(items) > rules.max_files:
        problems.append((EvidenceTooLargeError, f"{len(items)} evidence files given; a submission "
                         f"carries at most {rules.max_files} (GEOAQ_EVIDENCE_MAX_FILES)"))
    kept: dict[str, Checked] = {}
    for item in items:
        name, data = _shown_name(item.name), bytes(item.data or b"")
        size = len(data) if item.size is None else int(item.size)
        if size > rules.max_bytes:
            problems.append((EvidenceTooLargeError, f"evidence file {name!r} is {_megabytes(size)}; "
                             f"at most {_megabytes(rules.max_bytes)} (GEOAQ_EVIDENCE_MAX_MB) is taken"))
            continue
        if not data:
            problems.append((EvidenceEmptyError, f"evidence file {name!r} is empty (0 bytes); "
                             "expected a photo or a document"))
            continue
        kind = detect(data)
        if kind not in rules.types:
            problems.append((EvidenceTypeError, f"evidence file {name!r}: its content is {kind}, "
                             f"not an allowed type (expected {', '.join(rules.types)}; the type is "
                             "read from the content, not the name)"))
            continue
        if kind in IMAGES and not readable_image(data, kind):
            problems.append((EvidenceTypeError, f"evidence file {name!r}: begins like a {kind} photo "
                             "but is not a readable image (damaged, cut short, or something else)"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        kept.setdefault(digest, Checked(name=name, data=data, sha256=digest, size=len(data), kind=kind))
    if problems:
        raise problems[0][0]("; ".join(message for _, message in problems) + "; nothing was submitted")
    return list(kept.values())


# --- where the files are ---------------------------------------------------------------------

def store_dir(con: Connection, settings: config.EvidenceSettings | None = None) -> Path:
    """The evidence directory: ``GEOAQ_EVIDENCE_DIR``; else beside an embedded database file
    (``<file stem>_evidence``); else, for a DuckLake on a local directory, ``evidence`` in its
    data path. A DuckLake on S3 (or an in-memory database) needs ``GEOAQ_EVIDENCE_DIR``."""
    rules = settings or config.evidence_settings()
    if rules.directory is not None:
        return rules.directory
    path, kind = run(con, "database_kind").fetchone()
    if kind == "duckdb" and path and str(path) != ":memory:":
        file = Path(path)
        return file.with_name(f"{file.stem}_evidence")
    data = config.data_path()
    if kind == "ducklake" and data and not data.startswith("s3://"):
        return Path(data).expanduser().resolve() / "evidence"
    raise ConfigError("GEOAQ_EVIDENCE_DIR is not set: this database has no directory beside it for "
                      "evidence files; set it to a directory every app process and host shares")


def _stored(folder: Path, digest: str) -> Path:
    """The stored file of checksum `digest` (checked to be a sha256: no other text builds it)."""
    if not _SHA256.match(str(digest)):
        raise EvidenceMissingError(f"not a sha256 checksum: {digest!r}")
    return folder / digest[:2] / digest


def _forget_stale(incoming: Path) -> None:
    """Remove what a submission killed mid-way (the process ended between writing its files and
    its commit) left under temporary names: older than `_STALE_S`, no row names them."""
    if not incoming.is_dir():
        return
    cutoff = time.time() - _STALE_S
    for part in incoming.glob("*.part"):
        with suppress(OSError):
            if part.stat().st_mtime < cutoff:
                part.unlink()


class Staged:
    """Checked evidence written under temporary names, waiting for its submission's transaction
    (made by `staged`)."""

    def __init__(self, folder: Path | None, items: list[Checked]) -> None:
        self.folder = folder
        self.items = items
        self.temporary: dict[str, Path] = {}

    def record(self, con: Connection, submission_id: int, actor: Actor, at: datetime) -> list[int]:
        """Inside the submission's transaction: a row per file; their evidence ids."""
        if not self.items:
            return []
        first = next_ids(con, "fire_evidence", len(self.items))
        ids = list(range(first, first + len(self.items)))
        run(con, "fire_evidence_insert", [
            ids, [int(submission_id)] * len(ids), [i.sha256 for i in self.items], [i.size for i in self.items],
            [i.kind for i in self.items], [i.name for i in self.items],
            actor.label, actor.account_id, actor.role, actor.origin, at])
        return ids

    def _write(self) -> None:
        if self.folder is None:  # no files: nothing to write, no directory to tidy
            return
        incoming = self.folder / _INCOMING
        _forget_stale(incoming)
        for item in self.items:
            final = _stored(self.folder, item.sha256)
            if final.is_file():
                continue  # the same content is stored already: kept once
            incoming.mkdir(parents=True, exist_ok=True)
            part = incoming / f"{item.sha256}.{secrets.token_hex(8)}.part"
            with open(part, "xb") as out:
                self.temporary[item.sha256] = part
                out.write(item.data)
                out.flush()
                os.fsync(out.fileno())

    def _place(self) -> None:
        for digest, part in self.temporary.items():
            final = _stored(self.folder, digest)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.is_file():
                part.unlink(missing_ok=True)  # another submission stored it meanwhile
            else:
                os.replace(part, final)
        self.temporary.clear()

    def _discard(self) -> None:
        for part in self.temporary.values():
            with suppress(OSError):
                part.unlink(missing_ok=True)
        self.temporary.clear()


@contextmanager
def staged(con: Connection, uploads: Iterable[Upload],
           settings: config.EvidenceSettings | None = None) -> Iterator[Staged]:
    """Check `uploads` and write them under temporary names in the evidence directory; the block
    records them (`Staged.record`) in its transaction. When the block ends well the files take
    their names (already stored content is not written again); when it fails they are removed."""
    rules = settings or config.evidence_settings()
    items = check(uploads, rules)
    if items and in_transaction(con):  # the files would take their names before it commits
        raise EvidenceError("evidence files are stored with a submission of their own transaction, "
                            "not inside a caller's")
    stage = Staged(store_dir(con, rules) if items else None, items)
    try:
        stage._write()
        yield stage
    except BaseException:
        stage._discard()
        raise
    stage._place()


# --- reading, only within the jurisdiction -----------------------------------------------------

def _require_reader(actor: Actor | None, what: str) -> Actor:
    if actor is None:
        raise AccessDeniedError(f"{what} needs a signed-in account (on the command line: "
                                "`geoaq --as NAME …`)")
    actor.require(VIEW, what)
    return actor


def evidence_of(con: Connection, *, actor: Actor, submission_id: int | None = None,
                event_id: str | None = None) -> pd.DataFrame:
    """The evidence rows (`COLUMNS`) of one submission, one event, or (neither) every one the
    account's jurisdiction covers. A submission or event outside it is refused."""
    reader = _require_reader(actor, "read evidence files")
    if event_id is not None:
        verification.require_event(con, reader, str(event_id), "read the evidence of fire event")
    if submission_id is not None:
        row = run(con, "fire_submission_get", [int(submission_id)]).fetchone()
        if row is None:
            if not reader.city_wide:  # learns nothing of other counties' numbers
                reader.require_county(None, f"read the evidence of submission {submission_id}")
            raise EvidenceMissingError(f"no submission {submission_id}")
        verification.require_event(con, reader, row[1], f"read the evidence of submission {submission_id}, "
                                                        "fire event")
    number = None if submission_id is None else int(submission_id)
    event = None if event_id is None else str(event_id)
    frame = run(con, "fire_evidence_of", [number, number, event, event]).df()[list(COLUMNS)]
    if reader.city_wide or frame.empty or (submission_id is not None or event_id is not None):
        return frame
    counties = {e: verification.event_county(con, e) for e in frame["event_id"].unique()}
    return frame[[reader.covers(counties[e]) for e in frame["event_id"]]].reset_index(drop=True)


def read(con: Connection, evidence_id: int, *, actor: Actor,
         settings: config.EvidenceSettings | None = None) -> tuple[Evidence, bytes]:
    """One evidence file's row and bytes, for an account whose jurisdiction covers its event
    (else `AccessDeniedError`, the same for an id that does not exist). The bytes are checked
    against the stored checksum."""
    reader = _require_reader(actor, "read evidence files")
    row = run(con, "fire_evidence_get", [int(evidence_id)]).fetchone()
    if row is None:
        if not reader.city_wide:
            reader.require_county(None, f"read evidence file {evidence_id}")
        raise EvidenceMissingError(f"no evidence file {evidence_id}")
    found = Evidence(*row)
    verification.require_event(con, reader, found.event_id, f"read evidence file {evidence_id} of fire event")
    path = _stored(store_dir(con, settings), found.sha256)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EvidenceMissingError(f"evidence file {evidence_id} ({found.sha256[:12]}…) is missing from the "
                                   f"evidence directory {path.parent.parent}") from None
    if hashlib.sha256(data).hexdigest() != found.sha256:
        raise EvidenceMissingError(f"evidence file {evidence_id}: the stored file no longer matches its "
                                   f"checksum {found.sha256[:12]}… (changed on disk)")
    return found, data


def export(con: Connection, folder: Path, *, actor: Actor, submission_id: int | None = None,
           event_id: str | None = None) -> list[Path]:
    """Copy the evidence of a submission or an event into `folder` (made when missing) under
    `Evidence.download_name`; the paths written. Refused outside the jurisdiction."""
    frame = evidence_of(con, actor=actor, submission_id=submission_id, event_id=event_id)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for evidence_id in frame["evidence_id"]:
        found, data = read(con, int(evidence_id), actor=actor)
        target = folder / found.download_name
        target.write_bytes(data)
        written.append(target)
    return written
