"""UI text in Simplified Chinese (default) and English.

Layer and column titles come from the registry files; this table holds the rest of the
interface. `t(key, lang)` falls back to Chinese, then to the key, so a missing English
string never breaks a page.
"""

from __future__ import annotations

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

_TEXT: dict[str, dict[str, str]] = {
    "page_map": {"zh": "地图", "en": "Map"},
    "page_fires": {"zh": "火点核查", "en": "Fires"},
    "all": {"zh": "全部", "en": "All"},
    "fires_period": {"zh": "日期范围（北京时间）", "en": "Dates (Beijing time)"},
    "fires_pick_end": {"zh": "请选择结束日期。", "en": "Pick the end date."},
    "fires_min_confidence": {"zh": "最低置信度", "en": "Minimum confidence"},
    "fires_figures": {"zh": "统计口径", "en": "Figures"},
    "figures_suspected": {"zh": "疑似口径", "en": "suspected"},
    "figures_verified": {"zh": "核定口径", "en": "verified"},
    "fires_computing": {"zh": "正在核查火点…", "en": "Checking fire events…"},
    "fires_category": {"zh": "类别", "en": "Category"},
    "fires_status": {"zh": "核查状态", "en": "Status"},
    "fires_county": {"zh": "区县", "en": "County"},
    "fires_in_zone_only": {"zh": "仅看管控区内", "en": "Inside control zones only"},
    "fires_period_note": {"zh": "统计时段：{start} 至 {end}（北京时间）", "en": "Period: {start} to {end} (Beijing time)"},
    "fires_events": {"zh": "火点事件（个）", "en": "Fire events"},
    "fires_in_zones": {"zh": "位于管控区（个）", "en": "In control zones"},
    "fires_industrial": {"zh": "疑似工业热源（个）", "en": "Suspected industrial"},
    "fires_penalty_total": {"zh": "扣减财力合计（{figures}）", "en": "Penalties ({figures})"},
    "fires_notice_csv": {"zh": "下载乡镇通知（CSV）", "en": "Township notice (CSV)"},
    "fires_notice_xlsx": {"zh": "下载乡镇通知（Excel）", "en": "Township notice (Excel)"},
    "fires_select_hint": {"zh": "在表格中点选一行（或在上方选择事件），查看探测记录并核定状态。", "en": "Pick a row in the table (or an event above) to see its detections and set its status."},
    "fires_pick_event": {"zh": "核查事件", "en": "Event"},
    "fires_dismiss_reason": {"zh": "排除原因（仅排除时填写）", "en": "Dismiss reason (dismissed only)"},
    "fires_changed_by": {"zh": "核查人", "en": "Changed by"},
    "fires_note": {"zh": "备注", "en": "Note"},
    "fires_save_status": {"zh": "保存核查结果", "en": "Save status"},
    "fires_saved": {"zh": "已保存。", "en": "Saved."},
    "page_compliance": {"zh": "达标评估", "en": "Compliance"},
    "compliance_preset": {"zh": "按计划目标时段", "en": "Period of a plan target"},
    "compliance_custom": {"zh": "自定义时段", "en": "Custom period"},
    "compliance_standard": {"zh": "评价标准", "en": "Standard"},
    "compliance_readings": {"zh": "监测数据：{first} 至 {last}（北京时间），{n} 个站点", "en": "Readings: {first} to {last} (Beijing time), {n} stations"},
    "compliance_computing": {"zh": "正在评估…", "en": "Evaluating…"},
    "compliance_scope_types": {"zh": "评估对象", "en": "Scopes"},
    "compliance_coal_users": {"zh": "禁煤区内燃煤企业（家）", "en": "Coal users in coal-ban zones"},
    "compliance_csv": {"zh": "下载评估表（CSV）", "en": "Summary (CSV)"},
    "compliance_xlsx": {"zh": "下载评估表（Excel）", "en": "Summary (Excel)"},
    "compliance_title": {"zh": "达标评估 {start} 至 {end}（北京时间，标准 {standard}）", "en": "Compliance {start} to {end} (Beijing time, standard {standard})"},
    "compliance_pick": {"zh": "查看对象（或在地图上点击管控区）", "en": "Scope (or click a zone on the map)"},
    "compliance_pick_hint": {"zh": "选择一个对象，或在地图上点击管控区/区县，查看全部原因。", "en": "Pick a scope, or click a zone/county on the map, to see every reason."},
    "compliance_targets": {"zh": "计划目标", "en": "Plan targets"},
    "compliance_stations": {"zh": "站点评价（HJ 663）", "en": "Station evaluation (HJ 663)"},
    "compliance_enterprises": {"zh": "企业", "en": "Enterprises"},
    "compliance_mines": {"zh": "矿山", "en": "Mines"},
    "compliance_fires": {"zh": "火点事件", "en": "Fire events"},
    "compliance_sensitive": {"zh": "国控站点敏感区", "en": "Sensitive areas of national stations"},
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
