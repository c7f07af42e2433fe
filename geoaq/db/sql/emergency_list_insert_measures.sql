-- Insert the measures of those rows (registered Arrow table `incoming_list_measures`).
-- Parameters: list_year, effective_from.
INSERT INTO emergency_list_measures (list_year, effective_from, row_key, level, measure, cut_so2,
    cut_nox, cut_pm, cut_vocs)
SELECT $1::TEXT, $2::DATE, row_key, level, measure, cut_so2, cut_nox, cut_pm, cut_vocs
FROM incoming_list_measures
