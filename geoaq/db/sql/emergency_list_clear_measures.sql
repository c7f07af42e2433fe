-- Remove every measure of one list version before a load writes it again: list_year, effective_from.
DELETE FROM emergency_list_measures WHERE list_year = ? AND effective_from = ?
