"""达标评估 Compliance: every city, county, control zone and cluster against the plans' targets."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geoaq.aq.standards import available_versions
from geoaq.compliance.summary import SCOPE_LABELS, flatten
from geoaq.compliance.targets import load_targets
from geoaq.i18n import t
from geoaq.layers import load_registry
from geoaq.tables import xlsx_bytes
from geoaq.web.cache import (
    compliance_geometries,
    compliance_summary,
    database_version,
    lang,
    load_layers,
    readings_period,
    require_database,
    sensitive_areas,
)
from geoaq.web.map import build_map, configured_tiles
from geoaq.web.views.compliance import overview_table, scope_at, scopes_overlay, sensitive_overlay

language = lang()
zh = language == "zh"
st.title(t("page_compliance", language))
db_file = require_database()
version = database_version(db_file)

period = readings_period(str(db_file), version)
targets = load_targets()
choices = {f"{x.start} – {x.end} · {x.plan}": (x.start, x.end) for x in targets}
last = period[1].date() if period else date.today()
default = (date(last.year - (last.month < 10), 10, 1), min(last, date(last.year - (last.month < 10) + 1, 3, 31)))

with st.container(border=True):
    c1, c2, c3 = st.columns([2, 2, 1])
    preset = c1.selectbox(t("compliance_preset", language), ["", *choices], key="comp_preset",
                          format_func=lambda k: k or t("compliance_custom", language))
    chosen = c2.date_input(t("fires_period", language), value=choices.get(preset, default), key=f"comp_dates_{preset}")
    standard = c3.selectbox(t("compliance_standard", language), available_versions(), key="comp_standard")
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info(t("fires_pick_end", language))
    st.stop()
start, end = chosen
if period:
    st.caption(t("compliance_readings", language, first=period[0].strftime("%Y-%m-%d %H:%M"),
                 last=period[1].strftime("%Y-%m-%d %H:%M"), n=period[2]))

with st.spinner(t("compliance_computing", language)):
    summary = compliance_summary(str(db_file), version, start, end, standard)
geometries = compliance_geometries(str(db_file), version)

kinds = st.multiselect(t("compliance_scope_types", language), list(SCOPE_LABELS), default=list(SCOPE_LABELS),
                       format_func=lambda k: SCOPE_LABELS[k][0 if zh else 1], key="comp_kinds")
shown = summary[summary["scope_type"].isin(kinds)].reset_index(drop=True)
m1, m2, m3, m4 = st.columns(4)
note = t("fires_period_note", language, start=start, end=end) + f" · {t('compliance_standard', language)} {standard}"
for column, status in ((m1, "达标"), (m2, "未达标"), (m3, "数据不足")):
    label = status if zh else {"达标": "Compliant", "未达标": "Not compliant", "数据不足": "Insufficient data"}[status]
    column.metric(f"{label}（个）" if zh else label, int((shown["status"] == status).sum()), help=note)
m4.metric(t("compliance_coal_users", language), len(set().union(*shown["coal_users"])), help=note)
st.caption(note)

registry = load_registry()
layers = load_layers(str(db_file), version)
sensitive = sensitive_areas(str(db_file), version, start, end)
overlays = tuple(scopes_overlay(summary, geometries, kind, language) for kind in ("county", "zone", "cluster")
                 if kind in kinds)
overlays += (sensitive_overlay(sensitive, layers["stations"][0], language),)
fmap = build_map([(registry["stations"], layers["stations"][0])], lang=language, tiles=configured_tiles(),
                 overlays=overlays)
clicked = st_folium(fmap, height=560, use_container_width=True, key="comp_map",
                    returned_objects=["last_clicked", "last_object_clicked"])
# a click on a drawn area reports as an object click (its popup stops the map's own click)
point = (clicked or {}).get("last_object_clicked") or (clicked or {}).get("last_clicked")
if point and point != st.session_state.get("comp_last_point"):
    st.session_state["comp_last_point"] = point
    found = scope_at(point["lng"], point["lat"], geometries)
    if found:
        st.session_state["comp_scope"] = f"{found[0]}|{found[1]}"

st.dataframe(overview_table(shown, language), hide_index=True, width="stretch")
flat = flatten(shown, language)
d1, d2 = st.columns(2)
d1.download_button(t("compliance_csv", language), flat.to_csv(index=False).encode("utf-8-sig"),
                   file_name=f"compliance_{start}_{end}.csv", mime="text/csv")
d2.download_button(t("compliance_xlsx", language),
                   xlsx_bytes(flat, t("compliance_title", language, start=start, end=end, standard=standard), "达标评估"),
    file_name=f"compliance_{start}_{end}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

keys = [f"{r.scope_type}|{r.scope_id}" for r in shown.itertuples()]
if st.session_state.get("comp_scope") not in keys:
    st.session_state["comp_scope"] = ""
picked = st.selectbox(t("compliance_pick", language), ["", *keys], key="comp_scope",
                      format_func=lambda k: "—" if not k else
                      f"{SCOPE_LABELS[k.split('|')[0]][0 if zh else 1]} · {shown.set_index(['scope_type', 'scope_id']).loc[tuple(k.split('|', 1)), 'scope_name']}")
if not picked:
    st.caption(t("compliance_pick_hint", language))
    st.stop()

row = shown.set_index(["scope_type", "scope_id"]).loc[tuple(picked.split("|", 1))]
st.subheader(f"{row['scope_name']} · {row['status']}")
st.caption(note)
for reason in row["reasons"]:
    st.markdown(f"- {reason}")
if row["targets"]:
    st.markdown(f"**{t('compliance_targets', language)}**")
    st.dataframe(pd.DataFrame(row["targets"]), hide_index=True, width="stretch")
if row["station_results"]:
    st.markdown(f"**{t('compliance_stations', language)}**（{row['stations_source']}）")
    st.dataframe(pd.DataFrame(row["station_results"]), hide_index=True, width="stretch")
c1, c2, c3 = st.columns(3)
c1.markdown(f"**{t('compliance_enterprises', language)}**（{row['enterprises']}）")
c1.json({"industry": row["enterprises_by_industry"], "grade": row["enterprises_by_grade"],
         "ule": row["enterprises_by_ule"]}, expanded=False)
c2.markdown(f"**{t('compliance_mines', language)}**（{row['mines']}）")
c2.json(row["mines_by_status"], expanded=False)
c3.markdown(f"**{t('compliance_fires', language)}**")
c3.write(f"{row['fire_events']} · {t('figures_verified', language)} {row['fire_events_verified']} · ¥{row['penalty_yuan']:,}")
sensitive_rows = sensitive[sensitive["station_code"].isin(row["stations"])]
if len(sensitive_rows):
    st.markdown(f"**{t('compliance_sensitive', language)}**")
    st.dataframe(sensitive_rows, hide_index=True, width="stretch")
