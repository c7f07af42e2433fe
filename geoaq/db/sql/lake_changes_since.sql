-- The snapshots of a DuckLake after a given one, with the changes each made
-- ("inlined_insert:12,deleted_from_table:7", "created_table:…"). Placeholder: its metadata catalog.
SELECT snapshot_id, changes_made FROM {metadata}.ducklake_snapshot_changes
WHERE snapshot_id > ? ORDER BY snapshot_id
