"""重污染应急 Emergency: the emission-reduction list and its checks, warnings (and the level a
forecast suggests), who must act during a warning on the map with the per-county checklist and
the inspectors' findings, and the response assessment afterwards."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geoaq._errors import GeoaqError
from geoaq.accounts.roles import DECIDE, RECORD_FINDINGS
from geoaq.aq.basis import IN_FORCE
from geoaq.aq.standards import available_versions
from geoaq.db import connection as db
from geoaq.emergency import access, alerts, inspections, present
from geoaq.emergency import assessment as emergency_assessment
from geoaq.emergency.alerts import load_warnings
from geoaq.emergency.forecast import read_forecast, suggest_level
from geoaq.emergency.reduction_list import load_list, version_label
from geoaq.emergency.response import checklist, checklist_title, response_in_jurisdiction
from geoaq.emergency.rules import POLLUTANTS, RESULTS, load_emergency_rules
from geoaq.i18n import say, t
from geoaq.layers import load_registry
from geoaq.tables import xlsx_blocks, xlsx_sheets
from geoaq.web.auth import actor as signed_in
from geoaq.web.cache import (
    database_version,
    emergency_actions,
    emergency_areas,
    emergency_check,
    emergency_response,
    emergency_versions,
    emergency_warnings,
    lang,
    load_layers,
    require_database,
)
from geoaq.web.cache import (
    emergency_assessment as cached_assessment,
)
from geoaq.web.map import build_map, configured_tiles
from geoaq.web.views.air_quality import basis_text
from geoaq.web.views.emergency import enterprises_overlay, stations_overlay
from geoaq.web.views.fires import events_overlay

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_SUFFIXES = ["xlsx", "xlsm", "csv", "txt", "tsv"]


def page_text(key: str, **values) -> str:
    return t(f"emergency.page.{key}", language, **values)


def _saved(path_dir: str, upload) -> Path:
    """An upload written to a temporary folder under its own (safe) name."""
    path = Path(path_dir) / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return path


def _say_report(key: str) -> None:
    """The report of a load done on the run before (kept in the session), worded."""
    report = st.session_state.pop(key, None)
    if report is None:
        return
    lines = [say(m, language) for m in report.messages()]
    (st.warning if report.rejected_rows else st.success)(lines[0])
    st.text("\n".join(lines[1:]))


def _tables(headed: list[tuple[str, pd.DataFrame]]) -> None:
    for heading, table in headed:
        st.markdown(f"**{heading}**")
        st.dataframe(table, hide_index=True, width="stretch")


language = lang()
st.title(t("app.page.emergency", language))
db_file = require_database()
version = database_version(db_file)
rules = load_emergency_rules()
actor = signed_in()
manages, inspects = actor.may(DECIDE), actor.may(RECORD_FINDINGS)  # the service functions check again
own_counties = access.county_names(load_layers(str(db_file), version)["admin_units"][0], actor)
if own_counties is not None:
    st.caption(page_text("jurisdiction", counties="、".join(sorted(own_counties)) or "—"))
versions = emergency_versions(str(db_file), version)
warnings_now = emergency_warnings(str(db_file), version)
if (len(versions) and versions["synthetic"].any()) or (len(warnings_now) and warnings_now["synthetic"].any()):
    st.info(page_text("demo"))
for message_key in ("em_message", "em_error"):
    if message_key in st.session_state:
        (st.success if message_key == "em_message" else st.error)(st.session_state.pop(message_key))

tab_list, tab_check, tab_warnings, tab_response, tab_assessment = st.tabs(
    [page_text(k) for k in ("tab_list", "tab_check", "tab_warnings", "tab_response", "tab_assessment")])

# --- 应急减排清单 --------------------------------------------------------------------------------
chosen_version = None
with tab_list:
    _say_report("em_list_report")
    if versions.empty:
        st.info(page_text("no_list"))
    else:
        st.dataframe(present.versions_table(versions, language), hide_index=True, width="stretch")
        labels = [version_label((r.list_year, r.effective_from)) for r in versions.itertuples()]
        c1, c2 = st.columns(2)
        chosen_version = c1.selectbox(page_text("version"), labels, key="em_version")
        level = c2.selectbox(page_text("level"), rules.level_order, key="em_level",
                             format_func=lambda c: present.level_text(c, language))
        acts = emergency_actions(str(db_file), version, chosen_version)
        at = acts[acts["level"] == level]
        if own_counties is not None and "county" in at:  # a county account: its counties' lines
            at = at[at["county"].isin(own_counties)]
        m1, m2, m3 = st.columns(3)
        m1.metric(page_text("lines"), f"{len(at):,}")
        m2.metric(page_text("enterprises"), f"{at['enterprise_key'].nunique():,}")
        m3.metric(page_text("lines_acting"), f"{int((at['kind'] != 'none').sum()):,}")
        st.dataframe(present.lines_table(at, language), hide_index=True, width="stretch")
    if manages:
        with st.expander(page_text("load_list"), expanded=versions.empty):
            upload = st.file_uploader(page_text("list_file"), type=LIST_SUFFIXES, key="em_list_file")
            c1, c2 = st.columns(2)
            list_year = c1.text_input(page_text("list_year"), key="em_list_year", help=page_text("list_year_help"))
            effective = c2.text_input(page_text("effective"), key="em_list_effective", placeholder="YYYY-MM-DD",
                                      help=page_text("list_year_help"))
            if st.button(page_text("load"), key="em_list_load", disabled=upload is None):
                with tempfile.TemporaryDirectory() as folder:
                    try:
                        st.session_state["em_list_report"] = load_list(
                            _saved(folder, upload), db=db_file, list_year=list_year or None,
                            effective_from=effective or None, source_name=upload.name, actor=actor)
                    except GeoaqError as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()

# --- 清单核查 ------------------------------------------------------------------------------------
with tab_check:
    if chosen_version is None:
        st.info(page_text("no_list"))
    else:
        st.caption(page_text("totals_help"))
        columns = st.columns(len(POLLUTANTS))
        values = {p: column.number_input(page_text("total_of", pollutant=present.pollutant_text(p, language)),
                                         min_value=0.0, value=0.0, step=100.0, key=f"em_total_{p}")
                  for p, column in zip(POLLUTANTS, columns, strict=True)}
        totals = tuple((p, float(v)) for p, v in values.items() if v > 0)
        result = emergency_check(str(db_file), version, chosen_version, totals)
        levels = st.columns(len(rules.level_order))
        for column, code in zip(levels, rules.level_order, strict=True):
            column.metric(present.level_text(code, language),
                          page_text("met") if result.meets(code) else page_text("not_met"))
        st.caption(page_text("check_caption", version=chosen_version, rows=result.rows, errors=result.errors,
                             problems=len(result.problems)))
        shares = present.shares_table(result.shares, language)
        problems = present.problems_table(result.problems, language)
        st.dataframe(shares, hide_index=True, width="stretch")
        st.dataframe(problems, hide_index=True, width="stretch")
        st.download_button(page_text("check_xlsx"),
                           lambda: xlsx_sheets({t("emergency.sheet.shares", language): shares,
                                                t("emergency.sheet.problems", language): problems},
                                               t("emergency.check_title", language, version=chosen_version)),
                           file_name="emergency_check.xlsx", mime=XLSX, key="em_check_xlsx")

# --- 预警 ----------------------------------------------------------------------------------------
with tab_warnings:
    _say_report("em_warnings_report")
    if warnings_now.empty:
        st.info(page_text("no_warning"))
    else:
        st.dataframe(present.warnings_table(warnings_now, language), hide_index=True, width="stretch")
    st.subheader(page_text("forecast"))
    forecast_file = st.file_uploader(page_text("forecast_file"), type=LIST_SUFFIXES, key="em_forecast_file")
    today = datetime.now().date()
    forecast = pd.DataFrame({"day": [today + timedelta(days=k) for k in range(1, 6)], "aqi": [None] * 5})
    if forecast_file is not None:
        with tempfile.TemporaryDirectory() as folder:
            try:
                loaded = read_forecast(_saved(folder, forecast_file))
                forecast = pd.DataFrame({"day": pd.to_datetime(loaded["day"], errors="coerce").dt.date,
                                         "aqi": pd.to_numeric(loaded["aqi"], errors="coerce")})
            except GeoaqError as exc:
                st.error(str(exc))
    edited = st.data_editor(forecast, num_rows="dynamic", key=f"em_forecast_{forecast_file is not None}",
                            column_config={"day": st.column_config.DateColumn(page_text("forecast_day")),
                                           "aqi": st.column_config.NumberColumn(page_text("forecast_aqi"),
                                                                                min_value=0)})
    given = edited.dropna(how="any")
    if given.empty:
        st.caption(page_text("forecast_hint"))
    else:
        try:
            st.info(say(suggest_level(given, rules).message(), language))
        except GeoaqError as exc:
            st.error(str(exc))
    if manages:
        st.subheader(page_text("issue"))
        areas = emergency_areas(str(db_file), version)
        with st.form("em_issue"):
            c1, c2 = st.columns(2)
            area = (c1.selectbox(page_text("area"), areas, key="em_area") if areas
                    else c1.text_input(page_text("area"), key="em_area_text"))
            new_level = c2.selectbox(page_text("level"), rules.level_order, key="em_new_level", index=1,
                                     format_func=lambda c: present.level_text(c, language))
            c3, c4 = st.columns(2)
            start_at = c3.datetime_input(page_text("start"), value=datetime.combine(today, datetime.min.time()),
                                         key="em_start", step=timedelta(hours=1))
            end_at = c4.datetime_input(page_text("end"), value=datetime.combine(today + timedelta(days=3),
                                                                               datetime.min.time()),
                                       key="em_end", step=timedelta(hours=1))
            c5, c6 = st.columns(2)
            issued_by = c5.text_input(page_text("issued_by"), key="em_issued_by")
            document = c6.text_input(page_text("document"), key="em_document")
            c7, c8 = st.columns(2)
            note = c7.text_input(page_text("note"), key="em_note")
            if st.form_submit_button(page_text("issue_button")):
                con = db.connect(db_file)
                try:
                    wid, outcome = alerts.issue_warning(con, area=area, level=new_level, start=start_at, end=end_at,
                                                        issued_by=issued_by, document=document or None,
                                                        note=note or None, rules=rules, actor=actor)
                    st.session_state["em_message"] = t(f"cli.emergency.warning_{outcome}", language,
                                                       warning=say(alerts.title(alerts.warning(con, wid)), language),
                                                       by=actor.label)
                except GeoaqError as exc:
                    st.error(str(exc))
                else:
                    st.rerun()
                finally:
                    con.close()
        if len(warnings_now):
            st.subheader(page_text("revise"))
            c1, c2, c3 = st.columns([2, 2, 1])
            revise_id = c1.selectbox(page_text("warning"), list(warnings_now["warning_id"]), key="em_revise_id")
            current_end = pd.Timestamp(warnings_now.set_index("warning_id").at[revise_id, "end_at"]).to_pydatetime()
            new_end = c2.datetime_input(page_text("new_end"), value=current_end, key=f"em_new_end_{revise_id}",
                                        step=timedelta(hours=1))
            b1, b2 = st.columns(2)
            move, cancel = b1.button(page_text("end_button"), key="em_end_button"), \
                b2.button(page_text("cancel_button"), key="em_cancel_button")
            if move or cancel:
                con = db.connect(db_file)
                try:
                    alerts.revise_warning(con, revise_id, end=None if cancel else new_end, cancel=cancel,
                                          rules=rules, actor=actor)
                    st.session_state["em_message"] = page_text("revised", warning=revise_id)
                except GeoaqError as exc:
                    st.error(str(exc))
                else:
                    st.rerun()
                finally:
                    con.close()
        with st.expander(page_text("load_warnings")):
            warnings_file = st.file_uploader(page_text("warnings_file"), type=LIST_SUFFIXES, key="em_warnings_file")
            if st.button(page_text("load"), key="em_warnings_load", disabled=warnings_file is None):
                with tempfile.TemporaryDirectory() as folder:
                    try:
                        st.session_state["em_warnings_report"] = load_warnings(
                            _saved(folder, warnings_file), db=db_file, source_name=warnings_file.name,
                            actor=actor)
                    except GeoaqError as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()

# --- 应急响应 ------------------------------------------------------------------------------------
issued = warnings_now[warnings_now["status"] == "issued"] if len(warnings_now) else warnings_now
response = None
with tab_response:
    _say_report("em_inspections_report")
    if issued.empty or versions.empty:
        st.info(page_text("no_response"))
    else:
        titles = {r.warning_id: say(alerts.title(pd.Series(r._asdict())), language) for r in issued.itertuples()}
        warning_id = st.selectbox(page_text("warning"), list(titles), key="em_warning", format_func=titles.get)
        try:
            response = response_in_jurisdiction(emergency_response(str(db_file), version, warning_id),
                                                own_counties, actor.counties)
        except GeoaqError as exc:
            st.error(str(exc))
    if response is not None:
        must = response.must_act
        kinds = must["kind"].value_counts()
        m1, m2, m3, m4, m5 = st.columns(5)
        m1.metric(page_text("enterprises"), f"{len(response.enterprises):,}")
        m2.metric(page_text("must_act"), f"{len(must):,}")
        m3.metric(t("emergency.measure.stop", language), f"{int(kinds.get('stop', 0)):,}")
        m4.metric(t("emergency.measure.limit", language), f"{int(kinds.get('limit', 0)):,}")
        m5.metric(page_text("fires"), f"{len(response.fires):,}")
        st.caption(page_text("response_caption", version=version_label(response.version),
                             scope=t(f"emergency.scope.{response.scope[0]}", language,
                                     county=response.scope[1] or ""),
                             unplaced=int((~response.enterprises["matched"]).sum()) if len(response.enterprises) else 0))
        registry = load_registry()
        layers = load_layers(str(db_file), version)
        counties = layers["admin_units"][0]
        counties = counties[counties["level"] == "县"]
        stations = layers["stations"][0]
        if response.station_codes is not None:  # the area's stations, not every city's of a national feed
            stations = stations[stations["code"].astype(str).isin(response.station_codes)]
        overlays = [enterprises_overlay(response.enterprises, language),
                    stations_overlay(stations, response.stations, language)]
        if len(response.fires):
            overlays.append(events_overlay(response.fires, pd.DataFrame(columns=["event_id"]), language))
        fmap = build_map([(registry["admin_units"], counties)], lang=language, tiles=configured_tiles(),
                         overlays=tuple(overlays))
        st_folium(fmap, height=560, use_container_width=True, key="em_map", returned_objects=[])
        st.markdown(f"**{page_text('by_county')}**")
        st.dataframe(present.county_table(response.by_county, language), hide_index=True, width="stretch")
        st.markdown(f"**{page_text('must_act')}**")
        st.dataframe(present.enterprises_table(must, language), hide_index=True, width="stretch")
        names = dict(zip(layers["stations"][0]["code"], layers["stations"][0]["name"], strict=True))
        st.markdown(f"**{page_text('stations')}**")
        st.dataframe(present.stations_table(response.stations, names, language), hide_index=True, width="stretch")
        st.markdown(f"**{page_text('fires')}**")
        st.dataframe(present.fires_table(response.fires, language), hide_index=True, width="stretch")
        st.download_button(page_text("checklist_xlsx"),
                           lambda: xlsx_sheets(checklist(response, language), checklist_title(response, language)),
                           file_name=f"checklist_{warning_id}.xlsx", mime=XLSX, key="em_checklist")
        if inspects:
            st.subheader(page_text("inspection"))
            acting = response.lines[response.lines["must_act"]]
            choices = [f"{r.enterprise_key}|{r.line}" for r in acting.itertuples()]
            shown = {f"{r.enterprise_key}|{r.line}": f"{r.enterprise_name} {r.line}".strip() for r in acting.itertuples()}
            with st.form("em_inspection"):
                c1, c2 = st.columns(2)
                target = c1.selectbox(page_text("inspected"), choices, key="em_inspected", format_func=shown.get)
                result_code = c2.selectbox(page_text("result"), list(RESULTS), key="em_result",
                                           format_func=lambda r: t(f"emergency.result.{r}", language))
                c3, c4, c5 = st.columns(3)
                inspected_at = c3.datetime_input(page_text("inspected_at"),
                                                 value=pd.Timestamp(response.warning["start_at"]).to_pydatetime(),
                                                 key="em_inspected_at", step=timedelta(minutes=10))
                inspector = c4.text_input(page_text("inspector"), key="em_inspector")
                finding = st.text_input(page_text("finding"), key="em_finding")
                if st.form_submit_button(page_text("save_inspection")) and target:
                    key, _, line = target.partition("|")
                    con = db.connect(db_file)
                    try:
                        outcome = inspections.record_inspection(con, warning_id, key, result=result_code,
                                                                inspector=inspector, inspected_at=inspected_at,
                                                                line=line, finding=finding or None, rules=rules,
                                                                actor=actor)
                        st.session_state["em_message"] = t(f"cli.emergency.inspection_{outcome}", language,
                                                           warning=warning_id, enterprise=shown[target])
                    except GeoaqError as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()
                    finally:
                        con.close()
            with st.expander(page_text("load_inspections")):
                returned = st.file_uploader(page_text("inspections_file"), type=LIST_SUFFIXES, key="em_inspections_file")
                if st.button(page_text("load"), key="em_inspections_load", disabled=returned is None):
                    with tempfile.TemporaryDirectory() as folder:
                        try:
                            st.session_state["em_inspections_report"] = inspections.load_inspections(
                                _saved(folder, returned), db=db_file, warning_id=warning_id,
                                source_name=returned.name, actor=actor)
                        except GeoaqError as exc:
                            st.error(str(exc))
                        else:
                            st.rerun()

# --- 应急响应评估 --------------------------------------------------------------------------------
with tab_assessment:
    if response is None:
        st.info(page_text("no_response"))
    else:
        basis = st.selectbox(t("aq.basis_label", language), [IN_FORCE, *available_versions()], key="em_basis",
                             format_func=lambda b: basis_text(b, language))
        assessed = cached_assessment(str(db_file), version, response.warning["warning_id"], basis)
        st.markdown(f"**{emergency_assessment.title(assessed, language)}**")
        st.info(say(emergency_assessment.summary_message(assessed), language))
        blocks = emergency_assessment.one_page(assessed, language)
        _tables(blocks)
        st.download_button(page_text("assessment_xlsx"),
                           lambda: xlsx_blocks(blocks, emergency_assessment.title(assessed, language),
                                               t("emergency.sheet.assessment", language)),
                           file_name=f"assessment_{response.warning['warning_id']}.xlsx", mime=XLSX,
                           key="em_assessment_xlsx")
