"""The ranking rules (``data/rules/rankings.toml``, or a site's own) and the metrics a ranking
can use.

A metric is a statistic of HJ 663 (``geoaq.aq.evaluation``: pm25_mean, composite_index …) or
its 改善幅度 against the same period a year earlier (the decline in %, positive when the air
got better). Which statistic and which direction is the method (here); the decimals values are
published to, which decide ties, are the file's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geoaq import config
from geoaq._errors import RankingRulesError
from geoaq.rules import array, integer, load_rules, table, text


@dataclass(frozen=True)
class Metric:
    """A ranking metric: the evaluation's `statistic`, whether it is the 改善幅度 of that
    statistic (`improvement`), whether larger is better, and its target-file metric name."""

    code: str
    statistic: str
    improvement: bool = False
    higher_is_better: bool = False

    @property
    def unit_key(self) -> str:
        """Its unit's key in the locales' [units] table."""
        if self.improvement or self.statistic == "good_day_ratio":
            return "percent"
        return {"composite_index": "none", "co_p95": "mg_m3"}.get(self.statistic, "ug_m3")


#: every ranking metric, in the order a page offers them
METRICS: dict[str, Metric] = {m.code: m for m in (
    Metric("composite_index", "composite_index"),
    Metric("pm25", "pm25_mean"),
    Metric("good_day_ratio", "good_day_ratio", higher_is_better=True),
    Metric("improvement_pm25", "pm25_mean", improvement=True, higher_is_better=True),
    Metric("improvement_composite", "composite_index", improvement=True, higher_is_better=True),
    Metric("pm10", "pm10_mean"),
    Metric("o3", "o3_8h_p90"),
    Metric("no2", "no2_mean"),
    Metric("so2", "so2_mean"),
    Metric("co", "co_p95"),
)}
#: a target's metric (compliance.targets) → the ranking metric of the same statistic
BY_STATISTIC = {m.statistic: m.code for m in METRICS.values() if not m.improvement}

#: ``rankings.toml``: every key, its type and its default
SCHEMA = table({
    "metrics": table({code: table({"decimals": integer(minimum=0, maximum=4)}, required=("decimals",))
                      for code in METRICS}, default={}),
    "names": table({
        "suffixes": array(text(nonblank=True), default=["市", "县", "区"]),
        "min_stem": integer(minimum=1, default=2),
    }),
    "progress": table({"risk_days": integer(minimum=0, default=10)}),
    "bulletin": table({
        "metric": text(choices=list(METRICS), default="composite_index"),
        "named_last": integer(minimum=0, default=3),
    }),
})
#: decimals of a metric the file does not name
DEFAULT_DECIMALS = {"composite_index": 2, "co": 1, "good_day_ratio": 1, "improvement_pm25": 1,
                    "improvement_composite": 1}


@dataclass(frozen=True)
class RankingRules:
    """``rankings.toml`` (see `SCHEMA`)."""

    decimals: dict[str, int]
    suffixes: tuple[str, ...]
    min_stem: int = 2
    risk_days: int = 10
    bulletin_metric: str = "composite_index"
    named_last: int = 3

    def decimals_of(self, metric: str) -> int:
        return self.decimals.get(metric, DEFAULT_DECIMALS.get(metric, 0))


def rules_path() -> Path:
    """The ranking rules in use: the site's ``rules/rankings.toml``, else the shipped one."""
    return config.rules_file("rankings.toml")


def load_ranking_rules(path: Path | None = None) -> RankingRules:
    """Read and check the ranking rules (default `rules_path`)."""
    path = Path(path) if path is not None else rules_path()
    raw = load_rules(path, SCHEMA, RankingRulesError, what="rankings rules file")
    suffixes = sorted(dict.fromkeys(raw["names"]["suffixes"]), key=len, reverse=True)
    return RankingRules(
        decimals={code: int(v["decimals"]) for code, v in raw["metrics"].items()},
        suffixes=tuple(suffixes), min_stem=int(raw["names"]["min_stem"]),
        risk_days=int(raw["progress"]["risk_days"]), bulletin_metric=raw["bulletin"]["metric"],
        named_last=int(raw["bulletin"]["named_last"]))
