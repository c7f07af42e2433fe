-- Remember a freshly built cover (after cell_cover_forget: one row per layer).
INSERT INTO cell_covers VALUES (?, ?, ?::JSON, ?, ?, ?, ?, ?, ?, ?, ?, now())
