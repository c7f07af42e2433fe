-- Make {catalog} the connection's default database.
USE {catalog}
