-- Write the database's WAL into its file (after a large build, e.g. the demo).
CHECKPOINT
