"""A DuckLake whose data files live on S3-compatible storage (GEOAQ_DATA_PATH=s3://…), against a
local S3 server (moto) on loopback: the same loads and queries as on local disk."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from helpers import DATA

from geoaq._errors import ConfigError
from geoaq.db import backend
from geoaq.db import connection as db
from geoaq.ingest.layer import ingest

MOTO = Path(sys.executable).with_name("moto_server")


@pytest.fixture
def s3(monkeypatch):
    """A moto S3 server on a free loopback port with an empty bucket; GEOAQ_S3_* point at it."""
    if not MOTO.exists():
        pytest.skip("moto_server is not installed (requirements-dev.txt)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([str(MOTO), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="geoaq", aws_secret_access_key="secret",
                          region_name="us-east-1")
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket="lake")
            break
        except Exception:  # noqa: BLE001 (not up yet)
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
    for name, value in {"GEOAQ_S3_ENDPOINT": f"127.0.0.1:{port}", "GEOAQ_S3_KEY_ID": "geoaq",
                        "GEOAQ_S3_SECRET": "secret", "GEOAQ_S3_USE_SSL": "0"}.items():
        monkeypatch.setenv(name, value)
    yield client
    server.kill()
    server.wait(timeout=30)


def test_a_ducklake_on_s3_loads_and_reads_like_one_on_disk(s3, postgres, monkeypatch):
    postgres.sql("CREATE DATABASE lake_on_s3")
    monkeypatch.setenv("GEOAQ_DATA_PATH", "s3://lake/geoaq/")
    address = f"ducklake:postgres:{postgres.dsn('lake_on_s3')}"
    try:
        with db.connect(address) as con:
            report = ingest("fire_points", DATA / "firms_viirs_snpp_china.csv", con=con)
            again = ingest("fire_points", DATA / "firms_viirs_snpp_china.csv", con=con)
            rows = con.execute("SELECT count(*), count(DISTINCT latitude || longitude || acq_date || acq_time) "
                               "FROM fire_points").fetchone()
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake").get("Contents", [])]
    finally:
        backend.forget_lake(address)
        postgres.sql("DROP DATABASE IF EXISTS lake_on_s3 WITH (FORCE)")
    assert report.inserted == 20 and again.unchanged == 20 and rows == (20, 20)
    assert any(key.startswith("geoaq/main/fire_points/") and key.endswith(".parquet") for key in keys)


def test_an_s3_data_path_without_credentials_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("GEOAQ_DATA_PATH", "s3://lake/geoaq/")
    monkeypatch.delenv("GEOAQ_S3_KEY_ID", raising=False)
    monkeypatch.delenv("GEOAQ_S3_SECRET", raising=False)
    with pytest.raises(ConfigError, match="is on S3: set GEOAQ_S3_KEY_ID, GEOAQ_S3_SECRET"):
        db.connect("ducklake:postgres:dbname=nowhere host=127.0.0.1 port=1 user=geoaq")
