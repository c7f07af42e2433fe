"""巡查路线 Routes: the day's findings → an ordered route per inspection team, for phones."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geoaq._errors import GeoaqError
from geoaq.accounts.roles import PLAN_ROUTES, Actor
from geoaq.db import connection as db
from geoaq.i18n import say, t
from geoaq.layers import load_registry
from geoaq.routes.export import export, stop_table
from geoaq.routes.inputs import parse_lonlat
from geoaq.routes.plan import plan_routes
from geoaq.routes.progress import BY_USER
from geoaq.routes.rules import load_route_rules, make_teams
from geoaq.web.auth import actor as signed_in
from geoaq.web.cache import (
    EMERGENCY,
    FIRES,
    STATUS,
    database_version,
    lang,
    load_layers,
    reads,
    require_database,
)
from geoaq.web.map import configured_tiles
from geoaq.web.route_findings import findings_section, save_form
from geoaq.web.search_progress import SearchProgress
from geoaq.web.views.routes import reason_text, route_map, targets_map

language = lang()
actor = signed_in()
rules = load_route_rules()
st.title(t("app.page.routes", language))
db_file = require_database()
version = database_version(db_file)

# saved routes and their findings: all an inspector (or a viewer) does here; planners find them above the planner
with st.expander(t("routes.findings.title", language), expanded=not actor.may(PLAN_ROUTES)):
    findings_section(db_file, actor, language)
if not actor.may(PLAN_ROUTES):
    st.stop()


@reads("layers", *FIRES, *STATUS, *EMERGENCY)
@st.cache_data(show_spinner=False)
def day_targets(db_path: str, version: float, day: date, fires: bool, enterprises: bool, mines: bool,
                picked: tuple, draw: tuple, seed: int, language: str, actor: Actor) -> pd.DataFrame:
    """`collect_targets` of the day inside `actor`'s jurisdiction (recomputes fire events only
    when detections changed)."""
    from geoaq.routes.targets import collect_targets

    con = db.connect(db_path)
    try:
        return collect_targets(con, day, fires=fires, enterprises=enterprises, mines=mines,
                               picked=list(picked), draw=dict(draw) or None, seed=seed, lang=language, actor=actor)
    finally:
        con.close()


@reads("layers", *FIRES, *STATUS, *EMERGENCY)
@st.cache_data(show_spinner=False)
def findings_day(db_path: str, version: float) -> date | None:
    from geoaq.routes.targets import latest_findings_day

    con = db.connect(db_path)  # read-write like every page: DuckDB refuses mixed modes in one process
    try:
        return latest_findings_day(con)
    finally:
        con.close()


default_day = findings_day(str(db_file), version) or date.today()

with st.container(border=True):
    c1, c2, c3, c4, c5 = st.columns([2, 1, 1, 1, 2])
    day = c1.date_input(t("routes.day", language), value=default_day, key="route_day")
    team_count = int(c2.number_input(t("routes.teams", language), min_value=1, max_value=12, value=2, step=1,
                                     key="route_teams"))
    hours = float(c3.number_input(t("routes.hours", language), min_value=0.0, max_value=24.0,
                                  value=float(rules.team_hours), step=0.5, key="route_hours"))
    speed = float(c4.number_input(t("routes.speed", language), min_value=1.0, max_value=120.0,
                                  value=float(rules.speed_kmh), step=5.0, key="route_speed"))
    start_text = c5.text_input(t("routes.start", language), key="route_start",
                               placeholder=f"{rules.depot.lon:.5f},{rules.depot.lat:.5f}",
                               help=t("routes.start_help", language, depot=rules.depot.title(language)))
    with st.expander(t("routes.sources", language)):
        s1, s2, s3 = st.columns(3)
        use_fires = s1.checkbox(t("routes.use_fires", language), value=True, key="route_use_fires")
        use_enterprises = s2.checkbox(t("routes.use_enterprises", language), value=True, key="route_use_enterprises")
        use_mines = s3.checkbox(t("routes.use_mines", language), value=True, key="route_use_mines")
        picked_text = st.text_area(t("routes.picked", language), key="route_picked", height=80,
                                   placeholder=t("routes.picked_placeholder", language))
        d1, d2, d3 = st.columns(3)
        draw_enterprises = int(d1.number_input(t("routes.draw_enterprises", language), 0, 50, 0, key="route_draw_ent"))
        draw_mines = int(d2.number_input(t("routes.draw_mines", language), 0, 50, 0, key="route_draw_mines"))
        seed = int(d3.number_input(t("routes.seed", language), 0, 2**31 - 1, 0, key="route_seed"))
    with st.expander(t("routes.advanced", language)):
        a1, a2, a3 = st.columns(3)
        work_limit = int(a1.number_input(t("routes.work_limit", language), 100, 1_000_000, rules.work_limit,
                                         step=1000, key="route_work_limit", help=t("routes.work_help", language)))
        time_limit = float(a2.number_input(t("routes.time_limit", language), 1.0, 600.0, float(rules.time_limit_s),
                                           key="route_time_limit"))
        coords = a3.selectbox(t("routes.coords", language), ["wgs84", "gcj02", "bd09"], key="route_coords",
                              format_func=lambda c: t(f"routes.coords_{c}", language))

try:
    from geoaq.routes.targets import parse_picked

    picks = parse_picked(picked_text or "") + list(st.session_state.get("route_map_picks", []))
    start = parse_lonlat(start_text, t("routes.start", language)) if start_text.strip() else None
    draw = tuple(sorted((k, v) for k, v in {"enterprises": draw_enterprises, "mines": draw_mines}.items() if v))
    with st.spinner(t("routes.collecting", language)):
        targets = day_targets(str(db_file), version, day, use_fires, use_enterprises, use_mines,
                              tuple(tuple(p) for p in picks), draw, seed, language, actor)
except GeoaqError as exc:
    st.error(str(exc))
    st.stop()

if targets.empty:
    st.info(t("routes.no_targets", language, day=day))
    st.stop()

st.subheader(t("routes.targets", language, n=len(targets)))
shown = pd.DataFrame({
    "include": True,
    "kind": targets["kind"].map(lambda k: rules.label(k, language)),
    "name": targets["name"], "priority": targets["priority"], "service_min": targets["service_min"],
    "tw_start": targets["tw_start"].where(targets["tw_start"].notna(), None),
    "tw_end": targets["tw_end"].where(targets["tw_end"].notna(), None),
    "reason": targets["reason"].map(lambda r: reason_text(r, language)),
    "target_id": targets["target_id"],
})
edited = st.data_editor(
    shown, hide_index=True, width="stretch", key=f"route_editor_{day}_{len(targets)}",
    disabled=["kind", "name", "priority", "reason", "target_id"],
    column_config={
        "include": st.column_config.CheckboxColumn(t("routes.include", language)),
        "kind": t("routes.kind", language), "name": t("routes.name", language),
        "priority": st.column_config.NumberColumn(t("routes.priority", language), format="%g"),
        "service_min": st.column_config.NumberColumn(t("routes.service", language), min_value=0, max_value=480),
        "tw_start": st.column_config.TextColumn(t("routes.tw_start", language), help="HH:MM"),
        "tw_end": st.column_config.TextColumn(t("routes.tw_end", language), help="HH:MM"),
        "reason": t("routes.reason_label", language), "target_id": t("routes.id", language),
    })
chosen = targets.assign(service_min=edited["service_min"].to_numpy(), tw_start=edited["tw_start"].to_numpy(),
                        tw_end=edited["tw_end"].to_numpy())[edited["include"].to_numpy(dtype=bool)]
st.caption(t("routes.selected", language, n=len(chosen), total=len(targets)))

signature = (str(day), team_count, hours, speed, start, work_limit, time_limit,
             chosen[["target_id", "service_min", "tw_start", "tw_end"]].astype(str).to_json())
b1, b2 = st.columns([1, 3])
if b1.button(t("routes.solve", language), type="primary", key="route_solve"):
    try:
        teams = make_teams(team_count, start=start, hours=hours, speed_kmh=speed, rules=rules, lang=language)
        bar = st.progress(0.0, text=t("routes.solving", language, n=len(chosen), teams=team_count))
        # any click while it runs (this button, any widget) ends the search with the best plan so far
        b2.button(t("routes.stop_search", language), key="route_stop")
        watch = SearchProgress(lambda p: bar.progress(min(1.0, p.done), text=t(
            "routes.solving", language, n=len(chosen), teams=team_count)))
        plan = plan_routes(chosen, teams, rules=rules, day=day, work_limit=work_limit, time_limit_s=time_limit,
                           progress=watch)
    except GeoaqError as exc:
        st.error(str(exc))
        st.session_state.pop("route_plan", None)
    else:
        watch.keep("route_plan", (signature, plan))  # st.session_state refuses writes after a click
        watch.resume()  # the user's click: Streamlit reruns now, showing the stored plan
        bar.empty()
if st.session_state.get("route_map_picks") and b2.button(t("routes.clear_picks", language), key="route_clear_picks"):
    st.session_state["route_map_picks"] = []
    st.rerun()

stored = st.session_state.get("route_plan")
plan = stored[1] if stored and stored[0] == signature else None
registry = load_registry()
layers = load_layers(str(db_file), version)
background = [(registry["admin_units"], layers["admin_units"][0][layers["admin_units"][0]["level"] == "县"])] \
    if "admin_units" in layers and len(layers["admin_units"][0]) else []

if plan is None:
    if stored:
        st.info(t("routes.changed", language))
    depot = start or (rules.depot.lon, rules.depot.lat)
    fmap = targets_map(chosen, background, lang=language, tiles=configured_tiles(), rules=rules, depots=[depot])
else:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("routes.visited", language), f"{plan.visited} / {len(plan.targets)}")
    distance = plan.teams["distance_km"].sum()
    m2.metric(t("routes.distance", language), f"{distance:,.1f}")
    m3.metric(t("routes.dropped", language), f"{len(plan.dropped)}")
    m4.metric(t("routes.search", language), f"{plan.search_seconds:.2f}")
    st.caption(t("routes.solver_note", language, objective=f"{plan.objective:,}", travel=f"{plan.travel_cost_s:,}",
                 penalty=f"{plan.penalty_cost:,}", seconds=f"{plan.search_seconds:.2f}", stopped=plan.stopped_by,
                 done=f"{plan.work_done:,}", limit=f"{plan.work_limit:,}", model=plan.travel_model))
    if plan.stopped_by == BY_USER:
        st.info(t("routes.stopped_note", language))
    for warning in plan.warnings:
        st.warning(say(warning, language))
    fmap = route_map(plan, background, lang=language, tiles=configured_tiles(), rules=rules)

st.caption(t("routes.map_help", language))
clicked = st_folium(fmap, height=560, use_container_width=True, returned_objects=["last_clicked"], key="route_map")
point = (clicked or {}).get("last_clicked")
if point and st.session_state.get("route_last_click") != point:
    st.session_state["route_last_click"] = point
    picks_so_far = list(st.session_state.get("route_map_picks", []))
    picks_so_far.append((round(point["lng"], 6), round(point["lat"], 6)))
    st.session_state["route_map_picks"] = picks_so_far
    st.rerun()

if plan is None:
    st.stop()

if plan.plan_id is None:
    saved_id = save_form(db_file, plan, actor, language)
    if saved_id is not None:
        from dataclasses import replace

        plan = replace(plan, plan_id=saved_id)
        st.session_state["route_plan"] = (signature, plan)
else:
    st.caption(t("routes.findings.saved", language, plan=plan.plan_id))

all1, all2, all3, all4 = st.columns(4)
stem = f"routes_{plan.day}"
all1.download_button(t("routes.gpx_all", language), export(plan, "gpx", lang=language, coords=coords, rules=rules),
                     file_name=f"{stem}.gpx", mime="application/gpx+xml", key="route_dl_gpx")
all2.download_button(t("routes.kml_all", language), export(plan, "kml", lang=language, coords=coords, rules=rules),
                     file_name=f"{stem}.kml", mime="application/vnd.google-earth.kml+xml", key="route_dl_kml")
all3.download_button(t("routes.csv_all", language), export(plan, "csv", lang=language, coords=coords, rules=rules),
                     file_name=f"{stem}.csv", mime="text/csv", key="route_dl_csv")
all4.download_button(t("routes.html_all", language), export(plan, "html", lang=language, rules=rules),
                     file_name=f"{stem}.html", mime="text/html", key="route_dl_html")

for k, totals in plan.teams.iterrows():
    name = totals["team"]
    km = "—" if pd.isna(totals["distance_km"]) else f"{totals['distance_km']:,.1f}"
    st.subheader(t("routes.team_heading", language, team=name, stops=int(totals["stops"]), km=km,
                   depart=totals["depart"].strftime("%H:%M"), back=totals["return"].strftime("%H:%M"),
                   hours=f"{totals['hours_limit']:g}"))
    table = stop_table(plan, name, lang=language, rules=rules)
    st.dataframe(table.drop(columns=table.columns[0]), hide_index=True, width="stretch")
    if not totals["stops"]:
        continue
    t1, t2, t3, t4 = st.columns(4)
    team_stem = f"{stem}_{k + 1}"
    t1.download_button("GPX", export(plan, "gpx", name, lang=language, coords=coords, rules=rules),
                       file_name=f"{team_stem}.gpx", mime="application/gpx+xml", key=f"route_dl_gpx_{k}")
    t2.download_button("KML", export(plan, "kml", name, lang=language, coords=coords, rules=rules),
                       file_name=f"{team_stem}.kml", mime="application/vnd.google-earth.kml+xml", key=f"route_dl_kml_{k}")
    t3.download_button("CSV", export(plan, "csv", name, lang=language, coords=coords, rules=rules),
                       file_name=f"{team_stem}.csv", mime="text/csv", key=f"route_dl_csv_{k}")
    t4.download_button(t("routes.sheet", language), export(plan, "html", name, lang=language, rules=rules),
                       file_name=f"{team_stem}.html", mime="text/html", key=f"route_dl_html_{k}")

if len(plan.dropped):
    st.subheader(t("routes.dropped_title", language, n=len(plan.dropped)))
    dropped = plan.dropped
    st.dataframe(pd.DataFrame({
        t("routes.id", language): dropped["target_id"], t("routes.name", language): dropped["name"],
        t("routes.kind", language): dropped["kind"].map(lambda k: rules.label(k, language)),
        t("routes.priority", language): dropped["priority"],
        t("routes.drop_reason", language): dropped["drop_reason"].map(lambda c: t(f"routes.drop.{c}", language)),
    }), hide_index=True, width="stretch")
