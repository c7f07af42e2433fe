"""Verification of fire events: append-only status history, labels, refusals, carry-over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from helpers import table_rows

from geoaq.db import connection as db
from geoaq.db import named, store
from geoaq.fires import verification
from geoaq.fires.verification import (
    UnknownFireEventError,
    VerificationError,
    carry_over,
    current_status,
    history,
    set_status,
)

XIPING, SHANGCAI = "411721", "411722"
T1, T2, T3 = "411721100", "411721101", "411722100"


def add_events(con: db.Connection, *event_ids: str) -> None:
    """Fire events as geoaq.fires.events would write them (only the NOT NULL columns matter here)."""
    for i, event_id in enumerate(event_ids):
        lon, lat = 114.0 + i * 0.01, 33.4
        con.execute(
            "INSERT INTO fire_events (event_id, local_date, first_utc, last_utc, lon, lat, "
            "detections, satellites, instruments, max_confidence, max_frp, radius_m, "
            "computed_at, geom) VALUES (?, DATE '2025-10-01', TIMESTAMP '2025-10-01 05:30:00', "
            "TIMESTAMP '2025-10-01 06:10:00', ?, ?, 2, 'N,J', 'VIIRS', 'nominal', 12.5, 375, "
            "TIMESTAMP '2025-10-02 00:00:00', ST_Point(?, ?))",
            [event_id, lon, lat, lon, lat],
        )


@pytest.fixture
def fires(con: db.Connection) -> db.Connection:
    """A migrated temp database (conftest's `con`: a copy of `db.connect(tmp)`) with 3 events."""
    add_events(con, "E1", "E2", "E3")
    return con


@pytest.fixture
def with_admin_units(fires, registry):
    """An admin_units layer table (as ingest creates it) with two counties and three townships."""
    store.ensure_layer_table(fires, registry["admin_units"])
    for code, name, level, parent in [
        (XIPING, "西平县", "县", "411700"),
        (SHANGCAI, "上蔡县", "县", "411700"),
        (T1, "柏城街道", "乡镇", XIPING),
        (T2, "五沟营镇", "乡镇", XIPING),
        (T3, "蔡都街道", "乡镇", SHANGCAI),
    ]:
        fires.execute(
            "INSERT INTO admin_units (adcode, name, level, parent_adcode, geom) "
            "VALUES (?, ?, ?, ?, ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'))",
            [code, name, level, parent],
        )
    return fires


def history_rows(con: db.Connection) -> int:
    return table_rows(con, "fire_event_status_history")


def test_transitions_and_full_history(fires):
    t0 = datetime(2025, 10, 2, 9, 0)
    first = set_status(fires, "E1", "verified", changed_by="张三", note="现场核实", at=t0)
    second = set_status(fires, "E1", "dismissed", changed_by="李四", reason="duplicate",
                        note="与E2重复", at=t0 + timedelta(hours=1))
    third = set_status(fires, "E1", "suspected", changed_by="王五", at=t0 + timedelta(hours=2))
    assert first < second < third

    trail = history(fires, "E1")
    assert list(trail.columns) == list(verification.HISTORY_COLUMNS)
    assert list(trail["change_id"]) == [first, second, third]
    assert list(trail["status"]) == ["verified", "dismissed", "suspected"]
    assert trail["dismiss_reason"].tolist()[1] == "duplicate"
    assert pd.isna(trail["dismiss_reason"].tolist()[0])
    assert list(trail["changed_by"]) == ["张三", "李四", "王五"]
    assert list(trail["changed_at"]) == [pd.Timestamp(t0 + timedelta(hours=h)) for h in range(3)]
    assert trail["note"].tolist()[:2] == ["现场核实", "与E2重复"]
    assert trail["carried_from"].isna().all()

    now = current_status(fires, ["E1"]).iloc[0]
    assert (now["status"], now["changed_by"]) == ("suspected", "王五")
    assert pd.isna(now["dismiss_reason"])
    assert history_rows(fires) == 3  # every change a row: nothing updated


def test_chinese_labels_accepted(fires):
    set_status(fires, "E1", "核定", changed_by="张三")
    set_status(fires, "E2", "排除", changed_by="张三", reason="工业热源")
    set_status(fires, "E3", " Dismissed ", changed_by="张三", reason="非本辖区")
    status = current_status(fires).set_index("event_id")
    assert status.loc["E1", "status"] == "verified"
    assert (status.loc["E2", "status"], status.loc["E2", "dismiss_reason"]) == (
        "dismissed", "industrial_heat_source")
    assert status.loc["E3", "dismiss_reason"] == "outside_jurisdiction"
    assert verification.label("verified") == "核定"
    assert verification.label("not_a_fire") == "非火点"


def test_current_status_defaults_to_suspected(fires):
    set_status(fires, "E2", "verified", changed_by="张三", at=datetime(2025, 10, 2, 9, 0))
    status = current_status(fires)
    assert list(status.columns) == list(verification.CURRENT_COLUMNS)
    assert list(status["event_id"]) == ["E1", "E2", "E3"]
    assert list(status["status"]) == ["suspected", "verified", "suspected"]
    assert status["changed_by"].isna().tolist() == [True, False, True]
    assert list(current_status(fires, ["E3", "nope"])["event_id"]) == ["E3"]
    assert current_status(fires, []).empty


def test_current_status_of_a_list_of_ids(fires):
    """The ids select by a semi-join: unknown ids and repeats add no row, order is by id."""
    add_events(fires, *[f"X{i:05d}" for i in range(1000)])
    set_status(fires, "X00007", "dismissed", reason="duplicate", changed_by="张三")
    wanted = ["X00999", "X00007", "nope", "X00007", "E2"]
    status = current_status(fires, wanted)
    assert list(status["event_id"]) == ["E2", "X00007", "X00999"]
    assert list(status["status"]) == ["suspected", "dismissed", "suspected"]
    everything = [f"X{i:05d}" for i in range(1000)]
    assert len(current_status(fires, everything)) == 1000
    assert len(current_status(fires)) == 1003


def test_changed_at_is_beijing_time(fires):
    utc = datetime(2025, 10, 2, 1, 0, tzinfo=UTC)
    set_status(fires, "E1", "verified", changed_by="张三", at=utc)
    assert history(fires, "E1")["changed_at"].iloc[0] == pd.Timestamp("2025-10-02 09:00")
    set_status(fires, "E2", "verified", changed_by="张三")
    stamped = history(fires, "E2")["changed_at"].iloc[0]
    beijing_now = datetime.now(timezone(timedelta(hours=8))).replace(tzinfo=None)
    assert abs(pd.Timestamp(beijing_now) - stamped) < pd.Timedelta(minutes=5)


@pytest.mark.parametrize(("event_id", "status", "kwargs", "error", "match"), [
    ("E1", "dismissed", {}, VerificationError,
     r"dismissing event 'E1' needs a reason: industrial_heat_source \(工业热源\), not_a_fire"),
    ("E1", "排除", {"reason": "  "}, VerificationError, r"dismissing event 'E1' needs a reason"),
    ("E1", "verified", {"reason": "not_a_fire"}, VerificationError,
     r"a reason is given only when dismissing; event 'E1' is being set to verified \(核定\)"),
    ("E9", "verified", {}, UnknownFireEventError, r"no fire event 'E9' in fire_events"),
    ("E1", "confirmed", {}, VerificationError,
     r"unknown status 'confirmed'; use one of: suspected \(疑似\), verified \(核定\), "
     r"dismissed \(排除\)"),
    ("E1", "dismissed", {"reason": "smoke"}, VerificationError,
     r"unknown dismiss reason 'smoke'; use one of: industrial_heat_source \(工业热源\)"),
    ("E1", "verified", {"changed_by": "  "}, VerificationError, r"changed_by must name who"),
    ("E1", "verified", {"county_adcode": "4117"}, VerificationError,
     r"county_adcode must be a 6-digit division code, got '4117'"),
    ("E1", "verified", {"township_adcode": XIPING}, VerificationError,
     r"township_adcode must be a 9- or 12-digit division code"),
    ("E1", "verified", {"county_adcode": SHANGCAI, "township_adcode": T1}, VerificationError,
     rf"township {T1} is not in county {SHANGCAI}"),
])
def test_refused_changes_write_nothing(fires, event_id, status, kwargs, error, match):
    set_status(fires, "E1", "verified", changed_by="张三")
    kwargs = {"changed_by": "李四", **kwargs}
    with pytest.raises(error, match=match):
        set_status(fires, event_id, status, **kwargs)
    assert history_rows(fires) == 1
    assert current_status(fires, ["E1"])["changed_by"].iloc[0] == "张三"
    set_status(fires, "E2", "verified", changed_by="张三")  # the connection is usable after


def test_error_inside_the_transaction_leaves_no_row_and_no_open_transaction(fires, monkeypatch):
    """A failure after the checks (here: the insert itself) rolls back; the connection works on."""
    real_query = named.query
    failing_insert = "SELECT ?, error('boom ' || ?), " + ", ".join(["?"] * 11)

    def broken(name, **parts):
        return failing_insert if name == "fire_status_insert" else real_query(name, **parts)

    monkeypatch.setattr(named, "query", broken)  # what every named query runs through
    with pytest.raises(Exception, match="boom E1"):
        set_status(fires, "E1", "verified", changed_by="张三")
    monkeypatch.undo()
    assert history_rows(fires) == 0
    set_status(fires, "E1", "verified", changed_by="张三")  # BEGIN works: nothing left open
    assert history_rows(fires) == 1


def test_corrections_validated_against_admin_units(with_admin_units):
    con = with_admin_units
    set_status(con, "E1", "verified", changed_by="张三", county_adcode=XIPING,
               township_adcode=T2)
    row = current_status(con, ["E1"]).iloc[0]
    assert (row["county_adcode"], row["township_adcode"]) == (XIPING, T2)

    refusals = [
        ({"county_adcode": "411799"}, r"adcode 411799 is not in admin_units"),
        ({"county_adcode": T1}, r"county_adcode must be a 6-digit"),
        ({"county_adcode": "411700"}, r"adcode 411700 is not in admin_units"),
        ({"township_adcode": "411721999"}, r"adcode 411721999 is not in admin_units"),
        # a new county with the township correction still in force
        ({"county_adcode": SHANGCAI},
         rf"township {T2} \(五沟营镇\) \(the correction in force\) belongs to county {XIPING}, "
         rf"not to {SHANGCAI} \(上蔡县\)"),
        ({"township_adcode": T3},
         rf"township {T3} \(蔡都街道\) belongs to county {SHANGCAI}, not to {XIPING} \(西平县\) "
         r"\(the correction in force\)"),
    ]
    for kwargs, match in refusals:
        with pytest.raises(VerificationError, match=match):
            set_status(con, "E1", "verified", changed_by="李四", **kwargs)
    assert history_rows(con) == 1

    # a county code at the wrong level
    con.execute("INSERT INTO admin_units (adcode, name, level, parent_adcode) "
                "VALUES ('411700', '驻马店市', '市', '410000')")
    with pytest.raises(VerificationError, match=r"adcode 411700 \(驻马店市\) is level 市, not 县"):
        set_status(con, "E1", "verified", changed_by="李四", county_adcode="411700")
    con.execute("INSERT INTO admin_units (adcode, name, level, parent_adcode) "
                "VALUES ('411721500', '西平县（误标）', '县', '411700')")
    with pytest.raises(VerificationError, match=r"adcode 411721500 \(西平县（误标）\) is level 县, "
                                                r"not 乡镇"):
        set_status(con, "E2", "verified", changed_by="李四", township_adcode="411721500")

    # moving both together is fine; "" drops a correction
    set_status(con, "E1", "verified", changed_by="李四", county_adcode=SHANGCAI,
               township_adcode=T3)
    set_status(con, "E1", "dismissed", changed_by="王五", reason="非本辖区")
    row = current_status(con, ["E1"]).iloc[0]
    assert (row["status"], row["county_adcode"], row["township_adcode"]) == (
        "dismissed", SHANGCAI, T3)  # kept while the status changed
    set_status(con, "E1", "verified", changed_by="王五", county_adcode="", township_adcode="")
    row = current_status(con, ["E1"]).iloc[0]
    assert pd.isna(row["county_adcode"]) and pd.isna(row["township_adcode"])
    assert history_rows(con) == 4


def test_carry_over(fires):
    set_status(fires, "E1", "verified", changed_by="张三", note="现场核实",
               county_adcode=XIPING, at=datetime(2025, 10, 2, 9, 0))
    set_status(fires, "E2", "dismissed", changed_by="李四", reason="not_a_fire")
    set_status(fires, "E3", "verified", changed_by="王五")
    add_events(fires, "N1", "N2", "N3", "N4")
    set_status(fires, "N3", "dismissed", changed_by="赵六", reason="duplicate")
    written = carry_over(fires, {
        "E1": "N1",  # carried
        "E2": "N2",  # carried, with its reason
        "E3": "N3",  # N3 was already reviewed: kept
        "E-never": "N4",  # the old id has no history: nothing to carry
        "N1": "N1",  # unchanged id: ignored
    })
    assert written == 2
    assert history(fires, "N3")["status"].tolist() == ["dismissed"]
    n1 = history(fires, "N1")
    assert len(n1) == 1
    row = n1.iloc[0]
    assert (row["status"], row["county_adcode"], row["note"], row["carried_from"],
            row["changed_by"]) == ("verified", XIPING, "现场核实", "E1", "system")
    n2 = history(fires, "N2").iloc[0]
    assert (n2["status"], n2["dismiss_reason"], n2["carried_from"]) == (
        "dismissed", "not_a_fire", "E2")
    assert history(fires, "N4").empty
    assert history(fires, "E1")["status"].tolist() == ["verified"]  # the old trail stays

    full = history(fires, "N1", follow_carried=True)
    assert list(full["event_id"]) == ["E1", "N1"]
    assert list(full["changed_by"]) == ["张三", "system"]

    assert carry_over(fires, {"E1": "N1", "E2": "N2"}) == 0  # idempotent
    assert carry_over(fires, {}) == 0


def test_carry_over_does_not_overwrite_a_reviewed_new_id(fires):
    set_status(fires, "E1", "verified", changed_by="张三")
    add_events(fires, "N1")
    set_status(fires, "N1", "dismissed", changed_by="李四", reason="duplicate")
    assert carry_over(fires, {"E1": "N1"}, changed_by="recompute") == 0
    assert history(fires, "N1")["status"].tolist() == ["dismissed"]


def test_carry_over_merged_events_take_the_latest_change(fires):
    set_status(fires, "E1", "verified", changed_by="张三")
    set_status(fires, "E2", "dismissed", changed_by="李四", reason="duplicate")
    add_events(fires, "N1")
    assert carry_over(fires, {"E1": "N1", "E2": "N1"}, changed_by="recompute") == 1
    row = history(fires, "N1").iloc[0]
    assert (row["status"], row["carried_from"], row["changed_by"]) == (
        "dismissed", "E2", "recompute")


def test_carry_over_needs_the_new_events(fires):
    set_status(fires, "E1", "verified", changed_by="张三")
    with pytest.raises(UnknownFireEventError,
                       match=r"new event id\(s\) \['N9'\] are not in fire_events"):
        carry_over(fires, {"E1": "N9"})
    assert history_rows(fires) == 1
    with pytest.raises(VerificationError, match="changed_by must name who"):
        carry_over(fires, {"E1": "E2"}, changed_by=" ")
