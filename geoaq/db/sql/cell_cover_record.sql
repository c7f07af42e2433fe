-- Remember a freshly built cover (replaces the layer's previous record).
INSERT OR REPLACE INTO cell_covers VALUES (?, ?, ?::JSON, ?, ?, ?, ?, ?, ?, ?, ?, now())
