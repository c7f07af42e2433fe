-- Detach a database (a DuckLake this process no longer needs).
DETACH {catalog}
