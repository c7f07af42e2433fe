-- Remember which registry definition a layer table was last brought in line with.
INSERT OR REPLACE INTO layer_tables VALUES (?, ?, ?::JSON, now())
