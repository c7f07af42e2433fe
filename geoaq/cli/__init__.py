"""The `geoaq` command."""
