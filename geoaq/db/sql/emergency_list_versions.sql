-- Every stored version of the emission-reduction list, the newest effective date first.
SELECT list_year, effective_from, source_file, rows, synthetic, ingest_id, loaded_at
FROM emergency_lists
ORDER BY effective_from DESC, list_year
