"""火点核查 Fires: fire events of a period, who is responsible, what it costs, verification."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geoaq import config
from geoaq._errors import GeoaqError
from geoaq.accounts.roles import DECIDE, SUBMIT
from geoaq.db import connection as db
from geoaq.fires import evidence, verification, workflow
from geoaq.fires.check import in_jurisdiction
from geoaq.fires.notice import (
    category_text,
    notice_table,
    notice_title,
    notice_xlsx_bytes,
    status_text,
)
from geoaq.fires.rules import CATEGORIES
from geoaq.i18n import t, yuan_text
from geoaq.layers import load_registry
from geoaq.web.auth import actor as signed_in
from geoaq.web.cache import (
    database_version,
    fire_check,
    fire_detections,
    fire_filters,
    fire_layer_payload,
    fire_period,
    fires_default_period,
    lang,
    load_layers,
    publish_static,
    query_period,
    require_database,
)
from geoaq.web.map import build_map, configured_tiles
from geoaq.web.map_layers.event_layer import clicked_event_id
from geoaq.web.views.fires import (
    detections_table,
    display_table,
    draws_compactly,
    events_on_map,
    evidence_table,
    filter_events,
    history_table,
)
from geoaq.web.views.text import markdown_plain

STATUSES = verification.STATUSES
REASONS = verification.DISMISS_REASONS

language = lang()
actor = signed_in()
st.title(t("app.page.fires", language))
db_file = require_database()
version = database_version(db_file)

period = fire_period(str(db_file), version)
default_start, default_end = fires_default_period(period)

# The map goes to the browser before the controls drawn above it: a new browser then fetches
# the map component's script ahead of the controls' own (a few dozen files; the map is usable
# ~0.2 s sooner). So the controls' values are read from the session first (their defaults on
# a first visit) and the widgets are drawn into these boxes once the map is out.
controls_box = st.container(border=True)
filters_box = st.container()
summary_box = st.container()
period_default = query_period((default_start, default_end))


def draw_controls() -> None:
    """The period, confidence and figures controls (keys hold their values)."""
    c1, c2, c3 = controls_box.columns([2, 1, 1])
    c1.date_input(t("fires.period", language), value=period_default, key="fire_dates")
    c2.selectbox(
        t("fires.min_confidence", language), ["", "low", "nominal", "high"], key="fire_conf",
        format_func=lambda v: t(f"fires.confidence.{v}", language) if v else t("common.all", language))
    c3.radio(t("fires.figures", language), ["suspected", "verified"], key="fire_figures",
             format_func=lambda v: t(f"fires.figures_{v}", language), horizontal=True)


def draw_filters(counties_known: list[str]) -> None:
    """The category, status, county and in-zone filters (keys hold their values)."""
    f1, f2, f3, f4 = filters_box.columns(4)
    f1.multiselect(t("fires.category_label", language), list(CATEGORIES), key="fire_cat", placeholder=t("common.all", language),
                   format_func=lambda c: category_text(c, language))
    f2.multiselect(t("fires.status_label", language), list(STATUSES), key="fire_status", placeholder=t("common.all", language),
                   format_func=lambda s: status_text(s, language))
    f3.multiselect(t("fires.county", language), counties_known, key="fire_county", placeholder=t("common.all", language))
    f4.toggle(t("fires.in_zone_only", language), key="fire_in_zone")



def draw_summary(shown: pd.DataFrame, start: date, end: date, figures: str) -> None:
    """The period's counts and penalty total, with the period they cover."""
    period_text = t("fires.period_note", language, start=start, end=end)
    m1, m2, m3, m4 = summary_box.columns(4)
    m1.metric(t("fires.events", language), f"{len(shown):,}", help=period_text)
    m2.metric(t("fires.in_zones", language), f"{int(shown['in_control_zone'].sum()):,}", help=period_text)
    m3.metric(t("fires.industrial", language), f"{int((shown['category'] == 'suspected_industrial').sum()):,}",
              help=period_text)
    m4.metric(t("fires.penalty_total", language, figures=t(f"fires.figures_{figures}", language)),
              yuan_text(shown["penalty_yuan"].sum(), language),
              help=f"¥{int(shown['penalty_yuan'].sum()):,} · {period_text}")
    summary_box.caption(period_text)


def draw_waiting() -> None:
    """What waits for the signed-in account: submissions to review, or returned ones to redo."""
    con = db.connect(db_file)
    try:
        waiting = workflow.waiting_for(con, actor)
    finally:
        con.close()
    if not waiting.empty:
        key = "fires.workflow.waiting_city" if actor.may(DECIDE) else "fires.workflow.waiting_county"
        st.info(t(key, language, n=len(waiting), events="、".join(dict.fromkeys(waiting["event_id"].head(10)))))


def submissions_table(rows: pd.DataFrame) -> pd.DataFrame:
    shown = rows[["submission_id", "kind", "outcome", "county_adcode", "township_adcode", "note", "submitted_by",
                  "submitted_at", "state", "review_reason", "reviewed_by", "reviewed_at"]].copy()
    shown["kind"] = shown["kind"].map(lambda k: t(f"fires.workflow.kind.{k}", language))
    shown["state"] = shown["state"].map(lambda k: t(f"fires.workflow.state.{k}", language))
    shown["outcome"] = shown["outcome"].map(lambda o: t(f"fires.outcome.{o}", language) if isinstance(o, str) else o)
    return shown.rename(columns={c: t(f"fires.workflow.column.{c}", language) for c in shown.columns})


def draw_workflow(event_id: str) -> None:
    """The county's submissions of this event, its submit form, and the city's review of what waits."""
    con = db.connect(db_file)
    try:
        rows = workflow.submissions(con, event_id, actor=actor)
    finally:
        con.close()
    if not rows.empty:
        st.dataframe(submissions_table(rows), hide_index=True, width="stretch")
        draw_evidence(event_id)
    if actor.may(SUBMIT):
        try:
            limits = config.evidence_settings()
        except GeoaqError as exc:  # GEOAQ_EVIDENCE_* set wrongly: said, and the form takes no files
            st.error(str(exc))
            limits = None
        with st.form("submit_check"):
            outcome = st.radio(t("fires.workflow.outcome", language), list(workflow.OUTCOMES), horizontal=True,
                               format_func=lambda o: t(f"fires.outcome.{o}", language), key="check_outcome")
            c1, c2 = st.columns(2)
            county = c1.text_input(t("fires.workflow.propose_county", language), key="check_county").strip()
            township = c2.text_input(t("fires.workflow.propose_township", language), key="check_township").strip()
            note = st.text_input(t("fires.note", language), key="check_note")
            # the suffixes and the size only help the browser's file picker: evidence.check decides,
            # by content
            uploads = st.file_uploader(
                t("fires.evidence.upload", language, mb=f"{limits.max_bytes / 1024 / 1024:g}", files=limits.max_files),
                type=[s.lstrip(".") for s in evidence.SUFFIX.values()] + ["jpeg"], accept_multiple_files=True,
                max_upload_size=math.ceil(limits.max_bytes / 1024 / 1024), key="check_files") if limits else None
            if st.form_submit_button(t("fires.workflow.submit", language)):
                files = [evidence.Upload(name=f.name, data=f.getvalue()) for f in uploads or []]
                _act(lambda c: workflow.submit_check(c, event_id, outcome, actor=actor, note=note or None,
                                                     files=files),
                     lambda c: workflow.propose_correction(c, event_id, actor=actor, county_adcode=county or None,
                                                           township_adcode=township or None, note=note or None)
                     if county or township else None)
    if actor.may(DECIDE):
        for row in rows[rows["state"] == "pending"].itertuples():
            with st.form(f"review_{row.submission_id}"):
                st.caption(t("fires.workflow.review", language, submission=row.submission_id,
                             kind=t(f"fires.workflow.kind.{row.kind}", language)))
                why = st.text_input(t("fires.workflow.reason", language), key=f"review_reason_{row.submission_id}")
                a, b = st.columns(2)
                if a.form_submit_button(t("fires.workflow.approve", language)):
                    _act(lambda c, n=row.submission_id, w=why: workflow.review(c, n, "approve", actor=actor, reason=w))
                if b.form_submit_button(t("fires.workflow.return", language)):
                    _act(lambda c, n=row.submission_id, w=why: workflow.review(c, n, "return", actor=actor, reason=w))


def draw_evidence(event_id: str) -> None:
    """The event's evidence files: photos shown, every file downloadable, all from the bytes the
    service hands this account (`evidence.read` checks its jurisdiction) — never a URL of a file."""
    con = db.connect(db_file)
    try:
        rows = evidence.evidence_of(con, actor=actor, event_id=event_id)
        if rows.empty:
            return
        st.markdown(f"**{t('fires.evidence.title', language)}**")
        st.dataframe(evidence_table(rows, language), hide_index=True, width="stretch")
        for evidence_id in rows["evidence_id"]:
            found, data = evidence.read(con, int(evidence_id), actor=actor)
            # labels and captions are Markdown: they name the file by its number, never by the
            # uploader's own name (that is only in the table, as text)
            if found.kind in evidence.IMAGES and evidence.readable_image(data, found.kind):
                st.image(data, caption=t("fires.evidence.image", language, evidence=found.evidence_id,
                                         submission=found.submission_id), width=360)
            st.download_button(t("fires.evidence.download", language, evidence=found.evidence_id,
                                 kind=found.kind.upper()), data,
                               file_name=found.download_name, mime=found.mime, key=f"evidence_{found.evidence_id}")
    except GeoaqError as exc:
        st.error(markdown_plain(exc))
    finally:
        con.close()


def _act(*steps) -> None:
    """Run the workflow steps on one connection; an error is shown (what ran before it stays)."""
    con = db.connect(db_file)
    try:
        for step in steps:
            step(con)
    except GeoaqError as exc:  # it may quote an uploader's file name: shown as text
        st.error(markdown_plain(exc))
        return
    finally:
        con.close()
    st.success(t("fires.saved", language))
    st.rerun()


chosen = st.session_state.get("fire_dates", period_default)
confidence = st.session_state.get("fire_conf", "")
figures = st.session_state.get("fire_figures", "suspected")
if not isinstance(chosen, tuple) or len(chosen) != 2:
    draw_controls()
    st.info(t("fires.pick_end", language))
    st.stop()
start, end = chosen

with st.spinner(t("fires.computing", language)):
    checked = in_jurisdiction(fire_check(str(db_file), version, start, end, confidence or None, figures), actor)

counties_known = sorted(checked["county_name"].dropna().unique())
filters = fire_filters(st.session_state, counties_known)
if not actor.city_wide:  # the map's payload too holds only the jurisdiction's events
    filters = tuple((key, (tuple(value) or tuple(counties_known) or ("\x00",)) if key == "counties" else value)
                    for key, value in filters)
shown = filter_events(checked, **dict(filters))

# Many events: a compact clustered layer instead of one popup (with detections) per event.
many = draws_compactly(len(shown))
if many:
    st.caption(t("fires.many_events", language, n=len(shown)))
detections = None if many else fire_detections(str(db_file), version, tuple(shown["event_id"]))
registry = load_registry()
layers = load_layers(str(db_file), version)
background = [(registry[name], layers[name][0]) for name in ("admin_units", "control_zones") if name in registry]
tiles = configured_tiles()
packed = (fire_layer_payload(str(db_file), version, start, end, confidence or None, figures, filters, language,
                             tiles.datum) if many else None)
overlays, event_layers = events_on_map(shown, detections, language, datum=tiles.datum, publish=publish_static,
                                       packed=packed)
fmap = build_map(background, lang=language, tiles=tiles, overlays=overlays, layers=event_layers,
                 publish=publish_static)
# render=False: st_folium renders the map itself as well; the second whole-page render would
# only cost time (~0.15 s a run)
with st.container():  # a block of its own: the map's iframe need not wait for the widgets' scripts
    returned = st_folium(fmap, height=520, use_container_width=True, key="fire_map", render=False,
                         returned_objects=["last_object_clicked_tooltip"])
draw_controls()
draw_filters(counties_known)
draw_summary(shown, start, end, figures)
draw_waiting()

event_ids = shown["event_id"]
known = pd.Index(event_ids)  # hashed on the first lookup, after a click: not on every rerun
clicked = clicked_event_id(returned, known)
if clicked and clicked != st.session_state.get("fire_map_click"):  # a click on a fire picks the event
    st.session_state["fire_map_click"] = clicked
    st.session_state["fire_event"] = clicked

if many:  # on demand (the table's own scripts are 1.6 MB); rows load as the user scrolls
    if st.toggle(t("fires.show_table", language, n=len(shown)), value=False, key="fire_show_table"):
        st.dataframe(display_table(shown, language), hide_index=True, width="stretch", key="fire_table",
                     lazy=True)
    rows = []
else:
    selection = st.dataframe(display_table(shown, language), hide_index=True, width="stretch", on_select="rerun",
                             selection_mode="single-row", key="fire_table")
    rows = selection.selection.rows if selection else []
if rows and st.session_state.get("fire_table_row") != rows[0]:  # a click in the table picks the event
    st.session_state["fire_table_row"] = rows[0]
    st.session_state["fire_event"] = event_ids.iloc[rows[0]]
typed = st.session_state.get("fire_event") or ""
if typed and typed.strip() not in known:
    if many:  # a typed id: say why nothing opens
        st.warning(t("fires.event_unknown", language, event=typed))
    st.session_state["fire_event"] = ""

d1, d2, d3 = st.columns(3)
title = notice_title(start, end, language)
# built on click (a season's workbook takes seconds), not on every rerun
d1.download_button(t("fires.notice_csv", language),
                   lambda: notice_table(shown, language).to_csv(index=False).encode("utf-8-sig"),
                   file_name=f"fire_notice_{start}_{end}.csv", mime="text/csv")
d2.download_button(t("fires.notice_xlsx", language),
                   lambda: notice_xlsx_bytes(notice_table(shown, language), title, language),
                   file_name=f"fire_notice_{start}_{end}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

if many:  # a list of every id would itself be megabytes
    picked = st.text_input(t("fires.event_id", language), key="fire_event").strip()
else:
    picked = st.selectbox(t("fires.pick_event", language), ["", *event_ids.tolist()], key="fire_event",
                          format_func=lambda e: e or "—")
if not picked:
    st.caption(t("fires.select_hint", language))
    st.stop()

event = shown.set_index("event_id").loc[picked].copy()
event["event_id"] = picked
st.subheader(f"{event['event_id']} · {status_text(event['status'], language)}")
event_detections = fire_detections(str(db_file), version, (picked,))
st.dataframe(detections_table(event_detections.drop(columns="event_id"), language), hide_index=True,
             width="stretch")
con = db.connect(db_file)
try:
    st.dataframe(history_table(verification.history(con, event["event_id"], actor=actor), language),
                 hide_index=True, width="stretch")
finally:
    con.close()

draw_workflow(event["event_id"])
if not actor.may(DECIDE):
    st.caption(t("fires.cannot_decide", language))
    st.stop()

with st.form("set_status"):
    new_status = st.radio(t("fires.status_label", language), list(STATUSES), horizontal=True,
                          format_func=lambda s: status_text(s, language), key="status_new")
    reason = st.selectbox(t("fires.dismiss_reason_label", language), ["", *REASONS], key="status_reason",
                          format_func=lambda r: verification.label(r, language) if r else "—")
    note = st.text_input(t("fires.note", language), key="status_note")
    if st.form_submit_button(t("fires.save_status", language)):
        con = db.connect(db_file)
        try:
            verification.set_status(con, event["event_id"], new_status, actor=actor,
                                    reason=reason or None, note=note or None)
        except GeoaqError as exc:
            st.error(str(exc))
        else:
            st.success(t("fires.saved", language))
            st.rerun()
        finally:
            con.close()
