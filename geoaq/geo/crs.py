"""Choosing the source CRS of a file and bringing coordinates to WGS-84 (EPSG:4326).

GCJ-02 and BD-09 have no EPSG code; they are declared with `--crs gcj02|bd09` and converted
with `geoaq.geo.coords`. A conflict between what the file declares and what the user declares is
an error naming both, never a silent choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

from geoaq._errors import CRSError
from geoaq.geo import coords

CHINESE_DATUMS = ("gcj02", "bd09")
WGS84 = pyproj.CRS.from_epsg(4326)


@dataclass(frozen=True)
class SourceCRS:
    """The CRS the coordinates are in and how that was decided."""

    label: str  # "EPSG:4326", "EPSG:32649", "gcj02", "bd09"
    crs: pyproj.CRS | None  # None for gcj02 / bd09
    decided_by: str  # "file", "--crs", "layer default"

    @property
    def is_geographic(self) -> bool:
        return self.crs is None or self.crs.is_geographic

    @property
    def is_wgs84(self) -> bool:
        return self.crs is not None and self.crs.equals(WGS84, ignore_axis_order=True)


def parse_crs(text: str) -> tuple[str, pyproj.CRS | None]:
    """Parse a user CRS ("EPSG:4547", "4326", "gcj02", "BD-09") into (label, pyproj CRS)."""
    key = text.strip().lower().replace("-", "").replace("_", "")
    if key in CHINESE_DATUMS:
        return key, None
    try:
        crs = pyproj.CRS.from_user_input(f"EPSG:{text}" if text.strip().isdigit() else text)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(
            f"unknown CRS {text!r}: expected EPSG:<code>, gcj02 or bd09 ({exc})"
        ) from None
    epsg = crs.to_epsg()
    return (f"EPSG:{epsg}" if epsg else crs.to_string()), crs


def choose_source_crs(
    file_crs: pyproj.CRS | None, declared: str | None, layer_default: str, source: str
) -> SourceCRS:
    """Decide the source CRS: the file's own, the user's `--crs`, or the layer default.

    Raises CRSError when the file and the declaration disagree (GCJ-02/BD-09 are allowed on
    files that say WGS-84 or nothing, because such files store them as plain lon/lat).
    """
    if declared:
        label, crs = parse_crs(declared)
        if file_crs is not None:
            file_label = _label(file_crs)
            if crs is None and not file_crs.is_geographic:
                raise CRSError(
                    f"{source}: the file declares the projected CRS {file_label}, but --crs "
                    f"says {label} (a lon/lat datum); drop --crs to use the file's CRS"
                )
            if crs is not None and not crs.equals(file_crs, ignore_axis_order=True):
                raise CRSError(
                    f"{source}: the file declares {file_label} but --crs says {label}; drop "
                    "--crs to use the file's CRS, or fix the file's CRS (.prj / metadata)"
                )
        return SourceCRS(label, crs, "--crs")
    if file_crs is not None:
        return SourceCRS(_label(file_crs), file_crs, "file")
    label, crs = parse_crs(layer_default)
    return SourceCRS(label, crs, "layer default")


def _label(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def check_plausible(xs: np.ndarray, ys: np.ndarray, source_crs: SourceCRS, source: str) -> None:
    """Refuse coordinates that cannot be in the stated CRS (degrees vs metres mix-ups).

    Only a clear majority decides, so a few bad rows are left to per-row rejection.
    """
    finite = np.isfinite(xs) & np.isfinite(ys)
    if finite.sum() == 0:
        return
    x, y = xs[finite], ys[finite]
    in_degrees = (np.abs(x) <= 180) & (np.abs(y) <= 90)
    share_degrees = in_degrees.mean()
    example = f"x={x[0]:.6g}, y={y[0]:.6g}"
    if source_crs.is_geographic and share_degrees < 0.5:
        raise CRSError(
            f"{source}: most coordinates are not degrees (e.g. {example}) but the source CRS "
            f"is {source_crs.label} ({source_crs.decided_by}); declare the real one, "
            "e.g. --crs EPSG:4547 (CGCS2000 / 3-degree GK CM 114E) or EPSG:32649 (UTM 49N)"
        )
    if not source_crs.is_geographic and share_degrees > 0.9:
        raise CRSError(
            f"{source}: the coordinates look like degrees (e.g. {example}) but the source CRS "
            f"is the projected {source_crs.label} ({source_crs.decided_by}); use --crs EPSG:4326"
        )


def lonlat_to_wgs84(
    xs: np.ndarray, ys: np.ndarray, source_crs: SourceCRS
) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays to WGS-84 lon/lat; non-finite results stay NaN."""
    if source_crs.crs is None:
        return coords.to_wgs84_function(source_crs.label)(xs, ys)
    if source_crs.is_wgs84:
        return xs, ys
    transformer = pyproj.Transformer.from_crs(source_crs.crs, WGS84, always_xy=True)
    lon, lat = transformer.transform(xs, ys, errcheck=False)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    lon[bad], lat[bad] = np.nan, np.nan
    return lon, lat


def geometries_to_wgs84(geoms: np.ndarray, source_crs: SourceCRS) -> np.ndarray:
    """Transform every vertex of shapely geometries to WGS-84."""
    if source_crs.is_wgs84:
        return geoms
    if source_crs.crs is None:
        return coords.convert_geometries(geoms, source_crs.label)
    transformer = pyproj.Transformer.from_crs(source_crs.crs, WGS84, always_xy=True)

    def _transform(xy: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1], errcheck=False)
        return np.column_stack([lon, lat])

    return shapely.transform(geoms, _transform)
