"""空气质量 Air quality: the latest hour, hourly and daily AQI, the evaluation of a period (HJ 663-2013
methods) and its year-on-year comparison, each hour and day by the standard in force at its time or
by one standard chosen for the whole period (按原标准 / 按新标准回溯).

Numbers come from `geoaq.aq.aqi`, `geoaq.aq.evaluation` and `geoaq.aq.scoring` through
`geoaq.web.views.air_quality` (tables) and `geoaq.web.charts` (Vega-Lite on screen, matplotlib PNG for
download); this page lays them out. The computation is cached per database version, period and basis.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from geoaq.aq import compare, evaluation, scoring
from geoaq.aq import readings as aq
from geoaq.aq.basis import IN_FORCE
from geoaq.aq.standards import available_versions
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.i18n import t
from geoaq.layers import get_layer
from geoaq.tables import xlsx_bytes
from geoaq.web import charts
from geoaq.web.cache import (
    READINGS,
    database_version,
    lang,
    readings_period,
    reads,
    require_database,
)
from geoaq.web.views import air_quality as aq_view

#: The hourly chart shows at most this many days (the last ones of the period).
CHART_DAYS = 31
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@reads("layers", *READINGS)
@st.cache_data(show_spinner=False)
def _station_list(db_path: str, version: float) -> pd.DataFrame:
    """Stations with readings: code and name (the code where the stations layer has none)."""
    con = db.connect(db_path)
    try:
        codes = aq.reading_stations(con)
        layer = pd.DataFrame(store.read_layer(con, get_layer("stations")).drop(columns="geometry"))
    finally:
        con.close()
    known = layer.set_index("code")
    return pd.DataFrame({
        "code": codes,
        "name": [known["name"].get(c, c) if c in known.index else c for c in codes],
    })


@reads("layers", *READINGS)
@st.cache_data(show_spinner=False, max_entries=8)
def _aq_data(db_path: str, version: float, start: date, end: date, basis: str) -> dict:
    """Everything the page shows for a period and basis (all stations; the page filters)."""
    previous = compare.previous_year(start, end)
    con = db.connect(db_path)
    try:
        readings = aq.read_readings(con, start, end)
        earlier = aq.read_readings(con, *previous)
        stations = pd.DataFrame(store.read_layer(con, get_layer("stations")).drop(columns="geometry"))
    finally:
        con.close()
    groups = evaluation.station_groups(stations, "city") if len(stations) else {}
    groups = {c: g for c, g in groups.items() if isinstance(g, str) and g}
    in_city = readings[readings["station_code"].isin(list(groups))]
    city = {"by": "city", "groups": groups}
    out = {
        "hourly": aq_view.hourly_frame(readings, basis),
        "synthetic": int(readings["synthetic"].fillna(False).astype(bool).sum()) if len(readings) else 0,
        "daily_station": aq_view.daily_aqi(readings, basis, start=start, end=end),
        "daily_city": aq_view.daily_aqi(in_city, basis, start=start, end=end, **city),
        "eval_station": pd.DataFrame(), "eval_city": pd.DataFrame(),
        "monthly_station": pd.DataFrame(), "monthly_city": pd.DataFrame(),
        "comparison": pd.DataFrame(), "previous": previous,
    }
    if len(readings):
        out["eval_station"] = scoring.evaluate(readings, start, end, basis=basis)
        out["monthly_station"] = scoring.evaluate(readings, start, end, basis=basis, per_month=True)
    if len(in_city):
        out["eval_city"] = scoring.evaluate(in_city, start, end, basis=basis, **city)
        out["monthly_city"] = scoring.evaluate(in_city, start, end, basis=basis, per_month=True, **city)
        before = earlier[earlier["station_code"].isin(list(groups))]
        if len(before):
            out["comparison"] = compare.compare(pd.concat([before, in_city], ignore_index=True),
                                                (start, end), previous, basis=basis, **city)
    return out


def _downloads(table: pd.DataFrame, stem: str, title: str, key: str, sheet: str = "geoaq") -> None:
    """CSV (UTF-8 with BOM, for Excel) and Excel buttons for a table; the workbook's first row
    states what it is and the period it covers."""
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(t("common.download_csv", language), table.to_csv(index=False).encode("utf-8-sig"),
                       file_name=f"{stem}.csv", mime="text/csv", key=f"{key}_csv", on_click="ignore")
    c2.download_button(t("common.download_xlsx", language), lambda: xlsx_bytes(table, title, sheet),
                       file_name=f"{stem}.xlsx", mime=XLSX, key=f"{key}_xlsx", on_click="ignore")


def _png_button(column, draw, stem: str, key: str) -> None:
    column.download_button(t("common.download_png", language), draw, file_name=f"{stem}.png", mime="image/png",
                           key=key, on_click="ignore")


def _styled(table: pd.DataFrame, colours: list[str | None], column: str):
    """Colour the category cells by AQI band (the category text stays: colour is not the only label)."""
    def paint(series: pd.Series) -> list[str]:
        return [f"background-color: {c}; color: {charts.ink(c)}" if isinstance(c, str) and c else ""
                for c in colours]

    digits = {c: ("{:.1f}" if "mg/m³" in c else "{:.0f}") for c in table.columns if "/m³" in c}
    return table.style.apply(paint, subset=[column]).format(digits, na_rep="—")


language = lang()
st.title(t("app.page.air_quality", language))
db_file = require_database()
version = database_version(db_file)

period = readings_period(str(db_file), version)
if period is None:
    st.info(t("aq.no_readings", language))
    st.stop()
first, last = period[0].date(), period[1].date()
station_list = _station_list(str(db_file), version)
names = dict(zip(station_list["code"], station_list["name"], strict=True))

with st.container(border=True):
    c1, c2, c3 = st.columns([2, 4, 1])
    chosen = c1.date_input(t("fires.period", language), value=(max(first, last - timedelta(days=29)), last),
                           min_value=first, max_value=last, key="aq_dates")
    codes = c2.multiselect(t("aq.stations", language), list(station_list["code"]), default=list(station_list["code"]),
                           format_func=lambda c: aq_view.station_label(c, names, language), key="aq_stations",
                           placeholder=t("aq.pick_station", language))
    standard = c3.selectbox(t("aq.basis_label", language), [IN_FORCE, *available_versions()], key="aq_basis",
                            format_func=lambda b: aq_view.basis_text(b, language))
st.caption(t("compliance.readings", language, first=period[0].strftime("%Y-%m-%d %H:%M"),
             last=period[1].strftime("%Y-%m-%d %H:%M"), n=period[2]))
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info(t("fires.pick_end", language))
    st.stop()
start, end = chosen
if not codes:
    st.info(t("aq.pick_station", language))
    st.stop()

with st.spinner(t("aq.computing", language)):
    data = _aq_data(str(db_file), version, start, end, standard)
span = aq_view.period_text(start, end, standard, language)
st.caption(t("aq.parts_caption", language, parts=aq_view.parts_text(start, end, standard, language),
             convention=t("aq.hour_convention", language)))
if data["synthetic"]:
    st.info(t("aq.demo_note", language, n=f"{data['synthetic']:,}"))
hourly = data["hourly"]
bands = aq_view.band_table(standard, language)
png_lang = language if charts.can_draw_chinese() else "en"
png_bands = aq_view.band_table(standard, png_lang)
# station names are Chinese: a chart whose font cannot draw them shows the codes
png_names = names if charts.can_draw_chinese() else {c: c for c in names}

# (a) the latest hour -------------------------------------------------------------------------
st.subheader(t("aq.latest", language))
latest = aq_view.latest_hours(hourly, codes)
latest_table = aq_view.latest_hour_table(latest, names, standard, language)
hour = aq_view.last_hour(hourly, codes)
if hour is None:
    st.warning(t("aq.no_hours", language, period=span))
else:
    used = " / ".join(dict.fromkeys(latest["standard_name"].dropna())) or "—"
    st.caption(t("aq.latest_note", language, hour=hour.strftime("%Y-%m-%d %H:%M"), standard=used))
    st.dataframe(_styled(latest_table, list(latest["colour"]), aq_view.column("category", language)), hide_index=True, width="stretch",
                 key="aq_latest_table")
    _downloads(latest_table, f"aqi_latest_{hour:%Y%m%d%H}",
               t("aq.latest_title", language, hour=hour.strftime("%Y-%m-%d %H:%M"), standard=used),
               "aq_latest", "AQI")

# (b) 24-hour trend and hourly series --------------------------------------------------------
if hour is not None:
    st.subheader(t("aq.trend_24h", language))
    since = hour - timedelta(hours=23)
    trend = aq_view.series(hourly, codes, "aqi", names, start=since)
    trend = trend[trend["time_bjt"] <= hour]
    trend_note = t("aq.hours_note", language, first=since.strftime("%Y-%m-%d %H:%M"),
                   last=hour.strftime("%Y-%m-%d %H:%M"), unit=t("aq.aqi_unit", language))
    st.caption(trend_note)
    st.altair_chart(charts.altair_lines(trend, x_title=t("aq.time", language), y_title="AQI",
                                        legend_title=t("aq.station", language), bands=bands),
                    width="stretch", key="aq_trend_chart")
    c1, _ = st.columns([1, 4])
    _png_button(c1, lambda: charts.line_chart_png(
        trend.assign(station=trend["code"].map(lambda c: png_names.get(c, c))), x="time_bjt", y="value",
        group="station", title=t("aq.trend_24h", png_lang) + f" {since:%Y-%m-%d %H:%M} – {hour:%Y-%m-%d %H:%M}",
        x_label=t("aq.time", png_lang), y_label="AQI", bands=png_bands), f"aqi_24h_{hour:%Y%m%d%H}", "aq_trend_png")

    st.subheader(t("aq.series", language))
    indicators = ["aqi", *aq_view.POLLUTANTS]
    indicator = st.selectbox(t("aq.indicator", language), indicators, key="aq_indicator",
                             format_func=lambda i: aq_view.indicator_label(i, standard, language))
    label = aq_view.indicator_label(indicator, standard, language)
    chart_start = max(pd.Timestamp(start), hour.normalize() - timedelta(days=CHART_DAYS - 1))
    frame = aq_view.series(hourly, codes, indicator, names, start=chart_start)
    frame = frame[frame["time_bjt"] <= hour]
    st.caption(t("aq.hours_note", language, first=chart_start.strftime("%Y-%m-%d %H:%M"),
                 last=hour.strftime("%Y-%m-%d %H:%M"),
                 unit=t("aq.aqi_unit", language) if indicator == "aqi" else aq_view.unit(indicator, standard))
               + (t("aq.chart_days", language, days=CHART_DAYS) if chart_start > pd.Timestamp(start) else ""))
    st.altair_chart(charts.altair_lines(frame, x_title=t("aq.time", language), y_title=label,
                                        legend_title=t("aq.station", language),
                                        bands=bands if indicator == "aqi" else None),
                    width="stretch", key="aq_series_chart")
    c1, c2, c3, _ = st.columns([1, 1, 1, 2])
    series_stem = f"{indicator}_hourly_{chart_start:%Y%m%d}_{hour:%Y%m%d}"
    series_table = aq_view.series_table(frame, indicator, standard, language)
    _png_button(c1, lambda: charts.line_chart_png(
        frame.assign(station=frame["code"].map(lambda c: png_names.get(c, c))), x="time_bjt", y="value",
        group="station", title=f"{aq_view.indicator_label(indicator, standard, png_lang)} "
                               f"{chart_start:%Y-%m-%d} – {hour:%Y-%m-%d %H:%M}",
        x_label=t("aq.time", png_lang), y_label=aq_view.indicator_label(indicator, standard, png_lang),
        bands=png_bands if indicator == "aqi" else None), series_stem, "aq_series_png")
    c2.download_button(t("common.download_csv", language), series_table.to_csv(index=False).encode("utf-8-sig"),
                       file_name=f"{series_stem}.csv", mime="text/csv", key="aq_series_csv", on_click="ignore")
    c3.download_button(t("common.download_xlsx", language), lambda: xlsx_bytes(
        series_table, t("aq.series_title", language, indicator=label, first=f"{chart_start:%Y-%m-%d %H:%M}",
                        last=f"{hour:%Y-%m-%d %H:%M}"), t("aq.sheet_hourly", language)),
        file_name=f"{series_stem}.xlsx", mime=XLSX, key="aq_series_xlsx", on_click="ignore")

# (c) daily AQI ---------------------------------------------------------------------------------
st.subheader(t("aq.daily", language))
daily_city, daily_station = data["daily_city"], data["daily_station"]
objects = [("city", c) for c in (sorted(daily_city["city"].unique()) if len(daily_city) else [])]
objects += [("station_code", c) for c in codes if len(daily_station) and c in set(daily_station["station_code"])]
if not objects:
    st.warning(t("aq.no_hours", language, period=span))
else:
    picked = st.selectbox(t("aq.daily_object", language), [f"{k}|{v}" for k, v in objects], key="aq_daily_object",
                          format_func=lambda o: (t("aq.city_option", language, name=o.split("|", 1)[1])
                                                 if o.startswith("city|")
                                                 else aq_view.station_label(o.split("|", 1)[1], names, language)))
    key, value = picked.split("|", 1)
    daily = daily_city if key == "city" else daily_station
    calendar = aq_view.calendar_frame(daily, key, value, language)
    st.caption(t("aq.daily_note", language, period=span))
    st.altair_chart(charts.altair_calendar(calendar, bands=bands, missing_label=t("aq.insufficient", language),
                                           day_title=t("aq.day", language), month_title=t("aq.month", language),
                                           legend_title=t("fires.category_label", language), aqi_title="AQI"),
                    width="stretch", theme=None, key="aq_calendar_chart")
    png_calendar = aq_view.calendar_frame(daily, key, value, png_lang)
    png_title = (f"{png_names.get(value, value) if key == 'station_code' else value} "
                 f"{t('aq.daily', png_lang)} {start} – {end}")
    c1, _ = st.columns([1, 4])
    _png_button(c1, lambda: charts.calendar_png(png_calendar, title=png_title, legend=png_bands,
                                                legend_label="label",
                                                missing_label=t("aq.insufficient", png_lang)),
                f"daily_aqi_{value}_{start}_{end}", "aq_calendar_png")
    one = aq_view.daily_table(daily[daily[key] == value], key, names, standard, language)
    st.dataframe(one, hide_index=True, width="stretch", key="aq_daily_table")
    every = aq_view.as_text(
        aq_view.daily_table(daily_city, "city", names, standard, language) if len(daily_city) else None,
        aq_view.daily_table(daily_station[daily_station["station_code"].isin(codes)], "station_code",
                            names, standard, language) if len(daily_station) else None)
    st.caption(t("aq.daily_download", language))
    _downloads(every, f"daily_aqi_{start}_{end}", t("aq.daily_title", language, period=span), "aq_daily",
               t("aq.sheet_daily", language))

# (d) HJ 663 evaluation -------------------------------------------------------------------------
st.subheader(t("aq.evaluation", language))
st.caption(t("aq.evaluation_note", language, period=span))
used_versions = [p.standard.version for p in scoring.parts(start, end, standard)]
if aq_view.notes_text(used_versions, language):
    st.info(aq_view.notes_text(used_versions, language))
city = aq_view.evaluation_table(data["eval_city"], "city", names, standard, language)
stations_eval = data["eval_station"]
stations_eval = stations_eval[stations_eval["station_code"].isin(codes)] if len(stations_eval) else stations_eval
station_table = aq_view.evaluation_table(stations_eval, "station_code", names, standard, language)
if len(data["eval_city"]):
    # the metrics show the last part of the period (the whole period when nothing changes in it)
    row = data["eval_city"].iloc[-1]
    short = aq_view.insufficient(language)
    part = f"{row['start']:%Y-%m-%d} – {row['end']:%Y-%m-%d} · {aq_view.standard_text(row, language)}"
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("aq.good_ratio", language), short if pd.isna(row["good_day_ratio"]) else f"{row['good_day_ratio']:.1f}",
              help=part)
    m2.metric(t("aq.pm25_mean", language, unit=aq_view.unit("pm25", standard)),
              short if pd.isna(row["pm25_mean"]) else f"{row['pm25_mean']:.1f}", help=part)
    m3.metric(t("aq.composite", language), short if pd.isna(row["composite_index"]) else f"{row['composite_index']:.2f}",
              help=part)
    m4.metric(t("aq.city_attainment", language), city.iloc[-1, city.columns.get_loc(aq_view.column("attainment", language))],
              help=part)
    st.markdown(f"**{t('aq.city_evaluation', language)}**")
    st.dataframe(city, hide_index=True, width="stretch", key="aq_eval_city")
    _downloads(city, f"evaluation_city_{start}_{end}", t("aq.evaluation_title", language, period=span),
               "aq_eval_city", "HJ663")
st.markdown(f"**{t('aq.station_evaluation', language)}**")
if station_table.empty:
    st.warning(t("aq.no_hours", language, period=span))
else:
    st.dataframe(station_table, hide_index=True, width="stretch", key="aq_eval_station")
    _downloads(station_table, f"evaluation_stations_{start}_{end}", t("aq.evaluation_title", language, period=span),
               "aq_eval_station", "HJ663")

st.markdown(f"**{t('aq.monthly', language)}**")
monthly_station = data["monthly_station"]
monthly_station = monthly_station[monthly_station["station_code"].isin(codes)] if len(monthly_station) else monthly_station
monthly = aq_view.as_text(aq_view.evaluation_table(data["monthly_city"], "city", names, standard, language),
                          aq_view.evaluation_table(monthly_station, "station_code", names, standard, language))
if monthly.empty:
    st.warning(t("aq.no_hours", language, period=span))
else:
    monthly = monthly.sort_values(aq_view.column("month", language), kind="stable").reset_index(drop=True)
    st.dataframe(monthly, hide_index=True, width="stretch", key="aq_monthly")
    _downloads(monthly, f"evaluation_monthly_{start}_{end}", t("aq.monthly_title", language, period=span),
               "aq_monthly", "HJ663")

# (e) year on year, on one basis ------------------------------------------------------------------
st.markdown(f"**{t('aq.comparison', language)}**")
compared = data["comparison"]
if compared.empty:
    st.caption(t("aq.no_hours", language, period=f"{data['previous'][0]} – {data['previous'][1]}"))
else:
    first = compared.iloc[0]
    st.caption(t("aq.comparison_note", language, current=f"{start} – {end}",
                 previous=f"{data['previous'][0]} – {data['previous'][1]}", standard=first["standard_name"],
                 reason=t(f"aq.basis_reason.{first['basis_reason']}", language)))
    notes = aq_view.notes_text([first["standard"]], language)
    if notes:
        st.caption(notes)
    comparison = aq_view.comparison_table(compared, "city", names, language)
    st.dataframe(comparison, hide_index=True, width="stretch", key="aq_comparison")
    _downloads(comparison, f"comparison_{start}_{end}", t("aq.comparison_title", language, period=span),
               "aq_comparison", "YoY")
