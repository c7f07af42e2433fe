"""One validated loader for every rule file (fires, penalties, compliance, routes, land cover,
targets, standards).

Each capability declares the shape of its file as a JSON Schema (a module-level ``SCHEMA``
next to the code that reads it, built with the short builders below) and calls `load_rules`.
The file is read as TOML and checked against the schema with `jsonschema`, collecting every
problem before reporting: unknown keys (with the closest allowed name), wrong types, values
outside the allowed set or range, missing keys. The capability's own cross-field checks
(``checks``: e.g. a minimum not above a maximum) add their problems to the same list. One
`RulesError` (or the capability's subclass of it) then names the file and, per problem, the
key, what was found and what is allowed::

    fires.toml: 2 problems:
      - unknown key(s) ['bufer_m'] in [heat_sources] (did you mean 'buffer_m'?); allowed: [...]
      - events.viirs_pixel_m must be a number > 0, got '375' (text)

Keys are written as in the file: ``events.viirs_pixel_m``; the items of a list of tables
(``[[rules]]``) count from 0: ``rules[0].amount`` is the first rule's amount.

Defaults are the schema's ``default`` values, filled in by `with_defaults`, so the code reading
the rules has one source for them. A schema may say in words what it allows (``expected=``,
e.g. "an integer number of yuan >= 0"); a problem inside a list whose schema has such words is
reported for the whole list.

Example::

    SCHEMA = table({"buffer_m": number(exclusive_minimum=0, default=1000)})
    raw = load_rules(config.rules_file("fires.toml"), SCHEMA, FireRulesError)
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema

from geoaq._errors import RulesError

Schema = dict[str, Any]
#: a capability's own checks: the file's data (defaults filled in) -> one line per problem.
#: They run even when the schema found problems, so they skip values of the wrong type.
Checks = Callable[[dict[str, Any]], Iterable[str]]

_TYPE_WORDS = {"string": "text", "integer": "an integer", "number": "a number",
               "boolean": "true or false", "array": "a list", "object": "a table",
               "date": "a date (YYYY-MM-DD, unquoted)"}
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_NONBLANK = r"\S"


def _is_number(_checker: Any, value: Any) -> bool:
    """int or float, not bool, not nan or inf (TOML allows both; no rule means them)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(_checker: Any, value: Any) -> bool:
    """A TOML integer: written without a decimal point (3, not 3.0), not bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_date(_checker: Any, value: Any) -> bool:
    """A TOML local date (2025-10-01, unquoted), not a date and time."""
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


#: JSON Schema 2020-12 with TOML's types: a "date" type, finite numbers, integers as written
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"number": _is_number, "integer": _is_integer, "date": _is_date}),
)


# --- schema builders: short, so a schema reads like the file it describes -----------------

def table(properties: Mapping[str, Schema], *, required: Iterable[str] = (),
          extra: Schema | bool = False, **more: Any) -> Schema:
    """A TOML table with these keys; any other key is refused unless `extra` allows it."""
    schema: Schema = {"type": "object", "properties": dict(properties),
                      "additionalProperties": extra, **more}
    if required:
        schema["required"] = list(required)
    return schema


def tables(values: Schema, **more: Any) -> Schema:
    """A table whose keys are free (names, codes) and whose values all follow `values`."""
    return {"type": "object", "properties": {}, "additionalProperties": values, **more}


def text(*, choices: Iterable[str] | None = None, pattern: str | None = None,
         nonblank: bool = False, **more: Any) -> Schema:
    """Text; `choices` lists the allowed values, `nonblank` refuses "" and "  "."""
    schema: Schema = {"type": "string", **more}
    if choices is not None:
        schema["enum"] = list(choices)
    if pattern is not None:
        schema["pattern"] = pattern
    elif nonblank:
        schema["pattern"] = _NONBLANK
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


def allowed_keys(schema: Schema) -> list[str]:
    """The keys a table schema names, sorted (for a capability's own messages)."""
    return sorted(schema.get("properties", {}))


# --- loading -------------------------------------------------------------------------------

def read_toml(path: Path, error: type[RulesError] = RulesError,
              what: str = "rules file") -> dict[str, Any]:
    """The TOML file at `path` as a dict; a missing or malformed file is one `error`."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None


def problems(data: Any, schema: Schema) -> list[str]:
    """Every way `data` breaks `schema`, one line each, ordered by key, without repeats."""
    validator = _Validator(schema)
    found = sorted(validator.iter_errors(data), key=lambda e: _sort_key(e.absolute_path))
    return list(dict.fromkeys(_describe(e, schema, data) for e in found))


def report(path: Path, lines: list[str]) -> str:
    """The message of one error listing `lines` for the file at `path`."""
    if len(lines) == 1:
        return f"{path}: {lines[0]}"
    listed = "\n".join(f"  - {line}" for line in lines)
    return f"{path}: {len(lines)} problems:\n{listed}"


def validate(data: dict[str, Any], schema: Schema, path: Path,
             error: type[RulesError] = RulesError, checks: Checks | None = None) -> dict[str, Any]:
    """`data` (read from `path`) with the schema's defaults, or one `error` listing every
    problem the schema and the capability's `checks` find."""
    found = problems(data, schema)
    filled = with_defaults(data, schema)
    if checks is not None:
        found += [line for line in checks(filled) if line not in found]
    if found:
        raise error(report(path, found))
    return filled


def load_rules(path: Path, schema: Schema, error: type[RulesError] = RulesError, *,
               checks: Checks | None = None, what: str = "rules file") -> dict[str, Any]:
    """Read `path` (TOML), check it against `schema` and `checks`, and return it with the
    schema's defaults filled in. `what` names the file in "not found" messages."""
    return validate(read_toml(path, error, what), schema, path, error, checks)


def with_defaults(data: Any, schema: Schema) -> Any:
    """`data` with every missing key that has a ``default`` in `schema` filled in (recursively;
    a missing table with defaults inside becomes a table of its defaults)."""
    if schema.get("type") == "object" and isinstance(data, dict):
        filled = dict(data)
        named = schema.get("properties", {})
        for key, sub in named.items():
            if key in filled:
                filled[key] = with_defaults(filled[key], sub)
            elif "default" in sub:
                filled[key] = sub["default"]
            elif sub.get("type") == "object" and sub.get("properties"):
                filled[key] = with_defaults({}, sub)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key in filled:
                if key not in named:
                    filled[key] = with_defaults(filled[key], extra)
        return filled
    if schema.get("type") == "array" and isinstance(data, list) and isinstance(schema.get("items"), dict):
        return [with_defaults(item, schema["items"]) for item in data]
    return data


# --- describing a problem ------------------------------------------------------------------

def key_name(path: Iterable[Any]) -> str:
    """A key as written in the file: ``events.viirs_pixel_m``, ``rules[0].amount``; a key that
    is not a bare TOML key is quoted (``synonyms."国家级"``)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if _BARE_KEY.match(part) else '"' + part.replace('"', '\\"') + '"'
            out += f".{name}" if out else name
    return out


def _place(path: list[Any]) -> str:
    """Where a table is: the top level, ``[caps]`` (a table of the file), ``rules[1]`` (an
    item of a list of tables, or inside one)."""
    if not path:
        return "the top level"
    if all(isinstance(part, str) for part in path):
        return f"[{key_name(path)}]"
    return key_name(path)


def _sort_key(path: Iterable[Any]) -> list[tuple[int, int, str]]:
    return [(0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in path]


def _expected(schema: Schema) -> str:
    """What `schema` allows, in words."""
    if "expected" in schema:
        return str(schema["expected"])
    if "enum" in schema:
        return f"one of {list(schema['enum'])}"
    if "anyOf" in schema:
        return " or ".join(_expected(s) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "string" and schema.get("pattern") == _NONBLANK:
        return "non-empty text"
    if kind == "array" and isinstance(schema.get("items"), dict):
        least = schema.get("minItems")
        size = "a non-empty list" if least == 1 else f"a list of at least {least} items" if least else "a list"
        return f"{size} of {_expected(schema['items'])} each"
    words = _TYPE_WORDS.get(kind, str(kind)) if isinstance(kind, str) else " or ".join(
        _TYPE_WORDS.get(k, k) for k in kind or [])
    bounds = []
    if "minimum" in schema and "maximum" in schema:
        bounds.append(f"from {schema['minimum']} to {schema['maximum']}")
    elif "minimum" in schema:
        bounds.append(f">= {schema['minimum']}")
    elif "maximum" in schema:
        bounds.append(f"<= {schema['maximum']}")
    if "exclusiveMinimum" in schema:
        bounds.append(f"> {schema['exclusiveMinimum']}")
    if "pattern" in schema:
        bounds.append(f"matching {schema['pattern']}")
    return " ".join([words or "a value", *bounds])


def _found(value: Any) -> str:
    """A value as found in the file, with its TOML kind."""
    kind = {bool: "true/false", int: "integer", float: "number", str: "text", list: "list",
            dict: "table", dt.date: "date", dt.datetime: "date and time",
            dt.time: "time"}.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{shown if len(shown) <= 60 else shown[:57] + '...'} ({kind})"


def _worded_owner(error: jsonschema.ValidationError, root: Schema) -> tuple[int, Schema] | None:
    """The innermost schema on the way to the failing one that says in words what it allows
    (``expected``), with the depth of the value it describes; None when there is none."""
    node, depth, best = root, 0, None
    if "expected" in node:
        best = (0, node)
    tokens = list(error.absolute_schema_path)[:-1]  # the last is the failing keyword
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("properties", "patternProperties") and index + 1 < len(tokens):
            node, depth, index = node[token][tokens[index + 1]], depth + 1, index + 2
        elif token in ("items", "additionalProperties"):
            node, depth, index = node[token], depth + 1, index + 1
        elif token in ("anyOf", "oneOf", "allOf") and index + 1 < len(tokens):
            node, index = node[token][tokens[index + 1]], index + 2
        else:
            break
        if isinstance(node, dict) and "expected" in node:
            best = (depth, node)
    return best


def _value_at(data: Any, path: list[Any]) -> Any:
    for part in path:
        data = data[part]
    return data


def _describe(error: jsonschema.ValidationError, root: Schema, data: Any) -> str:
    """One line: the key, what was found, what is allowed."""
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = allowed_keys(schema)
        unknown = sorted(set(error.instance) - set(allowed))
        hints = {name: close[0] for name in unknown
                 if (close := difflib.get_close_matches(name, allowed, n=1))}
        hint = ""
        if len(unknown) == 1 and hints:
            hint = f" (did you mean {hints[unknown[0]]!r}?)"
        elif hints:
            hint = " (did you mean " + ", ".join(f"{v!r} for {k!r}" for k, v in hints.items()) + "?)"
        return f"unknown key(s) {unknown} in {_place(path)}{hint}; allowed: {allowed}"
    if error.validator == "required":
        name = ast.literal_eval(error.message.removesuffix(" is a required property"))
        wanted = schema.get("properties", {}).get(name, {})
        return f"{key_name([*path, name])} is missing; expected {_expected(wanted)}"
    owner = _worded_owner(error, root)
    if owner is not None and owner[0] < len(path):  # a problem inside a list described in words
        depth, worded = owner
        path = path[:depth]
        return f"{key_name(path)} must be {_expected(worded)}, got {_found(_value_at(data, path))}"
    return f"{key_name(path) or 'the file'} must be {_expected(schema)}, got {_found(error.instance)}"
