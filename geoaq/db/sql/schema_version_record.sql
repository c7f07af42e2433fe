-- Record a migration as applied: version, description.
INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, now())
