-- Remember which registry definition a layer table was last brought in line with (after
-- layer_table_forget: one row per layer).
INSERT INTO layer_tables VALUES (?, ?, ?::JSON, now())
