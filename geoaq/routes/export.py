"""Route exports for the inspectors' phones and for print: GPX 1.1, KML 2.2, CSV, HTML.

* GPX 1.1 (`to_gpx`): every stop as a numbered waypoint (`wpt`), each team's order as a route
  (`rte`, which navigation apps follow) and as a track (`trk`, which apps that ignore routes
  still draw). ETAs go into `<time>` (UTC, as GPX requires) and, in Beijing time, into the
  description.
* KML 2.2 (`to_kml`): one folder per team with a numbered placemark per stop and the path
  as a LineString, coloured per team.
* CSV (`to_csv`): the stop table, UTF-8 with BOM so Excel opens it in Chinese, with the saved
  plan's id and blank findings columns (巡查结果, 火点核查结果, 备注): filled in, the file goes
  back through `geoaq.routes.findings.load_findings`.
* HTML (`html_sheet`, `html_sheets`): a printable sheet per team (one page each), with blank
  columns for the inspector's findings and signature. Every value is escaped.

Coordinates are WGS-84, as GPX and KML define them. Phone apps built on AMap or Tencent maps
(GCJ-02) or Baidu (BD-09) place WGS-84 points several hundred metres off; `coords="gcj02"` or
`"bd09"` writes their coordinates instead (say so when handing the file over).
Written with the standard library (`xml.etree.ElementTree`), which escapes all text.

Every word comes from the locales (routes.export.*, routes.column.*) in `lang`: Chinese by
default, as the sheets are printed for the inspectors; ``lang="en"`` gives the English files.
"""

from __future__ import annotations

import html
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from geoaq._errors import RoutingInputError
from geoaq.i18n import DEFAULT_LANGUAGE, clauses, say, t
from geoaq.routes.plan import RoutePlan
from geoaq.routes.rules import RouteRules, load_route_rules

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"
COORDS = ("wgs84", "gcj02", "bd09")
#: team colours (map, KML, HTML), cycled
TEAM_COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
BEIJING_UTC_OFFSET = pd.Timedelta(hours=8)
#: the columns an inspector fills in on the CSV sheet (headings: routes.column.<key>)
FINDING_KEYS = ("finding", "check_result", "note")



def team_colour(position: int) -> str:
    return TEAM_COLOURS[position % len(TEAM_COLOURS)]


def _label(key: str, lang: str) -> str:
    """A column heading of the stop table and the sheet (routes.column.<key>)."""
    return t(f"routes.column.{key}", lang)


def kind_label(kind: str, rules: RouteRules, lang: str = DEFAULT_LANGUAGE) -> str:
    """A stop's kind in words: the rules' label of a target kind, or 出发 / 返回 for a team's
    start and end (routes.export.start, routes.export.end)."""
    if kind in ("start", "end"):
        return t(f"routes.export.{kind}", lang)
    return rules.label(kind, lang)


def _reason(value, lang: str) -> str:
    """A stop's reason (a message, or text from a targets file) in words; "" for none."""
    worded = say(value, lang)
    return worded if isinstance(worded, str) else ""


def _converted(stops: pd.DataFrame, coords: str) -> pd.DataFrame:
    if coords not in COORDS:
        raise RoutingInputError(f"coords must be one of {COORDS}, got {coords!r}")
    if coords == "wgs84" or stops.empty:
        return stops
    from geoaq.geo import coords as convert

    function = convert.wgs84_to_gcj02 if coords == "gcj02" else convert.wgs84_to_bd09
    lon, lat = function(stops["lon"].to_numpy(dtype=float), stops["lat"].to_numpy(dtype=float))
    return stops.assign(lon=np.asarray(lon), lat=np.asarray(lat))


def _clock(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%H:%M")


def _utc(value) -> str:
    return (pd.Timestamp(value) - BEIJING_UTC_OFFSET).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stop_title(row, lang: str) -> str:
    return f"{row.team} {int(row.seq):02d} {row.name}"


def _stop_description(row, rules: RouteRules, lang: str) -> str:
    parts = [kind_label(row.kind, rules, lang)]
    if not pd.isna(row.arrival):
        parts.append(t("routes.export.eta", lang, clock=_clock(row.arrival)))
    if row.kind not in ("start", "end") and row.service_min:
        parts.append(t("routes.export.inspection", lang, minutes=row.service_min))
    reason = _reason(row.reason, lang)
    if reason:
        parts.append(reason)
    return say(clauses(parts), lang)


def _title(plan: RoutePlan, team: str | None, lang: str, key: str = "routes.export.title") -> str:
    return t(key, lang, day=plan.day) + (f" {team}" if team else "")


def _selected(plan: RoutePlan, team: str | None) -> pd.DataFrame:
    stops = plan.stops if team is None else plan.team_stops(team)
    if team is not None and stops.empty:
        raise RoutingInputError(f"no team {team!r}; teams: {plan.team_names()}")
    return stops


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    out = io.BytesIO()
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue().decode("utf-8") + "\n"


def to_gpx(plan: RoutePlan, team: str | None = None, *, lang: str = DEFAULT_LANGUAGE, coords: str = "wgs84",
           rules: RouteRules | None = None) -> str:
    """GPX 1.1 of one team (or all): waypoints, a route and a track per team."""
    rules = rules or load_route_rules()
    stops = _converted(_selected(plan, team), coords)
    ET.register_namespace("", GPX_NS)
    q = lambda tag: f"{{{GPX_NS}}}{tag}"  # noqa: E731
    root = ET.Element(q("gpx"), {"version": "1.1", "creator": "geoaq"})
    metadata = ET.SubElement(root, q("metadata"))
    ET.SubElement(metadata, q("name")).text = _title(plan, team, lang)
    ET.SubElement(metadata, q("desc")).text = (
        f"geoaq; coordinates {coords.upper()}; objective {plan.objective}; searched {plan.search_seconds:.2f} s")
    ET.SubElement(metadata, q("time")).text = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    visits = stops[~stops["kind"].isin(["start", "end"])]
    for row in visits.itertuples():
        point = ET.SubElement(root, q("wpt"), {"lat": f"{row.lat:.7f}", "lon": f"{row.lon:.7f}"})
        if not pd.isna(row.arrival):
            ET.SubElement(point, q("time")).text = _utc(row.arrival)
        ET.SubElement(point, q("name")).text = _stop_title(row, lang)
        ET.SubElement(point, q("desc")).text = _stop_description(row, rules, lang)
        ET.SubElement(point, q("type")).text = str(row.kind)
    for name, group in stops.groupby("team", sort=False):
        route = ET.SubElement(root, q("rte"))
        ET.SubElement(route, q("name")).text = str(name)
        for row in group.itertuples():
            point = ET.SubElement(route, q("rtept"), {"lat": f"{row.lat:.7f}", "lon": f"{row.lon:.7f}"})
            when = row.arrival if not pd.isna(row.arrival) else row.departure
            if not pd.isna(when):
                ET.SubElement(point, q("time")).text = _utc(when)
            ET.SubElement(point, q("name")).text = _stop_title(row, lang)
            ET.SubElement(point, q("desc")).text = _stop_description(row, rules, lang)
    for name, group in stops.groupby("team", sort=False):
        track = ET.SubElement(root, q("trk"))
        ET.SubElement(track, q("name")).text = str(name)
        segment = ET.SubElement(track, q("trkseg"))
        for row in group.itertuples():
            ET.SubElement(segment, q("trkpt"), {"lat": f"{row.lat:.7f}", "lon": f"{row.lon:.7f}"})
    return _xml(root)


def _kml_colour(hex_colour: str, alpha: str = "ff") -> str:
    """#rrggbb → KML's aabbggrr."""
    r, g, b = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"{alpha}{b}{g}{r}"


def to_kml(plan: RoutePlan, team: str | None = None, *, lang: str = DEFAULT_LANGUAGE, coords: str = "wgs84",
           rules: RouteRules | None = None) -> str:
    """KML 2.2 of one team (or all): numbered placemarks and the path per team."""
    rules = rules or load_route_rules()
    stops = _converted(_selected(plan, team), coords)
    ET.register_namespace("", KML_NS)
    q = lambda tag: f"{{{KML_NS}}}{tag}"  # noqa: E731
    root = ET.Element(q("kml"))
    document = ET.SubElement(root, q("Document"))
    ET.SubElement(document, q("name")).text = _title(plan, team, lang)
    ET.SubElement(document, q("description")).text = (
        f"geoaq; coordinates {coords.upper()}; objective {plan.objective}; searched {plan.search_seconds:.2f} s")
    names = plan.team_names()
    for position, _name in enumerate(names):
        style = ET.SubElement(document, q("Style"), {"id": f"team{position}"})
        icon = ET.SubElement(style, q("IconStyle"))
        ET.SubElement(icon, q("color")).text = _kml_colour(team_colour(position))
        line = ET.SubElement(style, q("LineStyle"))
        ET.SubElement(line, q("color")).text = _kml_colour(team_colour(position), "cc")
        ET.SubElement(line, q("width")).text = "4"
    for name, group in stops.groupby("team", sort=False):
        position = names.index(name)
        folder = ET.SubElement(document, q("Folder"))
        ET.SubElement(folder, q("name")).text = str(name)
        for row in group.itertuples():
            if row.kind in ("start", "end"):
                continue
            mark = ET.SubElement(folder, q("Placemark"))
            ET.SubElement(mark, q("name")).text = _stop_title(row, lang)
            ET.SubElement(mark, q("description")).text = _stop_description(row, rules, lang)
            ET.SubElement(mark, q("styleUrl")).text = f"#team{position}"
            point = ET.SubElement(mark, q("Point"))
            ET.SubElement(point, q("coordinates")).text = f"{row.lon:.7f},{row.lat:.7f},0"
        path = ET.SubElement(folder, q("Placemark"))
        ET.SubElement(path, q("name")).text = t("routes.export.team_route", lang, team=name)
        ET.SubElement(path, q("styleUrl")).text = f"#team{position}"
        line = ET.SubElement(path, q("LineString"))
        ET.SubElement(line, q("tessellate")).text = "1"
        ET.SubElement(line, q("coordinates")).text = " ".join(
            f"{row.lon:.7f},{row.lat:.7f},0" for row in group.itertuples())
    return _xml(root)


def stop_table(plan: RoutePlan, team: str | None = None, *, lang: str = DEFAULT_LANGUAGE,
               rules: RouteRules | None = None) -> pd.DataFrame:
    """The stops as people read them: labelled columns, HH:MM times, rounded numbers."""
    rules = rules or load_route_rules()
    stops = _selected(plan, team)
    window = [f"{a or ''}–{b or ''}" if (isinstance(a, str) and a) or (isinstance(b, str) and b) else ""
              for a, b in zip(stops["tw_start"].map(_window_text), stops["tw_end"].map(_window_text), strict=True)]
    table = pd.DataFrame({
        _label("team", lang): stops["team"],
        _label("seq", lang): stops["seq"].astype(int),
        _label("arrival", lang): stops["arrival"].map(_clock),
        _label("departure", lang): stops["departure"].map(_clock),
        _label("name", lang): stops["name"],
        _label("kind", lang): stops["kind"].map(lambda k: kind_label(k, rules, lang)),
        _label("target_id", lang): stops["target_id"],
        _label("leg_km", lang): stops["leg_km"].round(1),
        _label("leg_min", lang): stops["leg_min"].round(0),
        _label("cum_km", lang): stops["cum_km"].round(1),
        _label("wait_min", lang): stops["wait_min"].round(0),
        _label("service_min", lang): stops["service_min"].round(0),
        _label("tw", lang): window,
        _label("priority", lang): stops["priority"],
        _label("reason", lang): stops["reason"].map(lambda r: _reason(r, lang)),
        _label("lon", lang): stops["lon"].round(6),
        _label("lat", lang): stops["lat"].round(6),
    })
    return table


def _window_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%H:%M")
    return str(value)


def to_csv(plan: RoutePlan, team: str | None = None, *, lang: str = DEFAULT_LANGUAGE, coords: str = "wgs84",
           rules: RouteRules | None = None) -> bytes:
    """The stop table as CSV bytes (UTF-8 with BOM): the plan id (once saved) first, the
    findings columns to fill in last."""
    table = stop_table(_with_stops(plan, _converted(plan.stops, coords)), team, lang=lang, rules=rules)
    table.insert(0, _label("plan_id", lang), "" if plan.plan_id is None else int(plan.plan_id))
    for key in FINDING_KEYS:
        table[_label(key, lang)] = ""
    return table.to_csv(index=False).encode("utf-8-sig")


def _with_stops(plan: RoutePlan, stops: pd.DataFrame) -> RoutePlan:
    from dataclasses import replace

    return replace(plan, stops=stops)


_SHEET_CSS = """
body { font: 13px/1.45 "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; margin: 16px; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: #333; margin: 2px 0 10px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #555; padding: 3px 5px; vertical-align: top; }
th { background: #eee; }
td.blank { min-width: 90px; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin-right: 6px; }
.sheet { page-break-after: always; break-after: page; }
.sheet:last-child { page-break-after: auto; break-after: auto; }
.foot { color: #666; font-size: 11px; margin-top: 8px; }
@media print { body { margin: 8mm; } }
"""


def html_sheet(plan: RoutePlan, team: str, *, lang: str = DEFAULT_LANGUAGE, rules: RouteRules | None = None) -> str:
    """A printable sheet (HTML fragment, one page) for one team."""
    rules = rules or load_route_rules()
    stops = plan.team_stops(team)
    if stops.empty:
        raise RoutingInputError(f"no team {team!r}; teams: {plan.team_names()}")
    totals = plan.teams.set_index("team").loc[team]
    e = html.escape
    colour = team_colour(plan.team_names().index(team))
    heading = t("routes.export.sheet_heading", lang, team=team)
    if plan.plan_id is not None:
        heading += " · " + t("routes.export.plan_id", lang, plan=plan.plan_id)
    meta = t("routes.export.sheet_meta", lang, day=plan.day, depart=_clock(totals["depart"]),
             back=_clock(totals["return"]), stops=int(totals["stops"]), km=_km(totals["distance_km"]),
             travel=totals["travel_min"], service=totals["service_min"], hours=totals["hours_limit"])
    head = [_label(key, lang) for key in ("seq", "arrival", "name", "kind", "reason", "lonlat", "leg_km",
                                          "findings", "signature")]
    rows = []
    for row in stops.itertuples():
        blank = row.kind not in ("start", "end")
        cells = [str(int(row.seq)), _clock(row.arrival if not pd.isna(row.arrival) else row.departure), row.name,
                 kind_label(row.kind, rules, lang), _reason(row.reason, lang),
                 f"{row.lon:.6f}, {row.lat:.6f}", "" if pd.isna(row.leg_km) else f"{row.leg_km:.1f}"]
        rows.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in cells)
                    + ('<td class="blank"></td><td class="blank"></td>' if blank else "<td></td><td></td>") + "</tr>")
    foot = t("routes.export.sheet_foot", lang, objective=plan.objective, seconds=plan.search_seconds,
             model=plan.travel_model)
    return (f'<section class="sheet"><h1><span class="swatch" style="background:{e(colour)}"></span>{e(heading)}</h1>'
            f'<p class="meta">{e(meta)}</p><table><thead><tr>'
            + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>" + "".join(rows)
            + f'</tbody></table><p class="foot">{e(foot)}</p></section>')


def _km(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.1f}"


def html_sheets(plan: RoutePlan, teams: list[str] | None = None, *, lang: str = DEFAULT_LANGUAGE,
                rules: RouteRules | None = None) -> str:
    """A printable HTML document: one sheet (page) per team."""
    teams = teams or plan.team_names()
    title = html.escape(_title(plan, None, lang, "routes.export.sheets_title"))
    body = "".join(html_sheet(plan, team, lang=lang, rules=rules) for team in teams)
    return (f'<!DOCTYPE html><html lang="{t("language.html", lang)}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{_SHEET_CSS}</style></head><body>{body}</body></html>\n")


def export(plan: RoutePlan, fmt: str, team: str | None = None, *, lang: str = DEFAULT_LANGUAGE, coords: str = "wgs84",
           rules: RouteRules | None = None) -> bytes:
    """The plan in one of gpx, kml, csv, html as bytes (UTF-8)."""
    if fmt == "gpx":
        return to_gpx(plan, team, lang=lang, coords=coords, rules=rules).encode("utf-8")
    if fmt == "kml":
        return to_kml(plan, team, lang=lang, coords=coords, rules=rules).encode("utf-8")
    if fmt == "csv":
        return to_csv(plan, team, lang=lang, coords=coords, rules=rules)
    if fmt == "html":
        return html_sheets(plan, [team] if team else None, lang=lang, rules=rules).encode("utf-8")
    raise RoutingInputError(f"unknown format {fmt!r}: gpx, kml, csv or html")
