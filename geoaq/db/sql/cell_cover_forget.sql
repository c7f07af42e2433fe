-- Drop a layer's record in cell_covers (before cell_cover_record writes the new one).
DELETE FROM cell_covers WHERE layer = ?
