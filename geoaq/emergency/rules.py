"""The emergency rules (``data/rules/emergency.toml``, or a site's own): warning levels and the
cut shares each requires, the criteria that suggest a level from a forecast, how grades and
measures are read, the list's consistency rules. Checked on loading against `SCHEMA`.

Everything a city's plan may change is here, as data: a level's required shares, a
criterion's thresholds, which grades are exempt, the words a measure is recognised by.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq._errors import EmergencyRulesError
from geoaq.rules import array, integer, load_rules, number, table, tables, text

#: the pollutants the list's shares are checked for (seed 004 §19), in the order shown
POLLUTANTS = ("so2", "nox", "pm", "vocs")
#: warning level codes, lowest first (words: emergency.level.<code>)
LEVELS = ("III", "II", "I")
#: what part a grade takes in the measures (words: emergency.grade_class.<code>)
GRADE_CLASSES = ("exempt", "reduced", "full", "ungraded")
#: measure kinds (words: emergency.measure.<code>); `other`: a measure no pattern recognises
MEASURE_KINDS = ("stop", "limit", "equipment", "stagger", "none", "other")
#: how strong a measure is, for one enterprise with several lines (strongest first)
MEASURE_STRENGTH = ("stop", "limit", "equipment", "stagger", "other", "none")
#: inspection results (words: emergency.result.<code>)
RESULTS = ("compliant", "violation", "unable")

_SHARE = number(minimum=0, maximum=100, expected="a share in % from 0 to 100")
_LEVEL = table({
    "rank": integer(minimum=1),
    "colour": text(pattern=r"^#[0-9a-fA-F]{6}$", expected="a colour #rrggbb"),
    "required_share": table({p: _SHARE for p in POLLUTANTS}, required=POLLUTANTS),
    "spellings": array(text(nonblank=True), default=[]),
}, required=("rank", "colour", "required_share"))
_TERM = table({"above": number(minimum=0), "days": integer(minimum=1)}, required=("above", "days"))
#: ``emergency.toml``: every key, its type and its default
SCHEMA = table({
    "levels": table({code: _LEVEL for code in LEVELS}, required=LEVELS),
    "criteria": array(table({
        "level": text(choices=LEVELS),
        "when": array(_TERM, min_items=1),
        "source": text(),
    }, required=("level", "when")), default=[]),
    "grades": table({
        "exempt": array(text(nonblank=True), default=["A"]),
        "reduced": array(text(nonblank=True), default=["B"]),
        "full": array(text(nonblank=True), default=["C"]),
        "spellings": tables(text(nonblank=True), default={}),
        "falsified_grade": text(nonblank=True, default="C"),
    }),
    "measures": array(table({
        "kind": text(choices=[k for k in MEASURE_KINDS if k != "other"]),
        "pattern": text(nonblank=True),
    }, required=("kind", "pattern")), min_items=1),
    "consistency": table({
        "ule_industries": array(text(nonblank=True), default=["钢铁"]),
        "ule_grades": array(text(choices=GRADE_CLASSES), default=["exempt", "reduced"]),
        "ule_done": array(text(nonblank=True), default=["已完成"]),
        "required_industries": array(text(nonblank=True), default=[]),
        "excluded_status": array(text(nonblank=True), default=[]),
    }),
    "assessment": table({
        "before_days": integer(minimum=1, default=3),
        "heavy_aqi": number(minimum=0, default=200),
    }),
    "inspections": table({
        "results": tables(text(choices=RESULTS), default={}),
    }),
}, required=("levels", "measures"))


def normal(value: object) -> str:
    """Text as compared: NFKC (full-width → ASCII, Ⅲ → III), trimmed, lower case."""
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


@dataclass(frozen=True)
class Level:
    """A warning level: its rank (1 lowest), map colour, required cut shares (%) per
    pollutant and the ways files spell it."""

    code: str
    rank: int
    colour: str
    required_share: dict[str, float]
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion:
    """One way a forecast reaches `level`: every (above, days) term within one episode."""

    level: str
    when: tuple[tuple[float, int], ...]
    source: str = ""


@dataclass(frozen=True)
class MeasurePattern:
    kind: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class EmergencyRules:
    """``emergency.toml`` read and checked (see the file for what each key means)."""

    levels: dict[str, Level]
    criteria: tuple[Criterion, ...]
    grade_classes: dict[str, str]
    grade_spellings: dict[str, str]
    falsified_grade: str
    measures: tuple[MeasurePattern, ...]
    ule_industries: tuple[str, ...]
    ule_grades: tuple[str, ...]
    ule_done: tuple[str, ...]
    required_industries: tuple[str, ...]
    excluded_status: tuple[str, ...]
    before_days: int
    heavy_aqi: float
    results: dict[str, str]
    path: Path | None = None
    _level_words: dict[str, str] = field(default_factory=dict, repr=False)
    _grade_words: dict[str, str] = field(default_factory=dict, repr=False)
    _result_words: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def level_order(self) -> list[str]:
        """Level codes, lowest rank first."""
        return sorted(self.levels, key=lambda code: self.levels[code].rank)

    def level_of(self, value: object) -> str | None:
        """The level code a text names (``橙色``, ``Ⅱ级``, ``II``, ``橙色预警（Ⅱ级）``), or None
        (none, or two different levels)."""
        if value is None:
            return None
        return self._level_words.get(normal(value)) or self.level_in(normal(value))

    def level_in(self, value: str) -> str | None:
        """The one level a normalised text mentions (Roman numerals and English words only as
        whole words: the I of "III" is not level I), or None."""
        spans: list[tuple[int, int, str]] = []
        for word, code in self._level_words.items():
            pattern = re.escape(word)
            if word.isascii():
                pattern = rf"(?<![a-z]){pattern}(?![a-z])"
            spans += [(m.start(), m.end(), code) for m in re.finditer(pattern, value)]
        kept = [s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0]
                                            for o in spans)]
        found = {code for _, _, code in kept}
        return found.pop() if len(found) == 1 else None

    def grade(self, value: object) -> str | None:
        """A grade as kept: the rules' spelling of it (``A级`` → ``A``), else as written; None
        when empty."""
        if value is None or not str(value).strip():
            return None
        written = unicodedata.normalize("NFKC", str(value)).strip()
        return self._grade_words.get(normal(written), written)

    def grade_class(self, grade: str | None, falsified: bool = False) -> str:
        """exempt / reduced / full / ungraded of a grade; a falsifier's is its lowered grade's."""
        if falsified:
            grade = self.falsified_grade
        return self.grade_classes.get(grade or "", "ungraded")

    def result_of(self, value: object) -> str | None:
        """An inspection result code from its text (``已落实`` → compliant), or None."""
        if value is None:
            return None
        text_value = normal(value)
        return text_value if text_value in RESULTS else self._result_words.get(text_value)


def rules_path() -> Path:
    """The emergency rules in use: the site's ``rules/emergency.toml``, else the shipped one."""
    return config.rules_file("emergency.toml")


def _cross_checks(raw: dict[str, Any]) -> list[str]:
    """What the schema cannot say: ranks and spellings distinct, higher levels not asking less,
    every grade in one class, the falsified grade classed, patterns that compile."""
    problems: list[str] = []
    levels = raw.get("levels")
    if isinstance(levels, dict) and all(isinstance(levels.get(c), dict) for c in LEVELS):
        ranks = [levels[c].get("rank") for c in LEVELS]
        if all(isinstance(r, int) for r in ranks) and ranks != sorted(set(ranks)):
            problems.append(f"levels: ranks must rise from III to II to I (yellow < orange < red), got "
                            f"{dict(zip(LEVELS, ranks, strict=True))}")
        seen: dict[str, str] = {}
        for code in LEVELS:
            for word in [code, *levels[code].get("spellings", [])]:
                if not isinstance(word, str):
                    continue
                other = seen.setdefault(normal(word), code)
                if other != code:
                    problems.append(f"levels.{code}.spellings: {word!r} already spells level {other}")
        for lower, higher in zip(LEVELS, LEVELS[1:], strict=False):
            low, high = levels[lower].get("required_share"), levels[higher].get("required_share")
            if isinstance(low, dict) and isinstance(high, dict):
                for p in POLLUTANTS:
                    a, b = low.get(p), high.get(p)
                    if isinstance(a, int | float) and isinstance(b, int | float) and b < a:
                        problems.append(f"levels.{higher}.required_share.{p} ({b}) is below level "
                                        f"{lower}'s ({a}): a higher level cannot require less")
    grades = raw.get("grades")
    if isinstance(grades, dict):
        owner: dict[str, str] = {}
        for cls in ("exempt", "reduced", "full"):
            for grade in grades.get(cls, []) if isinstance(grades.get(cls), list) else []:
                first = owner.setdefault(grade, cls)
                if first != cls:
                    problems.append(f"grades: {grade!r} is in both {first} and {cls}")
        falsified = grades.get("falsified_grade")
        if isinstance(falsified, str) and owner and falsified not in owner:
            problems.append(f"grades.falsified_grade {falsified!r} is in none of exempt, reduced, full")
    for index, entry in enumerate(raw.get("measures", []) if isinstance(raw.get("measures"), list) else []):
        pattern = entry.get("pattern") if isinstance(entry, dict) else None
        if isinstance(pattern, str):
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"measures[{index}].pattern is not a valid regular expression: {exc}")
    return problems


def load_emergency_rules(path: Path | None = None) -> EmergencyRules:
    """Read and check the emergency rules (default `rules_path`)."""
    path = Path(path) if path is not None else rules_path()
    raw = load_rules(path, SCHEMA, EmergencyRulesError, checks=_cross_checks,
                     what="emergency rules file")
    levels = {code: Level(code, int(v["rank"]), v["colour"],
                          {p: float(v["required_share"][p]) for p in POLLUTANTS},
                          tuple(v.get("spellings", ())))
              for code, v in raw["levels"].items()}
    words = {normal(w): code for code, level in levels.items() for w in (code, *level.spellings)}
    grades = raw["grades"]
    classes = {g: cls for cls in ("exempt", "reduced", "full") for g in grades[cls]}
    consistency, assessment = raw["consistency"], raw["assessment"]
    return EmergencyRules(
        levels=dict(sorted(levels.items(), key=lambda item: item[1].rank)),
        criteria=tuple(Criterion(c["level"], tuple((float(t["above"]), int(t["days"])) for t in c["when"]),
                                 c.get("source", "")) for c in raw["criteria"]),
        grade_classes=classes,
        grade_spellings=dict(grades["spellings"]),
        falsified_grade=grades["falsified_grade"],
        measures=tuple(MeasurePattern(m["kind"], re.compile(m["pattern"])) for m in raw["measures"]),
        ule_industries=tuple(consistency["ule_industries"]),
        ule_grades=tuple(consistency["ule_grades"]),
        ule_done=tuple(consistency["ule_done"]),
        required_industries=tuple(consistency["required_industries"]),
        excluded_status=tuple(consistency["excluded_status"]),
        before_days=int(assessment["before_days"]),
        heavy_aqi=float(assessment["heavy_aqi"]),
        results=dict(raw["inspections"]["results"]),
        path=path,
        _level_words=words,
        _grade_words={normal(k): v for k, v in grades["spellings"].items()}
        | {normal(g): g for g in classes},
        _result_words={normal(k): v for k, v in raw["inspections"]["results"].items()},
    )
