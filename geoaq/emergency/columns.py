"""The columns of the files the emergency work reads (the 应急减排清单, warnings, returned
checklists): headers recognised by what they say, and the header row found under a title.

A header names a field (`Field`): a plain one by its aliases (企业名称, 统一社会信用代码 …), an
emission by a pollutant and 排放 ("SO2年排放量（t/a）", "二氧化硫排放量"), a level's measure by a
level and 措施 ("黄色预警措施", "Ⅲ级应急减排措施"), a level's cut by a level, a pollutant and 减排
("橙色预警SO2减排量"). Levels are spelt as the rules file says. Comparison is NFKC, case-blind,
without spaces, punctuation or bracketed notes; a unit in a bracket or ending the header is read
(`header_unit`): a mass per year is converted to t/a (kg/a × 0.001, 万吨/年 × 10 000 …); any other
unit of an amount (吨/天, t/h, m3/h …) is refused by the caller.

A two-row header ("黄色预警" merged over "措施 / SO2 / NOx …", or a CSV with the parent once and
empty cells after it) is read as one: parent + child per column. `find_header` tries each of
the first rows, alone and with the row below, and takes the reading that names the most fields.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from geoaq.emergency.rules import POLLUTANTS, EmergencyRules
from geoaq.ingest.spreadsheet import Grid

_BRACKETS = re.compile(r"[(\[【{]([^)\]】}]*)[)\]】}]")
_DROP = re.compile(r"[\s/、_\-:：,，.。·*＊#№]")
#: rows that total the list rather than describe an enterprise (skipped, counted)
SUMMARY_WORDS = frozenset({"合计", "总计", "小计", "total", "sum"})
#: how far below the top the header may start (title rows, notes)
HEADER_SEARCH_ROWS = 20

#: pollutant → words naming it in a header (normalised); PM2.5/PM10 are not 颗粒物 totals
POLLUTANT_WORDS = {
    "so2": ("so2", "二氧化硫"),
    "nox": ("nox", "氮氧化物"),
    "pm": ("颗粒物", "烟粉尘", "烟尘", "粉尘", "tsp", "pm"),
    "vocs": ("vocs", "voc", "挥发性有机物", "挥发性有机化合物"),
}
_POLLUTANT_PATTERNS = {p: re.compile("|".join(
    re.escape(w) + (r"(?![0-9.])" if w == "pm" else "") for w in words)) for p, words in POLLUTANT_WORDS.items()}
_EMISSION_WORDS = ("排放量", "排放")
_CUT_WORDS = ("减排", "削减", "减少", "减量")
_MEASURE_WORDS = ("措施",)
#: units of mass an amount may be in → factor to tonnes (per year: the list's emissions are annual)
_MASS = {"万吨": 1e4, "万t": 1e4, "千吨": 1e3, "kt": 1e3, "吨": 1.0, "t": 1.0, "千克": 1e-3, "公斤": 1e-3,
         "kg": 1e-3, "克": 1e-6, "g": 1e-6}
_MASS_WORDS = "|".join(sorted(map(re.escape, _MASS), key=len, reverse=True))
_MASS_PER_YEAR = re.compile(rf"({_MASS_WORDS})(?:(?:/|每)(?:a|年|yr|y|年度)|a|年)?")
_MASS_PER_OTHER = re.compile(rf"(?:{_MASS_WORDS}|毫克|mg)(?:/|每).+")
#: a bracket of Latin letters (and digits, slashes) is a unit: m3/h, tons, lb
_LATIN_UNIT = re.compile(r"(?=.*[a-zµ])[a-zµ0-9./³·]+")
#: a unit written after the amount's words, without a bracket
_UNIT_TAIL = re.compile(r"(?:排放量|排放|减排量|削减量|减少量|减量|减排|削减|so2|nox|vocs|voc|颗粒物|二氧化硫|氮氧化物|挥发性有机物)"
                        rf"((?:{_MASS_WORDS}|毫克|mg)(?:(?:/|每)[a-z年天日时月度]+|a|年)?)$")


@dataclass(frozen=True)
class Field:
    """What a column holds: `name` (a plain field, ``emission``, ``measure`` or ``cut``), the
    `level` and `pollutant` it is of, and the `factor` to t/a of an amount (None: no unit said)."""

    name: str
    level: str | None = None
    pollutant: str | None = None
    factor: float | None = None
    unit_problem: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        return self.name, self.level, self.pollutant


def normal_header(text: str) -> str:
    """A header as compared: NFKC, lower case, bracketed notes, spaces and punctuation removed."""
    value = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return _DROP.sub("", _BRACKETS.sub("", value))


def _unit_factor(unit: str) -> tuple[float | None, str | None]:
    """(factor to t/a, None) of a unit of mass per year; (None, unit) of any other unit; (None,
    None) when the text is no unit at all (a note: 有组织, 2024年)."""
    found = _MASS_PER_YEAR.fullmatch(unit)
    if found:
        return _MASS[found.group(1)], None
    if _MASS_PER_OTHER.fullmatch(unit) or any(w in unit for w in ("吨", "克", "斤")) or _LATIN_UNIT.fullmatch(unit):
        return None, unit
    return None, None


def header_unit(text: str) -> tuple[float | None, str | None]:
    """(factor to t/a, unknown unit) of an amount's header: the unit its bracket names ("SO2排放量
    （kg/a）") or that ends it ("SO2排放量kg/a", "SO2排放量 吨"). A mass per year converts (t, kg,
    g, 万吨 per year or with no time: 1, 0.001, 1e-6, 1e4); any other unit (吨/天, t/h, m3/h,
    tons) is returned to be refused; no unit said: (None, None) — t/a is assumed."""
    value = unicodedata.normalize("NFKC", str(text)).lower()
    for inside in _BRACKETS.findall(value):
        unit = re.sub(r"\s", "", inside)
        if not unit or unit == "%":
            continue
        factor, problem = _unit_factor(unit)
        if factor is not None or problem is not None:
            return factor, None if factor is not None else inside.strip()
    tail = _UNIT_TAIL.search(re.sub(r"\s", "", _BRACKETS.sub("", value)))
    return _unit_factor(tail.group(1)) if tail else (None, None)


def aliases(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """normal_header(alias) → field name, from field → its aliases."""
    return {normal_header(a): name for name, names in table.items() for a in (name, *names)}


def _level_in(value: str, rules: EmergencyRules) -> str | None:
    """The one level a normalised header names, or None (none, or two different levels)."""
    return rules.level_in(value)


def _pollutant_in(value: str) -> str | None:
    found = [p for p in POLLUTANTS if _POLLUTANT_PATTERNS[p].search(value)]
    return found[0] if len(found) == 1 else None


def list_field(header: str, rules: EmergencyRules, plain: Mapping[str, str]) -> Field | None:
    """The field of a header of the reduction list, or None."""
    value = normal_header(header)
    if not value:
        return None
    if value in plain:
        return Field(plain[value])
    level, pollutant = _level_in(value, rules), _pollutant_in(value)
    factor, problem = header_unit(header)
    if level is not None and pollutant is not None:
        return Field("cut", level, pollutant, factor, problem)
    if level is not None:
        amount = any(w in value for w in (*_EMISSION_WORDS, *_CUT_WORDS))
        if amount and not any(w in value for w in _MEASURE_WORDS):
            return None  # "黄色预警减排量" without a pollutant: not a column geoaq can read
        return Field("measure", level)
    if pollutant is not None and any(w in value for w in _EMISSION_WORDS) \
            and not any(w in value for w in _CUT_WORDS):
        return Field("emission", None, pollutant, factor, problem)
    if pollutant is not None and value in {normal_header(w) for w in POLLUTANT_WORDS[pollutant]}:
        return Field("emission", None, pollutant, factor, problem)  # a bare "SO2" column
    return None


def plain_field(header: str, plain: Mapping[str, str]) -> Field | None:
    """The field of a header that only has plain fields (warnings, checklists), or None."""
    value = normal_header(header)
    return Field(plain[value]) if value in plain else None


def _combined(parent: list[str | None], child: list[str | None]) -> list[str | None]:
    """Two header rows read as one: the parent filled right over the columns its merged cell
    (or a CSV's empty cells) spans, then parent + child where both say something."""
    width = max(len(parent), len(child))
    parent = parent + [None] * (width - len(parent))
    child = child + [None] * (width - len(child))
    out: list[str | None] = []
    spanning: str | None = None
    for p, c in zip(parent, child, strict=True):
        if p is not None:
            spanning = p
        elif c is None:
            spanning = None
        top = p if p is not None else spanning
        if c is None or c == top:
            out.append(top)
        elif top is None:
            out.append(c)
        else:
            out.append(f"{top}{c}")
    return out


@dataclass(frozen=True)
class Header:
    """The header found: its rows in the grid (`first` … `first + rows - 1`), the text of each
    column and the fields recognised (column index → Field)."""

    first: int
    rows: int
    names: list[str | None]
    fields: dict[int, Field]

    @property
    def data_start(self) -> int:
        return self.first + self.rows

    def columns_of(self, name: str) -> list[int]:
        return [i for i, f in self.fields.items() if f.name == name]


def _read_header(names: list[str | None], classify: Callable[[str], Field | None]) -> dict[int, Field]:
    """column → field; a field named twice keeps its first column."""
    found: dict[int, Field] = {}
    seen: set[tuple] = set()
    for index, name in enumerate(names):
        if name is None:
            continue
        field = classify(name)
        if field is not None and field.key not in seen:
            seen.add(field.key)
            found[index] = field
    return found


def find_header(grid: Grid, classify: Callable[[str], Field | None]) -> Header | None:
    """The header of `grid`: the row (or pair of rows) among the first `HEADER_SEARCH_ROWS`
    whose cells name the most fields; None when no row names any."""
    best: Header | None = None
    for first in range(min(HEADER_SEARCH_ROWS, len(grid.rows))):
        readings = [(1, list(grid.rows[first]))]
        if first + 1 < len(grid.rows):
            readings.append((2, _combined(list(grid.rows[first]), list(grid.rows[first + 1]))))
        for rows, names in readings:
            fields = _read_header(names, classify)
            if fields and (best is None or len(fields) > len(best.fields)):
                best = Header(first, rows, names, fields)
    return best


def is_summary_row(row: list[str | None]) -> bool:
    """A row that totals the table (合计, 总计, 小计 in one of its first cells)."""
    return any(cell is not None and normal_header(cell) in SUMMARY_WORDS for cell in row[:4])
