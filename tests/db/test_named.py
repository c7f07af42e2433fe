"""geoaq.db.named: the one SQL path (`run`) and the identifier/fragment builders, as tables of
input → SQL."""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pytest

from geoaq._errors import GeoaqError, QueryError, UnsafeIdentifierError
from geoaq.db import named
from geoaq.db.named import Fragment, all_equal, assignments, identifier, identifier_list, query, run

PACKAGE = Path(named.__file__).resolve().parents[1]


@pytest.mark.parametrize(("name", "sql"), [
    ("adcode", '"adcode"'),
    ("fire_points", '"fire_points"'),
    ("a1_b2", '"a1_b2"'),
    ("x" * 63, '"' + "x" * 63 + '"'),
])
def test_identifier_quotes_plain_names(name, sql):
    assert identifier(name) == sql


@pytest.mark.parametrize("name", [
    "", "Adcode", "1st", "name; DROP TABLE x", 'a"b', "a b", "x" * 64, "行政区", "a-b", "a.b",
])
def test_identifier_refuses_anything_else(name):
    with pytest.raises(UnsafeIdentifierError, match="not a safe SQL identifier"):
        identifier(name)


@pytest.mark.parametrize(("names", "prefix", "sql"), [
    (["a"], "", '"a"'),
    (["a", "b", "c"], "", '"a", "b", "c"'),
    (("adcode", "level"), "c.", 'c."adcode", c."level"'),
    ([], "", ""),
])
def test_identifier_list(names, prefix, sql):
    fragment = identifier_list(names, prefix)
    assert fragment == sql and isinstance(fragment, Fragment)


@pytest.mark.parametrize(("names", "left", "right", "null_safe", "sql"), [
    (["a"], "s", "t", False, 's."a" = t."a"'),
    (["a", "b"], "s", "t", False, 's."a" = t."a" AND s."b" = t."b"'),
    (["a", "b"], "s", "t", True, 's."a" IS NOT DISTINCT FROM t."a" AND s."b" IS NOT DISTINCT FROM t."b"'),
    ([], "s", "t", False, "TRUE"),
])
def test_all_equal(names, left, right, null_safe, sql):
    assert all_equal(names, left, right, null_safe=null_safe) == sql


@pytest.mark.parametrize(("names", "source", "sql"), [
    (["level"], "t", '"level" = t."level"'),
    (["level", "extra"], "t", '"level" = t."level", "extra" = t."extra"'),
    ([], "t", ""),
])
def test_assignments(names, source, sql):
    fragment = assignments(names, source)
    assert fragment == sql and isinstance(fragment, Fragment)
    with pytest.raises(UnsafeIdentifierError):
        assignments([*names, "a; --"], source)
    with pytest.raises(UnsafeIdentifierError):
        assignments(names, "t; DROP")


@pytest.mark.parametrize(("names", "left", "right"), [
    (["a; --"], "s", "t"), (["a"], "s; DROP", "t"), (["a"], "s", "1t"),
])
def test_all_equal_checks_every_name(names, left, right):
    with pytest.raises(UnsafeIdentifierError):
        all_equal(names, left, right)


def test_query_fills_identifiers_and_fragments_only():
    assert query("layer_count", table="stations").count('"stations"') >= 1
    with pytest.raises(UnsafeIdentifierError):
        query("layer_count", table="stations; DROP TABLE rejects")
    # a Fragment goes in as it is: it can only come from the builders above
    text = query("layer_features", table="stations", columns=identifier_list(["code", "name"]))
    assert '"code", "name"' in text


@pytest.mark.parametrize("name", ["no_such_query", "../sql/layer_count", "migrations/../layer_count", "LAYER_COUNT"])
def test_an_unknown_or_odd_name_is_refused(name):
    with pytest.raises(QueryError, match="no named query"):
        query(name)


def test_run_binds_parameters_and_returns_the_result():
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE schema_version (version INTEGER, description TEXT, applied_at TIMESTAMP)")
        run(con, "schema_version_record", [7, "x'); DROP TABLE schema_version; --"])
        assert run(con, "schema_version_current").fetchone() == (7,)
        assert con.execute("SELECT description FROM schema_version").fetchone()[0].startswith("x');")
    finally:
        con.close()


def test_a_failed_query_names_itself_and_its_parameters():
    con = duckdb.connect()
    try:
        with pytest.raises(QueryError) as caught:
            run(con, "schema_version_record", [1, "first"])  # no such table yet
        error = caught.value
        assert "query 'schema_version_record' failed with parameters [1, 'first']" in str(error)
        assert error.name == "schema_version_record" and error.params == [1, "first"]
        assert isinstance(error, GeoaqError) and isinstance(error, duckdb.Error)
        assert isinstance(error.__cause__, duckdb.CatalogException)
    finally:
        con.close()


def test_long_parameters_are_cut_in_the_message():
    con = duckdb.connect()
    try:
        with pytest.raises(QueryError) as caught:
            run(con, "schema_version_record", [1, "x" * 5000])
        assert len(str(caught.value)) < 1000 and "..." in str(caught.value)
    finally:
        con.close()


def test_every_statement_goes_through_run():
    """No ``.execute(`` / ``.sql(`` on a connection anywhere in geoaq but inside `run`."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"execute", "executemany", "sql"}):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    inside_run = [o for o in offenders if o.startswith("geoaq/db/named.py")]
    assert len(inside_run) == 2  # the two calls in run itself
    assert sorted(set(offenders) - set(inside_run)) == []


def test_every_named_query_file_is_used_or_a_migration():
    """A query file nothing names is dead SQL (or a typo in the code's name for it)."""
    sources = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    unused = [p.stem for p in sorted(named.SQL_DIR.glob("*.sql")) if f'"{p.stem}"' not in sources]
    assert unused == []
