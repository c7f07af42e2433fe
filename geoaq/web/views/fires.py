"""How fire-check results are shown: status colours, table labels, escaped popups; pure.
Codes and messages become words here (`geoaq.i18n`, keys fires.*)."""

from __future__ import annotations

import html
from collections.abc import Callable, Collection

import pandas as pd

from geoaq.fires.events import beijing_day_bounds_utc
from geoaq.fires.notice import category_text, status_text
from geoaq.i18n import DEFAULT_LANGUAGE, join, say, t
from geoaq.web.map import Overlay, point_collection
from geoaq.web.map_layers.event_layer import EVENT_LAYER_THRESHOLD, EventLayer, pack_for_map

STATUS_COLOURS = {"suspected": "#ff9900", "verified": "#cc0000", "dismissed": "#999999"}
#: the table's columns (headings: fires.column.<column>)
TABLE_COLUMNS = ("event_id", "first_detected_bjt", "county_name", "township_name", "zones", "detections",
                 "satellites", "max_confidence", "nearest_enterprise", "nearest_mine", "category",
                 "category_reason", "status", "penalty_yuan", "lon", "lat")


def column_title(column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"fires.column.{column}", lang)


def _worded(values: pd.Series, word) -> pd.Series:
    """`values` worded once per distinct value (a season holds 100,000 events, few words)."""
    return values.map({v: word(v) for v in values.dropna().unique()})


def filter_events(checked: pd.DataFrame, *, categories: Collection[str] | None = None,
                  statuses: Collection[str] | None = None, counties: Collection[str] | None = None,
                  in_zone_only: bool = False) -> pd.DataFrame:
    """The rows matching every given filter (an empty or None filter lets everything through)."""
    keep = pd.Series(True, index=checked.index)
    if categories:
        keep &= checked["category"].isin(categories)
    if statuses:
        keep &= checked["status"].isin(statuses)
    if counties:
        keep &= checked["county_name"].isin(counties)
    if in_zone_only:
        keep &= checked["in_control_zone"]
    return checked[keep]


def _nearest(names: pd.Series, metres: pd.Series) -> pd.Series:
    """"name (metres)" per row, "—" where nothing is near (column-wise: 100,000 rows take ms)."""
    distance = metres.astype(float).map("{:,.0f}".format, na_action="ignore").astype("string")
    return (names.astype("string") + " (" + distance + ")").fillna("—")


def display_table(checked: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The events as the page's table: readable labels and values, one column per fact."""
    table = pd.DataFrame({
        "event_id": checked["event_id"],
        "first_detected_bjt": pd.to_datetime(checked["first_detected_bjt"]).dt.strftime("%Y-%m-%d %H:%M"),
        "county_name": checked["county_name"].fillna("—"),
        "township_name": checked["township_name"].fillna("—"),
        "zones": checked["zone_names"].map(lambda z: join(z, lang) if len(z) else "—"),
        "detections": checked["detections"],
        "satellites": checked["satellites"],
        "max_confidence": checked["max_confidence"].fillna("—"),
        "nearest_enterprise": _nearest(checked["nearest_enterprise_name"], checked["nearest_enterprise_m"]),
        "nearest_mine": _nearest(checked["nearest_mine_name"], checked["nearest_mine_m"]),
        "category": _worded(checked["category"], lambda c: category_text(c, lang)),
        "category_reason": _worded(checked["category_reason"], lambda r: say(r, lang)),
        "status": _worded(checked["status"], lambda s: status_text(s, lang)),
        "penalty_yuan": checked["penalty_yuan"].fillna(0).astype("int64"),
        "lon": checked["lon"].round(5),
        "lat": checked["lat"].round(5),
    })
    return table.rename(columns={c: column_title(c, lang) for c in TABLE_COLUMNS}).reset_index(drop=True)


def event_popup_html(event: pd.Series, detections: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str:
    """The event's facts and its detections as an escaped HTML table."""
    labels = {c: column_title(c, lang) for c in TABLE_COLUMNS}
    facts = [
        (labels["event_id"], event["event_id"]),
        (labels["first_detected_bjt"], pd.Timestamp(event["first_detected_bjt"]).strftime("%Y-%m-%d %H:%M")),
        (labels["county_name"], event["county_name"] if pd.notna(event["county_name"]) else "—"),
        (labels["township_name"], event["township_name"] if pd.notna(event["township_name"]) else "—"),
        (labels["zones"], join(event["zone_names"], lang) or "—"),
        (labels["category"], category_text(event["category"], lang)),
        (labels["category_reason"], say(event["category_reason"], lang)),
        (labels["status"], status_text(event["status"], lang)),
        (labels["penalty_yuan"], f"{0 if pd.isna(event['penalty_yuan']) else int(event['penalty_yuan']):,}"),
    ]
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts)
    detail = "".join(
        f"<tr><td>{html.escape(pd.Timestamp(d.detected_bjt).strftime('%m-%d %H:%M'))}</td>"
        f"<td>{html.escape(str(d.satellite))}</td><td>{html.escape(str(d.confidence))}</td></tr>"
        for d in detections.itertuples())
    heading = t("fires.popup_detections", lang)
    return (f'<div class="geoaq-popup"><table>{rows}</table>'
            f"<b>{html.escape(heading)}</b><table>{detail}</table></div>")


def events_overlay(checked: pd.DataFrame, detections: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> Overlay:
    """Fire events as a map overlay coloured by verification status."""
    by_event = dict(tuple(detections.groupby("event_id"))) if len(detections) else {}
    empty = detections.iloc[0:0]
    popups = [event_popup_html(row, by_event.get(row["event_id"], empty), lang) for _, row in checked.iterrows()]
    tooltips = [html.escape(f"{row.event_id} · {status_text(row.status, lang)}") for row in checked.itertuples()]
    colours = [STATUS_COLOURS[s] for s in checked["status"]]
    title = t("map.fire_events", lang)
    legend = tuple({"label": f"  {title}: {status_text(s, lang)}", "fill": c, "stroke": "#222222",
                    "kind": "circle"} for s, c in STATUS_COLOURS.items())
    return Overlay(name=title, collection=point_collection(checked, popups, tooltips, colours),
                   legend=({"label": title, "fill": STATUS_COLOURS["suspected"], "stroke": "#222222",
                            "kind": "circle"}, *legend))


#: the most raw detections the map draws one by one; above it the fire events layer shows them
MAP_DETECTIONS_MAX = 5_000


def detections_of_period(detections: pd.DataFrame, start, end) -> pd.DataFrame:
    """The raw detections (the fire_points layer) of Beijing days start..end: the map's period,
    not every detection ever loaded (a season's feed holds a million)."""
    if detections.empty or "acquired_at_utc" not in detections:
        return detections
    first, last = beijing_day_bounds_utc(start, end)
    at = pd.to_datetime(detections["acquired_at_utc"])
    return detections[(at >= first) & (at < last)]


def draws_compactly(events: int, threshold: int | None = None) -> bool:
    """True when `events` fire events are too many for one GeoJSON feature (and popup) each.

    `threshold` defaults to :data:`EVENT_LAYER_THRESHOLD` as it is when called.
    """
    return events > (EVENT_LAYER_THRESHOLD if threshold is None else threshold)


def events_on_map(checked: pd.DataFrame, detections: pd.DataFrame | None, lang: str = DEFAULT_LANGUAGE,
                  datum: str = "wgs84", threshold: int | None = None,
                  publish: Callable[[bytes], str | None] | None = None,
                  packed: dict | None = None,
                  ) -> tuple[tuple[Overlay, ...], tuple[EventLayer, ...]]:
    """What draws `checked` on a map, as `build_map`'s (overlays, layers).

    Up to `threshold` events: the GeoJSON overlay, each popup with its detections. More: the
    compact clustered :class:`~geoaq.web.map_layers.event_layer.EventLayer`, whose popups carry the event's
    id, day, status and county (the page shows the rest for a clicked event); `detections` is
    not needed then. `datum` is the base map's, which the overlay path handles in `build_map`.
    `publish` serves the layer's packed bytes as a file and returns its URL (see EventLayer);
    `packed`, if given, is :func:`layer_payload` of `checked` made earlier (kept between reruns).
    """
    if not draws_compactly(len(checked), threshold):
        if detections is None:
            raise ValueError(f"{len(checked)} events are drawn with their detections; none given")
        return (events_overlay(checked, detections, lang),), ()
    name = t("format.with_count", lang, name=t("map.fire_events", lang), n=len(checked))
    layer = EventLayer(checked, name=name, lang=lang, datum=datum, status_labels=_status_labels(lang),
                       status_colours=STATUS_COLOURS, publish=publish, packed=packed)
    return (), (layer,)


def layer_payload(checked: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, datum: str = "wgs84") -> dict:
    """The compact layer's packed events for `checked` (what `events_on_map` would pack)."""
    return pack_for_map(checked, status_labels=_status_labels(lang), status_colours=STATUS_COLOURS,
                        datum=datum)


def _status_labels(lang: str) -> dict[str, str]:
    """Each status's label in `lang`, in the layer's colour order."""
    return {s: status_text(s, lang) for s in STATUS_COLOURS}


def detections_table(detections: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """An event's detections (`check.event_detections` without event_id) with headings in `lang`."""
    return detections.rename(columns={c: t(f"fires.detection.{c}", lang) for c in detections.columns})


def history_table(history: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """An event's status history (`verification.history`): statuses and reasons in words,
    headings in `lang`."""
    shown = history.copy()
    shown["status"] = shown["status"].map(lambda s: status_text(s, lang))
    shown["dismiss_reason"] = shown["dismiss_reason"].map(
        lambda r: t(f"fires.dismiss_reason.{r}", lang) if isinstance(r, str) and r else r)
    if "changed_by_role" in shown.columns:
        shown["changed_by_role"] = shown["changed_by_role"].map(
            lambda r: t(f"accounts.role.{r}", lang) if isinstance(r, str) and r else r)
    return shown.rename(columns={c: t(f"fires.history.{c}", lang) for c in shown.columns})


#: the evidence columns the page shows, in order (`geoaq.fires.evidence.COLUMNS`)
EVIDENCE_SHOWN = ("evidence_id", "submission_id", "kind", "size_bytes", "original_name", "uploaded_by",
                  "uploaded_at", "sha256")


def evidence_table(rows: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """An event's evidence files (`evidence.evidence_of`) as the page lists them: the type in
    capitals, the uploader's name for a file as plain text, headings in `lang`."""
    shown = rows[list(EVIDENCE_SHOWN)].copy()
    shown["kind"] = shown["kind"].str.upper()
    return shown.rename(columns={c: t(f"fires.evidence.column.{c}", lang) for c in shown.columns})
