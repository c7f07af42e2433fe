-- Rejected values of one load (registered Arrow table `incoming_rejects`).
INSERT INTO rejects
SELECT nextval('reject_id_seq'), ?::BIGINT, ?::TEXT, ?::TEXT, row_number, column_name, value,
       reason, now()
FROM incoming_rejects
