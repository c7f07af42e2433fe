-- Evidence files of a county's field check (geoaq.fires.evidence): photos and documents kept
-- OUTSIDE the database, in the evidence directory (GEOAQ_EVIDENCE_DIR), each under a name made
-- from its sha256 only, so the same content is stored once however often it is uploaded. A row
-- per file of a submission: which submission, the checksum, the size, the type detected from
-- the content (never from the name or the browser), the uploader's own name for the file (data
-- only: it never builds a path), who uploaded it and when. Append-only; no keys (DuckLake).
CREATE TABLE IF NOT EXISTS fire_event_evidence (
    evidence_id         BIGINT NOT NULL,
    submission_id       BIGINT NOT NULL,
    sha256              TEXT NOT NULL,       -- hex; the stored file's name
    size_bytes          BIGINT NOT NULL,
    kind                TEXT NOT NULL,       -- jpeg / png / pdf / docx / xlsx (by content)
    original_name       TEXT,                -- as the uploader named it (shown, never a path)
    uploaded_by         TEXT NOT NULL,
    uploaded_by_account BIGINT NOT NULL,
    uploaded_by_role    TEXT NOT NULL,
    uploaded_from       TEXT,
    uploaded_at         TIMESTAMP NOT NULL   -- Beijing time
);
