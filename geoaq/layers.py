"""The layer registry: one TOML file per layer in `layers/`, read into frozen dataclasses.

Every layer (the built-in five plus admin units, and any a user adds) goes through this same
path: the file states columns, types, allowed values, geometry types, natural key, default
source CRS and map style; tables, validation, the map and the sidebar are derived from it.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq._errors import LayerDefinitionError, UnknownLayerError
from geoaq.i18n import pick

#: registry column type -> DuckDB type
COLUMN_TYPES: dict[str, str] = {
    "text": "TEXT",
    "integer": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)
#: columns every layer table has besides its own; not declared in the TOML files
SYSTEM_COLUMNS: dict[str, str] = {
    "synthetic": "BOOLEAN",
    "source_file": "TEXT",
    "source_row": "BIGINT",
    "geom_repaired": "BOOLEAN",
    "repair_note": "TEXT",
    "extra": "JSON",
    "ingest_id": "BIGINT",
    "loaded_at": "TIMESTAMP",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_LAYER_KEYS = {
    "name", "title", "description", "geometry", "natural_key", "default_crs", "order",
    "columns", "style", "popup", "time_column",
}
_COLUMN_KEYS = {
    "name", "type", "required", "title", "aliases", "allowed", "synonyms", "min", "max",
    "pattern", "unit", "description",
}
_STYLE_KEYS = {
    "kind", "color", "fill_color", "fill_opacity", "weight", "radius", "dash_array",
    "label_column", "color_by", "colors", "cluster",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One attribute column of a layer."""

    name: str
    type: str
    required: bool = False
    title_zh: str = ""
    title_en: str = ""
    aliases: tuple[str, ...] = ()
    allowed: tuple[str, ...] | None = None
    synonyms: dict[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    unit: str | None = None
    description: str = ""

    @property
    def sql_type(self) -> str:
        return COLUMN_TYPES[self.type]

    def title(self, lang: str = "zh") -> str:
        """The column's title in `lang` (the registry gives both), else its name."""
        return pick({"zh": self.title_zh, "en": self.title_en}, lang) or self.name


@dataclass(frozen=True)
class StyleSpec:
    """How the layer is drawn: `kind` is "circle" for points, "area" for polygons."""

    kind: str = "circle"
    color: str = "#3388ff"
    fill_color: str | None = None
    fill_opacity: float = 0.4
    weight: float = 2.0
    radius: float = 6.0
    dash_array: str | None = None
    label_column: str | None = None
    color_by: str | None = None
    colors: dict[str, str] = field(default_factory=dict)
    cluster: bool = False  # points grouped into clusters at low zoom (many features)

    def color_for(self, value: Any) -> str:
        """The stroke/fill colour of a feature whose `color_by` column holds `value`."""
        if self.color_by and value is not None:
            return self.colors.get(str(value), self.color)
        return self.color


@dataclass(frozen=True)
class LayerSpec:
    """A layer as declared in `layers/<name>.toml`."""

    name: str
    title_zh: str
    title_en: str
    geometry_types: tuple[str, ...]
    natural_key: tuple[str, ...]
    default_crs: str
    columns: tuple[ColumnSpec, ...]
    style: StyleSpec
    order: int = 100
    description: str = ""
    popup_columns: tuple[str, ...] = ()
    time_column: str | None = None  # the date/timestamp that places a row in time
    definition_hash: str = ""
    source: Path | None = None

    def title(self, lang: str = "zh") -> str:
        """The layer's title in `lang` (the registry gives both)."""
        return pick({"zh": self.title_zh, "en": self.title_en}, lang)

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"layer {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(column for column in self.columns if column.required)

    @property
    def is_point_layer(self) -> bool:
        return set(self.geometry_types) <= {"Point", "MultiPoint"}

    def table_columns(self) -> dict[str, str]:
        """Every column of the layer's table with its DuckDB type, `geom` last."""
        columns = {column.name: column.sql_type for column in self.columns}
        columns.update(SYSTEM_COLUMNS)
        columns["geom"] = "GEOMETRY"
        return columns


def _fail(path: Path, message: str) -> LayerDefinitionError:
    return LayerDefinitionError(f"{path}: {message}")


def _check_keys(path: Path, where: str, given: dict[str, Any], allowed: set[str]) -> None:
    """Unknown keys, worded as `geoaq.rules` words them (with the closest allowed name)."""
    unknown = sorted(set(given) - allowed)
    if unknown:
        close = {name: found[0] for name in unknown
                 if (found := difflib.get_close_matches(name, sorted(allowed), n=1))}
        hint = ("" if not close else f" (did you mean {close[unknown[0]]!r}?)" if len(unknown) == 1
                else " (did you mean " + ", ".join(f"{v!r} for {k!r}" for k, v in close.items()) + "?)")
        raise _fail(path, f"unknown key(s) {unknown} in {where}{hint}; allowed: {sorted(allowed)}")


def _titles(path: Path, where: str, value: Any) -> tuple[str, str]:
    if isinstance(value, str):
        return value, value
    if isinstance(value, dict) and set(value) <= {"zh", "en"}:
        return str(value.get("zh", "")), str(value.get("en", ""))
    raise _fail(path, f"{where}.title must be a string or {{zh = ..., en = ...}}")


def _parse_column(path: Path, raw: dict[str, Any], index: int) -> ColumnSpec:
    where = f"columns[{index}]"
    _check_keys(path, where, raw, _COLUMN_KEYS)
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(path, f"{where}.name must be a lower-case identifier, got {name!r}")
    if name in SYSTEM_COLUMNS or name == "geom":
        raise _fail(path, f"{where}.name {name!r} is reserved (system columns: "
                          f"{sorted(SYSTEM_COLUMNS)} and geom)")
    col_type = raw.get("type", "text")
    if col_type not in COLUMN_TYPES:
        raise _fail(path, f"{where} ({name}).type {col_type!r} is not one of {sorted(COLUMN_TYPES)}")
    title_zh, title_en = _titles(path, f"{where} ({name})", raw.get("title", name))
    allowed = raw.get("allowed")
    synonyms = {str(k): str(v) for k, v in raw.get("synonyms", {}).items()}
    if allowed is not None:
        allowed = tuple(str(v) for v in allowed)
        bad = sorted(v for v in synonyms.values() if v not in allowed)
        if bad:
            raise _fail(path, f"{where} ({name}).synonyms map to {bad}, not in allowed {list(allowed)}")
    pattern = raw.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(path, f"{where} ({name}).pattern is not a valid regex: {exc}") from exc
    return ColumnSpec(
        name=name,
        type=col_type,
        required=bool(raw.get("required", False)),
        title_zh=title_zh,
        title_en=title_en,
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        allowed=allowed,
        synonyms=synonyms,
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        pattern=pattern,
        unit=raw.get("unit"),
        description=str(raw.get("description", "")),
    )


def parse_layer_file(path: Path) -> LayerSpec:
    """Read and check one layer definition; errors name the file and the offending key."""
    data_bytes = path.read_bytes()
    try:
        raw = tomllib.loads(data_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(path, f"not valid UTF-8 TOML: {exc}") from exc
    _check_keys(path, "the layer", raw, _LAYER_KEYS)
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(path, f"name must be a lower-case identifier, got {name!r}")
    if name != path.stem:
        raise _fail(path, f"name {name!r} must equal the file name {path.stem!r}")
    title_zh, title_en = _titles(path, "the layer", raw.get("title", name))
    geometry = raw.get("geometry")
    geometry_types = tuple([geometry] if isinstance(geometry, str) else geometry or ())
    if not geometry_types or not set(geometry_types) <= GEOMETRY_TYPES:
        raise _fail(path, f"geometry must be one or more of {sorted(GEOMETRY_TYPES)}, got {geometry!r}")
    columns = tuple(_parse_column(path, c, i) for i, c in enumerate(raw.get("columns", [])))
    names = [c.name for c in columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise _fail(path, f"columns declared twice: {duplicated}")
    natural_key = tuple(raw.get("natural_key", ()))
    if not natural_key:
        raise _fail(path, "natural_key is required (the columns that identify a row)")
    missing_key = [k for k in natural_key if k not in names]
    if missing_key:
        raise _fail(path, f"natural_key columns {missing_key} are not declared columns")
    optional_key = [k for k in natural_key if not next(c for c in columns if c.name == k).required]
    if optional_key:
        raise _fail(path, f"natural_key columns {optional_key} must be required = true")
    style_raw = raw.get("style", {})
    _check_keys(path, "style", style_raw, _STYLE_KEYS)
    style = StyleSpec(**style_raw)
    if style.kind not in {"circle", "area"}:
        raise _fail(path, f"style.kind must be 'circle' or 'area', got {style.kind!r}")
    for key in ("label_column", "color_by"):
        column_name = getattr(style, key)
        if column_name is not None and column_name not in names:
            raise _fail(path, f"style.{key} {column_name!r} is not a declared column")
    popup = tuple(raw.get("popup", names))
    unknown_popup = [p for p in popup if p not in names]
    if unknown_popup:
        raise _fail(path, f"popup columns {unknown_popup} are not declared columns")
    time_column = raw.get("time_column")
    if time_column is not None and (
        time_column not in names
        or next(c for c in columns if c.name == time_column).type not in {"date", "timestamp"}
    ):
        raise _fail(path, f"time_column {time_column!r} must be a declared date/timestamp column")
    default_crs = str(raw.get("default_crs", "EPSG:4326"))
    return LayerSpec(
        name=name,
        title_zh=title_zh,
        title_en=title_en,
        geometry_types=geometry_types,
        natural_key=natural_key,
        default_crs=default_crs,
        columns=columns,
        style=style,
        order=int(raw.get("order", 100)),
        description=str(raw.get("description", "")),
        popup_columns=popup,
        time_column=time_column,
        definition_hash=hashlib.sha256(data_bytes).hexdigest()[:16],
        source=path,
    )


def load_registry(directory: Path | None = None) -> dict[str, LayerSpec]:
    """Every layer defined in `directory`, in drawing order. By default the files of
    `config.layer_files`: the shipped layers, a site's own (``GEOAQ_SITE_DIR/layers``) replacing
    those of the same name and adding others, or only ``GEOAQ_LAYERS_DIR``'s when it is set."""
    files = sorted(directory.glob("*.toml")) if directory is not None else config.layer_files()
    if not files:
        where = directory if directory is not None else config.layers_dir()
        raise LayerDefinitionError(f"no layer definitions (*.toml) in {where}")
    specs = [parse_layer_file(path) for path in files]
    return {spec.name: spec for spec in sorted(specs, key=lambda s: (s.order, s.name))}


def get_layer(name: str, registry: dict[str, LayerSpec] | None = None) -> LayerSpec:
    """The layer called `name`; the error lists the layers that do exist."""
    registry = registry if registry is not None else load_registry()
    try:
        return registry[name]
    except KeyError:
        raise UnknownLayerError(
            f"unknown layer {name!r}; the registry has: {', '.join(registry)}"
        ) from None
