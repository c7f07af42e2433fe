-- The current transaction's id: the same for two statements only inside an explicit
-- transaction (in autocommit mode every statement gets its own).
SELECT txid_current()
