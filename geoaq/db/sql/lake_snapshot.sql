-- A DuckLake's latest snapshot (changes with every commit of any process). Parameter: its alias.
SELECT * FROM ducklake_current_snapshot(?)
