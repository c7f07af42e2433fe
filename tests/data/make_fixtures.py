"""Regenerate the test fixtures in this folder (see README.md for what each file is).

    .venv/bin/python tests/data/make_fixtures.py             # constructed fixtures only
    .venv/bin/python tests/data/make_fixtures.py --excerpts  # also re-copy the real excerpts

`--excerpts` copies rows verbatim (by line number) from the public downloads in
`shared/data/raw/` (`--raw DIR` to point elsewhere). Everything else is built from the
committed text fixtures with real tools: GDAL through pyogrio/geopandas for GeoPackage,
Shapefile and GeoParquet, pyproj for projected coordinates, prcoords (an independent
implementation, not geoaq.geo.coords) for GCJ-02, and Info-ZIP's `zip` for the archive whose
member names are GBK bytes without the UTF-8 flag.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import prcoords
import pyproj
import shapely

HERE = Path(__file__).resolve().parent
DEFAULT_RAW = Path("/work/shared/data/raw")

#: (source file, fixture, 1-based line numbers after the header) of the verbatim excerpts
EXCERPTS = [
    # VIIRS S-NPP, South Asia 7-day file: the first 20 detections inside China's boundary
    # (cn_atlas_nation.geojson) within lat 21-29, lon 97-106 (Yunnan and southern Sichuan).
    ("firms_viirs_snpp_south_asia_7d_2025-06.csv", "firms_viirs_snpp_china.csv",
     [890, 1922, 2327, 2592, 2593, 2594, 2595, 2596, 2597, 3006, 3007, 3008, 3032, 3120,
      3121, 3122, 3123, 3124, 3125, 3130]),
    # MODIS C6.1 global 24 h file: detections inside China chosen to span the confidence
    # classes (0, 29 | 30, 31, 79 | 80, 81, 100), both satellites, day and night, 00xx times.
    ("firms_modis_c61_global_24h_2025-04-22.csv", "firms_modis_c61_china.csv",
     [93, 99, 100, 101, 106, 123, 137, 151, 158, 197, 241, 293, 1004, 1008, 2460, 4240,
      4255, 6726, 6727, 8451]),
    # CNEMC national station list: Luoyang's stations (re-encoded to GBK below).
    ("cnemc_national_stations.csv", "cnemc_stations_luoyang.utf8.tmp",
     [735, 736, 737, 738, 739, 740, 741, 1563, 1707, 1708]),
    # CNEMC national station list: Zhengzhou's first stations (written with a UTF-8 BOM).
    ("cnemc_national_stations.csv", "cnemc_stations_zhengzhou_bom.utf8.tmp",
     [316, 317, 318, 319, 320, 324]),
    # GEM Global Coal Mine Tracker: mines in western Henan (Luoyang / Sanmenxia) + Anyang.
    ("gem_coal_mines_china_2024-05.csv", "gem_coal_mines_henan.csv",
     [47, 216, 297, 539, 540, 541]),
    # GEM Global Steel Plant Tracker: Henan plant phases (the plant `id` repeats per phase).
    ("gem_steel_plants_china_2024-04.csv", "gem_steel_plants_henan.csv",
     [178, 180, 184, 185, 187]),
]

COUNTIES = ["410302", "410303", "410305", "410323"]  # 老城区, 西工区, 涧西区, 新安县


def copy_excerpts(raw: Path) -> None:
    for source, target, lines in EXCERPTS:
        text = (raw / source).read_bytes().decode("utf-8").splitlines(keepends=True)
        chosen = [text[0]] + [text[n - 1] for n in lines]
        (HERE / target).write_bytes("".join(chosen).encode("utf-8"))
    luoyang = HERE / "cnemc_stations_luoyang.utf8.tmp"
    (HERE / "cnemc_stations_luoyang_gbk.csv").write_bytes(luoyang.read_text("utf-8").encode("gbk"))
    luoyang.unlink()
    zhengzhou = HERE / "cnemc_stations_zhengzhou_bom.utf8.tmp"
    (HERE / "cnemc_stations_zhengzhou_bom.csv").write_bytes(
        b"\xef\xbb\xbf" + zhengzhou.read_bytes())
    zhengzhou.unlink()

    # Four Luoyang counties from cnmaps (amap outlines, WGS-84 already), simplified to keep
    # the fixture small, with the attribute names a bureau's file would use.
    gdf = gpd.read_file(raw / "cnmaps_luoyang_counties.geojson")
    gdf = gdf[gdf["adcode"].isin(COUNTIES)].reset_index(drop=True)
    geoms = shapely.set_precision(gdf.geometry.simplify(0.01).values, 1e-6)
    assert shapely.is_valid(geoms).all()
    out = gpd.GeoDataFrame({
        "adcode": gdf["adcode"],
        "名称": gdf["district"],
        "级别": ["区县" if d.endswith("区") else "县" for d in gdf["district"]],
        "parent": "410300",  # DBF field names hold 10 bytes: no long Chinese name here
        "省份": gdf["province"],
        "城市": gdf["city"],
    }, geometry=geoms, crs=4326)
    write_geojson(out, HERE / "luoyang_counties.geojson")


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """GeoJSON without a `crs` member (RFC 7946 style), one feature per line."""
    features = [
        {"type": "Feature", "properties": {k: row[k] for k in gdf.columns if k != "geometry"},
         "geometry": shapely.geometry.mapping(row.geometry)}
        for _, row in gdf.iterrows()
    ]
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    path.write_text('{"type": "FeatureCollection", "features": [\n' + body + "\n]}\n", "utf-8")


def counties() -> gpd.GeoDataFrame:
    return gpd.read_file(HERE / "luoyang_counties.geojson").set_crs(4326, allow_override=True)


def stations_luoyang() -> pd.DataFrame:
    return pd.read_csv(HERE / "cnemc_stations_luoyang_gbk.csv", encoding="gbk", dtype=str)


def shrink_gpkg(path: Path) -> None:
    """Rewrite a GeoPackage with 512-byte SQLite pages: same content, a fraction of the size."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA page_size = 512")
        con.execute("VACUUM")
    finally:
        con.close()


def remove_shapefile(stem: Path) -> None:
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        stem.with_suffix(suffix).unlink(missing_ok=True)


def make_vector_fixtures() -> None:
    gdf = counties()

    # GeoPackage: one layer; several layers (counties + stations)
    for name in ("luoyang_counties.gpkg", "luoyang_multi.gpkg"):
        (HERE / name).unlink(missing_ok=True)
    gdf.to_file(HERE / "luoyang_counties.gpkg", layer="counties", driver="GPKG")
    gdf.to_file(HERE / "luoyang_multi.gpkg", layer="counties", driver="GPKG")
    st = stations_luoyang()
    points = gpd.GeoDataFrame(
        st.drop(columns=["经度", "纬度"]),
        geometry=gpd.points_from_xy(st["经度"].astype(float), st["纬度"].astype(float)), crs=4326)
    points.to_file(HERE / "luoyang_multi.gpkg", layer="stations", driver="GPKG")

    # GeoPackage in UTM zone 49N (metres)
    (HERE / "luoyang_counties_utm49n.gpkg").unlink(missing_ok=True)
    gdf.to_crs(32649).to_file(HERE / "luoyang_counties_utm49n.gpkg", layer="counties",
                              driver="GPKG")
    for name in ("luoyang_counties.gpkg", "luoyang_multi.gpkg", "luoyang_counties_utm49n.gpkg"):
        shrink_gpkg(HERE / name)

    # Shapefiles: UTF-8 with .cpg; GBK with .cpg; GBK without .cpg
    for stem, encoding in (("luoyang_counties_utf8", "UTF-8"), ("luoyang_counties_gbk", "GBK"),
                           ("luoyang_counties_gbk_nocpg", "GBK")):
        remove_shapefile(HERE / stem)
        gdf.to_file(HERE / f"{stem}.shp", driver="ESRI Shapefile", encoding=encoding)
    cpg = HERE / "luoyang_counties_gbk_nocpg.cpg"
    cpg.unlink(missing_ok=True)
    dbf = HERE / "luoyang_counties_gbk_nocpg.dbf"
    raw = bytearray(dbf.read_bytes())
    raw[29] = 0  # no language driver id either, as old exports have: the reader must detect
    dbf.write_bytes(bytes(raw))

    # Zipped UTF-8 shapefile (ASCII member names)
    zipped = HERE / "luoyang_counties_shp.zip"
    zipped.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            shutil.copy(HERE / f"luoyang_counties_utf8{suffix}", Path(tmp) / f"counties{suffix}")
        subprocess.run(["zip", "-X", "-q", str(zipped), *sorted(os.listdir(tmp))], cwd=tmp,
                       check=True, env={**os.environ, "LC_ALL": "C"})

    # Zip as made on Chinese Windows: member names are GBK bytes, no UTF-8 flag (Info-ZIP in
    # the C locale stores the bytes as they are on disk)
    gbk_zip = HERE / "luoyang_counties_gbk_names.zip"
    gbk_zip.unlink(missing_ok=True)
    stem = "洛阳市区县".encode("gbk")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            data = (HERE / f"luoyang_counties_gbk{suffix}").read_bytes()
            fd = os.open(os.path.join(tmp.encode(), stem + suffix.encode()),
                         os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, data)
            os.close(fd)
        names = sorted(os.listdir(tmp.encode()))
        subprocess.run([b"zip", b"-X", b"-q", str(gbk_zip).encode(), *names], cwd=tmp,
                       check=True, env={**os.environ, "LC_ALL": "C"})

    # GeoParquet; plain Parquet with lon/lat columns
    gdf.to_parquet(HERE / "luoyang_counties.parquet")
    plain = st.rename(columns={"经度": "lon", "纬度": "lat"})
    plain["lon"] = plain["lon"].astype(float)
    plain["lat"] = plain["lat"].astype(float)
    plain.to_parquet(HERE / "cnemc_stations_lonlat.parquet", index=False)


def make_coordinate_fixtures() -> None:
    st = stations_luoyang().head(4)
    lon, lat = st["经度"].astype(float).to_numpy(), st["纬度"].astype(float).to_numpy()

    # CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547), metres, columns x/y
    to_gk = pyproj.Transformer.from_crs(4326, 4547, always_xy=True)
    x, y = to_gk.transform(lon, lat)
    projected = pd.DataFrame({"站点编码": st["监测点编码"], "站点名称": st["监测点名称"],
                              "x": [f"{v:.3f}" for v in x], "y": [f"{v:.3f}" for v in y]})
    projected.to_csv(HERE / "stations_cgcs2000_gk114.csv", index=False, encoding="utf-8")

    # GCJ-02 (what AMap/Tencent coordinate pickers give), via prcoords
    gcj = [prcoords.wgs_gcj(prcoords.Coords(la, lo)) for lo, la in zip(lon, lat, strict=True)]
    shifted = pd.DataFrame({"站点编码": st["监测点编码"], "站点名称": st["监测点名称"],
                            "经度": [f"{c.lon:.6f}" for c in gcj],
                            "纬度": [f"{c.lat:.6f}" for c in gcj]})
    shifted.to_csv(HERE / "stations_gcj02.csv", index=False, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--excerpts", action="store_true",
                        help="re-copy the verbatim excerpts from the raw downloads")
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW)
    args = parser.parse_args()
    if args.excerpts:
        copy_excerpts(args.raw)
    make_vector_fixtures()
    make_coordinate_fixtures()
    with io.StringIO() as listing:
        writer = csv.writer(listing)
        for path in sorted(HERE.iterdir()):
            if path.is_file():
                writer.writerow([path.name, path.stat().st_size])
        print(listing.getvalue(), end="")


if __name__ == "__main__":
    main()
