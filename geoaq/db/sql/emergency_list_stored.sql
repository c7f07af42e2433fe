-- The stored rows of one list version and their content hashes (geoaq.emergency.reduction_list).
SELECT row_key, row_hash FROM emergency_list_rows WHERE list_year = ? AND effective_from = ?
