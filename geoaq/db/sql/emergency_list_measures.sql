-- The measures of one list version, one row per list row and level: list_year, effective_from.
SELECT row_key, level, measure, cut_so2, cut_nox, cut_pm, cut_vocs
FROM emergency_list_measures
WHERE list_year = ? AND effective_from = ?
