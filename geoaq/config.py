"""Every setting and every path geoaq uses, resolved in one place.

**Settings** come from the environment (`ENVIRONMENT` lists each variable and what it does);
nothing else in geoaq reads ``os.environ``.

**Shipped resources** — the layer definitions, the rule files, the standards, the plan
targets and the demo data — come from the installed package (``geoaq/_shipped/``, copied
from the repository's top-level ``layers/`` and ``data/`` when the wheel is built), or, run
from a checkout, from the repository itself. Both have the same layout as `SHIPPED_LAYOUT`.

**A site's own files** override the shipped ones: point ``GEOAQ_SITE_DIR`` at a directory
laid out like the shipped one (``rules/fires.toml``, ``standards/2026.toml``,
``layers/stations.toml``, ``targets.toml``) and each file found there is used instead of the
shipped file of the same name; a layer file there that geoaq does not ship adds a layer.

**The database**: an explicit path (``--db``), else ``GEOAQ_DB``, else ``data/geoaq.duckdb``
in a checkout, else ``geoaq.duckdb`` in the working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from geoaq._errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
#: Where the wheel carries the shipped resources (absent in a checkout)
PACKAGE_DATA = PACKAGE_DIR / "_shipped"
#: The repository, when geoaq runs from a checkout (it has pyproject.toml beside geoaq/)
CHECKOUT = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").is_file() else None
PROJECT_ROOT = CHECKOUT or Path.cwd()

#: resource -> (path in a checkout, path in the wheel's geoaq/_shipped); pyproject.toml copies
#: the first to the second at build time
SHIPPED_LAYOUT = {
    "layers": ("layers", "layers"),
    "rules": ("data/rules", "rules"),
    "standards": ("data/standards", "standards"),
    "targets": ("data/targets.toml", "targets.toml"),
    "demo": ("data/demo", "demo"),
}

ENVIRONMENT = {
    "GEOAQ_DB": "the database: a DuckDB file (default: data/geoaq.duckdb in a checkout, else "
                "./geoaq.duckdb), or ducklake:postgres:<libpq connection string> for a shared "
                "DuckLake with a PostgreSQL catalog",
    "GEOAQ_DATA_PATH": "a DuckLake's data files: a local directory, or s3://bucket/prefix/",
    "GEOAQ_S3_ENDPOINT": "an S3-compatible store's host:port for the DuckLake's data files",
    "GEOAQ_S3_KEY_ID": "its access key id",
    "GEOAQ_S3_SECRET": "its secret key (never logged)",
    "GEOAQ_S3_REGION": "its region (default us-east-1)",
    "GEOAQ_S3_USE_SSL": "0 to reach the S3 endpoint over plain HTTP (an intranet store)",
    "GEOAQ_SERVICE_FEEDS": "0: the service does not run the scheduled feeds (several app "
                           "processes on one DuckLake: run them in one, or one `geoaq feeds run`)",
    "GEOAQ_LOCK_WAIT_S": "seconds a command waits for a database file another process holds "
                         "(default 120)",
    "GEOAQ_SITE_DIR": "a directory of the site's own rules/, standards/, layers/ and targets.toml",
    "GEOAQ_LAYERS_DIR": "a directory of layer files used instead of the shipped and site ones",
    "GEOAQ_TILE_URL": "a base-map tile URL template, e.g. an intranet server's {z}/{x}/{y}.png",
    "GEOAQ_TILE_NAME": "the name of that base map in the layer control",
    "GEOAQ_TILE_ATTRIBUTION": "its attribution (default: the tile server's host)",
    "GEOAQ_TILE_DATUM": "wgs84 or gcj02: the datum of those tiles (default wgs84)",
    "GEOAQ_TIANDITU_TOKEN": "a 天地图 key: offers the 天地图 base maps",
    "GEOAQ_DEBUG": "1: the command line shows the traceback of an internal error",
    "GEOAQ_LANG": "zh or en: the language of the command line's output and files (default zh)",
    "GEOAQ_ACCOUNT": "the account a `geoaq` command runs as (default: the --as option; commands "
                     "that change data refuse to run without one)",
    "GEOAQ_SESSION_HOURS": "hours a signed-in session lasts at most (default 12)",
    "GEOAQ_SESSION_IDLE_MINUTES": "minutes without use after which a session ends (default 120)",
    "GEOAQ_LOCKOUT_FAILURES": "failed sign-ins in a row that lock an account (default 5)",
    "GEOAQ_LOCKOUT_MINUTES": "minutes a locked account stays locked (default 15)",
    "GEOAQ_DEMO_PASSWORD": "the password `geoaq demo` gives the demo's accounts (default: a new "
                           "random one, printed once); never stored or logged",
    "GEOAQ_EVIDENCE_DIR": "the directory of the field checks' evidence files, outside the "
                          "database (default: <database file>_evidence beside an embedded file, "
                          "<GEOAQ_DATA_PATH>/evidence for a DuckLake on a local directory; one "
                          "every app process and host shares for a DuckLake on S3)",
    "GEOAQ_EVIDENCE_MAX_MB": "megabytes an evidence file may have at most (default 10)",
    "GEOAQ_EVIDENCE_MAX_FILES": "evidence files one submission may carry at most (default 10)",
    "GEOAQ_EVIDENCE_TYPES": "the evidence types accepted, comma-separated, of jpeg, png, pdf, "
                            "docx, xlsx (default all of them); the type is read from the content",
    "GEOAQ_FIRMS_MAP_KEY": "the NASA FIRMS MAP_KEY of the fire feed (feeds.toml [firms]); never "
                           "logged, stored or shown",
}


def _env(name: str) -> str | None:
    """The variable's value, None when unset or blank."""
    if name not in ENVIRONMENT:
        raise KeyError(f"undocumented setting {name}; add it to geoaq.config.ENVIRONMENT")
    value = os.environ.get(name, "").strip()
    return value or None


# --- shipped resources and the site's overrides --------------------------------------------

def shipped(resource: str) -> Path:
    """The shipped file or directory of `resource` (a key of `SHIPPED_LAYOUT`)."""
    in_checkout, in_wheel = SHIPPED_LAYOUT[resource]
    if PACKAGE_DATA.is_dir():
        return PACKAGE_DATA / in_wheel
    return PROJECT_ROOT / in_checkout


def site_dir() -> Path | None:
    """``GEOAQ_SITE_DIR``, checked to be a directory."""
    value = _env("GEOAQ_SITE_DIR")
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ConfigError(f"GEOAQ_SITE_DIR={value}: not a directory (expected a directory with "
                          "rules/, standards/, layers/ or targets.toml)")
    return path


def _site_file(resource: str, name: str | None = None) -> Path | None:
    """The site's own copy of a shipped file, when it has one."""
    site = site_dir()
    if site is None:
        return None
    _, in_wheel = SHIPPED_LAYOUT[resource]
    candidate = site / in_wheel / name if name else site / in_wheel
    return candidate if candidate.is_file() else None


def resource_file(resource: str, name: str) -> Path:
    """File `name` of a resource directory (``rules``, ``standards``, ``layers``): the site's
    copy when it has one, else the shipped one (which may not exist: the caller says so)."""
    if Path(name).name != name or name in ("", ".", ".."):
        raise ConfigError(f"{name!r} is not a file name")
    return _site_file(resource, name) or shipped(resource) / name


def resource_files(resource: str, pattern: str = "*.toml") -> list[Path]:
    """Every file of a resource directory: the shipped ones, each replaced by the site's copy
    of the same name, plus the site's own additions; sorted by name."""
    found = {p.name: p for p in sorted(shipped(resource).glob(pattern))}
    site = site_dir()
    if site is not None:
        _, in_wheel = SHIPPED_LAYOUT[resource]
        found |= {p.name: p for p in sorted((site / in_wheel).glob(pattern))}
    return [found[name] for name in sorted(found)]


def rules_file(name: str) -> Path:
    """A rule file (``fires.toml``, ``penalties.toml``, …): the site's, else the shipped one."""
    return resource_file("rules", name)


def standards_file(version: str) -> Path:
    """The standards file of `version` (``2012``, ``2026``): the site's, else the shipped one."""
    return resource_file("standards", f"{version}.toml")


def standards_files() -> list[Path]:
    return resource_files("standards")


def targets_file() -> Path:
    """The plan targets: the site's ``targets.toml``, else the shipped one."""
    return _site_file("targets") or shipped("targets")


def layer_files() -> list[Path]:
    """The layer definitions: every file of ``GEOAQ_LAYERS_DIR`` when set (and only those),
    else the shipped ones with the site's overrides and additions."""
    value = _env("GEOAQ_LAYERS_DIR")
    if value is not None:
        directory = Path(value).expanduser()
        if not directory.is_dir():
            raise ConfigError(f"GEOAQ_LAYERS_DIR={value}: not a directory of layer files")
        return sorted(directory.glob("*.toml"))
    return resource_files("layers")


def layers_dir() -> Path:
    """The directory of layer definitions: ``GEOAQ_LAYERS_DIR``, else the shipped one."""
    value = _env("GEOAQ_LAYERS_DIR")
    return Path(value).expanduser() if value else shipped("layers")


def demo_dir() -> Path:
    """The shipped demo data (``data/demo`` in a checkout)."""
    return shipped("demo")


# --- the database and the app --------------------------------------------------------------

DEFAULT_DB_PATH = (CHECKOUT / "data" / "geoaq.duckdb") if CHECKOUT else Path("geoaq.duckdb")
DEMO_DIR = shipped("demo")
#: The Streamlit app script and the folder Streamlit serves beside it at /app/static
APP_SCRIPT = PROJECT_ROOT / "app.py"
STATIC_DIR = PROJECT_ROOT / "static"


def database(explicit: str | os.PathLike[str] | None = None) -> str:
    """The database's address: `explicit` (``--db``), else ``GEOAQ_DB``, else the default file.
    A file path, or ``ducklake:postgres:…`` (see `geoaq.db.backend`)."""
    if explicit:
        return str(explicit)
    value = _env("GEOAQ_DB")
    if value is None:
        return str(DEFAULT_DB_PATH)
    return value if value.startswith("ducklake:") else str(Path(value).expanduser())


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The DuckDB file to use: `explicit`, else ``GEOAQ_DB``, else `DEFAULT_DB_PATH` (for an
    embedded database; see `database` for any address)."""
    return Path(database(explicit))


def data_path() -> str | None:
    """``GEOAQ_DATA_PATH``: where a DuckLake keeps its data files."""
    return _env("GEOAQ_DATA_PATH")


@dataclass(frozen=True)
class S3Settings:
    """An S3-compatible store for a DuckLake's data files (``GEOAQ_S3_*``)."""

    endpoint: str | None
    key_id: str | None
    secret: str | None = field(repr=False, default=None)
    region: str = "us-east-1"
    use_ssl: bool = True


def s3_settings() -> S3Settings:
    return S3Settings(endpoint=_env("GEOAQ_S3_ENDPOINT"), key_id=_env("GEOAQ_S3_KEY_ID"),
                      secret=_env("GEOAQ_S3_SECRET"), region=_env("GEOAQ_S3_REGION") or "us-east-1",
                      use_ssl=(_env("GEOAQ_S3_USE_SSL") or "1") != "0")


def service_feeds() -> bool:
    """``GEOAQ_SERVICE_FEEDS``: whether the app's service runs the scheduled feeds (default yes)."""
    return (_env("GEOAQ_SERVICE_FEEDS") or "1") != "0"


def _number(name: str, default: float, minimum: float, what: str) -> float:
    value = _env(name)
    try:
        number = float(value) if value is not None else default
    except ValueError:
        raise ConfigError(f"{name}={value}: expected {what}") from None
    if number < minimum:
        raise ConfigError(f"{name}={value}: expected {what} of at least {minimum:g}")
    return number


@dataclass(frozen=True)
class AccountSettings:
    """How long sessions last and when failed sign-ins lock an account (``GEOAQ_SESSION_*``,
    ``GEOAQ_LOCKOUT_*``)."""

    session_hours: float = 12.0
    idle_minutes: float = 120.0
    lockout_failures: int = 5
    lockout_minutes: float = 15.0


def account_settings() -> AccountSettings:
    return AccountSettings(
        session_hours=_number("GEOAQ_SESSION_HOURS", 12.0, 0.1, "a number of hours"),
        idle_minutes=_number("GEOAQ_SESSION_IDLE_MINUTES", 120.0, 1.0, "a number of minutes"),
        lockout_failures=int(_number("GEOAQ_LOCKOUT_FAILURES", 5, 1, "a whole number")),
        lockout_minutes=_number("GEOAQ_LOCKOUT_MINUTES", 15.0, 1.0, "a number of minutes"))


#: the evidence types geoaq can tell by content (geoaq.fires.evidence), in the order shown
EVIDENCE_TYPES = ("jpeg", "png", "pdf", "docx", "xlsx")


@dataclass(frozen=True)
class EvidenceSettings:
    """Limits and place of the field checks' evidence files (``GEOAQ_EVIDENCE_*``)."""

    max_bytes: int = 10 * 1024 * 1024
    max_files: int = 10
    types: tuple[str, ...] = EVIDENCE_TYPES
    directory: Path | None = None  # None: beside the database (geoaq.fires.evidence.store_dir)


def evidence_settings() -> EvidenceSettings:
    """``GEOAQ_EVIDENCE_MAX_MB``, ``_MAX_FILES``, ``_TYPES`` and ``_DIR``, checked."""
    megabytes = _number("GEOAQ_EVIDENCE_MAX_MB", 10.0, 0.001, "a number of megabytes")
    files = int(_number("GEOAQ_EVIDENCE_MAX_FILES", 10, 1, "a whole number"))
    listed = _env("GEOAQ_EVIDENCE_TYPES")
    types = EVIDENCE_TYPES
    if listed is not None:
        wanted = [part.strip().lower() for part in listed.split(",") if part.strip()]
        unknown = [part for part in wanted if part not in EVIDENCE_TYPES]
        if unknown or not wanted:
            raise ConfigError(f"GEOAQ_EVIDENCE_TYPES={listed}: expected a comma-separated list of "
                              f"{', '.join(EVIDENCE_TYPES)}")
        types = tuple(kind for kind in EVIDENCE_TYPES if kind in wanted)
    folder = _env("GEOAQ_EVIDENCE_DIR")
    return EvidenceSettings(max_bytes=int(megabytes * 1024 * 1024), max_files=files, types=types,
                            directory=Path(folder).expanduser() if folder else None)


def account() -> str | None:
    """``GEOAQ_ACCOUNT``: the account the command line runs as."""
    return _env("GEOAQ_ACCOUNT")


def demo_password() -> str | None:
    """``GEOAQ_DEMO_PASSWORD``: the demo accounts' password, when one is given."""
    return _env("GEOAQ_DEMO_PASSWORD")


def lock_wait_s() -> float:
    """``GEOAQ_LOCK_WAIT_S``: how long a command waits for a database file held elsewhere."""
    value = _env("GEOAQ_LOCK_WAIT_S")
    try:
        seconds = float(value) if value is not None else 120.0
    except ValueError:
        raise ConfigError(f"GEOAQ_LOCK_WAIT_S={value}: expected a number of seconds") from None
    if seconds < 0:
        raise ConfigError(f"GEOAQ_LOCK_WAIT_S={value}: expected 0 or more seconds")
    return seconds


@dataclass(frozen=True)
class TileSettings:
    """The base maps a site configured (`geoaq.web.map` turns them into tile layers)."""

    url: str | None = None
    name: str = "Local tiles"
    attribution: str | None = None
    datum: str = "wgs84"
    tianditu_token: str | None = None


def tile_settings() -> TileSettings:
    """``GEOAQ_TILE_*`` and ``GEOAQ_TIANDITU_TOKEN``, checked."""
    url = _env("GEOAQ_TILE_URL")
    datum = (_env("GEOAQ_TILE_DATUM") or "wgs84").lower().replace("-", "")  # GCJ-02 too
    if datum not in ("wgs84", "gcj02"):
        raise ConfigError(f"GEOAQ_TILE_DATUM={datum}: expected wgs84 or gcj02")
    attribution = _env("GEOAQ_TILE_ATTRIBUTION")
    if url and attribution is None:
        attribution = url.split("/")[2] if "//" in url else url
    return TileSettings(url=url, name=_env("GEOAQ_TILE_NAME") or "Local tiles",
                        attribution=attribution, datum=datum,
                        tianditu_token=_env("GEOAQ_TIANDITU_TOKEN"))


def debug() -> bool:
    """``GEOAQ_DEBUG`` set to anything but 0: show internal errors' tracebacks."""
    return (_env("GEOAQ_DEBUG") or "0") != "0"


#: The languages geoaq speaks (`geoaq.i18n` holds their words); the first is the default.
LANGUAGE_CODES = ("zh", "en")


def language() -> str:
    """``GEOAQ_LANG`` (zh or en, any case), else zh: the command line's language."""
    value = (_env("GEOAQ_LANG") or LANGUAGE_CODES[0]).lower()
    if value not in LANGUAGE_CODES:
        raise ConfigError(f"GEOAQ_LANG={value}: expected one of {', '.join(LANGUAGE_CODES)}")
    return value


def firms_map_key() -> str | None:
    """``GEOAQ_FIRMS_MAP_KEY``: the FIRMS key of the fire feed (`geoaq.feeds.firms`), None when
    unset. Callers mask it in every message (`geoaq.feeds.http.mask`)."""
    return _env("GEOAQ_FIRMS_MAP_KEY")
