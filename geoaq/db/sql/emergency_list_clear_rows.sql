-- Remove every row of one list version before a load writes it again: list_year, effective_from.
DELETE FROM emergency_list_rows WHERE list_year = ? AND effective_from = ?
