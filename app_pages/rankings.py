"""排名通报 Rankings: the counties' (townships', zones', stations') ranking of a month, quarter,
year to date or year with the moves, on the map and as a table; the own city among the peer
tables a province or the ministry publishes; 时序进度 of the targets; the month's bulletin."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geoaq._errors import GeoaqError
from geoaq.aq.standards import available_versions
from geoaq.db import connection as db
from geoaq.i18n import say, t
from geoaq.layers import load_registry
from geoaq.rankings import bulletin as bulletins
from geoaq.rankings import peers, present
from geoaq.rankings.periods import PERIOD_KINDS
from geoaq.rankings.progress import progress
from geoaq.rankings.ranking import own_figures, rank, ranking_standard, read_units
from geoaq.rankings.rules import METRICS
from geoaq.rankings.units import AREA_LEVELS, LEVELS
from geoaq.tables import xlsx_blocks
from geoaq.web.auth import actor as signed_in
from geoaq.web.cache import (
    FIRES,
    READINGS,
    STATUS,
    database_version,
    lang,
    load_layers,
    readings_period,
    reads,
    require_database,
)
from geoaq.web.map import build_map, configured_tiles
from geoaq.web.views.rankings import COLOUR_BY, ranking_overlay, unit_at

PEER_SUFFIXES = (".xlsx", ".xlsm", ".csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_text(key: str, **values) -> str:
    return t(f"rankings.page.{key}", language, **values)


@reads("layers", *READINGS)
@st.cache_data(show_spinner=False)
def cached_ranking(db_path: str, version: float, kind: str, start: date, by: str, metric: str, basis: str | None):
    with db.connect(db_path) as con:
        return rank(con, kind, start, None, by=by, metric=metric, basis=basis), read_units(con, by)


@reads("layers", *READINGS)
@st.cache_data(show_spinner=False)
def cached_progress(db_path: str, version: float, as_of: date, basis: str | None) -> pd.DataFrame:
    with db.connect(db_path) as con:
        return progress(con, as_of, basis=basis)


@reads("layers", *READINGS, *FIRES, *STATUS)
@st.cache_data(show_spinner=False)
def cached_bulletin(db_path: str, version: float, month: date, by: str, basis: str | None):
    with db.connect(db_path) as con:  # the fire check may refresh its events
        return bulletins.build(con, month, by=by, basis=basis)


@reads("peer_tables", "peer_rows")
@st.cache_data(show_spinner=False)
def cached_peer_tables(db_path: str, version: float) -> pd.DataFrame:
    with db.connect(db_path) as con:
        return peers.stored_tables(con)


language = lang()
st.title(t("app.page.rankings", language))
db_file = require_database()
version = database_version(db_file)
period = readings_period(str(db_file), version)
if not period:
    st.info(page_text("no_readings"))
    st.stop()
last_day = (period[1] - pd.Timedelta(hours=1)).date()
basis_choices = ["", *available_versions()]


def basis_label(value: str) -> str:
    return value or page_text("basis_in_force")


tab_rank, tab_peers, tab_progress, tab_bulletin = st.tabs(
    [page_text("tab_rank"), page_text("tab_peers"), page_text("tab_progress"), page_text("tab_bulletin")])

with tab_rank:
    c1, c2, c3, c4, c5 = st.columns(5)
    kind = c1.selectbox(page_text("period_kind"), PERIOD_KINDS, key="rank_kind",
                        format_func=lambda k: page_text(f"kind_{k}"))
    default_start = date(last_day.year, last_day.month, 1) if kind == "month" else date(last_day.year, 1, 1)
    start = c2.date_input(page_text("start"), value=default_start, key="rank_start",
                          help=page_text("start_help"))
    by = c3.selectbox(page_text("by"), LEVELS, key="rank_by", format_func=lambda v: t(f"rankings.level.{v}", language))
    metric = c4.selectbox(page_text("metric"), list(METRICS), key="rank_metric",
                          format_func=lambda m: t(f"rankings.metric.{m}", language))
    basis = c5.selectbox(page_text("basis"), basis_choices, key="rank_basis", format_func=basis_label)
    try:
        with st.spinner(page_text("computing")):
            ranking, units = cached_ranking(str(db_file), version, kind, start, by, metric, basis or None)
    except GeoaqError as exc:
        st.error(str(exc))
        st.stop()
    st.subheader(say(ranking.title(), language))
    m1, m2, m3 = st.columns(3)
    m1.metric(page_text("ranked"), ranking.ranked)
    m2.metric(page_text("unranked"), len(ranking.table) - ranking.ranked)
    m3.metric(page_text("tied"), int(ranking.table["tied"].sum()))
    for note in present.notes_text(ranking, language):
        st.caption(note)
    if by in AREA_LEVELS and len(units.areas):
        colour_by = st.radio(page_text("colour_by"), COLOUR_BY, horizontal=True, key="rank_colour",
                             format_func=lambda v: page_text(f"colour_{v}"))
        registry = load_registry()
        layers = load_layers(str(db_file), version)
        stations = layers["stations"][0]
        names = dict(zip(stations["code"].astype(str), stations["name"].astype(str), strict=True))
        fmap = build_map([(registry["stations"], stations)], lang=language, tiles=configured_tiles(),
                         overlays=(ranking_overlay(ranking, units, names, colour_by, language),))
        clicked = st_folium(fmap, height=520, use_container_width=True, key="rank_map",
                            returned_objects=["last_object_clicked", "last_clicked"])
        point = (clicked or {}).get("last_object_clicked") or (clicked or {}).get("last_clicked")
        if point:
            found = unit_at(point["lng"], point["lat"], units)
            if found:
                st.session_state["rank_unit"] = found
    table = present.ranking_table(ranking, language)
    st.dataframe(table, hide_index=True, width="stretch")
    ids = ranking.table["unit_id"].tolist()
    if st.session_state.get("rank_unit") not in ids:
        st.session_state["rank_unit"] = ""
    picked = st.selectbox(page_text("pick_unit"), ["", *ids], key="rank_unit",
                          format_func=lambda u: "—" if not u else
                          ranking.table.set_index("unit_id").loc[u, "unit_name"])
    if picked:
        row = ranking.table.set_index("unit_id").loc[picked]
        st.markdown(f"**{row['unit_name']}** · {present.place_text(row, language)}")
        contributors = pd.DataFrame({
            page_text("statistic"): [t(f"compliance.metric.{s}", language) for s in
                                     ("so2_mean", "no2_mean", "pm10_mean", "pm25_mean", "co_p95", "o3_8h_p90")],
            page_text("value"): [row[s] for s in ("so2_mean", "no2_mean", "pm10_mean", "pm25_mean", "co_p95",
                                                  "o3_8h_p90")],
        })
        st.dataframe(contributors, hide_index=True)
        st.caption(page_text("stations_of", stations=", ".join(row["stations"]) or "—"))
    title = say(ranking.title(), language)
    st.download_button(page_text("download_xlsx"),
                       xlsx_blocks([(title, table)], title, t("rankings.bulletin.sheet", language)),
                       file_name=f"rank_{by}_{metric}_{ranking.period.start:%Y%m%d}.xlsx", mime=XLSX)

with tab_peers:
    stored = cached_peer_tables(str(db_file), version)
    upload = st.file_uploader(page_text("peer_upload"), type=[x.lstrip(".") for x in PEER_SUFFIXES], key="peer_file")
    p1, p2, p3 = st.columns(3)
    table_name = p1.text_input(page_text("peer_name"), key="peer_name")
    peer_start = p2.date_input(page_text("start"), value=date(last_day.year, last_day.month, 1), key="peer_start")
    peer_end = p3.date_input(page_text("end"), value=last_day, key="peer_end")
    if upload is not None and table_name and st.button(page_text("peer_load"), key="peer_load"):
        with tempfile.TemporaryDirectory() as folder:
            # the file's own name never builds the path: only its (allowed) suffix is kept
            suffix = Path(upload.name).suffix.lower()
            path = Path(folder) / f"upload{suffix if suffix in PEER_SUFFIXES else ''}"
            path.write_bytes(upload.getvalue())
            try:
                with db.connect(str(db_file)) as con:
                    report = peers.load_peer_table(path, table_name, con=con, start=peer_start, end=peer_end,
                                                   source_name=upload.name, actor=signed_in())
                for line in report.messages():
                    st.write(say(line, language))
                st.cache_data.clear()
                stored = cached_peer_tables(str(db_file), version)
            except GeoaqError as exc:
                st.error(str(exc))
    if stored.empty:
        st.info(page_text("no_peers"))
    else:
        keys = [f"{r.table_name}|{r.period_start}|{r.period_end}" for r in stored.itertuples()]
        chosen = st.selectbox(page_text("peer_table"), keys, key="peer_pick",
                              format_func=lambda k: " · ".join(k.split("|")))
        name, first, last = chosen.split("|")
        first, last = date.fromisoformat(first), date.fromisoformat(last)
        q1, q2, q3 = st.columns(3)
        level = q1.selectbox(page_text("by"), ["city", "district"], key="peer_level",
                             format_func=lambda v: t(f"rankings.level.{v}", language))
        figure = q2.selectbox(page_text("metric"), peers.FIGURES, key="peer_metric",
                              format_func=lambda m: t(f"rankings.metric.{m}", language))
        asked = q3.number_input(page_text("peer_place"), min_value=1, value=3, step=1, key="peer_place")
        with db.connect(str(db_file)) as con:
            rows = peers.peer_rows(con, name, first, last)
            figures = own_figures(con, level, first, last, ranking_standard(last), (figure,))
        unit = st.selectbox(page_text("own_unit"), figures["unit_name"].tolist(), key="peer_unit")
        value = figures.set_index("unit_name").loc[unit, figure]
        placed = peers.place(rows, figure, unit, value, table_name=name, period=(first, last))
        r1, r2, r3 = st.columns(3)
        r1.metric(page_text("own_place"), "—" if placed.rank is None else f"{placed.rank}/{placed.size}")
        needed = placed.needed_for(int(asked))
        r2.metric(page_text("needed", place=int(asked)), "—" if needed is None else f"{needed:g}")
        gap = placed.gap_for(int(asked))
        r3.metric(page_text("gap"), "—" if gap is None else f"{gap:g}")
        for note in placed.notes:
            st.caption(say(note, language))
        st.dataframe(present.placement_table(placed, language), hide_index=True, width="stretch")
    with db.connect(str(db_file)) as con:
        rank_targets = peers.assess_rank_targets(con)
    if len(rank_targets):
        st.markdown(f"**{page_text('rank_targets')}**")
        st.dataframe(present.rank_targets_table(rank_targets, language), hide_index=True, width="stretch")

with tab_progress:
    g1, g2 = st.columns(2)
    as_of = g1.date_input(page_text("as_of"), value=last_day, key="progress_as_of")
    progress_basis = g2.selectbox(page_text("basis"), basis_choices, key="progress_basis", format_func=basis_label)
    with st.spinner(page_text("computing")):
        followed = cached_progress(str(db_file), version, as_of, progress_basis or None)
    if followed.empty:
        st.info(t("cli.progress.none", language))
    else:
        s1, s2, s3 = st.columns(3)
        s1.metric(t("rankings.progress_status.on_track", language), int((followed["status"] == "on_track").sum()))
        s2.metric(t("rankings.progress_status.at_risk", language), int((followed["status"] == "at_risk").sum()))
        s3.metric(t("rankings.progress_status.impossible", language), int((followed["status"] == "impossible").sum()))
        st.dataframe(present.progress_table(followed, language), hide_index=True, width="stretch")

with tab_bulletin:
    b1, b2, b3 = st.columns(3)
    month = b1.date_input(page_text("month"), value=date(last_day.year, last_day.month, 1), key="bulletin_month")
    bulletin_by = b2.selectbox(page_text("by"), LEVELS, key="bulletin_by",
                               format_func=lambda v: t(f"rankings.level.{v}", language))
    bulletin_basis = b3.selectbox(page_text("basis"), basis_choices, key="bulletin_basis", format_func=basis_label)
    if st.button(page_text("make_bulletin"), key="bulletin_make"):
        st.session_state["bulletin_asked"] = (month.replace(day=1), bulletin_by, bulletin_basis)
    asked_for = st.session_state.get("bulletin_asked")
    if asked_for:
        try:
            with st.spinner(page_text("computing")):
                made = cached_bulletin(str(db_file), version, asked_for[0], asked_for[1], asked_for[2] or None)
        except GeoaqError as exc:
            st.error(str(exc))
            st.stop()
        st.subheader(made.title(language))
        for heading, block in made.blocks(language):
            st.markdown(f"**{heading}**")
            if not block.empty:
                st.dataframe(block, hide_index=True, width="stretch")
        d1, d2 = st.columns(2)
        d1.download_button(page_text("download_xlsx"), made.xlsx(language), file_name=f"bulletin_{made.month:%Y%m}.xlsx",
                           mime=XLSX, key="bulletin_xlsx")
        d2.download_button(page_text("download_html"), made.html(language).encode("utf-8"),
                           file_name=f"bulletin_{made.month:%Y%m}.html", mime="text/html", key="bulletin_html")
