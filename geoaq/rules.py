"""One validated loader for every rule file (fires, penalties, compliance, routes, land cover,
targets, standards).

Each capability declares the shape of its file as a JSON Schema (a plain dict next to the
code that reads it) and calls `load_rules`. The file is read as TOML and checked against the
schema with `jsonschema`, collecting every problem before reporting: unknown keys (with the
closest allowed name), wrong types, values outside the allowed set or range, missing keys.
One `RulesError` (or the capability's subclass of it) then names the file and, per problem,
the key, what was found and what is allowed. Defaults are the schema's ``default`` values,
filled in by `with_defaults` so the code reading the rules has one source for them.

Example::

    SCHEMA = table({"buffer_m": number(minimum=0, default=1000)})
    raw = load_rules(config.rules_file("fires.toml"), SCHEMA, FireRulesError)
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema

from geoaq._errors import RulesError

Schema = dict[str, Any]

_TYPE_WORDS = {"string": "text", "integer": "an integer", "number": "a number",
               "boolean": "true or false", "array": "a list", "object": "a table",
               "date": "a date (YYYY-MM-DD)"}

#: JSON Schema 2020-12 plus TOML's dates, as the type "date" (a date without a time)
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "date", lambda _checker, value: isinstance(value, dt.date) and not isinstance(value, dt.datetime)),
)


# --- schema builders: short, so a schema reads like the file it describes -----------------

def table(properties: Mapping[str, Schema], *, required: Iterable[str] = (),
          extra: Schema | bool = False, **more: Any) -> Schema:
    """A TOML table with these keys; any other key is refused unless `extra` is a schema."""
    schema: Schema = {"type": "object", "properties": dict(properties),
                      "additionalProperties": extra, **more}
    if required:
        schema["required"] = list(required)
    return schema


def tables(values: Schema, **more: Any) -> Schema:
    """A table whose keys are free (names, codes) and whose values all follow `values`."""
    return {"type": "object", "additionalProperties": values, **more}


def text(*, choices: Iterable[str] | None = None, pattern: str | None = None, **more: Any) -> Schema:
    schema: Schema = {"type": "string", **more}
    if choices is not None:
        schema["enum"] = list(choices)
    if pattern is not None:
        schema["pattern"] = pattern
    return schema


def number(*, minimum: float | None = None, maximum: float | None = None,
           exclusive_minimum: float | None = None, **more: Any) -> Schema:
    schema: Schema = {"type": "number", **more}
    for key, value in (("minimum", minimum), ("maximum", maximum),
                       ("exclusiveMinimum", exclusive_minimum)):
        if value is not None:
            schema[key] = value
    return schema


def integer(*, minimum: int | None = None, maximum: int | None = None, **more: Any) -> Schema:
    return {**number(minimum=minimum, maximum=maximum, **more), "type": "integer"}


def boolean(**more: Any) -> Schema:
    return {"type": "boolean", **more}


def day(**more: Any) -> Schema:
    """A TOML date (``2025-10-01``, unquoted)."""
    return {"type": "date", **more}


def array(items: Schema, *, min_items: int | None = None, **more: Any) -> Schema:
    schema: Schema = {"type": "array", "items": items, **more}
    if min_items is not None:
        schema["minItems"] = min_items
    return schema


def one_of(*schemas: Schema, **more: Any) -> Schema:
    """A value matching any of `schemas` (e.g. a number or the text "unlimited")."""
    return {"anyOf": list(schemas), **more}


# --- loading -------------------------------------------------------------------------------

def read_toml(path: Path, error: type[RulesError] = RulesError) -> dict[str, Any]:
    """The TOML file at `path` as a dict; a missing or malformed file is one `error`."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: rules file not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the rules file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None


def problems(data: Any, schema: Schema) -> list[str]:
    """Every way `data` breaks `schema`, one line each, in file order of the keys."""
    validator = _Validator(schema)
    found = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [_describe(e) for e in found]


def check(data: Any, schema: Schema, path: Path, error: type[RulesError] = RulesError) -> None:
    """Raise one `error` listing every problem of `data` (read from `path`) against `schema`."""
    found = problems(data, schema)
    if found:
        listed = "\n".join(f"  - {line}" for line in found)
        count = f"{len(found)} problems" if len(found) > 1 else "1 problem"
        raise error(f"{path}: {count}:\n{listed}")


def load_rules(path: Path, schema: Schema, error: type[RulesError] = RulesError) -> dict[str, Any]:
    """Read `path` (TOML), check it against `schema`, and return it with the schema's defaults."""
    data = read_toml(path, error)
    check(data, schema, path, error)
    return with_defaults(data, schema)


def with_defaults(data: Any, schema: Schema) -> Any:
    """`data` with every missing key that has a ``default`` in `schema` filled in (recursively;
    a missing table with defaults inside becomes a table of its defaults)."""
    if schema.get("type") == "object" and isinstance(data, dict):
        filled = dict(data)
        for key, sub in schema.get("properties", {}).items():
            if key in filled:
                filled[key] = with_defaults(filled[key], sub)
            elif "default" in sub:
                filled[key] = sub["default"]
            elif sub.get("type") == "object" and sub.get("properties"):
                filled[key] = with_defaults({}, sub)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            named = schema.get("properties", {})
            for key in filled:
                if key not in named:
                    filled[key] = with_defaults(filled[key], extra)
        return filled
    if schema.get("type") == "array" and isinstance(data, list) and isinstance(schema.get("items"), dict):
        return [with_defaults(item, schema["items"]) for item in data]
    return data


def _key(path: Iterable[Any]) -> str:
    """`a.b[2].c` for a path into the file; the file's top level is `(top level)`."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _expected(schema: Schema) -> str:
    """What `schema` allows, in words."""
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_expected(s) for s in schema["anyOf"])
    kind = schema.get("type")
    words = _TYPE_WORDS.get(kind, str(kind)) if isinstance(kind, str) else " or ".join(
        _TYPE_WORDS.get(k, k) for k in kind or [])
    bounds = []
    if "minimum" in schema:
        bounds.append(f"≥ {schema['minimum']}")
    if "exclusiveMinimum" in schema:
        bounds.append(f"> {schema['exclusiveMinimum']}")
    if "maximum" in schema:
        bounds.append(f"≤ {schema['maximum']}")
    if "pattern" in schema:
        bounds.append(f"matching {schema['pattern']}")
    if "minItems" in schema:
        bounds.append(f"with at least {schema['minItems']} item(s)")
    return " ".join([words or "a value", *bounds])


def _found(value: Any) -> str:
    kind = {bool: "true/false", int: "integer", float: "number", str: "text", list: "list",
            dict: "table", dt.date: "date", dt.datetime: "date and time"}.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{shown if len(shown) <= 60 else shown[:57] + '...'} ({kind})"


def _describe(error: jsonschema.ValidationError) -> str:
    """One line: where, what was found, what is allowed."""
    where = _key(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        lines = []
        for name in unknown:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            lines.append(f"{where}: unknown key {name!r}{hint}; allowed: {', '.join(allowed) or 'none'}")
        return "\n  - ".join(lines)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"{where}: missing key {missing!r}"
    if error.validator == "additionalProperties":
        return f"{where}: found {_found(error.instance)}; expected a table"
    return f"{where}: found {_found(error.instance)}; expected {_expected(schema)}"
