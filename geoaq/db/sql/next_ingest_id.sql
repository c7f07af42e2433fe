SELECT nextval('ingest_id_seq')
