"""What lies inside an area drawn on the map: per layer, the count and the features; pure."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geoaq.layers import LayerSpec


def drawn_geometry(drawing: dict | None) -> shapely.Geometry | None:
    """The polygon of a Leaflet.draw GeoJSON feature (rectangle or polygon), or None."""
    if not drawing or "geometry" not in drawing:
        return None
    geometry = shapely.geometry.shape(drawing["geometry"])
    if geometry.geom_type not in {"Polygon", "MultiPolygon"} or geometry.is_empty:
        return None
    return shapely.make_valid(geometry)


def features_inside(layers: list[tuple[LayerSpec, gpd.GeoDataFrame]], area: shapely.Geometry,
                    lang: str = "zh") -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """(counts per layer, the features of each layer) intersecting `area` (boundary included)."""
    counts, found = [], {}
    for spec, frame in layers:
        hits = frame[frame.intersects(area)] if len(frame) else frame
        counts.append({"layer": spec.name, "title": spec.title(lang), "count": len(hits)})
        if len(hits):
            shown = [c for c in spec.popup_columns if c in hits.columns]
            found[spec.name] = pd.DataFrame(hits[shown]).rename(
                columns={c: spec.column(c).title(lang) for c in shown}).reset_index(drop=True)
    return pd.DataFrame(counts), found
