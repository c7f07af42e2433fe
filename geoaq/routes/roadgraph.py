"""A local road graph for route travel times (optional; no network service needed).

Two file kinds:
* **GraphML** (e.g. exported by OSMnx): nodes with `x`/`y` (or `lon`/`lat`) in WGS-84;
  edges with `length` (m; else the great-circle length between the end nodes) and
  `travel_time` (s), or a speed (`speed_kph`, `speed_kmh`, `maxspeed`) in km/h. Undirected
  graphs are driven both ways.
* **Lines** (GeoJSON, GeoPackage, Shapefile; read with pyogrio/geopandas): each LineString
  is an edge between its first and last vertex (lines connect where their end points
  coincide to 1e-6°), its length the great-circle length along its vertices, its speed from
  a `speed_kmh` (or `speed`, `maxspeed`) column; `oneway` true/yes/1 drives it only in its
  digitised direction.

Edges without a speed use `default_speed_kmh`. A location is joined to the nearest graph
node by a straight access leg (great-circle; the caller times it at the team's speed).
Shortest paths minimise time (Dijkstra, networkx); their length is reported beside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from geoaq._errors import RoutingInputError
from geoaq.routes.travel import great_circle_m

_SPEED_KEYS = ("speed_kmh", "speed_kph", "speed", "maxspeed")


@dataclass
class RoadGraph:
    """A directed graph whose edges carry `length_m` and `time_s`; nodes carry lon/lat."""

    graph: nx.DiGraph
    source: str

    @property
    def nodes(self) -> int:
        return self.graph.number_of_nodes()

    @property
    def edges(self) -> int:
        return self.graph.number_of_edges()

    def _node_arrays(self) -> tuple[list, np.ndarray, np.ndarray]:
        ids = list(self.graph.nodes)
        lon = np.array([self.graph.nodes[n]["lon"] for n in ids], dtype=float)
        lat = np.array([self.graph.nodes[n]["lat"] for n in ids], dtype=float)
        return ids, lon, lat

    def snap(self, lon: np.ndarray, lat: np.ndarray) -> tuple[list, np.ndarray]:
        """The nearest node of each location and the great-circle distance to it (m)."""
        ids, node_lon, node_lat = self._node_arrays()
        if not ids:
            raise RoutingInputError(f"road graph {self.source} has no nodes")
        distance = great_circle_m(np.asarray(lon)[:, None], np.asarray(lat)[:, None],
                                  node_lon[None, :], node_lat[None, :])
        nearest = distance.argmin(axis=1)
        return [ids[k] for k in nearest], distance[np.arange(len(nearest)), nearest]

    def matrices(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(metres, seconds, access metres) between the locations along the fastest paths.

        Metres and seconds cover the graph part only (inf where there is no path); the
        caller adds the access legs (metres given per location) at its own speed.
        """
        nodes, access = self.snap(lon, lat)
        size = len(nodes)
        metres = np.full((size, size), np.inf)
        seconds = np.full((size, size), np.inf)
        for i, source in enumerate(nodes):
            times, paths = nx.single_source_dijkstra(self.graph, source, weight="time_s")
            for j, target in enumerate(nodes):
                if target in times:
                    seconds[i, j] = times[target]
                    path = paths[target]
                    metres[i, j] = sum(self.graph.edges[a, b]["length_m"] for a, b in zip(path, path[1:], strict=False))
        np.fill_diagonal(metres, 0.0)
        np.fill_diagonal(seconds, 0.0)
        return metres, seconds, access


def _speed(attributes: dict, default_speed_kmh: float) -> float:
    for key in _SPEED_KEYS:
        value = attributes.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        try:
            speed = float(str(value).split()[0]) if value not in (None, "") else math.nan
        except ValueError:
            speed = math.nan
        if math.isfinite(speed) and speed > 0:
            return speed
    return default_speed_kmh


def _truthy(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y", "t", "是"}


def _from_graphml(path: Path, default_speed_kmh: float) -> nx.DiGraph:
    raw = nx.read_graphml(path)
    graph = nx.DiGraph()
    for node, data in raw.nodes(data=True):
        try:
            lon = float(data.get("x", data.get("lon")))
            lat = float(data.get("y", data.get("lat")))
        except (TypeError, ValueError):
            raise RoutingInputError(f"road graph {path}: node {node!r} has no x/y (lon/lat)") from None
        graph.add_node(node, lon=lon, lat=lat)
    for a, b, data in raw.edges(data=True):
        try:
            length = float(data["length"])
        except (KeyError, TypeError, ValueError):
            length = float(great_circle_m(graph.nodes[a]["lon"], graph.nodes[a]["lat"],
                                          graph.nodes[b]["lon"], graph.nodes[b]["lat"]))
        try:
            seconds = float(data["travel_time"])
        except (KeyError, TypeError, ValueError):
            seconds = length / (_speed(data, default_speed_kmh) / 3.6)
        pairs = [(a, b)] if raw.is_directed() else [(a, b), (b, a)]
        for u, v in pairs:
            if not graph.has_edge(u, v) or graph.edges[u, v]["time_s"] > seconds:
                graph.add_edge(u, v, length_m=length, time_s=seconds)
    return graph


def _from_lines(path: Path, default_speed_kmh: float) -> nx.DiGraph:
    import geopandas as gpd
    import shapely

    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own types for unreadable files
        raise RoutingInputError(f"road graph {path}: cannot read it ({exc})") from None
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame.columns:
        raise RoutingInputError(
            f"road graph {path}: no geometry column (expected GraphML, or GeoJSON / GeoPackage / "
            "Shapefile lines with speed_kmh and oneway)")
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs(4326)
    graph = nx.DiGraph()
    lines = frame.explode(index_parts=False)
    for _, row in lines.iterrows():
        geometry = row.geometry
        if geometry is None or geometry.is_empty or geometry.geom_type != "LineString":
            continue
        coords = np.asarray(shapely.get_coordinates(geometry))
        if len(coords) < 2:
            continue
        length = float(great_circle_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]).sum())
        seconds = length / (_speed(row.to_dict(), default_speed_kmh) / 3.6)
        ends = [(round(float(x), 6), round(float(y), 6)) for x, y in (coords[0], coords[-1])]
        for node in ends:
            graph.add_node(node, lon=node[0], lat=node[1])
        pairs = [(ends[0], ends[1])]
        if not _truthy(row.get("oneway", False)):
            pairs.append((ends[1], ends[0]))
        for u, v in pairs:
            if u != v and (not graph.has_edge(u, v) or graph.edges[u, v]["time_s"] > seconds):
                graph.add_edge(u, v, length_m=length, time_s=seconds)
    return graph


def load(path: str | Path, default_speed_kmh: float = 35.0) -> RoadGraph:
    """Read a GraphML or line file into a RoadGraph (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise RoutingInputError(f"road graph file {path} does not exist")
    if path.suffix.lower() == ".graphml":
        graph = _from_graphml(path, default_speed_kmh)
    else:
        graph = _from_lines(path, default_speed_kmh)
    if graph.number_of_edges() == 0:
        raise RoutingInputError(f"road graph {path} has no usable edges")
    return RoadGraph(graph, str(path))
