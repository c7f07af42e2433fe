"""Coordinates and rasters: WGS-84 / GCJ-02 / BD-09, source CRS choice, categorical land cover."""
