"""How readings files and their users name things: pollutants, columns and units.

The vocabulary shared by the format parsers (`formats`), which read headers such as
``一氧化碳(mg/m3)``, and by the declared units (`units.parse_units`), which read ``--unit
CO=µg/m³``. It sits below both so that neither imports the other.

Header spellings are matched after NFKC (full-width → ASCII, PM₂.₅ → PM2.5), lower case and
without spaces; a trailing "浓度" and bracketed units or labels are allowed:
``PM2.5(μg/m³)``, ``一氧化碳(mg/m3)``, ``细颗粒物(PM2.5)``. See `_ALIASES`. A column ``AQI``
(空气质量指数) becomes ``published_aqi``; ``synthetic`` (true/false) marks generated rows.
"""

from __future__ import annotations

import re
import unicodedata

from geoaq.ingest.readers import header_key

POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")
VALUE_COLUMNS = (*POLLUTANTS, "published_aqi")
LABELS = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "o3": "O3", "co": "CO",
          "published_aqi": "AQI"}

_ALIASES: dict[str, tuple[str, ...]] = {
    "pm25": ("pm2.5", "pm25", "pm2_5", "pm_2.5", "pm_25", "pm2.5_1h", "细颗粒物", "细颗粒"),
    "pm10": ("pm10", "pm_10", "pm10_1h", "可吸入颗粒物", "可吸入颗粒"),
    "so2": ("so2", "so_2", "so2_1h", "二氧化硫"),
    "no2": ("no2", "no_2", "no2_1h", "二氧化氮"),
    "o3": ("o3", "o_3", "o3_1h", "o3-1h", "臭氧", "臭氧1小时"),
    "co": ("co", "co_1h", "一氧化碳"),
    "published_aqi": ("aqi", "aqi指数", "空气质量指数", "published_aqi"),
    "datetime": ("datetime", "date_time", "time", "timestamp", "time_point", "timepoint",
                 "时间", "日期时间", "监测时间", "采样时间", "数据时间", "时间点", "发布时间"),
    "date": ("date", "日期", "监测日期"),
    "hour": ("hour", "小时", "时", "时刻"),
    "year": ("year", "年", "年份"),
    "month": ("month", "月", "月份"),
    "day": ("day", "日"),
    "station_code": ("station_code", "stationcode", "code", "site_code", "sitecode", "station_id",
                     "站点编码", "监测点编码", "站码", "站号", "测站编码", "点位编码", "站点代码",
                     "监测站编码", "监测点位编码"),
    "station_name": ("station", "site", "station_name", "stationname", "site_name", "sitename",
                     "站点", "站点名称", "监测点名称", "监测点", "监测站", "监测站名称", "点位名称",
                     "点位", "站名"),
    "synthetic": ("synthetic", "is_synthetic"),
}
_ALIAS_OF = {alias: role for role, aliases in _ALIASES.items() for alias in aliases}

_UNIT_SPELLINGS = {
    "ug/m3": "ug/m3", "μg/m3": "ug/m3", "微克/立方米": "ug/m3", "微克每立方米": "ug/m3",
    "microgram/m3": "ug/m3", "micrograms/m3": "ug/m3", "ugm-3": "ug/m3", "μgm-3": "ug/m3",
    "ug.m-3": "ug/m3", "μg.m-3": "ug/m3", "μg·m-3": "ug/m3",
    "mg/m3": "mg/m3", "毫克/立方米": "mg/m3", "毫克每立方米": "mg/m3", "milligram/m3": "mg/m3",
    "mgm-3": "mg/m3", "mg.m-3": "mg/m3", "mg·m-3": "mg/m3",
    "ppm": "ppm", "ppb": "ppb",
}
_BRACKETED = re.compile(r"^(.*?)[\(\[【]([^()\[\]【】]*)[\)\]】]$")


def normalize_unit(text: str) -> str | None:
    """`ug/m3`, `mg/m3`, `ppm` or `ppb` for a unit spelling (µg/m³, 微克/立方米 …), else None."""
    key = unicodedata.normalize("NFKC", str(text)).strip().lower().replace(" ", "")
    key = key.replace("^", "").replace("【", "[").replace("】", "]")
    return _UNIT_SPELLINGS.get(key)


def header_role(column: str) -> tuple[str | None, str | None]:
    """(role, unit) of a header: `CO(mg/m³)` → ("co", "mg/m3"); unknown → (None, None).

    Roles are the keys of `_ALIASES`: a value column (`pm25` … `published_aqi`), a time part
    (`datetime`, `date`, `hour`, `year`, `month`, `day`), `station_code`, `station_name` or
    `synthetic`.
    """
    key = header_key(column)
    unit, labels = None, []
    while True:
        match = _BRACKETED.match(key)
        if not match:
            break
        inner = match.group(2)
        if normalize_unit(inner):
            unit = normalize_unit(inner)
        elif _ALIAS_OF.get(inner) in VALUE_COLUMNS:
            labels.append(_ALIAS_OF[inner])
        else:
            break
        key = match.group(1)
    if key.endswith("浓度") and key != "浓度":
        key = key[: -len("浓度")]
    role = _ALIAS_OF.get(key)
    if role is None or any(label != role for label in labels):
        return None, None
    return role, unit


def pollutant_key(name: str) -> str | None:
    """`pm25` … `co` (or `published_aqi`) for a pollutant spelling (PM2.5, 一氧化碳 …)."""
    role = header_role(name)[0]
    return role if role in VALUE_COLUMNS else None


# --- the live national release ---------------------------------------------------------------

#: the columns that make a file the live national release (header keys, any order); its
#: pollutant columns are those of `LIVE_POLLUTANTS`
LIVE_COLUMNS = ("timepoint", "stationcode", "positionname", "primarypollutant", "aqi")
#: pollutant → its column in the live release (the x_24h columns are the 24-hour means)
LIVE_POLLUTANTS = {"pm25": "pm2_5", "pm10": "pm10", "so2": "so2", "no2": "no2", "o3": "o3",
                   "co": "co"}

#: how the release names a primary pollutant (the bracketed code decides) → geoaq's name
_PRIMARY_CODES = {"pm2.5": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "o3": "O3",
                  "o3_1h": "O3", "o3-1h": "O3", "o3_8h": "O3_8h", "o3-8h": "O3_8h", "co": "CO"}
_PRIMARY_WORDS = {"细颗粒物": "PM2.5", "颗粒物": "PM10", "可吸入颗粒物": "PM10", "二氧化硫": "SO2",
                  "二氧化氮": "NO2", "臭氧": "O3", "臭氧1小时": "O3", "臭氧8小时": "O3_8h",
                  "一氧化碳": "CO"}
#: the order geoaq lists tied primary pollutants in (as `geoaq.aq.aqi`)
PRIMARY_ORDER = ("PM2.5", "PM10", "SO2", "NO2", "O3", "O3_8h", "CO")


def is_live_header(header: list[str]) -> bool:
    """Whether a header is the live national release's (`LIVE_COLUMNS` and pollutant columns)."""
    keys = {header_key(h) for h in header}
    return set(LIVE_COLUMNS) <= keys and set(LIVE_POLLUTANTS.values()) <= keys


def primary_name(text: str) -> str | None:
    """geoaq's name of one primary pollutant as the release writes it (细颗粒物(PM2.5) → PM2.5,
    臭氧1小时(O3_1h) → O3, 臭氧8小时 → O3_8h); None for a spelling not known."""
    key = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    match = _BRACKETED.match(key)
    if match and match.group(2) in _PRIMARY_CODES:
        return _PRIMARY_CODES[match.group(2)]
    word = match.group(1) if match else key
    return _PRIMARY_CODES.get(word) or _PRIMARY_WORDS.get(word)


def primary_names(text: str | None) -> tuple[str | None, list[str]]:
    """(geoaq's names joined in its tie order, "" for none; the parts not recognised) of a
    release's primary-pollutant cell ("颗粒物(PM10),细颗粒物(PM2.5)" → "PM2.5,PM10")."""
    if text is None or not text.strip() or text.strip() in {"NA", "—", "-", "/"}:
        return "", []
    parts = [p for p in re.split(r"[,，、;；]", text) if p.strip()]
    names = [primary_name(p) for p in parts]
    unknown = [p.strip() for p, n in zip(parts, names, strict=True) if n is None]
    if unknown:
        return None, unknown
    return ",".join(n for n in PRIMARY_ORDER if n in set(names)), []
