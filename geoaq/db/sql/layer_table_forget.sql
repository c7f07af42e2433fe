-- Drop a layer's record in layer_tables (before layer_table_record writes the new one).
DELETE FROM layer_tables WHERE layer = ?
