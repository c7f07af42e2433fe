"""The month's bulletin (通报): the county ranking of the month and of the year to date with the
moves, the units named as 排名靠后, the targets at risk (时序进度 at the month's end), and the
fire events and penalties per county of the month from the fire check — as an Excel workbook
(one sheet, the blocks one under another, as bureaus circulate it) and as printable HTML. Every
block's heading names its period and standard; every figure's heading its unit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.i18n import DEFAULT_LANGUAGE, join, say, t
from geoaq.rankings import present
from geoaq.rankings.periods import kind_end, resolve
from geoaq.rankings.progress import at_risk, progress
from geoaq.rankings.ranking import Ranking, rank
from geoaq.rankings.rules import RankingRules, load_ranking_rules
from geoaq.tables import xlsx_blocks


@dataclass
class Bulletin:
    """The bulletin's parts (see the module docstring)."""

    month: date
    month_ranking: Ranking
    ytd_ranking: Ranking
    named_last: list[str]
    progress: pd.DataFrame
    fires: pd.DataFrame | None
    notes: list = field(default_factory=list)

    def title(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t("rankings.bulletin.title", lang, year=self.month.year, month=self.month.month,
                 standard=self.month_ranking.standard.name)

    def blocks(self, lang: str = DEFAULT_LANGUAGE) -> list[tuple[str, pd.DataFrame]]:
        """(heading, table) of each part, worded in `lang`."""
        month, ytd = self.month_ranking, self.ytd_ranking
        out = [
            (say(month.title(), lang), present.ranking_table(month, lang)),
            (say(ytd.title(), lang), present.ranking_table(ytd, lang)),
        ]
        named = t("rankings.bulletin.named_last", lang, units=join(self.named_last, lang)) if self.named_last \
            else t("rankings.bulletin.none_last", lang)
        out.append((named, pd.DataFrame()))
        risky = at_risk(self.progress)
        heading = t("rankings.bulletin.progress", lang, end=kind_end("month", self.month), n=len(risky))
        out.append((heading, present.progress_table(risky, lang)))
        if self.fires is not None:
            heading = t("rankings.bulletin.fires", lang, start=self.month, end=kind_end("month", self.month))
            out.append((heading, self.fires_table(lang)))
        notes = [*present.notes_text(month, lang), *present.notes_text(ytd, lang)]
        out.append((t("rankings.bulletin.notes", lang), pd.DataFrame({t("rankings.column.note", lang): notes})))
        return out

    def fires_table(self, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
        frame = self.fires if self.fires is not None else pd.DataFrame()
        return pd.DataFrame({
            t("rankings.bulletin.fire_column.county", lang): frame.get("county_name", pd.Series(dtype=object)),
            t("rankings.bulletin.fire_column.events", lang): frame.get("events", pd.Series(dtype=int)),
            t("rankings.bulletin.fire_column.penalty", lang): frame.get("penalty_yuan", pd.Series(dtype=int)),
        })

    def xlsx(self, lang: str = DEFAULT_LANGUAGE) -> bytes:
        return xlsx_blocks(self.blocks(lang), self.title(lang), t("rankings.bulletin.sheet", lang))

    def html(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """A self-contained printable page (A4, tables with borders)."""
        parts = [f"<!doctype html><html lang=\"{t('rankings.bulletin.html_lang', lang)}\"><head><meta charset=\"utf-8\">"
                 f"<title>{html.escape(self.title(lang))}</title><style>"
                 "@page{size:A4;margin:15mm}body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
                 "font-size:11pt}h1{font-size:16pt;text-align:center}h2{font-size:12pt;margin-top:14pt}"
                 "table{border-collapse:collapse;width:100%}th,td{border:1px solid #444;padding:2pt 4pt;"
                 "text-align:center}th{background:#eee}</style></head><body>",
                 f"<h1>{html.escape(self.title(lang))}</h1>"]
        for heading, table in self.blocks(lang):
            parts.append(f"<h2>{html.escape(heading)}</h2>")
            if not table.empty:
                parts.append(table.to_html(index=False, border=0, na_rep="—", escape=True))
        parts.append("</body></html>")
        return "".join(parts)


def _fires(con: Connection, start: date, end: date) -> pd.DataFrame | None:
    """Fire events and penalties per county of start … end (None without fire points)."""
    from geoaq.fires import penalties
    from geoaq.fires.check import check_fires

    if not store.table_exists(con, "fire_points"):
        return None
    checked = check_fires(con, start, end)
    if checked.empty:
        return pd.DataFrame(columns=["county_adcode", "county_name", "events", "penalty_yuan"])
    return penalties.totals(checked, "county")


def build(con: Connection, month: date | None = None, *, basis: str | None = None, by: str = "district",
          with_fires: bool = True, rules: RankingRules | None = None) -> Bulletin:
    """The bulletin of `month` (any day of it; default: the last whole month with readings)."""
    rules = rules or load_ranking_rules()
    chosen = month and resolve("month", month.replace(day=1))
    month_ranking = rank(con, "month", chosen.start if chosen else None, chosen.end if chosen else None,
                         by=by, metric=rules.bulletin_metric, basis=basis, rules=rules)
    first = month_ranking.period.start
    ytd_ranking = rank(con, "ytd", date(first.year, 1, 1), month_ranking.period.end, by=by,
                       metric=rules.bulletin_metric, basis=basis, rules=rules)
    ranked = month_ranking.table[month_ranking.table["rank"].notna()]
    named = ranked.tail(rules.named_last)["unit_name"].tolist()[::-1] if rules.named_last else []
    table = progress(con, month_ranking.period.end, basis=basis, rules=rules)
    fires = _fires(con, first, month_ranking.period.end) if with_fires else None
    return Bulletin(first, month_ranking, ytd_ranking, named, table, fires)
