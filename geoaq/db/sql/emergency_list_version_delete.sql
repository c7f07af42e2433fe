-- Forget a list version's record before it is written again (its rows are merged apart).
DELETE FROM emergency_lists WHERE list_year = ? AND effective_from = ?
