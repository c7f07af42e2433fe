"""数据管理 Data: upload files into a layer or the hourly readings (the CLI's loaders), see
each load's report and rejects, every stored reject, and how many rows each layer holds."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geoaq.accounts.roles import MANAGE_DATA
from geoaq.aq import readings as aq
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.feeds import runs as feed_runs
from geoaq.i18n import t
from geoaq.ingest.uploads import (
    LAYER_SUFFIXES,
    READINGS,
    READINGS_SUFFIXES,
    UploadError,
    load_uploads,
    parse_pairs,
    rejects_table,
)
from geoaq.layers import load_registry
from geoaq.web.auth import actor as signed_in
from geoaq.web.cache import lang, require_database

CRS_CHOICES = ["", "EPSG:4326", "gcj02", "bd09", "other"]
ENCODINGS = ["auto", "utf-8", "gbk"]
READING_FORMATS = ["auto", "national", "live", "station", "ymdh"]
#: how a station or year/month/day/hour file labels its hours (None: the format's own / the default, end)
HOUR_LABELS = [None, "end", "start"]
SHOWN_REJECTS = 1000
SHOWN_FEED_REQUESTS = 100
#: the columns of a rejects table (headings: data.reject_column.<column>)
REJECT_COLUMNS = ("layer", "file", "row_number", "column_name", "value", "reason", "source_file", "ingest_id",
                  "rejected_at")


def _reject_view(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "")
                            for c in ("value", "column_name") if c in frame.columns})
    return frame.rename(columns={c: t(f"data.reject_column.{c}", language) for c in REJECT_COLUMNS})


def _feed_view(frame: pd.DataFrame, headings: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Feed rows with the feeds' names, the statuses and the headings worded."""
    frame = frame.copy()
    frame["feed"] = frame["feed"].map(lambda f: t(f"feeds.name.{f}", language))
    for column in ("status", "last_status"):
        if column in frame.columns:
            frame[column] = frame[column].map(lambda s: t(f"feeds.status.{s}", language) if s else "")
    for column in frame.columns:  # counts stay numbers (blank when none), the rest text
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        frame[column] = frame[column].astype("Int64") if numeric else frame[column].fillna("").astype(str)
    return frame.rename(columns={c: t(f"{headings}.{c}", language) for c in columns})


def _target_title(name: str) -> str:
    return registry[name].title(language) if name in registry else t("data.readings", language)


language = lang()
actor = signed_in()
st.title(t("app.page.data", language))
db_file = require_database()
registry = load_registry()
limit_mb = int(st.get_option("server.maxUploadSize"))

# upload ---------------------------------------------------------------------------------------
st.subheader(t("data.upload", language))
if not actor.may(MANAGE_DATA):
    st.info(t("data.admin_only", language))
else:
    with st.container(border=True):
        target = st.selectbox(t("data.target", language), [*registry, READINGS], format_func=_target_title,
                              key="data_target")
        suffixes = sorted({s.lstrip(".") for s in (*LAYER_SUFFIXES, *READINGS_SUFFIXES)})
        files = st.file_uploader(t("data.files", language), type=suffixes, accept_multiple_files=True,
                                 key="data_files", help=t("data.files_help", language))
        st.caption(t("data.limit", language, limit=limit_mb))
        options: dict[str, object] = {}
        if target == READINGS:
            c1, c2, c3, c4, c5 = st.columns(5)
            options["fmt"] = c1.selectbox(t("data.format", language), READING_FORMATS, key="data_fmt",
                                          format_func=lambda f: t(f"data.format_{f}", language))
            options["station"] = c2.text_input(t("data.station", language), key="data_station").strip() or None
            options["encoding"] = c3.selectbox(t("data.encoding", language), ENCODINGS, key="data_encoding_r",
                                               format_func=lambda e: t("data.auto", language) if e == "auto" else e.upper())
            units_text = c4.text_input(t("data.units", language), key="data_units", placeholder="co=ug/m3")
            options["hour_label"] = c5.selectbox(t("data.hour_label", language), HOUR_LABELS, key="data_hour_label",
                                                 format_func=lambda h: t(f"data.hour_label_{h or 'auto'}", language))
        else:
            c1, c2, c3, c4 = st.columns(4)
            crs = c1.selectbox(t("data.crs", language), CRS_CHOICES, key="data_crs",
                               format_func=lambda c: t(f"data.crs_{c.replace(':', '_').lower() or 'auto'}", language))
            if crs == "other":
                crs = c1.text_input(t("data.crs_code", language), key="data_crs_code", placeholder="EPSG:4547").strip()
            options["crs"] = crs or None
            options["encoding"] = c2.selectbox(t("data.encoding", language), ENCODINGS, key="data_encoding",
                                               format_func=lambda e: t("data.auto", language) if e == "auto" else e.upper())
            options["lon_col"] = c3.text_input(t("data.lon_col", language), key="data_lon", placeholder=t("data.lon_placeholder", language)).strip() or None
            options["lat_col"] = c4.text_input(t("data.lat_col", language), key="data_lat", placeholder=t("data.lat_placeholder", language)).strip() or None
            with st.expander(t("data.more", language)):
                m1, m2, m3 = st.columns(3)
                map_text = m1.text_area(t("data.column_map", language), key="data_map", placeholder=t("data.map_placeholder", language))
                set_text = m2.text_area(t("data.constants", language), key="data_set", placeholder=t("data.set_placeholder", language))
                options["source_layer"] = m3.text_input(t("data.source_layer", language), key="data_source_layer").strip() or None
        load = st.button(t("data.load", language), type="primary", disabled=not files, key="data_load")

    if load and files:
        try:
            if target == READINGS:
                options["units"] = parse_pairs(units_text, t("data.units", language)) or None
            else:
                options["column_map"] = parse_pairs(map_text, t("data.column_map", language)) or None
                options["constants"] = parse_pairs(set_text, t("data.constants", language)) or None
        except UploadError as exc:
            st.error(str(exc))
            st.stop()
        bar = st.progress(0.0, text=t("data.loading", language, name=files[0].name))
        outcomes = load_uploads(target, files, db=db_file, options=options, limit_mb=limit_mb, actor=actor,
                                progress=lambda name, done: bar.progress(min(max(done, 0.0), 1.0),
                                                                         text=t("data.loading", language, name=name)))
        bar.progress(1.0, text=t("data.loaded", language, n=sum(o.ok for o in outcomes), total=len(outcomes)))
        st.session_state["data_outcomes"] = outcomes

for index, outcome in enumerate(st.session_state.get("data_outcomes", [])):
    with st.container(border=True):
        title = _target_title(outcome.target)
        parts = t("data.parts", language, parts=", ".join(outcome.parts)) if outcome.parts else ""
        if outcome.too_large:
            st.error(t("data.too_large", language, name=outcome.name, size=f"{outcome.size_mb:.1f}", limit=limit_mb))
            continue
        if not outcome.ok:
            st.error(t("data.failed", language, name=outcome.name + parts, layer=title, error=outcome.error))
            continue
        message = t("data.report", language, name=outcome.name + parts, layer=title, read=f"{outcome.rows_read:,}",
                    loaded=f"{outcome.loaded:,}", rejected=f"{outcome.rejected:,}")
        (st.warning if outcome.rejected else st.success)(message)
        st.code(outcome.summary, language=None)
        if len(outcome.rejects):
            st.markdown(f"**{t('data.load_rejects', language, n=f'{len(outcome.rejects):,}')}**")
            st.dataframe(_reject_view(outcome.rejects), hide_index=True, width="stretch", key=f"data_rejects_{index}")
            st.download_button(t("common.download_csv", language), outcome.rejects.to_csv(index=False).encode("utf-8-sig"),
                               file_name=f"rejects_{outcome.name}.csv", mime="text/csv", key=f"data_rejects_csv_{index}",
                               on_click="ignore")

# what the database holds ---------------------------------------------------------------------
con = db.connect(db_file)
try:
    counts = store.layer_counts(con, list(registry.values()))
    readings = aq.readings_counts(con)
    period = aq.readings_period(con)
    stored = store.list_rejects(con, None)
finally:
    con.close()

st.subheader(t("data.counts", language))
rows = [(registry[name].title(language), n, synthetic) for name, (n, synthetic) in counts.items()]
rows.append((t("data.readings", language), readings[0], readings[1]))
st.dataframe(pd.DataFrame(rows, columns=[t("data.layer", language), t("data.rows", language),
                                         t("data.synthetic_rows", language)]),
             hide_index=True, width="stretch", key="data_counts")
if period:
    st.caption(t("compliance.readings", language, first=period[0].strftime("%Y-%m-%d %H:%M"),
                 last=period[1].strftime("%Y-%m-%d %H:%M"), n=period[2]))

st.subheader(t("data.stored_rejects", language))
layers_with_rejects = sorted(stored["layer"].dropna().unique()) if len(stored) else []
chosen = st.selectbox(t("data.rejects_layer", language), ["", *layers_with_rejects], key="data_rejects_layer",
                      format_func=lambda n: t("common.all", language) if not n else _target_title(n))
shown = rejects_table(stored[stored["layer"] == chosen] if chosen else stored)
st.caption(t("data.rejects_count", language, n=f"{len(shown):,}", shown=f"{min(len(shown), SHOWN_REJECTS):,}"))
if len(shown):
    st.dataframe(_reject_view(shown.head(SHOWN_REJECTS)), hide_index=True, width="stretch", key="data_stored_rejects")
    st.download_button(t("common.download_csv", language), shown.to_csv(index=False).encode("utf-8-sig"),
                       file_name=f"rejects_{chosen or 'all'}.csv", mime="text/csv", key="data_stored_rejects_csv",
                       on_click="ignore")

# scheduled feeds: what they fetched and when each last succeeded -----------------------------
st.subheader(t("feeds.title", language))
st.caption(t("feeds.caption", language))
con = db.connect(db_file)
try:
    feed_summary = feed_runs.summary(con)
    feed_latest = feed_runs.recent(con, None, SHOWN_FEED_REQUESTS)
finally:
    con.close()
if feed_summary.empty:
    st.info(t("feeds.none", language))
else:
    st.dataframe(_feed_view(feed_runs.summary_view(feed_summary), "feeds.summary_column",
                            feed_runs.SUMMARY_COLUMNS), hide_index=True, width="stretch",
                 key="data_feed_summary")
    st.markdown(f"**{t('feeds.latest', language)}**")
    st.dataframe(_feed_view(feed_runs.requests_view(feed_latest), "feeds.column",
                            feed_runs.VIEW_COLUMNS), hide_index=True, width="stretch",
                 key="data_feed_requests")
