"""Every word a user reads, in Simplified Chinese (default) and English, through `t`.

The words live in the locale files ``geoaq/locales/zh.toml`` and ``en.toml`` (UTF-8), keys
grouped in tables by page or capability and addressed with dots: ``[fires] period = "…"`` is
``t("fires.period", lang)``. Placeholders are `str.format` fields (``{n:,}``), filled from
the keyword arguments.

Domain code writes no words: it returns codes (a category, a status, a drop reason) or, for
a sentence with parameters, a `Message` (a key and its values, built with `msg`). The web
views, the pages, the command line and the exports turn them into words with `t` and `say`.
Layer and column titles are data of the registry (``layers/*.toml`` carries both languages);
`pick` chooses a language's variant of such data.

A missing word never breaks a page. tests/test_i18n.py checks that both files hold the same
keys with the same placeholders and that every key written in the code exists; at run time a
key missing from a language falls back to Chinese, then to the key itself, and a text whose
placeholders its values do not fill is shown unfilled; each is logged once (a warning on the
``geoaq.i18n`` logger), never raised.
"""

from __future__ import annotations

import functools
import logging
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from geoaq import config

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = config.LANGUAGE_CODES[0]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """A locale file's nested tables as dotted keys -> text."""
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat |= _flatten(value, f"{key}.")
        else:
            flat[key] = str(value)
    return flat


@functools.cache
def catalog(lang: str) -> Mapping[str, str]:
    """Every key -> text of a language's locale file (read once); empty for an unknown language."""
    path = LOCALES_DIR / f"{lang}.toml"
    if lang not in config.LANGUAGE_CODES or not path.is_file():
        return {}
    return _flatten(tomllib.loads(path.read_text("utf-8")))


#: language code -> the language's own name ("中文", "English"), from each locale's language.name
LANGUAGES = {code: catalog(code).get("language.name", code) for code in config.LANGUAGE_CODES}


@functools.cache
def _warn_once(problem: str, key: str, lang: str) -> None:
    _log.warning("geoaq.i18n: %s %r in %r", problem, key, lang)


def placeholders(text: str) -> set[str]:
    """The names of a text's `str.format` fields: {"n", "start"} for "{n:,} from {start}"."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _fill(text: str, key: str, lang: str, values: Mapping[str, Any]) -> str:
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, TypeError):
        _warn_once("values that do not fill the text of", key, lang)
        return text


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **values: Any) -> str:
    """The text of `key` in `lang`, its ``{placeholders}`` filled from `values`.

    A key missing from `lang` falls back to Chinese, then to the key (logged once each)."""
    text = catalog(lang).get(key)
    if text is None:
        _warn_once("no text for", key, lang)
        text = catalog(DEFAULT_LANGUAGE).get(key)
        if text is None:
            return key
    return _fill(text, key, lang, values) if values else text


# --- messages: what domain code returns instead of words ---------------------------------


@dataclass(frozen=True)
class Message:
    """A sentence still to be worded: a locale key and its values (numbers, names, codes,
    other messages). Hashable and picklable, so it can sit in a cached DataFrame."""

    key: str
    values: tuple[tuple[str, Any], ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.values)

    def __str__(self) -> str:  # a message printed by accident still reads as words
        return say(self, DEFAULT_LANGUAGE)


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def msg(key: str, /, **values: Any) -> Message:
    """A `Message` of `key` with its values: ``msg("routes.drop.no_time")``."""
    return Message(key, tuple((name, _frozen(value)) for name, value in values.items()))


@dataclass(frozen=True)
class Joined:
    """Items (words, names, messages) worded one by one and joined by the locale's
    `separator` key: the list separator (、 / ", ") or the clause separator (； / "; ")."""

    items: tuple[Any, ...]
    separator: str = "format.list_separator"


@dataclass(frozen=True)
class Localized:
    """A value that data give in several languages (a land-cover class, a standard's AQI
    category): worded as the `lang` variant, else the Chinese one (`pick`)."""

    variants: tuple[tuple[str, Any], ...]


def localized(**variants: Any) -> Localized:
    """``localized(zh="耕地", en="Cropland")``."""
    return Localized(tuple(variants.items()))


@dataclass(frozen=True)
class Yuan:
    """An exact sum of money, worded by `yuan_exact`: 50万元 / CNY 500,000."""

    amount: int


def clauses(items: Iterable[Any]) -> Joined:
    """Items joined as clauses of a sentence: 企业 甲、乙；矿山 丙."""
    return Joined(tuple(items), "format.clause_separator")


@functools.lru_cache(maxsize=65_536)
def _say_message(message: Message, lang: str) -> str:
    values = {name: _word(value, lang) if isinstance(value, _WORDED) else value for name, value in message.values}
    return t(message.key, lang, **values) if values else t(message.key, lang)


_WORDED = (Message, Joined, Localized, Yuan, tuple)


def say(value: Any, lang: str = DEFAULT_LANGUAGE) -> Any:
    """`value` as words: a `Message` worded in `lang` (without the spaces an empty value may
    leave at its ends), a tuple or list of words joined, a `Localized` value's variant, a `Yuan`
    sum; anything else (a name, a number, text from a file) as it is."""
    worded = _word(value, lang)
    return worded.strip() if isinstance(value, Message) else worded


def _word(value: Any, lang: str) -> Any:
    if isinstance(value, Message):
        try:
            return _say_message(value, lang)
        except TypeError:  # a value that cannot be hashed: word it without the cache
            return _say_message.__wrapped__(value, lang)
    if isinstance(value, Joined):
        return t(value.separator, lang).join(str(say(v, lang)) for v in value.items)
    if isinstance(value, Localized):
        return pick(dict(value.variants), lang)
    if isinstance(value, Yuan):
        return yuan_exact(value.amount, lang)
    if isinstance(value, list | tuple):
        return join((say(v, lang) for v in value), lang)
    return value


# --- language-dependent formatting, its words from the locales ---------------------------


def code_for(value: object, codes: Iterable[str], prefix: str) -> str | None:
    """The code among `codes` that `value` is — the code itself or its word (``prefix.code``) in
    any language, case and spaces aside — or None."""
    text = str(value or "").strip().lower()
    known = tuple(codes)
    if text in known:
        return text
    words = {t(f"{prefix}.{code}", lang).lower(): code for code in known for lang in LANGUAGES}
    return words.get(text)


def choices(codes: Iterable[str], prefix: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``code (word), …``: what a message lists as accepted."""
    return ", ".join(f"{code} ({t(f'{prefix}.{code}', lang)})" for code in codes)


def pick(variants: Mapping[str, _T], lang: str) -> _T:
    """The `lang` variant of data given in several languages (a registry title, a standard's
    category names), else the Chinese one."""
    value = variants.get(lang)
    return variants[DEFAULT_LANGUAGE] if value is None or (isinstance(value, str) and not value) else value


def join(items: Iterable[Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """Items listed in `lang`: 甲、乙 / a, b."""
    return t("format.list_separator", lang).join(str(item) for item in items)


def with_unit(name: str, unit: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A heading with its unit: PM2.5（µg/m³） / PM2.5 (µg/m³)."""
    return t("format.with_unit", lang, name=name, unit=unit)


def yes_no(value: bool, lang: str = DEFAULT_LANGUAGE) -> str:
    return t("format.yes" if value else "format.no", lang)


def date_span(start: object, end: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """A period: 2025-04-01 至 2025-04-30 / 2025-04-01 to 2025-04-30."""
    return t("format.date_span", lang, start=start, end=end)


def yuan_text(amount: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A sum of money short enough for a metric: ¥3,043.8万 / ¥30.44亿 in Chinese, ¥30.44 M in English.

    Below 10,000 yuan (and in tooltips, which show the exact figure) the whole number is used;
    the units and their sizes are the locale's (format.money_*).
    """
    value = float(amount)
    if abs(value) < 10_000:
        return f"¥{value:,.0f}"
    large = float(t("format.money_large_divisor", lang))
    if abs(value) >= large:
        return t("format.money_large", lang, value=value / large)
    return t("format.money_medium", lang, value=value / float(t("format.money_medium_divisor", lang)))


def yuan_exact(amount: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """An exact sum of money in the plans' words: 50万元 (whole 万) or 12345元 in Chinese,
    CNY 500,000 in English (format.money_exact*)."""
    divisor = int(t("format.money_exact_round_divisor", lang))
    if amount and amount % divisor == 0:
        return t("format.money_exact_round", lang, value=amount // divisor)
    return t("format.money_exact", lang, value=amount)
