-- Forget the rows of a peer table's period: table_name, period_start, period_end.
DELETE FROM peer_rows WHERE table_name = ? AND period_start = ? AND period_end = ?
