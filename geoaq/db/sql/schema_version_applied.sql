-- Every migration applied (a migration numbered below the highest may arrive later).
SELECT version FROM schema_version ORDER BY version
