"""The routes page's saved routes and their findings (`geoaq.routes.findings`): the plans the
signed-in account sees, a plan's stops with their latest findings, the fillable CSV sheet, one
stop's finding recorded in a form, and a filled sheet uploaded. Every write goes through the
service functions with the signed-in `Actor`; a refusal is shown as a message."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from geoaq._errors import GeoaqError
from geoaq.accounts.roles import PLAN_ROUTES, RECORD_FINDINGS, Actor
from geoaq.db import connection as db
from geoaq.i18n import t
from geoaq.routes import findings


def _with(db_file: Path, work):
    con = db.connect(db_file)
    try:
        return work(con)
    finally:
        con.close()


def save_form(db_file: Path, plan, actor: Actor, language: str):
    """Save the plan shown (giving each route to an inspection team); the saved plan, or None."""
    if not actor.may(PLAN_ROUTES):
        return None
    crews = _with(db_file, findings.known_crews)
    with st.form("route_save"):
        st.caption(t("routes.findings.save_help", language))
        chosen = {}
        columns = st.columns(max(1, min(4, len(plan.teams))))
        for k, team in enumerate(plan.team_names()):
            options = ["", *crews]
            chosen[team] = columns[k % len(columns)].selectbox(
                t("routes.findings.crew_for", language, team=team), options, key=f"route_crew_{k}",
                index=(k + 1) if k < len(crews) else 0,
                format_func=lambda c, team=team: c or t("routes.findings.crew_own", language, team=team))
        if not st.form_submit_button(t("routes.findings.save", language)):
            return None
    try:
        plan_id = _with(db_file, lambda con: findings.save_plan(con, plan, actor=actor,
                                                                crews={k: v for k, v in chosen.items() if v}))
    except GeoaqError as exc:
        st.error(str(exc))
        return None
    st.success(t("routes.findings.saved", language, plan=plan_id))
    return plan_id


def _stop_table(stops: pd.DataFrame, language: str) -> pd.DataFrame:
    label = lambda key: t(f"routes.column.{key}", language)  # noqa: E731
    return pd.DataFrame({
        label("team"): stops["team"], label("crew"): stops["crew"], label("seq"): stops["seq"],
        label("name"): stops["name"], label("target_id"): stops["target_id"],
        label("finding"): stops["finding"].map(lambda f: t(f"routes.finding.{f}", language) if isinstance(f, str) else ""),
        label("check_result"): stops["check_outcome"].map(
            lambda o: t(f"fires.outcome.{o}", language) if isinstance(o, str) else ""),
        label("note"): stops["note"].fillna(""),
        t("routes.findings.recorded_by", language): stops["recorded_by"].fillna(""),
    })


def findings_section(db_file: Path, actor: Actor, language: str) -> None:
    """The saved routes the account sees, their findings, and (when its role records findings)
    the finding form and the sheet upload."""
    from geoaq.fires.workflow import OUTCOMES

    done = st.session_state.pop("findings_message", None)
    if done:
        st.success(done)
    try:
        plans = _with(db_file, lambda con: findings.saved_plans(con, actor=actor))
    except GeoaqError as exc:
        st.error(str(exc))
        return
    if plans.empty:
        st.info(t("routes.findings.none", language))
        return
    labels = {int(r.plan_id): t("routes.findings.plan_label", language, plan=int(r.plan_id), day=r.day,
                                 by=r.saved_by, reported=int(r.reported), stops=int(r.visible))
              for r in plans.itertuples()}
    plan_id = st.selectbox(t("routes.findings.plan", language), list(labels), key="findings_plan",
                           format_func=lambda p: labels[p])
    stops = _with(db_file, lambda con: findings.plan_stops(con, plan_id, actor=actor))
    st.dataframe(_stop_table(stops, language), hide_index=True, width="stretch")
    sheet = _with(db_file, lambda con: findings.findings_sheet(con, plan_id, actor=actor, lang=language))
    st.download_button(t("routes.findings.sheet", language), sheet, file_name=f"route_{plan_id}_findings.csv",
                       mime="text/csv", key="findings_sheet")
    if not actor.may(RECORD_FINDINGS):
        st.caption(t("routes.findings.view_only", language))
        return
    keys = [f"{r.team}|{int(r.seq)}" for r in stops.itertuples()]
    names = {f"{r.team}|{int(r.seq)}": f"{r.team} · {int(r.seq)} · {r.name}" for r in stops.itertuples()}
    with st.form("finding_form"):
        stop = st.selectbox(t("routes.findings.stop", language), keys, key="finding_stop",
                            format_func=lambda k: names.get(k, k))
        c1, c2 = st.columns(2)
        code = c1.radio(t("routes.column.finding", language), list(findings.FINDINGS), horizontal=True,
                        key="finding_code", format_func=lambda f: t(f"routes.finding.{f}", language))
        outcome = c2.selectbox(t("routes.column.check_result", language), ["", *OUTCOMES], key="finding_outcome",
                               format_func=lambda o: t(f"fires.outcome.{o}", language) if o
                               else t("routes.findings.outcome_default", language),
                               help=t("routes.findings.outcome_help", language))
        note = st.text_input(t("routes.column.note", language), key="finding_note")
        if st.form_submit_button(t("routes.findings.record", language)):
            team, seq = stop.rsplit("|", 1)
            _record(db_file, language, lambda con: findings.record_finding(
                con, plan_id, team, int(seq), code, actor=actor, check_outcome=outcome or None, note=note or None))
    upload = st.file_uploader(t("routes.findings.upload", language), type=["csv"], key="findings_upload",
                              help=t("routes.findings.upload_help", language))
    if upload is not None and st.button(t("routes.findings.load", language), key="findings_load"):
        data = upload.getvalue()
        _record(db_file, language, lambda con: findings.load_findings(con, data, actor=actor, file_name=upload.name))


def _record(db_file: Path, language: str, work) -> None:
    try:
        done = _with(db_file, work)
    except GeoaqError as exc:
        st.error(str(exc))
        return
    st.session_state["findings_message"] = t("routes.findings.recorded", language, added=done.added,
                                             skipped=done.skipped,
                                             submissions=", ".join(map(str, done.submissions)) or "—")
    st.rerun()
