"""Peer tables (对标排名表): the rankings a province or the ministry publishes — names with their
综合指数, PM2.5, 优良天数比率 … and rank for a period — loaded from Excel or CSV, and the city's
(or county's) own computed figures placed among them, with the gap to the place a target asks.

**Loading** (`load_peer_table`): every sheet of the file is read as text (`geoaq.ingest.
spreadsheet`); the header is the first row (of the first ten) naming a unit column and at least
one figure, each column recognised by what its header says (城市/区县/名称 …, 综合指数, PM2.5,
PM10, O3/臭氧, NO2, SO2, CO, 优良天数比率, 排名/名次, 时段); columns of changes (同比, 变化,
改善, 幅度) are not figures. 合计 / 平均 rows are skipped; a figure that is not a number is a
reject (its file row, column and reason) and the row is kept without it. The period is given,
or read from a 时段 column (2025-01, 2025年1月, 2025年1—3月, 2025年, 2025-01-01~2025-01-31). One
transaction replaces what was stored for the table's name and period.

**Names** (`name_key`, `match`): compared after NFKC (full-width → half-width), without spaces,
brackets and dots; then, when nothing matches, without an administrative ending of
``rankings.toml`` ([names] suffixes: 洛阳市 → 洛阳, 孟津区 → 孟津). Two peers that become the same
name match neither (the result says so).

**Placing** (`place`): the peers' values by the metric, the own unit's row replaced by (or, when
not in the table, added with) its own computed value, ranked as published (ties share a rank);
the value needed for a place k is the k-th best value of the others (equal is enough: a tie
shares the place).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from geoaq._errors import IngestError, RankingInputError, UnknownPeerTableError
from geoaq.db import connection as geoaq_db
from geoaq.db import store
from geoaq.db.named import run
from geoaq.i18n import Message, msg
from geoaq.ingest.spreadsheet import read_grids
from geoaq.rankings.periods import Period
from geoaq.rankings.ranking import rank_values
from geoaq.rankings.rules import METRICS, RankingRules, load_ranking_rules

#: the figures a peer table may carry (ranking metric codes; columns of peer_rows)
FIGURES = ("composite_index", "pm25", "pm10", "o3", "no2", "so2", "co", "good_day_ratio")
LAYER = "peer_table"
CLAIM = "peer_tables"
_CHANGE_WORDS = ("同比", "变化", "改善", "幅度", "升降", "增减", "比较", "change")
_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("城市", "名称", "区县", "县（市、区）", "县(市、区)", "县市区", "县区", "市州", "地区", "单位", "name", "city",
             "county"),
    "composite_index": ("综合指数", "compositeindex"),
    "pm25": ("pm2.5", "pm25", "细颗粒物"),
    "pm10": ("pm10", "可吸入颗粒物"),
    "o3": ("o3", "臭氧"),
    "no2": ("no2", "二氧化氮"),
    "so2": ("so2", "二氧化硫"),
    "co": ("co", "一氧化碳"),
    "good_day_ratio": ("优良天数比", "优良率", "优良天数占比", "gooddayratio"),
    "rank": ("排名", "名次", "位次", "rank"),
    "period": ("时段", "期间", "月份", "period"),
}
_SKIPPED_NAMES = ("合计", "平均", "总计", "average", "total")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def header_field(header: str | None) -> str | None:
    """The field a header names (name, a figure, rank, period), or None."""
    if not header:
        return None
    text = _norm(header)
    for code in ("rank", "period", "name"):
        if any(_norm(word) in text for word in _HEADERS[code]):
            if code == "name" and any(_norm(w) in text for w in _HEADERS["composite_index"] + ("浓度", "比率")):
                continue
            if code == "rank" and any(_norm(w) in text for w in ("变化", "升降")):
                return None
            return code
    if any(word in text for word in _CHANGE_WORDS):
        return None
    for code in FIGURES:
        words = [_norm(w) for w in _HEADERS[code]]
        if code == "co":  # "co" is inside other words: the header must start with it or say 一氧化碳
            if text.startswith("co") or "一氧化碳" in text:
                return code
            continue
        if code == "pm10" and "pm2.5" in text:
            continue
        if any(w in text for w in words):
            return code
    return None


def _header(rows: list[list[str | None]]) -> tuple[int, dict[int, str]] | None:
    for index, row in enumerate(rows[:10]):
        fields: dict[int, str] = {}
        for column, cell in enumerate(row):
            code = header_field(cell)
            if code and code not in fields.values():
                fields[column] = code
        if "name" in fields.values() and any(v in FIGURES or v == "rank" for v in fields.values()):
            return index, fields
    return None


_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})[~～至到—–-]+(\d{4})-(\d{2})-(\d{2})$"), "span"),
    (re.compile(r"^(\d{4})年(\d{1,2})[—–~～至到-](\d{1,2})月(累计)?$"), "months"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(累计)?$"), "month"),
    (re.compile(r"^(\d{4})年?(全年)?$"), "year"),
)


def parse_period(text: str) -> tuple[date, date]:
    """A published period's words → (first day, last day); a RankingInputError otherwise."""
    from geoaq.rankings.periods import kind_end

    value = _norm(text).replace("—", "-")
    for pattern, kind in _PERIOD_PATTERNS:
        found = pattern.match(value)
        if not found:
            continue
        g = [int(x) for x in found.groups() if x and x.isdigit()]
        if kind == "span":
            return date(g[0], g[1], g[2]), date(g[3], g[4], g[5])
        if kind == "months":
            return date(g[0], g[1], 1), kind_end("month", date(g[0], g[2], 1))
        if kind == "month":
            return date(g[0], g[1], 1), kind_end("month", date(g[0], g[1], 1))
        return date(g[0], 1, 1), date(g[0], 12, 31)
    raise RankingInputError(f"period {text!r} is not one of 2025-01, 2025年1月, 2025年1-3月, 2025年, "
                            f"2025-01-01~2025-01-31 (or give --start and --end)")


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    value = unicodedata.normalize("NFKC", text).strip().rstrip("%").replace(",", "")
    return float(value)


@dataclass
class PeerReport:
    """What a load of a peer table did."""

    table_name: str
    period: tuple[date, date]
    source_file: str
    rows: int
    figures: list[str]
    rejects: pd.DataFrame
    skipped: int = 0
    ingest_id: int = 0
    replaced: bool = False
    notes: list[Message] = field(default_factory=list)

    def messages(self) -> list[Message]:
        lines = [msg("rankings.peers.loaded", table=self.table_name, start=self.period[0], end=self.period[1],
                     file=self.source_file, rows=self.rows,
                     figures=tuple(msg(f"rankings.metric.{f}") for f in self.figures))]
        if self.replaced:
            lines.append(msg("rankings.peers.replaced"))
        if self.skipped:
            lines.append(msg("rankings.peers.skipped", n=self.skipped))
        for row in self.rejects.itertuples():
            lines.append(msg("rankings.peers.reject", row=row.row_number, column=row.column_name, value=row.value,
                             reason=row.reason))
        return lines + self.notes


def read_peer_file(path: str | Path, *, start: date | None = None, end: date | None = None,
                   encoding: str = "auto", sheet: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                tuple[date, date], int]:
    """(rows, rejects, period, skipped) of a peer table file; pure but for reading the file."""
    grids = read_grids(path, encoding=encoding, sheet=sheet)
    rows, rejects, periods, skipped = [], [], set(), 0
    for grid in grids:
        found = _header(grid.rows)
        if found is None:
            continue
        head, fields = found
        for cells, number in zip(grid.rows[head + 1:], grid.row_numbers[head + 1:], strict=True):
            value = {code: (cells[col] if col < len(cells) else None) for col, code in fields.items()}
            name = value.get("name")
            if not name:
                continue
            if any(word in _norm(name) for word in _SKIPPED_NAMES):
                skipped += 1
                continue
            row: dict = {"name": name.strip(), "source_row": number}
            for code in (*FIGURES, "rank"):
                text = value.get(code)
                try:
                    figure = _number(text)
                except ValueError:
                    rejects.append({"row_number": number, "column_name": code, "value": text,
                                    "reason": "not a number"})
                    figure = None
                if code == "rank" and figure is not None and not float(figure).is_integer():
                    rejects.append({"row_number": number, "column_name": code, "value": text,
                                    "reason": "a rank is a whole number"})
                    figure = None
                row["published_rank" if code == "rank" else code] = figure
            if value.get("period"):
                periods.add(value["period"])
            rows.append(row)
    if not rows:
        raise IngestError(f"{path}: no peer table found (a header naming the units — 城市/区县/名称 — and at "
                          f"least one of 综合指数, PM2.5, 优良天数比率 or 排名, within the first ten rows)")
    if start is None or end is None:
        if len(periods) != 1:
            raise RankingInputError(f"{path}: give the period (--start and --end): the file's 时段 column "
                                    f"{'is missing' if not periods else 'names ' + ', '.join(sorted(periods))}")
        start, end = parse_period(next(iter(periods)))
    frame = pd.DataFrame(rows)
    frame = frame.reindex(columns=["name", *FIGURES, "published_rank", "source_row"])
    reject_frame = pd.DataFrame(rejects, columns=["row_number", "column_name", "value", "reason"])
    return frame, reject_frame, (start, end), skipped


def load_peer_table(path: str | Path, table_name: str, *, con: geoaq_db.Connection,
                    start: date | None = None, end: date | None = None, encoding: str = "auto",
                    sheet: str | None = None, synthetic: bool = False, loaded_by: str | None = None,
                    source_name: str | None = None, actor=None) -> PeerReport:
    """Load a peer table as `table_name` for its period (given, or its 时段 column), replacing
    what was stored for that name and period, in one transaction. A table moves the places rank
    targets are judged by: `actor` (the signed-in account, `geoaq.accounts.roles.Actor`) must be
    one that manages data or decides (an administrator or the city bureau), and is recorded as
    ``loaded_by``."""
    if actor is not None:
        from geoaq.accounts.roles import DECIDE, MANAGE_DATA

        if not actor.may(DECIDE):
            actor.require(MANAGE_DATA, "load a peer table")
        loaded_by = actor.label
    if not table_name.strip():
        raise RankingInputError("a peer table needs a name (--table), e.g. 河南省县（市、区）")
    path = Path(path)
    frame, rejects, period, skipped = read_peer_file(path, start=start, end=end, encoding=encoding, sheet=sheet)
    if period[1] < period[0]:
        raise RankingInputError(f"the period ends ({period[1]}) before it starts ({period[0]})")
    shown = source_name or str(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    figures = [f for f in FIGURES if frame[f].notna().any()]
    geoaq_db.ensure_claims(con, CLAIM)
    for attempt in geoaq_db.write_attempts(con):
        with attempt, geoaq_db.transaction(con):
            geoaq_db.claim(con, CLAIM)
            replaced = any((r.table_name == table_name and r.period_start == period[0] and r.period_end == period[1])
                           for r in stored_tables(con).itertuples())
            ingest_id = store.next_ingest_id(con)
            key = [table_name, *period]
            run(con, "peer_rows_delete", key)
            run(con, "peer_table_delete", key)
            incoming = frame.assign(table_name=table_name, period_start=period[0], period_end=period[1],
                                    position=np.arange(1, len(frame) + 1), ingest_id=ingest_id)
            incoming["published_rank"] = incoming["published_rank"].astype("Int64")
            con.register("incoming_peer_rows", pa.Table.from_pandas(incoming, preserve_index=False))
            try:
                run(con, "peer_rows_insert")
            finally:
                con.unregister("incoming_peer_rows")
            run(con, "peer_table_insert", [*key, shown, digest, len(frame), synthetic, loaded_by, ingest_id])
            store.record_rejects(con, rejects, ingest_id, LAYER, shown)
    return PeerReport(table_name, period, shown, len(frame), figures, rejects, skipped, ingest_id, replaced)


def stored_tables(con: geoaq_db.Connection) -> pd.DataFrame:
    """Every loaded peer table and period (table_name, period_start, period_end, source_file,
    rows, synthetic, loaded_by, ingest_id, loaded_at)."""
    columns = ["table_name", "period_start", "period_end", "source_file", "rows", "synthetic", "loaded_by",
               "ingest_id", "loaded_at"]
    if not store.table_exists(con, "peer_tables"):
        return pd.DataFrame(columns=columns)
    frame = run(con, "peer_tables_list").df()
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def peer_rows(con: geoaq_db.Connection, table_name: str, start: date, end: date) -> pd.DataFrame:
    """The rows of a loaded peer table's period; UnknownPeerTableError (naming those loaded)
    when there is none."""
    tables = stored_tables(con)
    chosen = tables[(tables["table_name"] == table_name) & (tables["period_start"] == start)
                    & (tables["period_end"] == end)]
    if chosen.empty:
        loaded = [f"{r.table_name} {r.period_start}–{r.period_end}" for r in tables.itertuples()]
        raise UnknownPeerTableError(f"no peer table {table_name!r} for {start} – {end}; loaded: "
                                    f"{', '.join(loaded) or 'none (geoaq peers load FILE --table NAME)'}")
    return run(con, "peer_rows_of", [table_name, start, end]).df()


def find_table(con: geoaq_db.Connection, table_name: str, start: date, end: date) -> pd.DataFrame | None:
    """`peer_rows`, or None when that table and period are not loaded."""
    try:
        return peer_rows(con, table_name, start, end)
    except UnknownPeerTableError:
        return None


# --- names ------------------------------------------------------------------------------------

_DROPPED = re.compile(r"[\s()（）\[\]【】<>《》·・.。]")


def name_key(name: str) -> str:
    """A name compared: NFKC, without spaces, brackets and dots."""
    return _DROPPED.sub("", unicodedata.normalize("NFKC", str(name)))


def name_stem(name: str, rules: RankingRules) -> str:
    """`name_key` without one administrative ending (the longest that leaves ≥ min_stem)."""
    key = name_key(name)
    for suffix in rules.suffixes:
        if key.endswith(suffix) and len(key) - len(suffix) >= rules.min_stem:
            return key[: -len(suffix)]
    return key


def match(name: str, candidates: list[str], rules: RankingRules | None = None) -> tuple[int | None, Message | None]:
    """The index of the candidate `name` is (by key, else by stem), and a note when it is
    ambiguous or absent."""
    rules = rules or load_ranking_rules()
    for key in (name_key, lambda n: name_stem(n, rules)):
        wanted = key(name)
        found = [i for i, c in enumerate(candidates) if key(c) == wanted]
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, msg("rankings.peers.ambiguous", name=name, names=tuple(candidates[i] for i in found))
    return None, msg("rankings.peers.absent", name=name)


# --- placing ----------------------------------------------------------------------------------

@dataclass
class Placement:
    """The own unit among a peer table by a metric: `table` (name, value, rank, tied, own,
    published_rank, in best-first order), the own unit's rank among `size`, the table's own
    figures where it lists the unit, and notes (name matched, absent, ambiguous)."""

    table_name: str
    period: tuple[date, date]
    metric: str
    own_name: str
    own_value: float | None
    table: pd.DataFrame
    rank: int | None
    size: int
    matched: str | None = None
    table_value: float | None = None
    table_rank: int | None = None
    notes: list[Message] = field(default_factory=list)
    decimals: int = 2

    def needed_for(self, place: int) -> float | None:
        """The value the own unit needs for rank ≤ `place` (equal shares the place); None when
        any value reaches it (fewer others than `place`) or the others have no values."""
        higher = METRICS[self.metric].higher_is_better
        others = self.table.loc[~self.table["own"] & self.table["value"].notna(), "value"]
        others = others.sort_values(ascending=not higher).to_numpy()
        if place < 1 or place > len(others):
            return None
        return float(others[place - 1])

    def gap_for(self, place: int) -> float | None:
        """How much the own value must improve for rank ≤ `place` (0 when it already does;
        positive: the fall needed, or for 优良天数比率 the rise); None without a value."""
        needed = self.needed_for(place)
        if self.own_value is None or np.isnan(self.own_value):
            return None
        if needed is None:
            return 0.0
        gap = needed - self.own_value if METRICS[self.metric].higher_is_better else self.own_value - needed
        return max(0.0, round(gap, self.decimals + 2))


def place(peers: pd.DataFrame, metric: str, own_name: str, own_value: float | None, *,
          table_name: str = "", period: tuple[date, date] | None = None,
          rules: RankingRules | None = None) -> Placement:
    """`own_name` with its computed `own_value` among the rows of a peer table (`peer_rows`)
    by `metric` (one of `FIGURES`); pure."""
    if metric not in FIGURES:
        raise RankingInputError(f"a peer table ranks by one of {', '.join(FIGURES)}, not {metric!r}")
    rules = rules or load_ranking_rules()
    names = peers["name"].astype(str).tolist()
    index, note = match(own_name, names, rules)
    table = pd.DataFrame({"name": names, "value": peers[metric].astype(float).to_numpy(),
                          "published_rank": peers["published_rank"].to_numpy(), "own": False})
    matched = table_value = table_rank = None
    if index is not None:
        matched = names[index]
        table_value = None if pd.isna(table.at[index, "value"]) else float(table.at[index, "value"])
        raw_rank = table.at[index, "published_rank"]
        table_rank = None if pd.isna(raw_rank) else int(raw_rank)
        table = table.drop(index=index)
    own = None if own_value is None or np.isnan(own_value) else float(own_value)
    table = pd.concat([table, pd.DataFrame({"name": [own_name], "value": [own], "published_rank": [table_rank],
                                            "own": [True]})], ignore_index=True)
    decimals = rules.decimals_of(metric)
    ranked = rank_values(table["value"].astype(float), decimals, METRICS[metric].higher_is_better)
    table = table.assign(value=ranked["published"], rank=ranked["rank"], tied=ranked["tied"])
    table["_order"] = table["rank"].astype("Float64").fillna(np.inf)
    table = table.sort_values(["_order", "own"], ascending=[True, False], kind="stable").drop(columns="_order")
    table = table.reset_index(drop=True)
    own_row = table[table["own"]].iloc[0]
    rank = None if pd.isna(own_row["rank"]) else int(own_row["rank"])
    notes = [note] if note is not None else []
    if matched is not None and matched != own_name:
        notes.append(msg("rankings.peers.matched", name=own_name, matched=matched))
    if own is None:
        notes.append(msg("rankings.peers.own_missing", name=own_name))
    return Placement(table_name, period or (date.min, date.min), metric, own_name,
                     None if own is None else float(own_row["value"]), table, rank, len(table), matched,
                     table_value, table_rank, notes, decimals)


def place_period(peers: pd.DataFrame, period: Period | tuple[date, date], metric: str, own: dict[str, float],
                 table_name: str, rules: RankingRules | None = None) -> list[Placement]:
    """Each own unit (name → its value) placed among the same peer table (the others' rows
    as published); pure."""
    span = (period.start, period.end) if isinstance(period, Period) else period
    return [place(peers, metric, name, value, table_name=table_name, period=span, rules=rules)
            for name, value in own.items()]


# --- rank targets -----------------------------------------------------------------------------

@dataclass
class RankTargetResult:
    """A rank target assessed: status and reason (`geoaq.compliance.targets.assess_rank`), the
    placement in the target's period and in its baseline (None when that table is not loaded),
    and the value needed for the place asked with the gap to it."""

    target_id: str
    status: str
    reason: Message
    placement: Placement | None
    baseline: Placement | None
    needed: float | None = None
    gap: float | None = None
    standard: str = ""


def _placement_for(con, target, start: date, end: date, std, rules: RankingRules) -> Placement | None:
    from geoaq.rankings.ranking import own_figures
    from geoaq.rankings.rules import BY_STATISTIC

    peers = find_table(con, target.peers, start, end)
    if peers is None:
        return None
    metric = BY_STATISTIC[target.metric]
    level = "city" if target.scope_level == "city" else "district"
    figures = own_figures(con, level, start, end, std, (metric,))
    index, _ = match(target.scope_name, figures["unit_name"].tolist(), rules)
    value = None if index is None else figures[metric].iloc[index]
    return place(peers, metric, target.scope_name, value, table_name=target.peers, period=(start, end), rules=rules)


def assess_rank_target(con: geoaq_db.Connection, target, basis: str | None = None,
                       rules: RankingRules | None = None) -> RankTargetResult:
    """A rank target (`kind = "rank"`) against its peer table: the own figure of the target's
    scope over its period (by the target's standard, or `basis`) placed among the table of that
    period, and for better / not_worse / improve_by the same for the baseline period."""
    from geoaq.aq.standards import load_standard
    from geoaq.compliance.summary import target_basis
    from geoaq.compliance.targets import COUNTED_POSITIONS, assess_rank

    rules = rules or load_ranking_rules()
    version, _ = target_basis(target, basis)
    std = load_standard(version).on(target.end)
    current = _placement_for(con, target, target.start, target.end, std, rules)
    baseline = None
    if target.position not in ("top", "not_bottom"):
        baseline = _placement_for(con, target, *target.baseline_period(), std, rules)
    rank = None if current is None else current.rank
    size = None if current is None else current.size
    status, reason = assess_rank(target, rank, size, None if baseline is None else baseline.rank)
    needed = gap = None
    if current is not None and target.position in COUNTED_POSITIONS[:2]:
        n = int(target.value)
        place_asked = n if target.position == "top" else current.size - n
        needed, gap = current.needed_for(place_asked), current.gap_for(place_asked)
    return RankTargetResult(target.id, status, reason, current, baseline, needed, gap, std.name)


def assess_rank_targets(con: geoaq_db.Connection, targets: list | None = None, basis: str | None = None,
                        rules: RankingRules | None = None) -> pd.DataFrame:
    """Every rank target (of `targets`, default the targets file's) whose scope is one of the
    stored units, assessed against its peer tables: target, plan, unit, period, status, reason,
    rank, size, baseline_rank, needed, gap, standard, note (the target's reading of the plan)."""
    from geoaq.compliance.targets import load_targets
    from geoaq.rankings.ranking import read_units

    rules = rules or load_ranking_rules()
    chosen = [t for t in (targets if targets is not None else load_targets()) if t.kind == "rank"]
    names = {level: read_units(con, level).areas["unit_name"].astype(str).tolist() for level in ("city", "district")}
    rows = []
    for target in chosen:
        level = "city" if target.scope_level == "city" else "district"
        if match(target.scope_name, names[level], rules)[0] is None:
            continue  # another city's or county's target
        result = assess_rank_target(con, target, basis, rules)
        rows.append({"target": target.id, "plan": target.plan, "unit": target.scope_name, "peers": target.peers,
                     "start": target.start, "end": target.end, "status": result.status, "reason": result.reason,
                     "rank": None if result.placement is None else result.placement.rank,
                     "size": None if result.placement is None else result.placement.size,
                     "baseline_rank": None if result.baseline is None else result.baseline.rank,
                     "needed": result.needed, "gap": result.gap, "standard": result.standard, "note": target.note})
    return pd.DataFrame(rows, columns=["target", "plan", "unit", "peers", "start", "end", "status", "reason", "rank",
                                       "size", "baseline_rank", "needed", "gap", "standard", "note"])
