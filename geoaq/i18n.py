"""UI text in Simplified Chinese (default) and English.

Layer and column titles come from the registry files; this table holds the rest of the
interface. `t(key, lang)` falls back to Chinese, then to the key, so a missing English
string never breaks a page.
"""

from __future__ import annotations

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

_TEXT: dict[str, dict[str, str]] = {
    "app_title": {"zh": "大气污染防治一张图", "en": "Air-pollution governance map"},
    "app_caption": {
        "zh": "监测站、矿山、管控区、企业集群与卫星火点，同一张地图",
        "en": "Stations, mines, control zones, enterprise clusters and fire points on one map",
    },
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "layers": {"zh": "图层", "en": "Layers"},
    "rows": {"zh": "条", "en": "rows"},
    "synthetic_note": {"zh": "其中 {n} 条为演示数据", "en": "{n} of them are synthetic demo data"},
    "demo_badge": {"zh": "演示数据", "en": "Synthetic demo data"},
    "demo_warning": {
        "zh": "当前数据库包含演示数据（合成，非真实），标注为“演示数据”。",
        "en": "This database contains synthetic demo data, marked “演示数据 / demo”.",
    },
    "no_database": {
        "zh": "找不到数据库 {path}。请先运行 `make run`（或 `geoaq demo`）生成演示数据库。",
        "en": "Database {path} not found. Run `make run` (or `geoaq demo`) to build the demo database.",
    },
    "base_map": {"zh": "底图", "en": "Base map"},
    "no_base_map": {"zh": "无底图", "en": "No base map"},
    "legend": {"zh": "图例", "en": "Legend"},
    "period": {"zh": "时段", "en": "Period"},
    "fire_period": {"zh": "火点观测日期（UTC）：{start} 至 {end}", "en": "Fire detections (UTC): {start} to {end}"},
    "map_help": {
        "zh": "点击要素查看属性；右上角可切换图层。底图瓦片无法加载时，图层照常显示。",
        "en": "Click a feature for its attributes; switch layers top right. Layers still draw when tiles cannot load.",
    },
    "simplified_note": {
        "zh": "面要素为显示已简化（约 {m} 米），计算使用原始边界。",
        "en": "Polygons are simplified for display (about {m} m); analyses use the full boundaries.",
    },
    "empty_layer": {"zh": "（无数据）", "en": "(empty)"},
    "total_features": {"zh": "共 {n} 个要素", "en": "{n} features in all"},
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled from `values`."""
    entry = _TEXT.get(key, {})
    text = entry.get(lang) or entry.get(DEFAULT_LANGUAGE) or key
    return text.format(**values) if values else text
