"""达标评估 Compliance: every city, county, control zone and cluster against the plans' targets."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geoaq.aq.basis import IN_FORCE
from geoaq.aq.standards import available_versions
from geoaq.compliance.jurisdiction import geometries_in_jurisdiction, summary_in_jurisdiction
from geoaq.compliance.summary import SCOPE_TYPES, flatten, worded
from geoaq.compliance.targets import STATUSES, load_targets
from geoaq.i18n import t
from geoaq.layers import load_registry
from geoaq.tables import xlsx_bytes
from geoaq.web.auth import actor as signed_in
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
from geoaq.web.views.air_quality import basis_text
from geoaq.web.views.compliance import (
    overview_table,
    scope_at,
    scope_text,
    scopes_overlay,
    sensitive_overlay,
)


def _headed(table: pd.DataFrame, group: str) -> pd.DataFrame:
    """`table` with its code-named columns headed in the page's language (compliance.<group>.*)."""
    return table.rename(columns={c: t(f"compliance.{group}.{c}", language) for c in table.columns})


language = lang()
actor = signed_in()
st.title(t("app.page.compliance", language))
db_file = require_database()
version = database_version(db_file)

period = readings_period(str(db_file), version)
targets = load_targets()
choices = {f"{x.start} – {x.end} · {x.plan}": (x.start, x.end) for x in targets}
last = period[1].date() if period else date.today()
default = (date(last.year - (last.month < 10), 10, 1), min(last, date(last.year - (last.month < 10) + 1, 3, 31)))

with st.container(border=True):
    c1, c2, c3 = st.columns([2, 2, 1])
    preset = c1.selectbox(t("compliance.preset", language), ["", *choices], key="comp_preset",
                          format_func=lambda k: k or t("compliance.custom", language))
    chosen = c2.date_input(t("fires.period", language), value=choices.get(preset, default), key=f"comp_dates_{preset}")
    standard = c3.selectbox(t("aq.basis_label", language), [IN_FORCE, *available_versions()], key="comp_basis",
                            format_func=lambda b: basis_text(b, language),
                            help=t("compliance.basis_help", language))
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info(t("fires.pick_end", language))
    st.stop()
start, end = chosen
if period:
    st.caption(t("compliance.readings", language, first=period[0].strftime("%Y-%m-%d %H:%M"),
                 last=period[1].strftime("%Y-%m-%d %H:%M"), n=period[2]))

with st.spinner(t("compliance.computing", language)):
    summary = compliance_summary(str(db_file), version, start, end, standard)
geometries = compliance_geometries(str(db_file), version)
if not actor.city_wide:  # a county account: its counties and the zones and clusters in them, downloads too
    summary = summary_in_jurisdiction(summary, geometries, actor)
    geometries = geometries_in_jurisdiction(geometries, actor)
    st.caption(t("compliance.jurisdiction", language, counties="、".join(sorted(actor.counties))))

kinds = st.multiselect(t("compliance.scope_types", language), list(SCOPE_TYPES), default=list(SCOPE_TYPES),
                       format_func=lambda k: scope_text(k, language), key="comp_kinds")
shown = summary[summary["scope_type"].isin(kinds)].reset_index(drop=True)
m1, m2, m3, m4 = st.columns(4)
note = t("fires.period_note", language, start=start, end=end) + f" · {basis_text(standard, language)}"
for column, status in zip((m1, m2, m3), STATUSES, strict=True):
    column.metric(t(f"compliance.status_count.{status}", language), int((shown["status"] == status).sum()), help=note)
m4.metric(t("compliance.coal_users", language), len(set().union(*shown["coal_users"])), help=note)
st.caption(note)
for used in dict.fromkeys(n for ns in worded(shown, language)["notes"] for n in ns) if len(shown) else ():
    st.info(used)

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
d1.download_button(t("compliance.csv", language), flat.to_csv(index=False).encode("utf-8-sig"),
                   file_name=f"compliance_{start}_{end}.csv", mime="text/csv")
d2.download_button(t("compliance.xlsx", language),
                   xlsx_bytes(flat, t("compliance.title", language, start=start, end=end,
                                      standard=basis_text(standard, language)),
                              t("compliance.sheet", language)),
    file_name=f"compliance_{start}_{end}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

keys = [f"{r.scope_type}|{r.scope_id}" for r in shown.itertuples()]
if st.session_state.get("comp_scope") not in keys:
    st.session_state["comp_scope"] = ""
picked = st.selectbox(t("compliance.pick", language), ["", *keys], key="comp_scope",
                      format_func=lambda k: "—" if not k else
                      f"{scope_text(k.split('|')[0], language)} · {shown.set_index(['scope_type', 'scope_id']).loc[tuple(k.split('|', 1)), 'scope_name']}")
if not picked:
    st.caption(t("compliance.pick_hint", language))
    st.stop()

index = tuple(picked.split("|", 1))
row = worded(shown.set_index(["scope_type", "scope_id"]).loc[[index]].reset_index(), language).iloc[0]
st.subheader(f"{row['scope_name']} · {row['status']}")
st.caption(note)
for reason in row["reasons"]:
    st.markdown(f"- {reason}")
if row["targets"]:
    st.markdown(f"**{t('compliance.targets', language)}**")
    st.dataframe(_headed(pd.DataFrame(row["targets"]), "target_column"), hide_index=True, width="stretch")
if row["station_results"]:
    source = t(f"compliance.stations_source.{row['stations_source']}", language)
    st.markdown(t("format.with_unit", language, name=f"**{t('compliance.stations', language)}**", unit=source))
    st.dataframe(_headed(pd.DataFrame(row["station_results"]), "station_column"), hide_index=True,
                 width="stretch")
c1, c2, c3 = st.columns(3)
c1.markdown(t("format.with_count", language, name=f"**{t('compliance.enterprises', language)}**",
              n=row["enterprises"]))
c1.json({t("compliance.by_industry", language): row["enterprises_by_industry"],
         t("compliance.by_grade", language): row["enterprises_by_grade"],
         t("compliance.by_ule", language): row["enterprises_by_ule"]}, expanded=False)
c2.markdown(t("format.with_count", language, name=f"**{t('compliance.mines', language)}**", n=row["mines"]))
c2.json(row["mines_by_status"], expanded=False)
c3.markdown(f"**{t('compliance.fires', language)}**")
c3.write(f"{row['fire_events']} · {t('fires.figures_verified', language)} {row['fire_events_verified']} · ¥{row['penalty_yuan']:,}")
sensitive_rows = sensitive[sensitive["station_code"].isin(row["stations"])]
if len(sensitive_rows):
    st.markdown(f"**{t('compliance.sensitive_areas', language)}**")
    st.dataframe(_headed(sensitive_rows, "sensitive_column"), hide_index=True, width="stretch")
