"""The database: connection and extensions, migrations, named SQL, layer tables, cell covers."""
