"""A local HTTP server replaying recorded answers, for the feed tests (nothing leaves loopback).

`Replay` is a `ThreadingHTTPServer` on 127.0.0.1 in a thread. Each route is a regular
expression on the request path with what to answer: a `Reply`, a list of them (given in turn,
the last one repeating) or a function of the path's match. A `Reply` can be late (`delay`,
before the status line: beyond a client's read timeout), trickle its body (`trickle` seconds
between chunks), stop half-way (`cut`, with or without a Content-Length saying more) — every
way a real server misbehaves that the feeds must survive. Every request's path is kept in
`requests`.

The FIRMS answers are made from the repository's own FIRMS test files (`firms_answer`): the
rows of the asked days, as the area API gives them; an unknown key gets FIRMS's error page
(HTTP 400 "Invalid MAP_KEY."), a day without rows the header alone.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from helpers import DATA

VALID_KEY = "0123456789abcdef0123456789abcdef"
FIRMS_FILES = {"VIIRS_SNPP_NRT": DATA / "firms_viirs_snpp_china.csv",
               "MODIS_NRT": DATA / "firms_modis_c61_china.csv"}
#: the MODIS test file is of 2025-04-22; its rows are replayed as of this day
MODIS_DAY = date(2025, 6, 26)
AREA_PATH = re.compile(r"^/api/area/csv/(?P<key>[^/]+)/(?P<source>[A-Z0-9_]+)/(?P<area>[-0-9.,]+)/"
                       r"(?P<days>\d+)/(?P<date>\d{4}-\d{2}-\d{2})$")
LIVE_FILE = DATA / "cnemc_live_2026-03-01T12.csv"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/csv"})
    delay: float = 0.0          # seconds before the status line
    trickle: float = 0.0        # seconds between chunks of the body
    chunk: int = 4096           # bytes per chunk when trickling
    cut: int | None = None      # send only this many bytes of the body, then close
    content_length: bool = True  # say the (whole) body's length


Answer = Reply | list[Reply] | Callable[[re.Match], Reply]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        reply = self.server.replay.answer(self.path)
        if reply.delay:
            time.sleep(reply.delay)
        self.server.replay.started.append(self.path)
        body = reply.body
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.content_length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        sent = body if reply.cut is None else body[:reply.cut]
        if reply.trickle:
            for start in range(0, len(sent), reply.chunk):
                self.wfile.write(sent[start:start + reply.chunk])
                self.wfile.flush()
                time.sleep(reply.trickle)
        else:
            self.wfile.write(sent)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: Replay

    def handle_error(self, request, client_address) -> None:  # a client that gave up: fine
        pass


class Replay:
    """The server; `url` is its base, `route` adds answers, `requests` the paths asked."""

    def __init__(self) -> None:
        self.routes: list[tuple[re.Pattern, Answer]] = []
        self.requests: list[str] = []
        self.started: list[str] = []  # paths whose answer began (after any delay)
        self._lock = threading.Lock()
        self._given: dict[int, int] = {}
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.replay = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, pattern: str, answer: Answer) -> None:
        """Answer paths matching `pattern` (searched, first route first) with `answer`."""
        self.routes.insert(0, (re.compile(pattern), answer))

    def answer(self, path: str) -> Reply:
        with self._lock:
            self.requests.append(path)
            for pattern, answer in self.routes:
                match = pattern.search(path)
                if match is None:
                    continue
                if isinstance(answer, list):
                    turn = self._given.get(id(answer), 0)
                    self._given[id(answer)] = turn + 1
                    return answer[min(turn, len(answer) - 1)]
                return answer(match) if callable(answer) else answer
        return Reply(404, b"404: Not Found", {"Content-Type": "text/plain"})

    def count(self, pattern: str) -> int:
        """How many requests matched `pattern`."""
        return sum(1 for p in self.requests if re.search(pattern, p))

    def start(self) -> Replay:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- FIRMS ---------------------------------------------------------------------------------------


def firms_rows(source: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) the replay holds for `source` (none for the NOAA satellites)."""
    path = FIRMS_FILES.get(source)
    if path is None:
        header, _ = firms_rows("VIIRS_SNPP_NRT")
        return header, []
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
    header, body = rows[0], rows[1:]
    if source == "MODIS_NRT":
        at = header.index("acq_date")
        body = [[*r[:at], MODIS_DAY.isoformat(), *r[at + 1:]] for r in body]
    return header, body


def firms_csv(source: str, first: date, days: int) -> bytes:
    """The area API's CSV of `source` for `days` days from `first`: the header, then the
    test file's rows of those days."""
    header, rows = firms_rows(source)
    at = header.index("acq_date")
    wanted = {(first + timedelta(days=n)).isoformat() for n in range(days)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(r for r in rows if r[at] in wanted)
    return out.getvalue().encode()


def firms_answer(match: re.Match) -> Reply:
    """What FIRMS's area API answers a request (path matched by `AREA_PATH`)."""
    if match["key"] != VALID_KEY:
        return Reply(400, b"Invalid MAP_KEY.", {"Content-Type": "text/html"})
    first = date.fromisoformat(match["date"])
    return Reply(body=firms_csv(match["source"], first, int(match["days"])))


def key_status(used: int, limit: int = 5000) -> Reply:
    body = json.dumps({"transaction_limit": limit, "current_transactions": used,
                       "transaction_interval": "10 minutes"}).encode()
    return Reply(body=body, headers={"Content-Type": "application/json"})


def firms_replay(replay: Replay, used: int = 0) -> Replay:
    """`replay` answering as FIRMS does, the key having used `used` transactions."""
    replay.route(AREA_PATH.pattern, firms_answer)
    replay.route(r"^/mapserver/mapkey_status/", key_status(used))
    return replay


def all_rows(source: str, first: date, last: date) -> int:
    """How many of the replay's rows of `source` lie in first..last."""
    header, rows = firms_rows(source)
    at = header.index("acq_date")
    return sum(first.isoformat() <= r[at] <= last.isoformat() for r in rows)


# --- settings ------------------------------------------------------------------------------------

#: what the feed tests run with unless a test says otherwise: quick timeouts and retries
TEST_HTTP = {"connect_timeout_s": 2, "read_timeout_s": 1, "retries": 1, "backoff_s": 0}
#: the VIIRS test file's detections lie in Yunnan and southern Sichuan
YUNNAN = [97.0, 21.0, 106.0, 29.0]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"


def feeds_toml(firms: dict | None = None, cnemc: dict | None = None, http: dict | None = None) -> str:
    """The text of a feeds file with these tables (TEST_HTTP under the given http)."""
    tables = {"firms": firms or {}, "cnemc": cnemc or {}, "http": {**TEST_HTTP, **(http or {})}}
    return "\n".join(f"[{name}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items())
                     for name, values in tables.items())


def write_site(site, **tables) -> None:
    """A site directory (GEOAQ_SITE_DIR) whose rules/feeds.toml holds `tables`."""
    (site / "rules").mkdir(parents=True, exist_ok=True)
    (site / "rules" / "feeds.toml").write_text(feeds_toml(**tables), "utf-8")


def settings(tmp_path, replay: Replay | None = None, firms: dict | None = None,
             cnemc: dict | None = None, http: dict | None = None):
    """Checked settings read from a feeds file in `tmp_path`: FIRMS enabled on the replay
    over Yunnan unless `firms` says otherwise; the live feed as `cnemc` says."""
    from geoaq.feeds.config import load_feeds

    base = {"enabled": True, "bbox": YUNNAN, "margin_km": 0, "check_key_status": False}
    if replay is not None:
        base["base_url"] = replay.url
    path = tmp_path / "feeds.toml"
    path.write_text(feeds_toml({**base, **(firms or {})}, cnemc, http), "utf-8")
    return load_feeds(path)


def many_detections(n: int) -> bytes:
    """A VIIRS answer of `n` distinct detections: the test file's rows again and again, each
    round moved 0.0001° north (so every row has its own natural key)."""
    header, rows = firms_rows("VIIRS_SNPP_NRT")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i in range(n):
        row = list(rows[i % len(rows)])
        row[0] = f"{float(row[0]) + (i // len(rows)) * 0.0001:.5f}"
        writer.writerow(row)
    return out.getvalue().encode()
