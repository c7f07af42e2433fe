"""Categorical land-cover rasters: class map, point sampling, cropland area per polygon, map overlay.

Fire events are split into straw burning (on cropland) and other open burning with an optional
single-band integer GeoTIFF of land-cover classes; the rule file `landcover.toml` (see
`class_map_path`) says what each pixel value means and which values are cropland. The bureau
also wants fires per 1,000 ha of cropland per county, which needs the cropland area inside
each polygon.

Conventions:
- Inputs (points, polygons, overlay bounds) are WGS-84 lon/lat (convert GCJ-02 data first
  with `geoaq.geo.coords.convert_geometries`). They are transformed to the raster's CRS,
  whatever it is (geographic, UTM, Web Mercator...), never the other way round, so the class
  codes are never resampled (only the overlay image is, nearest-neighbour).
- "No value" is one thing: outside the raster, the raster's own nodata value, or a code the
  class map lists as nodata. Sampling returns it masked; zonal statistics report it apart.
- Areas are true areas on the CRS's ellipsoid: exact per-row areas for geographic rasters
  (never degrees²); for projected ones |det(transform)| times the local ratio of ellipsoid
  area to map area (1 for equal-area projections, 1/0.9992 on UTM's central meridian,
  about 1/1.48 for Web Mercator at 34.6° N).
- A pixel belongs to a polygon when its centre lies inside it (`all_touched=False`).

Pure helpers do the arithmetic; files are opened only in the public functions.
"""

from __future__ import annotations

import math
import re
import struct
import tomllib
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import rasterio.enums
import rasterio.errors
import rasterio.features
import rasterio.warp
from affine import Affine
from numpy.typing import ArrayLike
from rasterio.io import DatasetReader
from rasterio.windows import Window

from geoaq import config
from geoaq._errors import ClassMapError, RasterFormatError, RasterReadError
from geoaq.i18n import pick, t
from geoaq.rules import allowed_keys, array, integer, table, tables, text, validate

WGS84 = pyproj.CRS.from_epsg(4326)
#: the CRS of the overlay image: Leaflet stretches an ImageOverlay linearly in Web Mercator
WEB_MERCATOR = pyproj.CRS.from_epsg(3857)
SQM_PER_HA = 10_000.0
#: zonal statistics process a polygon's window in strips of this many rows (bounded memory)
_STRIP_ROWS = 2048
#: points whose bounding window is at most this many pixels are read in one go
_SINGLE_READ_PIXELS = 4_000_000
#: nodes per side of the grid on which a projected raster's pixel area is evaluated
_SCALE_NODES = 17
_CODE = re.compile(r"^-?[0-9]+$")
_CODES = "a list of integer pixel values"
#: one class of ``[classes]``; unknown keys of a class are named by `_class_problems`
_CLASS = table({
    "key": text(pattern=r"^[a-z][a-z0-9_]{0,62}$", expected="a lower-case identifier"),
    "zh": text(nonblank=True),
    "en": text(nonblank=True),
    "color": text(pattern=r"^#[0-9a-fA-F]{6}$", expected="#rrggbb"),
}, required=("key", "zh", "en", "color"), extra=True)
#: ``landcover.toml``: what the pixel values of the land-cover raster mean
SCHEMA = table({
    "cropland": array(integer(), min_items=1, expected=f"a non-empty {_CODES.removeprefix('a ')}"),
    "nodata": array(integer(), default=[], expected=_CODES),
    "classes": tables(_CLASS),
}, required=("cropland", "classes"))


# --- errors ----------------------------------------------------------------------------------


# --- the class map ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LandClass:
    """One land-cover class: the pixel value, a stable key, names and a map colour."""

    code: int
    key: str
    zh: str
    en: str
    color: str  # "#rrggbb"

    def name(self, lang: str = "zh") -> str:
        """The class name in `lang` (the class map gives both)."""
        return pick({"zh": self.zh, "en": self.en}, lang)


@dataclass(frozen=True)
class ClassMap:
    """What the pixel values of a land-cover raster mean (from `landcover.toml`)."""

    classes: dict[int, LandClass]  # by code, in the file's order
    cropland: frozenset[int]
    nodata: frozenset[int] = frozenset()
    source: Path | None = None

    def is_cropland(self, codes: ArrayLike) -> np.ndarray:
        """Boolean array: the code is cropland (masked/missing codes are False)."""
        values = np.ma.getdata(codes)
        out = np.isin(values, np.fromiter(self.cropland, dtype=np.int64, count=len(self.cropland)))
        return out & ~np.ma.getmaskarray(codes)

    def name(self, code: int, lang: str = "zh") -> str:
        """The class name of `code`, or "未知类别 (code)" for a code the map does not list."""
        known = self.classes.get(int(code))
        return known.name(lang) if known else t("map.landcover_unknown", lang, code=int(code))

    def key(self, code: int) -> str:
        """The class key of `code`, or "code_<n>" for a code the map does not list."""
        known = self.classes.get(int(code))
        return known.key if known else f"code_{int(code)}"


def class_map_path() -> Path:
    """The class map in use: the site's ``rules/landcover.toml``, else the shipped one."""
    return config.rules_file("landcover.toml")


def load_class_map(path: str | Path | None = None) -> ClassMap:
    """Read and check a class-map TOML (default `class_map_path`).

    Every problem in the file is collected and reported in one ClassMapError naming the file
    and the key, so a bureau editing the file for its own codes fixes them all at once.
    """
    file = Path(path) if path is not None else class_map_path()
    if not file.is_file():
        raise ClassMapError(f"{file}: land-cover class map not found")
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ClassMapError(f"{file}: not valid UTF-8 TOML: {exc}") from exc
    checked = validate(raw, SCHEMA, file, ClassMapError, checks=_class_problems)
    classes = {int(code): LandClass(int(code), entry["key"], entry["zh"], entry["en"],
                                    entry["color"].lower())
               for code, entry in checked["classes"].items()}
    return ClassMap(classes, frozenset(checked["cropland"]), frozenset(checked["nodata"]), file)


def _class_problems(raw: dict[str, Any]) -> list[str]:
    """What the schema cannot say: codes are integers, listed once; class keys are known and
    unique; cropland codes are classes, nodata codes are not."""
    problems: list[str] = []
    entries = raw.get("classes")
    entries = entries if isinstance(entries, dict) else {}
    if "classes" in raw and not entries:
        problems.append("[classes] is empty: it maps pixel values to classes")
    allowed = allowed_keys(_CLASS)
    codes: set[int] = set()
    keys: dict[str, int] = {}
    for text_code, entry in entries.items():
        where = f"classes.{text_code}"
        if not _CODE.match(text_code):
            problems.append(f"{where}: the class code must be an integer pixel value")
            continue
        code = int(text_code)
        if code in codes:
            problems.append(f"{where}: code {code} is listed twice")
            continue
        codes.add(code)
        if not isinstance(entry, dict):
            continue
        extra = sorted(set(entry) - set(allowed))
        if extra:
            problems.append(f"{where}: unknown key(s) {extra}; allowed: {allowed}")
        key = entry.get("key")
        if isinstance(key, str) and key in keys:
            problems.append(f"{where}.key {key!r} is also the key of code {keys[key]}")
        elif isinstance(key, str):
            keys[key] = code
    if codes:
        for name, problem in (("cropland", "which are not in [classes]"),
                              ("nodata", "which are also classes in [classes]")):
            listed = raw.get(name)
            if not isinstance(listed, list):
                continue
            values = {v for v in listed if isinstance(v, int) and not isinstance(v, bool)}
            wrong = sorted(values - codes) if name == "cropland" else sorted(values & codes)
            if wrong:
                problems.append(f"{name} lists {wrong}, {problem}")
    return problems


# --- opening and checking a raster -----------------------------------------------------------

_INTEGER_KINDS = ("i", "u")


@contextmanager
def _open(raster_path: str | Path) -> Iterator[DatasetReader]:
    """Open a land-cover raster and check it is categorical; errors name the path."""
    text = str(raster_path)
    if not text.startswith("/vsi") and not Path(text).is_file():
        raise RasterReadError(f"{text}: land-cover raster not found")
    try:
        src = rasterio.open(text)
    except rasterio.errors.RasterioError as exc:
        raise RasterReadError(f"{text}: cannot read the land-cover raster: {exc}") from exc
    with src:
        check_categorical(src)
        yield src


def check_categorical(src: DatasetReader) -> None:
    """Raise RasterFormatError unless `src` has one integer band and a CRS."""
    if src.count != 1:
        raise RasterFormatError(
            f"{src.name}: has {src.count} bands; a land-cover raster has one band of class codes")
    dtype = np.dtype(src.dtypes[0])
    if dtype.kind not in _INTEGER_KINDS:
        raise RasterFormatError(
            f"{src.name}: data type {dtype.name} is not categorical; a land-cover raster stores "
            "integer class codes (uint8, int16, ...)")
    if src.crs is None:
        raise RasterFormatError(f"{src.name}: has no coordinate reference system")


def _nodata_codes(src: DatasetReader, extra: Iterable[int]) -> np.ndarray:
    """The raster's own nodata value (when an integer) plus `extra` codes."""
    codes = [int(c) for c in extra]
    nodata = src.nodata
    if nodata is not None and math.isfinite(nodata) and float(nodata).is_integer():
        codes.append(int(nodata))
    return np.asarray(sorted(set(codes)), dtype=np.int64)


@lru_cache(maxsize=32)
def _transformer(source_wkt: str, target_wkt: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source_wkt, target_wkt, always_xy=True)


def _crs(src: DatasetReader) -> pyproj.CRS:
    return pyproj.CRS.from_user_input(src.crs.to_wkt())


def wgs84_to(crs: pyproj.CRS, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 lon/lat to x/y in `crs` (unchanged when `crs` is WGS-84)."""
    if crs.equals(WGS84, ignore_axis_order=True):
        return lon, lat
    x, y = _transformer(WGS84.to_wkt(), crs.to_wkt()).transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


# --- sampling --------------------------------------------------------------------------------


def pixel_index(transform: Affine, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column (int64) of the pixels holding points x/y (raster CRS).

    A point on the edge between two pixels belongs to the one east/south of it (floor), as
    rasterio's `index()` does; non-finite coordinates give row = col = -1.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    given = np.isfinite(x) & np.isfinite(y)
    cols, rows = ~transform @ (np.where(given, x, 0.0), np.where(given, y, 0.0))
    finite = given & np.isfinite(cols) & np.isfinite(rows)
    rows_i = np.where(finite, np.floor(np.where(finite, rows, 0)), -1).astype(np.int64)
    cols_i = np.where(finite, np.floor(np.where(finite, cols, 0)), -1).astype(np.int64)
    return rows_i, cols_i


def sample_classes(raster_path: str | Path, lon: ArrayLike, lat: ArrayLike, *,
                   nodata: Iterable[int] = ()) -> np.ma.MaskedArray:
    """Class codes (int64) of the raster at WGS-84 points, masked where there is no value.

    Masked: outside the raster, at the raster's nodata value, at any code in `nodata` (the
    class map's nodata list) and at non-finite coordinates. The points are transformed to
    the raster's CRS when it is not WGS-84. Reads one window around all the points, or
    block by block when they are spread over a large raster.
    """
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    with _open(raster_path) as src:
        x, y = wgs84_to(_crs(src), lon_a.ravel(), lat_a.ravel())
        rows, cols = pixel_index(src.transform, x, y)
        inside = (rows >= 0) & (rows < src.height) & (cols >= 0) & (cols < src.width)
        values = np.zeros(rows.shape, dtype=np.int64)
        if inside.any():
            values[inside] = _read_pixels(src, rows[inside], cols[inside])
        missing = ~inside | np.isin(values, _nodata_codes(src, nodata))
    return np.ma.MaskedArray(values, mask=missing).reshape(lon_a.shape)


def _read_pixels(src: DatasetReader, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Band-1 values at (rows, cols): one window read when compact, else one read per block."""
    r0, c0 = int(rows.min()), int(cols.min())
    height, width = int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1
    if height * width <= _SINGLE_READ_PIXELS:
        block = src.read(1, window=Window(c0, r0, width, height))
        return block[rows - r0, cols - c0].astype(np.int64)
    block_h, block_w = src.block_shapes[0]
    out = np.empty(rows.shape, dtype=np.int64)
    keys = (rows // block_h) * (src.width // block_w + 1) + cols // block_w
    for key in np.unique(keys):
        sel = keys == key
        top, left = int(rows[sel][0] // block_h * block_h), int(cols[sel][0] // block_w * block_w)
        window = Window(left, top, min(block_w, src.width - left), min(block_h, src.height - top))
        out[sel] = src.read(1, window=window)[rows[sel] - top, cols[sel] - left]
    return out


def classify_points(raster_path: str | Path, lon: ArrayLike, lat: ArrayLike,
                    class_map: ClassMap | None = None) -> pd.DataFrame:
    """One row per point: landcover_code (Int64), landcover_key, landcover_zh, landcover_en, cropland.

    `cropland` is a nullable boolean: <NA> where the raster has no value, so the caller can
    apply its own default (fires.toml `without_landcover`).
    """
    class_map = class_map or load_class_map()
    codes = sample_classes(raster_path, lon, lat, nodata=class_map.nodata).ravel()
    missing = np.ma.getmaskarray(codes)
    data = np.ma.getdata(codes)

    def labels(get: Any) -> pd.Series:
        return pd.Series([None if m else get(int(c)) for c, m in zip(data, missing, strict=True)],
                         dtype="string")

    code = pd.array(data, dtype="Int64")
    code[missing] = pd.NA
    cropland = pd.array(class_map.is_cropland(codes), dtype="boolean")
    cropland[missing] = pd.NA
    return pd.DataFrame({
        "landcover_code": code,
        "landcover_key": labels(class_map.key),
        "landcover_zh": labels(lambda c: class_map.name(c, "zh")),
        "landcover_en": labels(lambda c: class_map.name(c, "en")),
        "cropland": cropland,
    })


# --- true pixel areas ------------------------------------------------------------------------


def ellipsoid_band_area(lat1_deg: ArrayLike, lat2_deg: ArrayLike, semi_major: float,
                        inverse_flattening: float) -> np.ndarray:
    """Area (m²) of the band between two latitudes per radian of longitude, on an ellipsoid.

    Exact closed form: A = b² [f(φ2) − f(φ1)] with
    f(φ) = sinφ / (2(1 − e² sin²φ)) + atanh(e sinφ) / (2e); on a sphere R² (sinφ2 − sinφ1).
    """
    s1, s2 = np.sin(np.radians(lat1_deg)), np.sin(np.radians(lat2_deg))
    if not inverse_flattening:
        return np.abs(semi_major**2 * (s2 - s1))
    f = 1 / inverse_flattening
    b2 = (semi_major * (1 - f)) ** 2
    e = math.sqrt(f * (2 - f))

    def primitive(s: np.ndarray) -> np.ndarray:
        return s / (2 * (1 - e * e * s * s)) + np.arctanh(e * s) / (2 * e)

    return np.abs(b2 * (primitive(s2) - primitive(s1)))


def geographic_row_areas(crs: pyproj.CRS, transform: Affine, rows: int) -> np.ndarray:
    """Area (m²) of one pixel in each of `rows` rows of a north-up geographic raster."""
    if transform.b or transform.d:
        raise RasterFormatError("rotated geographic rasters are not supported: pixel areas need "
                                "north-up rows")
    to_rad = crs.axis_info[0].unit_conversion_factor if crs.axis_info else math.pi / 180
    to_deg = math.degrees(to_rad)
    edges = (transform.f + transform.e * np.arange(rows + 1)) * to_deg
    ellipsoid = crs.ellipsoid
    band = ellipsoid_band_area(edges[:-1], edges[1:], ellipsoid.semi_major_metre,
                               ellipsoid.inverse_flattening if ellipsoid.semi_minor_metre
                               != ellipsoid.semi_major_metre else 0.0)
    return band * abs(transform.a) * to_rad


def _interp_index(nodes: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear-interpolation indices and weights of `x` between sorted `nodes`."""
    if len(nodes) == 1:
        zero = np.zeros(len(x), dtype=np.int64)
        return zero, zero, np.zeros(len(x))
    hi = np.clip(np.searchsorted(nodes, x, side="right"), 1, len(nodes) - 1)
    lo = hi - 1
    t = np.clip((x - nodes[lo]) / (nodes[hi] - nodes[lo]), 0, 1)
    return lo, hi, t


def projected_pixel_areas(crs: pyproj.CRS, transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    """True area (m²) of each pixel of a projected raster window of `shape`.

    The map area |det(transform)| times the local ratio of ellipsoid area to map area: the
    Jacobian of the inverse projection (finite differences over one pixel) times M·N·cos φ of
    the CRS's own ellipsoid. Evaluated on a coarse grid of pixel centres and interpolated
    bilinearly (the ratio varies slowly: ~0.1 % across a UTM zone). Works for any projection,
    including Web Mercator, whose spherical formulas on WGS-84 coordinates make pyproj's
    `get_factors` report the sphere's, not the ellipsoid's, scale.
    """
    height, width = shape
    r_nodes = np.linspace(0, height - 1, min(height, _SCALE_NODES)) + 0.5
    c_nodes = np.linspace(0, width - 1, min(width, _SCALE_NODES)) + 0.5
    cc, rr = np.meshgrid(c_nodes, r_nodes)
    geodetic = crs.geodetic_crs or WGS84
    to_geodetic = _transformer(crs.to_wkt(), geodetic.to_wkt())

    def lonlat(dc: float, dr: float) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = to_geodetic.transform(*(transform @ (cc + dc, rr + dr)))
        return np.radians(np.asarray(lon, dtype=float)), np.radians(np.asarray(lat, dtype=float))

    (lon_e, lat_e), (lon_w, lat_w) = lonlat(0.5, 0), lonlat(-0.5, 0)
    (lon_s, lat_s), (lon_n, lat_n) = lonlat(0, 0.5), lonlat(0, -0.5)
    d_lon_col, d_lat_col = (lon_e - lon_w + np.pi) % (2 * np.pi) - np.pi, lat_e - lat_w
    d_lon_row, d_lat_row = (lon_s - lon_n + np.pi) % (2 * np.pi) - np.pi, lat_s - lat_n
    radians2 = np.abs(d_lon_col * d_lat_row - d_lon_row * d_lat_col)  # one pixel, in rad²
    lat = lonlat(0, 0)[1]
    ellipsoid = geodetic.ellipsoid
    a, b = ellipsoid.semi_major_metre, ellipsoid.semi_minor_metre
    e2 = 1 - (b * b) / (a * a)
    w2 = 1 - e2 * np.sin(lat) ** 2
    meridian, normal = a * (1 - e2) / w2**1.5, a / np.sqrt(w2)
    nodes = radians2 * meridian * normal * np.cos(lat)
    nodes = np.where(np.isfinite(nodes) & (nodes > 0), nodes, np.nan)
    if np.isnan(nodes).all():
        raise RasterFormatError(f"cannot compute pixel areas in {crs.name}: the points do not map to "
                                "latitude/longitude")
    nodes = np.where(np.isnan(nodes), np.nanmean(nodes), nodes)
    r_lo, r_hi, r_t = _interp_index(r_nodes, np.arange(height) + 0.5)
    c_lo, c_hi, c_t = _interp_index(c_nodes, np.arange(width) + 0.5)
    along = nodes[:, c_lo] * (1 - c_t) + nodes[:, c_hi] * c_t  # (nodes, width)
    return along[r_lo] * (1 - r_t)[:, None] + along[r_hi] * r_t[:, None]


def pixel_areas(crs: pyproj.CRS, transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    """True pixel areas (m²) of a window: shape (rows, 1) for geographic rasters, else `shape`."""
    if crs.is_geographic:
        return geographic_row_areas(crs, transform, shape[0])[:, None]
    return projected_pixel_areas(crs, transform, shape)


# --- zonal statistics ------------------------------------------------------------------------


def polygon_window(transform: Affine, width: int, height: int,
                   bounds: tuple[float, float, float, float]) -> Window | None:
    """The smallest whole-pixel window of the raster covering `bounds` (raster CRS), or None."""
    minx, miny, maxx, maxy = bounds
    cols, rows = ~transform @ (np.array([minx, maxx, minx, maxx]), np.array([miny, miny, maxy, maxy]))
    c0, c1 = max(int(np.floor(cols.min())), 0), min(int(np.ceil(cols.max())), width)
    r0, r1 = max(int(np.floor(rows.min())), 0), min(int(np.ceil(rows.max())), height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


def _polygons_in(crs: pyproj.CRS, polygons: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoSeries:
    """The polygons' geometries in the raster's CRS (no CRS on the input means WGS-84)."""
    geoms = polygons.geometry if isinstance(polygons, gpd.GeoDataFrame) else polygons
    if not isinstance(geoms, gpd.GeoSeries):
        raise TypeError(f"'polygons' should be a GeoDataFrame or GeoSeries, got {type(polygons).__name__}")
    if geoms.crs is None:
        geoms = geoms.set_crs(WGS84)
    return geoms.to_crs(crs)


def _zonal_areas(src: DatasetReader, crs: pyproj.CRS, geom: Any,
                 nodata_codes: np.ndarray) -> tuple[dict[int, float], float]:
    """m² per class code of the pixels whose centres lie in `geom` (raster CRS), and m² of
    the pixels without a value. Reads the polygon's window in strips of _STRIP_ROWS rows."""
    areas: dict[int, float] = {}
    no_value = 0.0
    if geom is None or geom.is_empty:
        return areas, no_value
    window = polygon_window(src.transform, src.width, src.height, geom.bounds)
    if window is None:
        return areas, no_value
    for top in range(int(window.row_off), int(window.row_off + window.height), _STRIP_ROWS):
        strip = Window(window.col_off, top, window.width,
                       min(_STRIP_ROWS, int(window.row_off + window.height) - top))
        transform = src.window_transform(strip)
        shape = (int(strip.height), int(strip.width))
        inside = rasterio.features.geometry_mask([geom], out_shape=shape, transform=transform,
                                                 invert=True, all_touched=False)
        if not inside.any():
            continue
        values = src.read(1, window=strip)[inside].astype(np.int64)
        pixel = np.broadcast_to(pixel_areas(crs, transform, shape), shape)[inside]
        empty = np.isin(values, nodata_codes)
        no_value += float(pixel[empty].sum())
        codes, inverse = np.unique(values[~empty], return_inverse=True)
        sums = np.bincount(inverse, weights=pixel[~empty], minlength=len(codes))
        for code, area in zip(codes.tolist(), sums.tolist(), strict=True):
            areas[code] = areas.get(code, 0.0) + area
    return areas, no_value


def class_hectares(raster_path: str | Path, polygons: gpd.GeoDataFrame | gpd.GeoSeries, *,
                   nodata: Iterable[int] = ()) -> pd.DataFrame:
    """Hectares of every class code inside each polygon (zonal statistics).

    Index aligned with `polygons`; one column per code found (sorted), plus `nodata_ha`
    (pixels inside the polygon and the raster without a value). A polygon that does not
    overlap the raster has all-NaN values. Each polygon reads only its own window.
    """
    with _open(raster_path) as src:
        crs = _crs(src)
        geoms = _polygons_in(crs, polygons)
        empty = _nodata_codes(src, nodata)
        results = [_zonal_areas(src, crs, geom, empty) for geom in geoms]
    codes = sorted({code for areas, _ in results for code in areas})
    frame = pd.DataFrame([[areas.get(c, 0.0) / SQM_PER_HA for c in codes] + [no_value / SQM_PER_HA]
                          for areas, no_value in results],
                         index=geoms.index, columns=[*codes, "nodata_ha"], dtype=float)
    covered = np.array([bool(areas) or no_value > 0 for areas, no_value in results], dtype=bool)
    frame.loc[~covered] = np.nan
    return frame


def cropland_hectares(raster_path: str | Path, polygons: gpd.GeoDataFrame | gpd.GeoSeries,
                      cropland_codes: Iterable[int], *, nodata: Iterable[int] = ()) -> pd.Series:
    """Cropland area (ha) inside each polygon, index aligned with `polygons`.

    True pixel areas (see the module docstring), pixel-centre rule. NaN where the polygon has
    no pixel with a value (outside the raster, all nodata, empty geometry): unknown, not 0.
    """
    table = class_hectares(raster_path, polygons, nodata=nodata)
    classes = table.drop(columns="nodata_ha")
    wanted = {int(v) for v in cropland_codes}
    cropland = classes[[c for c in classes.columns if c in wanted]].sum(axis=1)
    return cropland.where(classes.sum(axis=1) > 0).rename("cropland_ha")


def fires_per_1000ha(event_counts: pd.Series, cropland_ha: pd.Series) -> pd.Series:
    """Events per 1,000 ha of cropland, aligned on the index (e.g. county names).

    NaN where the cropland area is 0, negative or unknown: never a division by zero. Units
    missing from `event_counts` had no events (0); units missing from `cropland_ha` get NaN.
    """
    index = cropland_ha.index.union(event_counts.index, sort=False)
    counts = pd.to_numeric(event_counts, errors="coerce").reindex(index).fillna(0).astype(float)
    area = pd.to_numeric(cropland_ha, errors="coerce").reindex(index).astype(float)
    usable = area > 0
    rate = pd.Series(np.nan, index=index, dtype=float, name="fires_per_1000ha")
    rate[usable] = counts[usable] / area[usable] * 1000.0
    return rate


def landcover_summary(raster_path: str | Path, polygons: gpd.GeoDataFrame | gpd.GeoSeries,
                      class_map: ClassMap | None = None) -> pd.DataFrame:
    """Per polygon: hectares per class (columns named by class key), cropland and coverage.

    Columns: one per class present, in class-map order (unknown codes as code_<n>), then
    cropland_ha, cropland_share (of the area with a value), nodata_ha, covered_ha (pixels in
    the polygon and the raster) and polygon_ha (geodesic area of the polygon on WGS-84).
    """
    class_map = class_map or load_class_map()
    table = class_hectares(raster_path, polygons, nodata=class_map.nodata)
    codes = [c for c in table.columns if c != "nodata_ha"]
    order = [c for c in class_map.classes if c in codes] + [c for c in codes if c not in class_map.classes]
    out = table[order].rename(columns=class_map.key)
    valued = table[codes].sum(axis=1)  # ha with a value (0 for a polygon outside the raster)
    cropland = table[[c for c in codes if c in class_map.cropland]].sum(axis=1)
    out["cropland_ha"] = cropland.where(valued > 0)
    out["cropland_share"] = (cropland / valued).where(valued > 0)
    out["nodata_ha"] = table["nodata_ha"]
    out["covered_ha"] = valued + table["nodata_ha"].fillna(0)
    geoms = polygons.geometry if isinstance(polygons, gpd.GeoDataFrame) else polygons
    wgs = geoms.set_crs(WGS84) if geoms.crs is None else geoms.to_crs(WGS84)
    geod = pyproj.Geod(ellps="WGS84")
    out["polygon_ha"] = [abs(geod.geometry_area_perimeter(g)[0]) / SQM_PER_HA
                         if g is not None and not g.is_empty else 0.0 for g in wgs]
    return out


# --- the map overlay -------------------------------------------------------------------------


def palette(class_map: ClassMap, opacity: float) -> np.ndarray:
    """RGBA rows: 0 transparent (no value), one per class in class-map order, last = unknown grey."""
    alpha = int(round(255 * min(max(opacity, 0.0), 1.0)))
    rows = [(0, 0, 0, 0)]
    for land in class_map.classes.values():
        rows.append((int(land.color[1:3], 16), int(land.color[3:5], 16), int(land.color[5:7], 16), alpha))
    rows.append((128, 128, 128, alpha))
    return np.asarray(rows, dtype=np.uint8)


def palette_index(codes: np.ndarray, class_map: ClassMap, nodata_codes: np.ndarray) -> np.ndarray:
    """uint16 index into `palette()` for each code: 0 for no value, last row for unknown codes."""
    known = np.fromiter(class_map.classes, dtype=np.int64, count=len(class_map.classes))
    order = np.argsort(known, kind="stable")
    values = codes.astype(np.int64)
    position = np.searchsorted(known[order], values)
    found = (position < len(known)) & (known[order][np.minimum(position, len(known) - 1)] == values)
    index = np.where(found, order[np.minimum(position, len(known) - 1)] + 1, len(known) + 1)
    index[np.isin(values, nodata_codes)] = 0
    return index.astype(np.uint16)


def png_rgba(rgba: np.ndarray) -> bytes:
    """PNG bytes of an (h, w, 4) uint8 array (8-bit RGBA, no filtering, zlib level 9)."""
    height, width, _ = rgba.shape
    raw = np.zeros((height, width * 4 + 1), dtype=np.uint8)
    raw[:, 1:] = rgba.reshape(height, width * 4)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 9)) + chunk(b"IEND", b""))


def raster_overlay_png(raster_path: str | Path, class_map: ClassMap,
                       bounds: Sequence[float] | None = None, max_size: int = 1024, *,
                       opacity: float = 0.6) -> tuple[bytes, tuple[float, float, float, float]]:
    """A semi-transparent RGBA PNG of the classes for a Leaflet ImageOverlay, and its bounds.

    The image is reprojected to Web Mercator (EPSG:3857), the CRS Leaflet draws in: an
    ImageOverlay is stretched linearly between its corner coordinates on the Mercator map, so
    an EPSG:4326 image would sit up to a few hundred metres off in latitude across a
    prefecture. Returned bounds are WGS-84 degrees (west, south, east, north) of the image
    corners: folium wants [[south, west], [north, east]]. `bounds` (WGS-84) crops; the
    longer side is at most `max_size` pixels; resampling is nearest-neighbour (codes are
    never blended); pixels with no value are transparent, unknown codes grey.
    """
    if max_size < 1:
        raise ValueError(f"max_size must be at least 1, got {max_size}")
    with _open(raster_path) as src:
        crs = _crs(src)
        if bounds is None:
            window = Window(0, 0, src.width, src.height)
        else:
            west, south, east, north = (float(v) for v in bounds)
            native = rasterio.warp.transform_bounds(WGS84.to_wkt(), crs.to_wkt(), west, south, east, north,
                                                    densify_pts=21)
            window = polygon_window(src.transform, src.width, src.height, native)
            if window is None:
                raise ValueError(f"bounds {tuple(bounds)} do not overlap the raster {src.name}")
        # a decimated read first: never load more than about twice the output size
        step = max(1.0, max(window.width, window.height) / (2 * max_size))
        out_shape = (max(1, math.ceil(window.height / step)), max(1, math.ceil(window.width / step)))
        codes = src.read(1, window=window, out_shape=out_shape,
                         resampling=rasterio.enums.Resampling.nearest)
        read_transform = src.window_transform(window) @ Affine.scale(window.width / out_shape[1],
                                                                     window.height / out_shape[0])
        index = palette_index(codes, class_map, _nodata_codes(src, class_map.nodata))
        left, top = read_transform @ (0, 0)
        right, bottom = read_transform @ (out_shape[1], out_shape[0])
    dst_transform, dst_width, dst_height = rasterio.warp.calculate_default_transform(
        crs.to_wkt(), WEB_MERCATOR.to_wkt(), out_shape[1], out_shape[0],
        left=min(left, right), bottom=min(top, bottom), right=max(left, right), top=max(top, bottom))
    shrink = max(dst_width, dst_height) / max_size
    if shrink > 1:  # same extent, fewer pixels
        new_width, new_height = max(1, round(dst_width / shrink)), max(1, round(dst_height / shrink))
        dst_transform = dst_transform @ Affine.scale(dst_width / new_width, dst_height / new_height)
        dst_width, dst_height = new_width, new_height
    target = np.zeros((dst_height, dst_width), dtype=np.uint16)
    rasterio.warp.reproject(index, target, src_transform=read_transform, src_crs=crs.to_wkt(),
                            dst_transform=dst_transform, dst_crs=WEB_MERCATOR.to_wkt(),
                            src_nodata=0, dst_nodata=0, resampling=rasterio.enums.Resampling.nearest)
    rgba = palette(class_map, opacity)[target]
    x_min, y_max = dst_transform @ (0, 0)
    x_max, y_min = dst_transform @ (dst_width, dst_height)
    west_lon, south_lat = _transformer(WEB_MERCATOR.to_wkt(), WGS84.to_wkt()).transform(x_min, y_min)
    east_lon, north_lat = _transformer(WEB_MERCATOR.to_wkt(), WGS84.to_wkt()).transform(x_max, y_max)
    return png_rgba(rgba), (float(west_lon), float(south_lat), float(east_lon), float(north_lat))
